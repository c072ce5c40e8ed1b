"""Power switches without a rig: testbed ``power:`` validation, which place resource powers
which terminal, and the step's errors on the virtual clock (a terminal with no switch, a
power command that fails)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ntnstack.rigs.places import HeldPlace
from ntnstack.scenario.power_spec import PowerSpec
from ntnstack.runner.api import load_inputs, run_scenario
from ntnstack.scenario.source import ConfigError
from tests.rigs.conftest import SCENARIO
from tests.rigs.test_power import POWER_CYCLE

SIMPLEREST = {"model": "simplerest", "host": "http://pdu/relay/{index}/{value}", "index": "3"}


def test_a_testbed_power_command_must_be_a_program(tmp_path):
    bed = tmp_path / "bed.yaml"
    bed.write_text("ports:\n  tt-a:\n    url: /dev/ttyUSB0\n    power: no-such-switch 3\n")
    with pytest.raises(ConfigError, match=r"bed.yaml:4:.*ports.tt-a.power: 'no-such-switch' "
                                          r"is not an executable program"):
        load_inputs([SCENARIO], [str(bed)])
    res = subprocess.run([sys.executable, "-m", "ntnstack", "run", SCENARIO, "--testbed",
                          str(bed)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "'no-such-switch' is not an executable program" in res.stderr
    bed.write_text("ports:\n  tt-a: {url: /dev/ttyUSB0, power: 'true --relay 3'}\n")
    _, _, ports = load_inputs([SCENARIO], [str(bed)])
    assert ports["tt-a"].power == PowerSpec(command=("true", "--relay", "3"))


def test_a_places_power_port_is_the_terminals_or_the_only_one():
    one = HeldPlace("rig-a", {}, {}, {"pdu": SIMPLEREST})
    assert one.power_of("tt-a") == PowerSpec(place="rig-a", resource="pdu", params=SIMPLEREST)
    assert str(one.power_of("tt-a")) == "labgrid rig-a/pdu (simplerest)"
    two = HeldPlace("rig-a", {}, {}, {"tt-a-power": SIMPLEREST, "tt-b-power": SIMPLEREST})
    assert two.power_of("tt-b").resource == "tt-b-power"
    assert two.power_of("nb-1") is None and HeldPlace("x", {}, {}).power_of("tt-a") is None


def power_cycle_on(tmp_path, port: str):
    bed = tmp_path / "bed.yaml"
    bed.write_text(f"ports:\n  tt-a: {{{port}}}\n")
    scenario, testbed, ports = load_inputs([SCENARIO, POWER_CYCLE], [str(bed)])
    return run_scenario(scenario, testbed, ports, tmp_path / "out", progress=False)


def test_power_cycle_needs_a_switch(tmp_path):
    out = power_cycle_on(tmp_path, "url: virtual")
    step = out.results[2]
    assert (step.action, step.status) == ("power_cycle", "error")
    assert step.message == ("tt-a (a virtual module) has no power switch: give its testbed "
                            "port 'power: COMMAND' or its labgrid place a NetworkPowerPort")
    assert out.results[3].status == "skipped"


def test_a_failing_power_command_is_the_steps_error(tmp_path):
    out = power_cycle_on(tmp_path, "url: virtual, power: 'false'")
    step = out.results[2]
    assert step.status == "error"
    assert step.message == "tt-a: power off: false off exited with status 1: no message"

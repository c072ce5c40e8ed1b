"""Power switches through a real labgrid coordinator and exporter (tests/rigs/conftest.py):
the power_cycle step and the recovery of a hung module, switched by labgrid's own
NetworkPowerDriver (simplerest model) or by a testbed's power command; the module really goes
(its process killed, its pty gone) and boots again."""
from __future__ import annotations

from ntnstack.runner.journal import read_run
from tests.rigs.conftest import HERE, SCENARIO, finished, relay_command

POWER_CYCLE = str(HERE / "power-cycle.yaml")
OFF, ON = (0, False), (0, True)   # relay 0 (rig-a's module) switched off / on


def outcome(result: dict) -> list[tuple[str, str]]:
    return [(s["step"], s["status"]) for s in result["steps"]]


def power_events(run_dir: str) -> list[str]:
    return [e["text"] for e in read_run(run_dir)["events"] if e["kind"] == "power"]


def test_power_cycle_step_through_the_places_power_port(farm):
    before, switched = farm.modules["a"].pid, len(farm.relays.log)
    rc, result, err = finished(farm.run(SCENARIO, POWER_CYCLE, "--labgrid", "rig-a",
                                        user="bob"))
    assert rc == 0, err
    assert outcome(result) == [("00-power_on", "passed"), ("01-attach", "passed"),
                               ("02-power_cycle", "passed"), ("03-attach", "passed")]
    assert farm.relays.log[switched:] == [OFF, ON]
    assert farm.modules["a"].pid != before        # a new boot, not the old process
    back = result["steps"][2]["checks"][0]
    assert back["name"] == "back_within_s" and 0 < back["observed"] <= 30
    events = power_events(result["out"])
    assert events[:2] == ["off (labgrid rig-a/power (simplerest))",
                          "on (labgrid rig-a/power (simplerest))"]
    assert events[2].startswith("answering again after ")


def test_a_hung_module_is_power_cycled_once_and_the_run_goes_on(farm):
    """rig-a's module is hung (answers nothing: fault silent-after:0) when the run starts:
    power_on fails (a hang is the terminal's failure), the runner cycles the power once
    through labgrid, the module boots clean, and the attach that follows passes."""
    farm.switch(0, False)
    farm.serve("a", faults="silent-after:0")
    switched = len(farm.relays.log)
    rc, result, err = finished(farm.run(SCENARIO, "--labgrid", "rig-a", user="bob"))
    assert rc == 1, err
    assert result["status"] == "failed"
    assert outcome(result) == [("00-power_on", "failed"), ("01-attach", "passed")]
    assert farm.relays.log[switched:] == [OFF, ON]        # once
    [hung] = result["steps"][0]["checks"]
    assert hung["name"] == "responsive" and hung["passed"] is False
    message = result["steps"][0]["message"]
    assert message.startswith("responsive: the module hung (tt-a: ")
    assert ", answering again " in message and message.endswith(" s after power on")
    data = read_run(result["out"])
    recovery = data["steps"][0]["observed"]["recovery"]
    assert recovery["off_s"] == 2.0 and recovery["back_after_s"] > 0
    assert power_events(result["out"])[0] == ("no answer to a probe within 3 s: the module "
                                              "hung; power-cycling it once")
    junit = (farm.tmp / f"run-{farm.runs}" / "junit.xml").read_text()
    assert 'name="power_on"' in junit and "the module hung" in junit
    assert "power-cycled, answering again" in \
        (farm.tmp / f"run-{farm.runs}" / "report.html").read_text()


def test_a_plain_testbed_names_a_power_command(farm):
    """No labgrid: the testbed's port names a command (called with off, then on)."""
    bed = farm.tmp / "powered.yaml"
    bed.write_text("name: powered\nports:\n  tt-a:\n"
                   f"    url: \"rfc2217://127.0.0.1:{farm.serial_ports['a']}?ign_set_control\"\n"
                   f"    family: tiantong\n    power: \"{relay_command(farm.relays, 0)}\"\n")
    switched = len(farm.relays.log)
    rc, result, err = finished(farm.run(SCENARIO, POWER_CYCLE, "--testbed", str(bed),
                                        user="bob"))
    assert rc == 0, err
    assert [s for _, s in outcome(result)] == ["passed"] * 4
    assert farm.relays.log[switched:] == [OFF, ON]
    assert power_events(result["out"])[0].startswith("off (power command ")


def test_labgrid_client_switches_the_same_power_port(farm):
    """labgrid's own client cycles the place's power port as exported (docs/rigs.md: by hand
    after a killed run); rig-b has no power port, and its power_cycle step says so."""
    before, switched = farm.modules["a"].pid, len(farm.relays.log)
    farm.client("-p", "rig-a", "acquire", user="alice")
    try:
        farm.client("-p", "rig-a", "power", "cycle", "-t", "0.5", user="alice")
        assert "on" in farm.client("-p", "rig-a", "power", "get", user="alice")
    finally:
        farm.client("-p", "rig-a", "release", user="alice")
    assert farm.relays.log[switched:] == [OFF, ON]
    assert farm.modules["a"].pid != before
    rc, result, err = finished(farm.run(SCENARIO, POWER_CYCLE, "--labgrid", "rig-b",
                                        user="bob"))
    assert rc == 1, err
    step = result["steps"][2]
    assert (step["step"], step["status"]) == ("02-power_cycle", "error")
    assert step["message"].startswith("tt-a (on rfc2217://127.0.0.1:")
    assert step["message"].endswith(" has no power switch: give its testbed port 'power: "
                                    "COMMAND' or its labgrid place a NetworkPowerPort")

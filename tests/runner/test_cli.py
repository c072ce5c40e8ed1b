"""``ntnstack run`` end to end on module-free scenarios: exit statuses 0 / 1 / 2, the files
of the output directory (signals: test_signals.py)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ntnstack.runner.journal import read_run
from tests.runner.conftest import SCENARIOS, ntnstack

WAITS = str(SCENARIOS / "waits.yaml")


def test_passing_run_exit_0_and_outputs(tmp_path):
    res = ntnstack("run", WAITS, "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert "PASSED: waits" in res.stdout and "6 passed" in res.stdout
    assert "[6/6]" not in res.stderr  # stderr is not a terminal here: no progress lines
    out = tmp_path / "out"
    root = ET.parse(out / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "0", "0")
    data = read_run(out)
    assert data["run"]["status"] == "passed"
    pass_step = data["steps"][1]
    # tr38821-leo600 culminates over the reference UE at start + 600 s (ntnstack.orbit
    # presets); a 600 km pass above 10 deg lasts about 9 minutes, so the rise is at ~335 s.
    assert 300.0 < pass_step["observed"]["rise_s"] < 400.0
    assert abs(pass_step["ended_s"] - pass_step["observed"]["rise_s"]) < 1e-6
    assert (out / "report.html").stat().st_size > 0
    assert (out / "capture.pcap").stat().st_size > 24  # pcap header plus SIB31-NB packets


def test_failing_expectation_exit_1_with_a_message(tmp_path):
    res = ntnstack("run", WAITS, str(SCENARIOS / "no_pass.yaml"), "--out", str(tmp_path))
    assert res.returncode == 1
    assert "FAILED" in res.stdout
    assert "the step did not succeed: no pass within 60 s" in res.stdout
    failure = ET.parse(tmp_path / "junit.xml").getroot().find(".//failure")
    assert "no pass within 60 s" in failure.get("message")


def test_bad_scenario_exit_2_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(WAITS).read_text().replace("family: nbntn-generic", "family: nbiot"))
    res = ntnstack("run", str(bad), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0
    assert f"{bad}:10:" in res.stderr and "terminals.ue.family" in res.stderr
    assert not (tmp_path / "out").exists()  # nothing run, nothing written


def test_bad_clock_option_exit_2(tmp_path):
    res = ntnstack("run", WAITS, "--clock", "scaled:-3", "--out", str(tmp_path))
    assert res.returncode == 2 and "scaled:-3" in res.stderr


def test_json_output(tmp_path):
    res = ntnstack("run", WAITS, "--json", "--out", str(tmp_path))
    assert res.returncode == 0
    out = json.loads(res.stdout)
    assert out["status"] == "passed" and len(out["steps"]) == 6
    assert res.stderr == ""  # --json: no progress bar


RIG = textwrap.dedent("""\
    name: one-real
    ports:
      ue: {url: /dev/serial/by-id/usb-absent-if00, family: nbntn-generic}
    """)


def test_real_modules_run_in_real_time(tmp_path):
    from ntnstack.runner.api import load_inputs

    rig = tmp_path / "rig.yaml"
    rig.write_text(RIG)
    scenario, testbed, ports = load_inputs([WAITS], [str(rig)])
    assert testbed.hardware and not ports["ue"].virtual
    assert scenario.clock.mode == "realtime"  # the file says virtual
    res = ntnstack("run", WAITS, "--testbed", str(rig), "--clock", "scaled:10",
                   "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "terminals ue are real modules" in res.stderr


def test_a_port_that_does_not_open_stops_the_run_before_the_first_step(tmp_path):
    """The testbed's hardware ports are opened before the first step: a missing one is one
    line naming the terminal and the port, exit 2, and nothing is written (no run, no wait
    for a module that is not there)."""
    rig = tmp_path / "rig.yaml"
    rig.write_text(RIG)
    steps = tmp_path / "steps.yaml"
    steps.write_text("steps:\n  - {terminal: ue, do: power_on}\n  - {terminal: ue, do: attach}\n")
    res = ntnstack("run", WAITS, str(steps), "--testbed", str(rig), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith("ntnstack run: error: testbed ports not opening: ue: "
                                 "/dev/serial/by-id/usb-absent-if00: cannot open")
    assert len(res.stderr.splitlines()) == 1
    assert not any((tmp_path / "o").rglob("*"))      # the folder --out made stays empty


def test_the_port_check_leaves_what_the_module_printed_and_sees_a_held_port():
    """The check before the first step opens the device bare: a banner the module printed
    just before the run stays for the run's own open (a Transport would have read it and
    dropped it at close), and a port another process holds (flock, as the run's exclusive
    open takes) is named."""
    import fcntl
    import os
    import tty

    from ntnstack.runner.ports import unopenable
    from ntnstack.scenario.model import Port

    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    try:
        os.write(master, b"\r\nRDY\r\n")
        assert unopenable({"ue": Port("ue", path)}) == []
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            assert os.read(fd, 64) == b"\r\nRDY\r\n"
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            assert unopenable({"ue": Port("ue", path)}) == [
                f"ue: {path}: cannot open (held by another process)"]
        finally:
            os.close(fd)
    finally:
        os.close(slave)
        os.close(master)


def test_companions_are_stopped_when_the_ports_do_not_open(tmp_path):
    """A companion holds its connection (a callbox) from its making: a run whose ports do not
    open stops it too, before raising."""
    from ntnstack.runner.api import load_inputs
    from ntnstack.runner.engine import Runner
    from ntnstack.runner.ports import PortsNotOpening

    class Companion:
        ran_equipment = ()
        stopped = 0

        def prepare(self, world): ...
        def start(self, clock): ...
        def take(self): return []

        def stop(self):
            self.stopped += 1

    rig = tmp_path / "rig.yaml"
    rig.write_text(RIG)
    scenario, bed, ports = load_inputs([WAITS], [str(rig)])
    companion = Companion()
    with pytest.raises(PortsNotOpening):
        Runner(scenario, bed, ports, tmp_path / "o", companions=[companion]).run()
    assert companion.stopped == 1


def test_default_scenario_is_found_from_any_directory(tmp_path):
    """The installed (editable) package finds ntnstack/configs/scenarios/default.yaml by itself."""
    code = ("from ntnstack.runner.api import load_inputs\n"
            "s, t, p = load_inputs(None)\n"
            "print(s.name, s.files[0], t.name, len(p))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    name, path, testbed, ports = res.stdout.split()
    assert name == "default" and path.endswith("ntnstack/configs/scenarios/default.yaml")
    assert testbed == "virtual" and int(ports) >= 6


def test_steps_wait_for_their_start_time(tmp_path):
    from ntnstack.runner.api import load_inputs, run_scenario

    timed = tmp_path / "timed.yaml"
    timed.write_text("steps:\n  - {terminal: ue, do: wait, duration_s: 10}\n"
                     "  - {terminal: ue, do: wait, duration_s: 10, at_s: 500}\n")
    outcome = run_scenario(*load_inputs([WAITS, str(timed)]), tmp_path / "out",
                           progress=False)
    first, second = outcome.results
    assert (first.started_s, first.ended_s) == (0.0, 10.0)
    assert (second.started_s, second.ended_s) == (500.0, 510.0)

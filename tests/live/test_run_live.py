"""``ntnstack run --live``: the live service during a run on a scaled clock, read by a real
websockets client; refused on the virtual clock."""
import asyncio
import json
import subprocess

import pytest
import yaml

from ntnstack.live import LiveCells
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.live.clients import CLI, collect, encode_geo_cell_sib
from tests.rigs.conftest import SCENARIO as RIG_SCENARIO
from tests.rigs.conftest import finished
SCALE = 10            # emulated seconds per real second
WAIT_S = 60.0         # emulated: the run's one step; ~12 SIB updates of 5.12 s (the default)
# a wait only: no module has to answer within a scaled deadline on a busy machine
SHORT_RUN = {"name": "short", "clock": f"scaled:{SCALE}", "steps": [
    {"terminal": "nb-geo", "do": "wait", "duration_s": WAIT_S}]}


def test_run_serves_its_cells_on_its_clock(tmp_path):
    overlay = tmp_path / "short.yaml"
    overlay.write_text(yaml.safe_dump(SHORT_RUN))
    proc = subprocess.Popen([*CLI, "run", str(default_scenario_path()), str(overlay), "--out",
                             str(tmp_path / "out"), "--live", "127.0.0.1:0", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    assert line.startswith("ntnstack run: live state on ws://127.0.0.1:"), line
    got = asyncio.run(collect(int(line.rsplit(":", 1)[1])))
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    emulated_s = json.loads(out)["emulated_s"]
    scenario = load_scenario([default_scenario_path(), overlay])
    start = scenario.start_unix_s
    # one current message per broadcasting cell first, then the GEO cell's SIB updates in
    # time order, each with the bytes `ntnstack sib encode` gives for its time (the LEO
    # satellite is below the horizon over nb-leo for the whole run: no update of its cell)
    firsts = {m["cell"]: m for m in got[:2]}
    assert set(firsts) == {"geo-cell", "leo-cell"}
    assert firsts["leo-cell"]["visible"] is False and firsts["geo-cell"]["visible"] is True
    updates = [m for m in got[2:] if m["reason"] == "sib-update"]
    times = [m["t_unix_s"] for m in updates]
    assert {m["cell"] for m in updates} == {"geo-cell"}
    assert times == sorted(times) and len(times) >= 3
    assert all(start < t <= start + emulated_s for t in times)
    live = LiveCells(scenario, ["geo-cell"])
    first_after = min(t for t, c, _ in live.events(got[0]["t_unix_s"], start + 3600)
                      if c == "geo-cell")
    assert times[0] == first_after   # none missed after the first message
    sib = updates[-1]["sib"]
    assert encode_geo_cell_sib(scenario, sib["sent_unix_s"]) == sib["uper_hex"]


def test_run_live_refused_on_the_virtual_clock_and_bad_address(tmp_path):
    for args, named in ((["--live", "127.0.0.1:0"], "virtual clock"),
                        (["--live", "nohost", "--clock", "scaled:10"], "--live 'nohost'")):
        out = subprocess.run([*CLI, "run", *args, "--out", str(tmp_path)], capture_output=True,
                             text=True)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert named in out.stderr and "--live" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1


def test_run_live_on_an_address_in_use_journals_nothing(tmp_path):
    # the address is bound before the run journals anything (LiveService.prepare): a run
    # that cannot serve never starts, as a port that does not open (docs/rigs.md)
    import socket

    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    overlay = tmp_path / "short.yaml"
    overlay.write_text(yaml.safe_dump(SHORT_RUN))
    try:
        out = subprocess.run([*CLI, "run", str(default_scenario_path()), str(overlay),
                              "--live", f"127.0.0.1:{port}", "--out", str(tmp_path / "o")],
                             capture_output=True, text=True, timeout=120)
    finally:
        taken.close()
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert f"--live 127.0.0.1:{port}: Address already in use" in out.stderr
    assert not (tmp_path / "o" / "results.sqlite").exists()


@pytest.mark.parametrize("order", ["labgrid-then-live", "live-then-labgrid"])
def test_run_live_on_a_labgrid_place_follows_the_clock_the_run_uses(farm, order):
    """tests/rigs/tiantong-one.yaml is on the virtual clock; the held place's module is
    real, so the run is on realtime, and --live is served (it used to be refused, judged on
    the scenario's clock before the place was held), whatever the order of the options."""
    labgrid, live = ["--labgrid", "rig-a"], ["--live", "127.0.0.1:0"]
    args = labgrid + live if order == "labgrid-then-live" else live + labgrid
    rc, result, err = finished(farm.run(RIG_SCENARIO, *args, user="dave"))
    assert rc == 0, err
    assert result["clock"] == "realtime" and result["status"] == "passed"
    assert "ntnstack run: live state on ws://127.0.0.1:" in err


def test_run_live_refusal_is_the_clock_of_the_run(farm, tmp_path):
    """The same scenario without a place stays virtual: --live refused; a place with a
    forced virtual clock is refused for the clock itself (real modules need realtime)."""
    alone = subprocess.run([*CLI, "run", RIG_SCENARIO, "--live", "127.0.0.1:0", "--out",
                            str(tmp_path / "alone")], capture_output=True, text=True)
    assert alone.returncode == 2
    assert alone.stderr.strip() == ("ntnstack run: error: --live: the run is on the virtual "
                                    "clock, whose time a client outside the process cannot "
                                    "follow; give --clock scaled:N or realtime")
    rc, result, err = finished(farm.run(RIG_SCENARIO, "--live", "127.0.0.1:0", "--labgrid",
                                        "rig-a", "--clock", "virtual", user="dave"))
    assert rc == 2 and result is None
    assert "--clock virtual: terminals tt-a are real modules" in err and "--live" not in err

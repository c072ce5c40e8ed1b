"""``ntnstack run --live``: the live service during a run on a scaled clock, read by a real
websockets client; refused on the virtual clock."""
import asyncio
import json
import subprocess

import yaml

from ntnstack.live import LiveCells
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.live.clients import CLI, collect, encode_geo_cell_sib
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

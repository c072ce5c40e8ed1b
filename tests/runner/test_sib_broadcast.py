"""The runner's SIB broadcast times: only while a terminal of the cell sees the satellite and,
for a transparent payload, while its gateway does too (no feeder link, no cell)."""
from __future__ import annotations

from ntnstack.runner.sibs import sib_times
from ntnstack.runner.world import World
from ntnstack.scenario import load_scenario
from tests.runner.conftest import SCENARIOS

LEO_CELL = """
gateways:
  gw-near: {position: [40.07, 116.27, 60]}     # Beijing, next to the terminal
  gw-far: {position: [-33.87, 151.21, 20]}     # Sydney, ~9,000 km away
cells:
  leo-cell: {satellite: leo, gateway: GATEWAY, payload: transparent, sib: sib31-nb}
"""


def _world(tmp_path, gateway: str) -> World:
    text = (SCENARIOS / "waits.yaml").read_text()
    path = tmp_path / f"{gateway}.yaml"
    path.write_text(text)
    overlay = tmp_path / f"{gateway}-cell.yaml"
    overlay.write_text(LEO_CELL.replace("GATEWAY", gateway))
    return World(load_scenario([path, overlay]))


def test_a_leo_cell_broadcasts_only_while_its_gateway_sees_the_satellite(tmp_path):
    near, far = _world(tmp_path, "gw-near"), _world(tmp_path, "gw-far")
    t_near = sib_times(near.scenario, near, "leo-cell", 3600.0)
    t_far = sib_times(far.scenario, far, "leo-cell", 3600.0)
    assert t_near.size > 0        # the pass over Beijing is seen by both ends of the link
    assert t_far.size == 0        # a LEO-600 over Beijing is far below Sydney's horizon


FIXED_K_OFFSET = """
cells:
  leo-cell: {satellite: leo, payload: regenerative, sib: sib31-nb, validity_s: 10,
             k_offset: K_OFFSET}
"""
NEEDED_K_OFFSET_MS = 13
"""LEO-600 at the 10 deg coverage edge: slant range 1,932 km, service RTT 12.9 ms, no common
TA (regenerative): K_offset >= 13 ms (TS 38.300 16.14.2); the automatic value adds 1 ms."""


def _with_k_offset(tmp_path, k_offset: int) -> list[str]:
    overlay = tmp_path / f"k{k_offset}.yaml"
    overlay.write_text(FIXED_K_OFFSET.replace("K_OFFSET", str(k_offset)))
    return [str(SCENARIOS / "waits.yaml"), str(overlay)]


def test_a_fixed_k_offset_is_what_the_cell_broadcasts(tmp_path, require_tool):
    """The scenario's K_offset is on the air (the capture, read by tshark), not only checked:
    before, the run broadcast the automatic 14 ms whatever the scenario fixed."""
    import subprocess

    from tests.runner.conftest import ntnstack

    tshark = require_tool("tshark")
    out = tmp_path / "run"
    done = ntnstack("run", *_with_k_offset(tmp_path, 40), "--quiet", "--out", str(out))
    assert done.returncode == 0, done.stdout[-400:] + done.stderr[-400:]
    fields = subprocess.run([tshark, "-r", str(out / "capture.pcap"), "-Y", "lte-rrc.k_Offset_r17",
                             "-T", "fields", "-e", "lte-rrc.k_Offset_r17"],
                            capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert fields and set(fields) == {"40"}


def test_a_fixed_k_offset_below_the_need_names_the_scenario_line(tmp_path):
    from tests.runner.conftest import ntnstack

    done = ntnstack("run", *_with_k_offset(tmp_path, NEEDED_K_OFFSET_MS - 1), "--quiet",
                    "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert "cells.leo-cell.k_offset" in done.stderr and f"below the {NEEDED_K_OFFSET_MS} ms" \
        in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    ok = ntnstack("run", *_with_k_offset(tmp_path, NEEDED_K_OFFSET_MS), "--quiet",
                  "--out", str(tmp_path / "ok"))
    assert ok.returncode == 0, ok.stderr[-400:]


TRANSPARENT_K_OFFSET = """
gateways:
  gw: {position: [40.9, 117.4, 60]}     # 1 deg north and east of the terminal
cells:
  leo-cell: {satellite: leo, gateway: gw, payload: transparent, sib: sib31-nb, validity_s: 10,
             k_offset: 18}
"""


def test_a_fixed_k_offset_must_cover_the_whole_pass(tmp_path):
    """On a transparent payload the common TA grows as the satellite leaves the gateway: 18 ms
    covers the LEO-600 pass near its culmination (needs 13-18 ms there) but not its edges
    (19-23 ms), so the scenario is refused before the first step, naming the instant, not
    in the middle of the run when the first such SIB is built."""
    from tests.runner.conftest import ntnstack

    overlay = tmp_path / "transparent.yaml"
    overlay.write_text(TRANSPARENT_K_OFFSET)
    done = ntnstack("run", str(SCENARIOS / "waits.yaml"), str(overlay), "--quiet",
                    "--out", str(tmp_path / "run"))
    assert done.returncode == 2, done.stdout[-300:]
    assert "cells.leo-cell.k_offset: 18 ms is below the" in done.stderr
    assert "link needs at 2026-03-01T" in done.stderr, done.stderr

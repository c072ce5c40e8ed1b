"""``ntnstack stack --ues N``: many UEs over one cell, one summary (ntnstack.stack.load)."""
import json
import subprocess
import sys

from ntnstack.stack.load import attach_many, load_span
from ntnstack.stack.presets import geo_cell, leo_cells
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S


def test_every_ue_of_a_leo_pass_attaches_with_its_own_identity():
    cells = leo_cells(START_UNIX_S, (600.0,))
    first, span = load_span(cells, START_UNIX_S, "leo", UeConfig())
    # the whole span lies inside the pass: 1 s after the rise, 30 s before the set
    assert cells[0].elevation_deg(first, _ue_ecef()) >= 10.0
    result = attach_many(cells, first, span, 20)
    assert (result.ues, result.attached) == (20, 20)
    assert result.emulated_s == span and result.cpu_s > 0 and result.peak_rss_mb > 0


def _ue_ecef():
    import phy_ffi

    return phy_ffi.geodetic_to_ecef(*UeConfig().position_deg_m).ecef_m[0]


def test_geo_load_spreads_over_an_hour():
    cells = [geo_cell(START_UNIX_S)]
    first, span = load_span(cells, START_UNIX_S, "geo", UeConfig())
    assert (first, span) == (START_UNIX_S, 3600.0)
    assert attach_many(cells, first, span, 5).attached == 5


def test_cli_prints_one_json_summary():
    out = subprocess.run([sys.executable, "-m", "ntnstack", "stack", "--orbit", "geo",
                          "--ues", "3", "--json"], capture_output=True, text=True, check=True)
    (line,) = out.stdout.splitlines()
    figures = json.loads(line)
    assert figures["ues"] == figures["attached"] == 3
    assert {"x_real_time", "cpu_s_per_ue", "peak_rss_mb"} <= figures.keys()


def test_cli_refuses_a_load_of_zero_ues():
    out = subprocess.run([sys.executable, "-m", "ntnstack", "stack", "--ues", "0"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "--ues 0" in out.stderr and "Traceback" not in out.stderr

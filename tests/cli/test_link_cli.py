"""``ntnstack link`` through a subprocess: JSON lines, table, one-line errors (exit 2)."""
import json

import numpy as np
import pytest

import phy_ffi
from phy_ffi import CONST
from tests.cli.subprocess_cli import BEIJING, ROOT, ntnstack
from tests.tolerances import ONE_METRE, ONE_NANOSECOND

TLES = ROOT / "tests" / "orbit" / "data" / "real_tles.txt"


def test_json_lines_have_the_stable_fields():
    out = ntnstack("link", "--sat", "preset:tr38821-leo600", "--ue", BEIJING,
                   "--gateway", "30.5928,114.3055,30", "--duration", "900", "--step-s", "60",
                   "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 16  # 0, 60, ..., 900 s
    expected = {"t", "t_unix_s", "elevation_deg", "azimuth_deg", "range_m", "range_rate_mps",
                "delay_s", "rtt_s", "doppler_dl_hz", "doppler_ul_hz", "doppler_rate_hz_s",
                "ta_ue_s", "ta_common_s", "pathloss_db", "visible"}
    assert all(set(r) == expected for r in rows)
    top = rows[10]  # start + 600 s: the preset culminates over Beijing
    assert top["t"] == "2026-01-01T00:10:00.000Z" and top["visible"] is True
    # Overhead, the range is the circular orbit's radius (TR 38.821: R = 6371 km + 600 km)
    # minus the UE's geocentric radius; the culmination at 89.86 deg (``ntnstack passes``)
    # and the geodetic-geocentric vertical deflection add less than 10 m.
    ue = phy_ffi.geodetic_to_ecef(39.9042, 116.4074, 50.0).ecef_m[0]
    overhead_m = CONST.EARTH_RADIUS_3GPP_M + 600e3 - float(np.linalg.norm(ue))
    assert top["range_m"] == pytest.approx(overhead_m, abs=10 * ONE_METRE)
    assert top["delay_s"] == pytest.approx(top["range_m"] / CONST.SPEED_OF_LIGHT_MPS,
                                           abs=ONE_NANOSECOND)
    assert rows[0]["visible"] is False and rows[0]["pathloss_db"] is None


def test_table_output_and_regenerative_payload():
    out = ntnstack("link", "--sat", "geo:110.5", "--ue", BEIJING, "--duration", "20",
                   "--payload", "regenerative", "--freq-hz", "2.49175e9")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("# GEO 110.5E") and len(lines) == 2 + 3


def test_tle_spec_runs():
    out = ntnstack("link", "--sat", f"tle:{TLES}:ISS (ZARYA)", "--ue", BEIJING,
                   "--start", "2018-05-15T15:00:00Z", "--duration", "60", "--json")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 7


@pytest.mark.parametrize("args, needle", [
    (["--sat", "geo:110.5", "--ue", "95,116,0"], "--ue '95,116,0': latitude 95 deg is outside"),
    (["--sat", "geo:east", "--ue", BEIJING], "--sat 'geo:east': LON_DEG 'east' is not a number"),
    (["--sat", "preset:nope", "--ue", BEIJING], "unknown preset 'nope'"),
    (["--sat", "tle:/no/such.tle", "--ue", BEIJING], "file '/no/such.tle' not found"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--start", "tomorrow"],
     "--start 'tomorrow': not an ISO 8601 time"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--environment", "jungle"], "--environment"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--step-s", "0"], "--step-s"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--duration", "1e12", "--step-s", "1e12"],
     "--duration: 1e+12 is outside [0, 2.592e+06]"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--duration", "nan"], "--duration: nan"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--start", "9999-12-31T23:59:59Z"],
     "--start '9999-12-31T23:59:59Z': year outside 1957..2199"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--gateway", ""], "--gateway '': expected"),
    (["--sat", "geo:110.5", "--ue", BEIJING, "--freq-hz", "1e300"], "--freq-hz: 1e+300"),
    (["--sat", "circular:1e9:53:0:0", "--ue", BEIJING], "ALT_KM must be in (0, 100000]"),
    (["--sat", "walker:1000000/1/0:600:53", "--ue", BEIJING], "exceeds 5000"),
    (["--sat", "tle:.", "--ue", BEIJING], "file '.' not found"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    out = ntnstack("link", *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_malformed_tle_names_the_line(tmp_path):
    lines = TLES.read_text().splitlines()
    bad = tmp_path / "bad.tle"
    bad.write_text("\n".join([lines[0], lines[1], lines[2].replace("51.6402", "51.6403")]))
    out = ntnstack("link", "--sat", f"tle:{bad}", "--ue", BEIJING)
    assert out.returncode == 2
    assert "bad.tle line 3: TLE checksum" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

"""``ntnstack geometry`` through the installed entry point (a real subprocess)."""
import json

import pytest

from phy_ffi import CONST
from tests.cli.subprocess_cli import ntnstack
from tests.tolerances import (
    ONE_HUNDREDTH_DB,
    ONE_KILOMETRE,
    ONE_MILLIMETRE,
    ONE_NANOSECOND,
    TEN_MICROSECONDS,
)

SPEED_OF_LIGHT_MPS = CONST.SPEED_OF_LIGHT_MPS


# TR 38.821 Table 5.3.2.1-1 at 10 deg elevation: LEO-600 maximum distance 1 932 km,
# regenerative RTT 12.89 ms; LEO-1200 3 131 km, 20.89 ms (values rounded to 1 km, 0.01 ms).
@pytest.mark.parametrize("altitude_km, distance_km, rtt_regenerative_s", [
    (600, 1932, 12.89e-3), (1200, 3131, 20.89e-3),
])
def test_json_row_matches_tr38821(altitude_km, distance_km, rtt_regenerative_s):
    done = ntnstack("geometry", "--altitude-km", str(altitude_km), "--elevation-deg", "10",
                    "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    d = row["slant_range_m"]
    assert d == pytest.approx(distance_km * 1e3, abs=ONE_KILOMETRE)
    assert row["delay_one_way_s"] == pytest.approx(d / SPEED_OF_LIGHT_MPS, abs=ONE_NANOSECOND)
    assert row["rtt_regenerative_s"] == pytest.approx(rtt_regenerative_s, abs=TEN_MICROSECONDS)
    # Transparent payload: UE-satellite-gateway and back, feeder at the same elevation.
    assert row["rtt_transparent_s"] == pytest.approx(4 * d / SPEED_OF_LIGHT_MPS,
                                                     abs=ONE_NANOSECOND)
    assert "fspl_db" not in row


def test_fspl_with_frequency():
    # GEO at zenith (35 786 km) at 2 GHz: TR 38.811 eq. (6.6-2) gives 189.545 dB.
    done = ntnstack("geometry", "--altitude-km", "35786", "--elevation-deg", "90",
                    "--freq-hz", "2e9", "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["slant_range_m"] == pytest.approx(35_786e3, abs=ONE_MILLIMETRE)
    assert row["fspl_db"] == pytest.approx(189.545, abs=ONE_HUNDREDTH_DB)


def test_text_output_has_one_line_per_figure():
    done = ntnstack("geometry", "--altitude-km", "600", "--elevation-deg", "30",
                    "--freq-hz", "2e9")
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert names == ["slant_range_m", "delay_one_way_s", "rtt_regenerative_s",
                     "rtt_transparent_s", "fspl_db"]


@pytest.mark.parametrize("args, named", [
    (["--altitude-km", "-5", "--elevation-deg", "30"], "--altitude-km"),
    (["--altitude-km", "nan", "--elevation-deg", "30"], "--altitude-km"),
    (["--altitude-km", "600", "--elevation-deg", "95"], "--elevation-deg"),
    (["--altitude-km", "600", "--elevation-deg", "-1"], "--elevation-deg"),
    (["--altitude-km", "600", "--elevation-deg", "30", "--freq-hz", "0"], "--freq-hz"),
    (["--altitude-km", "600", "--elevation-deg", "30", "--freq-hz", "inf"], "--freq-hz"),
    (["--altitude-km", "600", "--elevation-deg", "30", "--freq-hz", "1e300"], "--freq-hz"),
    (["--altitude-km", "1e308", "--elevation-deg", "30"], "--altitude-km"),
    (["--altitude-km", "abc", "--elevation-deg", "30"], "--altitude-km"),
    (["--elevation-deg", "30"], "--altitude-km"),
])
def test_bad_input_exits_2_with_one_line(args, named):
    done = ntnstack("geometry", *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], done.stderr
    assert done.stdout == ""

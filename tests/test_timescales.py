"""GPS time against POSIX seconds (ntnstack.timescales): the leap-second table checked against
skyfield's own (an implementation we did not write), and ``--sfn0 gps`` giving the SFN a
GPS-aligned cell broadcasts."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from skyfield.api import load

from ntnstack.cli import main
from ntnstack.timescales import LEAP_SECONDS_UNIX_S, gps_minus_utc_s, parse_sfn0

TAI_MINUS_GPS_S = 19     # GPS time = TAI - 19 s (the GPS epoch, 1980-01-06, was TAI - 19 s)


def _skyfield_gps_minus_utc(t_unix_s: float) -> float:
    ts = load.timescale(builtin=True)
    t = ts.from_datetime(datetime.fromtimestamp(t_unix_s, tz=UTC))
    tai_minus_utc = (t.tai - t.ut1) * 86400.0 + t.dut1      # TAI - UTC, s
    return tai_minus_utc - TAI_MINUS_GPS_S


@pytest.mark.parametrize("t_unix_s", [315_964_800.0, 1_767_225_600.0,
                                      *LEAP_SECONDS_UNIX_S,
                                      *(t - 1.0 for t in LEAP_SECONDS_UNIX_S)])
def test_gps_minus_utc_agrees_with_skyfield(t_unix_s):
    assert gps_minus_utc_s(t_unix_s) == pytest.approx(_skyfield_gps_minus_utc(t_unix_s),
                                                      abs=1e-3)


def test_sfn0_gps_gives_the_gps_aligned_sfn(capsys):
    # 2026-01-01T00:00:00Z is 1,451,260,800 POSIX s + 18 leap s after the GPS epoch: frame
    # (1,451,260,818 x 100) mod 1024 = 264 of a cell whose SFN counts GPS time
    assert main(["sib", "encode", "--kind", "sib19", "--sat", "preset:tiantong-1-01",
                 "--start", "2026-01-01T00:00:00Z", "--sfn0", "gps", "--json"]) == 0
    fields = json.loads(capsys.readouterr().out)["fields"]
    assert fields["ntn-Config-r17"]["epochTime-r17"] == {"sfn-r17": 264, "subFrameNR-r17": 0}


def test_sfn0_other_text_names_both_forms():
    from ntnstack.errors import InputError

    with pytest.raises(InputError, match=r"--sfn0 'gpx': not an ISO 8601 time .*; or 'gps'"):
        parse_sfn0("gpx", 0.0)
    assert parse_sfn0(None, 0.0) == 0.0
    assert parse_sfn0("GPS", 1_767_225_600.0) == 315_964_800 - 18

"""GPS time against the POSIX (UTC) seconds the rest of ntnstack counts in.

Unix time skips leap seconds; GPS time (from 1980-01-06T00:00:00 UTC) does not, so GPS time
runs ahead of UTC by the leap seconds inserted since 1980: 18 s since 2017-01-01 (IERS
Bulletin C; none announced after it at the time of writing). A cell whose SFN is aligned to
GPS time (frame k starts k x 10 ms of GPS time after the GPS epoch, the alignment TS 38.331
SIB9 referenceTimeInfo and TS 36.331 SIB16 timeInfo describe) has, on the POSIX time line
around t, SFN 0 at ``GPS_EPOCH_UNIX_S - gps_minus_utc_s(t)``.
"""
from __future__ import annotations

import bisect

from ntnstack.errors import InputError

__all__ = ["GPS_EPOCH_UNIX_S", "gps_minus_utc_s", "gps_sfn0_unix_s", "parse_sfn0"]

GPS_EPOCH_UNIX_S = 315_964_800          # 1980-01-06T00:00:00Z
LEAP_SECONDS_UNIX_S = (                 # the UTC instants (unix s) after each GPS leap second
    362_793_600, 394_329_600, 425_865_600, 489_024_000, 567_993_600, 631_152_000, 662_688_000,
    709_948_800, 741_484_800, 773_020_800, 820_454_400, 867_715_200, 915_148_800,
    1_136_073_600, 1_230_768_000, 1_341_100_800, 1_435_708_800, 1_483_228_800)
"""1981-07-01, 1982-07-01, 1983-07-01, 1985-07-01, 1988-01-01, 1990-01-01, 1991-01-01,
1992-07-01, 1993-07-01, 1994-07-01, 1996-01-01, 1997-07-01, 1999-01-01, 2006-01-01,
2009-01-01, 2012-07-01, 2015-07-01, 2017-01-01 (00:00:00 UTC each)."""


def gps_minus_utc_s(t_unix_s: float) -> int:
    """GPS time - UTC (s) at unix time t (0 before the first leap second after 1980)."""
    return bisect.bisect_right(LEAP_SECONDS_UNIX_S, t_unix_s)


def gps_sfn0_unix_s(t_unix_s: float) -> float:
    """SFN 0 of a GPS-aligned cell on the POSIX time line around t (unix s)."""
    return float(GPS_EPOCH_UNIX_S - gps_minus_utc_s(t_unix_s))


def parse_sfn0(text: str | None, t_unix_s: float, where: str = "--sfn0") -> float:
    """``--sfn0``: ``gps`` (SFN aligned to GPS time, leap seconds counted, at t), an ISO 8601
    UTC instant (frames counted in POSIX seconds from it), or None for the unix epoch."""
    from ntnstack.clock import parse_iso8601

    if text is None:
        return 0.0
    if str(text).strip().lower() == "gps":
        return gps_sfn0_unix_s(t_unix_s)
    try:
        return parse_iso8601(text, where)
    except InputError as exc:
        raise InputError(f"{exc}; or 'gps' for a GPS-aligned SFN") from None

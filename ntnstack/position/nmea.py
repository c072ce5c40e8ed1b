"""NMEA 0183 sentences for a terminal's GNSS input: GGA, RMC and ZDA (NMEA 0183 v4.10).

Heights: the scenario carries WGS-84 ellipsoidal heights; GGA's altitude field is written as
the ellipsoidal height with a geoid separation of 0.0 m, so a receiver's HAE equals the
scenario's height exactly (a lab wanting MSL heights must supply its geoid model).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

KNOTS_PER_MPS = 3600.0 / 1852.0  # 1 international knot = 1852 m/h


@dataclass(frozen=True)
class Fix:
    """A position fix: WGS-84 latitude/longitude (deg), ellipsoidal height (m), UTC time."""

    t_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    speed_mps: float = 0.0
    course_deg: float = 0.0
    satellites: int = 10
    hdop: float = 0.9


def checksum(body: str) -> str:
    """XOR of the characters between '$' and '*', as two upper-case hex digits."""
    value = 0
    for byte in body.encode("ascii"):
        value ^= byte
    return f"{value:02X}"


def sentence(body: str) -> str:
    """``$<body>*hh\\r\\n``."""
    return f"${body}*{checksum(body)}\r\n"


def _utc(t_unix_s: float) -> datetime:
    return datetime.fromtimestamp(round(t_unix_s, 2), tz=UTC)


def _hhmmss(t: datetime) -> str:
    return f"{t:%H%M%S}.{t.microsecond // 10000:02d}"


def _angle(value_deg: float, degree_digits: int, hemispheres: str) -> tuple[str, str]:
    """ddmm.mmmmmm (or dddmm.mmmmmm) and its hemisphere letter; 1e-6 minute = 1.9 mm."""
    hemi = hemispheres[0] if value_deg >= 0 else hemispheres[1]
    value = abs(value_deg)
    degrees = int(value)
    minutes = (value - degrees) * 60.0
    if round(minutes, 6) >= 60.0:
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{degree_digits}d}{minutes:09.6f}", hemi


def gga(fix: Fix, talker: str = "GP") -> str:
    """Global positioning fix data (quality 1 = GPS fix)."""
    lat, ns = _angle(fix.lat_deg, 2, "NS")
    lon, ew = _angle(fix.lon_deg, 3, "EW")
    body = (f"{talker}GGA,{_hhmmss(_utc(fix.t_unix_s))},{lat},{ns},{lon},{ew},1,"
            f"{fix.satellites:02d},{fix.hdop:.1f},{fix.alt_m:.3f},M,0.0,M,,")
    return sentence(body)


def rmc(fix: Fix, talker: str = "GN") -> str:
    """Recommended minimum data: time, date, position, speed (knots), course (deg)."""
    t = _utc(fix.t_unix_s)
    lat, ns = _angle(fix.lat_deg, 2, "NS")
    lon, ew = _angle(fix.lon_deg, 3, "EW")
    body = (f"{talker}RMC,{_hhmmss(t)},A,{lat},{ns},{lon},{ew},"
            f"{fix.speed_mps * KNOTS_PER_MPS:.2f},{fix.course_deg % 360.0:.1f},{t:%d%m%y},,,A")
    return sentence(body)


def zda(fix: Fix, talker: str = "GP") -> str:
    """Time and date (UTC, local zone 00:00)."""
    t = _utc(fix.t_unix_s)
    return sentence(f"{talker}ZDA,{_hhmmss(t)},{t:%d},{t:%m},{t:%Y},00,00")


def epoch_sentences(fix: Fix) -> str:
    """The sentences a receiver emits once per fix: GGA, RMC, ZDA (in that order)."""
    return gga(fix) + rmc(fix) + zda(fix)


def parse(line: str) -> list[str]:
    """Fields of one sentence after checking its checksum (ValueError naming the problem)."""
    text = line.strip()
    if not text.startswith("$") or "*" not in text:
        raise ValueError(f"not an NMEA sentence: {text[:40]!r}")
    body, given = text[1:].rsplit("*", 1)
    if checksum(body) != given.upper():
        raise ValueError(f"bad checksum in {text[:40]!r}: {given} != {checksum(body)}")
    return body.split(",")

"""Fixtures of the RRC tests: a perturbed LEO-600 (SGP4 from a TLE written here), the TR 38.821
GEO preset, and the reference UE / gateway."""
from __future__ import annotations

import pytest

import phy_ffi
from ntnstack.orbit import REFERENCE_UE, parse_orbit_spec, parse_tle_text
from ntnstack.orbit.tle import tle_checksum

T0_UNIX_S = 1767225600.0   # 2026-01-01T00:00:00Z, the epoch of the TLE below


def _line(body: str) -> str:
    body = body.ljust(68)
    return body + str(tle_checksum(body))


def leo600_tle(mean_anomaly_deg: float = 300.0, number: int = 99001) -> str:
    """LEO-600 as TR 38.821 describes it (600 km, circular, 53 deg), as mean elements for SGP4
    (J2..J4 and the other SGP4 perturbations act on it; no drag: B* = 0). Mean motion 14.8875
    rev/day is a 600 km mean altitude (a = 6978 km, Kepler's third law). Another mean anomaly
    gives another satellite of the same plane (4 deg less: about 100 s behind)."""
    l1 = _line(f"1 {number}U 26001A   26001.00000000  .00000000  00000-0  00000-0 0  999")
    l2 = _line(f"2 {number}  53.0000 110.0000 0001000  90.0000 {mean_anomaly_deg:8.4f} "
               "14.88750000    1")
    name = "LEO600-TEST" if number == 99001 else f"LEO600-TEST-{number}"
    return f"{name}\n{l1}\n{l2}\n"


@pytest.fixture(scope="session")
def leo_source():
    return parse_tle_text(leo600_tle(), "test LEO-600 TLE")[0]


@pytest.fixture(scope="session")
def leo_follower_source():
    """The next satellite of the test LEO-600 plane, 4 deg of mean anomaly behind (a SIB19
    neighbour: at LEO_T it is 20.8 deg above the test gateway, 19.3 deg above the UE)."""
    return parse_tle_text(leo600_tle(296.0, 99002), "test LEO-600 follower TLE")[0]


@pytest.fixture(scope="session")
def geo_source():
    return parse_orbit_spec("preset:tr38821-geo", T0_UNIX_S)


@pytest.fixture(scope="session")
def reference_ue_ecef():
    return phy_ffi.geodetic_to_ecef(*REFERENCE_UE).ecef_m[0]


@pytest.fixture(scope="session")
def gateway_ecef():
    """A gateway 3 deg north, 2 deg east of the reference UE (inside a LEO-600 footprint)."""
    lat, lon, _ = REFERENCE_UE
    return tuple(phy_ffi.geodetic_to_ecef(lat + 3.0, lon + 2.0, 0.0).ecef_m[0])

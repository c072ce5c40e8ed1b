"""WGS-84 frames, look angles and the TR 38.811 reference geometry (C core)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi.arrays import flat_pairs, paired_vectors3, vectors3

__all__ = [
    "Ecef",
    "Geodetic",
    "LookAngles",
    "SlantRange",
    "ecef_to_geodetic",
    "geodetic_to_ecef",
    "look_angles",
    "reference_slant_range",
]


class Ecef(NamedTuple):
    ecef_m: np.ndarray   # (n, 3) metres, NaN rows where status != 0
    status: np.ndarray   # (n,) int32 status codes


class Geodetic(NamedTuple):
    lat_deg: np.ndarray
    lon_deg: np.ndarray  # (-180, 180]
    alt_m: np.ndarray    # above the WGS-84 ellipsoid
    status: np.ndarray


class LookAngles(NamedTuple):
    elevation_deg: np.ndarray  # above the local horizon
    azimuth_deg: np.ndarray    # [0, 360) clockwise from north
    range_m: np.ndarray
    status: np.ndarray


class SlantRange(NamedTuple):
    slant_range_m: np.ndarray
    status: np.ndarray


def geodetic_to_ecef(lat_deg, lon_deg, alt_m) -> Ecef:
    """WGS-84 geodetic (deg, deg, m) -> ECEF (m), broadcast over 1-D inputs."""
    return Ecef(*b.geodetic_to_ecef(*flat_pairs(lat_deg=lat_deg, lon_deg=lon_deg, alt_m=alt_m)))


def ecef_to_geodetic(ecef_m) -> Geodetic:
    """ECEF (3,) or (n, 3) metres -> WGS-84 geodetic."""
    return Geodetic(*b.ecef_to_geodetic(vectors3(ecef_m, "ecef_m")))


def look_angles(target_ecef_m, ground_ecef_m) -> LookAngles:
    """Elevation, azimuth and range of targets seen from ground points (flat pairs)."""
    target, ground = paired_vectors3(target_ecef_m=target_ecef_m, ground_ecef_m=ground_ecef_m)
    return LookAngles(*b.look_angles(target, ground))


def reference_slant_range(altitude_m, elevation_deg) -> SlantRange:
    """TR 38.811 6.6 slant range for a satellite at altitude_m seen at elevation_deg."""
    alt, el = flat_pairs(altitude_m=altitude_m, elevation_deg=elevation_deg)
    return SlantRange(*b.reference_slant_range(alt, el))

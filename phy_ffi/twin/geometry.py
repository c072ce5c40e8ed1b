"""numpy twin of csrc/geometry.c."""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST
from phy_ffi.arrays import flat_pairs, paired_vectors3, vectors3
from phy_ffi.geometry import Ecef, Geodetic, LookAngles, SlantRange

__all__ = ["ecef_to_geodetic", "geodetic_to_ecef", "look_angles", "reference_slant_range"]

MIN_ALT_M = -11000.0          # as NTN_MIN_ALT_M in csrc/ntn_internal.h
MIN_GEOCENTRIC_RADIUS_M = 6.0e6  # as in csrc/geometry.c
MAX_GEOCENTRIC_RADIUS_M = 1.0e10  # as in csrc/geometry.c
F = 1.0 / CONST.WGS84_INV_F
E2 = F * (2.0 - F)


def _ellipsoid_point(lat, lon, alt):
    n = CONST.WGS84_A_M / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.stack([(n + alt) * np.cos(lat) * np.cos(lon), (n + alt) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - E2) + alt) * np.sin(lat)], axis=-1)


def geodetic_to_ecef(lat_deg, lon_deg, alt_m) -> Ecef:
    lat, lon, alt = flat_pairs(lat_deg=lat_deg, lon_deg=lon_deg, alt_m=alt_m)
    status = np.zeros(lat.size, np.int32)
    status[alt < MIN_ALT_M] = CONST.ERR_BELOW_GROUND
    status[(lat < -90) | (lat > 90)] = CONST.ERR_RANGE
    status[~(np.isfinite(lat) & np.isfinite(lon) & np.isfinite(alt))] = CONST.ERR_NAN
    with np.errstate(invalid="ignore"):
        ecef = _ellipsoid_point(np.radians(lat), np.radians(lon), alt)
    ecef[status != 0] = np.nan
    return Ecef(ecef, status)


def _geodetic_rad(ecef):
    """Zhu (1993) closed form, as ntn_geodetic_of; returns lat, lon (rad), alt (m), status."""
    a = CONST.WGS84_A_M
    b = a * (1.0 - F)
    ep2 = (a * a - b * b) / (b * b)
    x, y, z = ecef[:, 0], ecef[:, 1], ecef[:, 2]
    p = np.hypot(x, y)
    status = np.zeros(len(ecef), np.int32)
    status[np.hypot(p, z) < MIN_GEOCENTRIC_RADIUS_M] = CONST.ERR_BELOW_GROUND
    status[np.hypot(p, z) > MAX_GEOCENTRIC_RADIUS_M] = CONST.ERR_RANGE
    status[~np.isfinite(ecef).all(axis=1)] = CONST.ERR_NAN
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ff = 54.0 * b * b * z * z
        g = p * p + (1.0 - E2) * z * z - E2 * (a * a - b * b)
        c = E2 * E2 * ff * p * p / g**3
        s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
        k = s + 1.0 + 1.0 / s
        pp = ff / (3.0 * k * k * g * g)
        q = np.sqrt(1.0 + 2.0 * E2 * E2 * pp)
        r0 = -(pp * E2 * p) / (1.0 + q) + np.sqrt(
            0.5 * a * a * (1.0 + 1.0 / q) - pp * (1.0 - E2) * z * z / (q * (1.0 + q))
            - 0.5 * pp * p * p)
        v = np.sqrt((p - E2 * r0) ** 2 + (1.0 - E2) * z * z)
        z0 = b * b * z / (a * v)
        alt = np.hypot(p - E2 * r0, z) * (1.0 - b * b / (a * v))
        lat = np.arctan2(z + ep2 * z0, p)
    lon = np.arctan2(y, x)
    bad = status != 0
    lat[bad], lon[bad], alt[bad] = np.nan, np.nan, np.nan
    return lat, lon, alt, status


def ecef_to_geodetic(ecef_m) -> Geodetic:
    lat, lon, alt, status = _geodetic_rad(vectors3(ecef_m, "ecef_m"))
    return Geodetic(np.degrees(lat), np.degrees(lon), alt, status)


def look_angles(target_ecef_m, ground_ecef_m) -> LookAngles:
    target, ground = paired_vectors3(target_ecef_m=target_ecef_m, ground_ecef_m=ground_ecef_m)
    lat, lon, _, status = _geodetic_rad(ground)
    status[(status == 0) & ~np.isfinite(target).all(axis=1)] = CONST.ERR_NAN
    d = target - ground
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], axis=-1)
    north = np.stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)], -1)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1)
    with np.errstate(invalid="ignore", over="ignore"):
        e, n, u = (np.einsum("ij,ij->i", d, axis) for axis in (east, north, up))
        el = np.degrees(np.arctan2(u, np.hypot(e, n)))
        az = np.degrees(np.arctan2(e, n)) % 360.0
        az = np.where(az >= 360.0, az - 360.0, az)   # a tiny negative angle rounds to 360
        rng = np.linalg.norm(d, axis=1)
    overflow = ~(np.isfinite(rng) & np.isfinite(el) & np.isfinite(az))
    status[(status == 0) & overflow] = CONST.ERR_RANGE   # as geometry.c
    bad = status != 0
    el[bad], az[bad], rng[bad] = np.nan, np.nan, np.nan
    return LookAngles(el, az, rng, status)


def reference_slant_range(altitude_m, elevation_deg) -> SlantRange:
    h, el = flat_pairs(altitude_m=altitude_m, elevation_deg=elevation_deg)
    status = np.zeros(h.size, np.int32)
    status[(el < 0) | (el > 90)] = CONST.ERR_RANGE
    status[h <= 0] = CONST.ERR_BELOW_GROUND
    status[~(np.isfinite(h) & np.isfinite(el))] = CONST.ERR_NAN
    r = CONST.EARTH_RADIUS_3GPP_M
    with np.errstate(invalid="ignore", over="ignore"):
        rs = r * np.sin(np.radians(el))
        d = np.sqrt(rs * rs + h * h + 2.0 * h * r) - rs
    status[(status == 0) & ~np.isfinite(d)] = CONST.ERR_RANGE   # h^2 overflows
    d[status != 0] = np.nan
    return SlantRange(d, status)

"""Osculating Keplerian elements in the 3GPP orbital-parameter form, both ways (pure numpy).

The frame is the ECI frame aligned with ECEF at the epoch (TS 38.331 EphemerisInfo,
orbital parameters; TS 36.331 the same for SIB31): x toward Greenwich at the epoch, z the
Earth's axis, not rotating afterwards. Two-body motion with mu = CONST.EARTH_MU_M3PS2.

Conventions for the degenerate cases, chosen so that a round trip is exact:
- circular (e < 1e-11): periapsis = 0, the mean anomaly is the argument of latitude;
- equatorial (i < 1e-11 rad): the ascending node is the x axis (longitude 0).
Angles are in radians, wrapped to [0, 2 pi); inclination in [0, pi].
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntnstack.orbit.frames import inertial_to_rotating
from phy_ffi import CONST

__all__ = ["OrbitalElements", "ecef_state_to_elements", "elements_to_ecef_state",
           "elements_to_state", "kepler_eccentric_anomaly", "state_to_elements"]

_TINY = 1e-11
TWO_PI = 2.0 * np.pi


class OrbitalElements(NamedTuple):
    """3GPP orbital parameters (TS 38.331 EphemerisInfo): floats or equal-shape arrays."""

    semi_major_axis_m: float
    eccentricity: float
    periapsis_rad: float                   # argument of periapsis
    longitude_ascending_node_rad: float    # in the ECI frame aligned with ECEF at the epoch
    inclination_rad: float
    mean_anomaly_rad: float                # at the epoch


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x


def state_to_elements(pos_m, vel_mps, mu_m3ps2: float | None = None) -> OrbitalElements:
    """Position (m) and velocity (m/s), shape (3,) or (n, 3), in the ECI frame -> elements.

    Raises ValueError for a non-elliptic state (energy >= 0) or a degenerate one (r x v = 0).
    """
    mu = CONST.EARTH_MU_M3PS2 if mu_m3ps2 is None else mu_m3ps2
    r = np.asarray(pos_m, dtype=np.float64)
    v = np.asarray(vel_mps, dtype=np.float64)
    rn = np.linalg.norm(r, axis=-1)
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=-1)
    inv_a = 2.0 / rn - np.sum(v * v, axis=-1) / mu
    if np.any(~np.isfinite(inv_a)) or np.any(inv_a <= 0) or np.any(hn <= 0):
        raise ValueError("state_to_elements: state is not a bound (elliptic) orbit")
    e_vec = (np.cross(v, h) / mu) - r / rn[..., None]
    e = np.linalg.norm(e_vec, axis=-1)
    inc = np.arccos(np.clip(h[..., 2] / hn, -1.0, 1.0))
    equatorial = np.hypot(h[..., 0], h[..., 1]) < _TINY * hn
    raan = np.where(equatorial, 0.0, np.arctan2(h[..., 0], -h[..., 1]))
    node = np.stack([np.cos(raan), np.sin(raan), np.zeros_like(raan)], axis=-1)
    q = np.cross(_unit(h), node)
    arg_lat = np.arctan2(np.sum(r * q, axis=-1), np.sum(r * node, axis=-1))
    circular = e < _TINY
    periapsis = np.where(circular, 0.0,
                         np.arctan2(np.sum(e_vec * q, axis=-1), np.sum(e_vec * node, axis=-1)))
    e = np.where(circular, 0.0, e)
    nu = arg_lat - periapsis
    ecc_anom = np.arctan2(np.sqrt(1.0 - e * e) * np.sin(nu), e + np.cos(nu))
    mean_anom = ecc_anom - e * np.sin(ecc_anom)
    return OrbitalElements(_scalar(1.0 / inv_a), _scalar(e), _scalar(np.mod(periapsis, TWO_PI)),
                           _scalar(np.mod(raan, TWO_PI)), _scalar(inc),
                           _scalar(np.mod(mean_anom, TWO_PI)))


def kepler_eccentric_anomaly(mean_anomaly_rad, eccentricity) -> np.ndarray:
    """Solve M = E - e sin E for E (Newton, vectorised; converges to < 1e-15 rad)."""
    m = np.mod(np.asarray(mean_anomaly_rad, dtype=np.float64), TWO_PI)
    e = np.asarray(eccentricity, dtype=np.float64)
    ecc_anom = np.where(e < 0.8, m, np.pi)
    for _ in range(50):
        step = (ecc_anom - e * np.sin(ecc_anom) - m) / (1.0 - e * np.cos(ecc_anom))
        ecc_anom = ecc_anom - step
        if np.all(np.abs(step) < 1e-15):
            break
    return ecc_anom


def elements_to_state(elements: OrbitalElements, dt_s=0.0, mu_m3ps2: float | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Two-body state ``dt_s`` seconds after the epoch of ``elements``, in the same ECI frame.

    Returns (pos_m, vel_mps), shape (3,) for scalar inputs, else (n, 3).
    """
    mu = CONST.EARTH_MU_M3PS2 if mu_m3ps2 is None else mu_m3ps2
    a, e, argp, raan, inc, m0 = (np.asarray(x, dtype=np.float64) for x in elements)
    if np.any(a <= 0) or np.any((e < 0) | (e >= 1)):
        raise ValueError("elements_to_state: need semi_major_axis_m > 0 and 0 <= e < 1")
    n = np.sqrt(mu / a**3)
    ecc_anom = kepler_eccentric_anomaly(m0 + n * np.asarray(dt_s, dtype=np.float64), e)
    cos_e, sin_e = np.cos(ecc_anom), np.sin(ecc_anom)
    root = np.sqrt(1.0 - e * e)
    p_pos = np.stack([a * (cos_e - e), a * root * sin_e], axis=-1)
    speed = n * a / (1.0 - e * cos_e)
    p_vel = np.stack([-speed * sin_e, speed * root * cos_e], axis=-1)
    return _perifocal_to_eci(p_pos, argp, raan, inc), _perifocal_to_eci(p_vel, argp, raan, inc)


def _perifocal_to_eci(pq: np.ndarray, argp, raan, inc) -> np.ndarray:
    """R3(-raan) R1(-inc) R3(-argp) applied to in-plane (P, Q) components."""
    co, so = np.cos(argp), np.sin(argp)
    cn, sn = np.cos(raan), np.sin(raan)
    ci, si = np.cos(inc), np.sin(inc)
    px = cn * co - sn * so * ci
    py = sn * co + cn * so * ci
    pz = so * si
    qx = -cn * so - sn * co * ci
    qy = -sn * so + cn * co * ci
    qz = co * si
    u, w = pq[..., 0], pq[..., 1]
    return np.stack([px * u + qx * w, py * u + qy * w, pz * u + qz * w], axis=-1)


def ecef_state_to_elements(pos_m, vel_mps) -> OrbitalElements:
    """Elements from an ECEF state at the epoch (e.g. the SIB19 epoch): the ECI frame
    aligned with ECEF then has the same position and velocity v + omega_E x r."""
    r = np.asarray(pos_m, dtype=np.float64)
    v = np.asarray(vel_mps, dtype=np.float64)
    return state_to_elements(r, v + np.cross([0.0, 0.0, CONST.EARTH_ROTATION_RADPS], r))


def elements_to_ecef_state(elements: OrbitalElements, dt_s=0.0
                           ) -> tuple[np.ndarray, np.ndarray]:
    """ECEF state ``dt_s`` after the epoch: the two-body ECI state turned by omega_E dt."""
    pos, vel = elements_to_state(elements, dt_s)
    angle = CONST.EARTH_ROTATION_RADPS * np.asarray(dt_s, dtype=np.float64)
    return inertial_to_rotating(pos, vel, angle)

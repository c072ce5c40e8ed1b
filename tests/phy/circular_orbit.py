"""Analytic circular two-body orbits in ECEF for the link and ephemeris tests.

Independent of ntnstack.orbit on purpose: position, velocity and acceleration come from
closed forms (inertial circle of radius a, mean motion n = sqrt(GM / a^3), rotated into the
Earth-fixed frame at the WGS-84 rotation rate), so interpolation and link kernels are checked
against exact values.
"""
from __future__ import annotations

import numpy as np

from phy_ffi import CONST

R_3GPP_M = CONST.EARTH_RADIUS_3GPP_M  # TR 38.811 / TR 38.821 spherical Earth


def mean_motion_radps(radius_m: float) -> float:
    return float(np.sqrt(CONST.EARTH_MU_M3PS2 / radius_m**3))


def circular_states(radius_m: float, inc_deg: float, raan_deg: float, u0_deg: float, t_s,
                    earth_rotation: bool = True):
    """(pos_m, vel_mps, acc_mps2) (m, 3) ECEF of a circular orbit; argument of latitude u0 at
    t = 0, inertial and Earth-fixed frames aligned at t = 0."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    n = mean_motion_radps(radius_m)
    i, raan = np.radians(inc_deg), np.radians(raan_deg)
    p_axis = np.array([np.cos(raan), np.sin(raan), 0.0])
    q_axis = np.array([-np.cos(i) * np.sin(raan), np.cos(i) * np.cos(raan), np.sin(i)])
    u = np.radians(u0_deg) + n * t
    r_i = radius_m * (np.cos(u)[:, None] * p_axis + np.sin(u)[:, None] * q_axis)
    v_i = radius_m * n * (-np.sin(u)[:, None] * p_axis + np.cos(u)[:, None] * q_axis)
    a_i = -n * n * r_i
    w = CONST.EARTH_ROTATION_RADPS if earth_rotation else 0.0
    omega = np.array([0.0, 0.0, w])
    rot = _rotate_to_ecef(w * t)
    r = np.einsum("mij,mj->mi", rot, r_i)
    v = np.einsum("mij,mj->mi", rot, v_i) - np.cross(omega, r)
    a = (np.einsum("mij,mj->mi", rot, a_i) - 2.0 * np.cross(omega, v)
         - np.cross(omega, np.cross(omega, r)))
    return r, v, a


def _rotate_to_ecef(theta):
    c, s = np.cos(theta), np.sin(theta)
    z, o = np.zeros_like(theta), np.ones_like(theta)
    return np.stack([np.stack([c, s, z], -1), np.stack([-s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def central_angle_rad(altitude_m: float, elevation_deg: float) -> float:
    """Earth central angle between a ground point on the 3GPP sphere and a satellite seen at
    elevation_deg: arccos(R cos(el) / (R + h)) - el."""
    el = np.radians(elevation_deg)
    return float(np.arccos(R_3GPP_M * np.cos(el) / (R_3GPP_M + altitude_m)) - el)

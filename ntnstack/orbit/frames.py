"""Time and frame conversions of the orbit layer: unix time, GMST (IAU-82), TEME -> ECEF.

Unix seconds are UTC without leap seconds. ECEF here is the pseudo-Earth-fixed frame of
Vallado et al. 2006 ("Revisiting Spacetrack Report #3", AIAA 2006-6753, section on TEME):
polar motion is neglected (|x_p|, |y_p| < 0.6 arcsec, i.e. at most ~12 m at LEO radius and
~70 m at GEO radius), and UT1 = UTC + ``ut1_minus_utc_s`` (default 0; |UT1 - UTC| < 0.9 s by
IERS rule, the along-rotation error is omega_E * r * |UT1 - UTC|, e.g. 0.05 s -> 23 m at LEO).
"""
from __future__ import annotations

import numpy as np

from phy_ffi import CONST

UNIX_EPOCH_JD = 2440587.5  # Julian date of 1970-01-01T00:00:00 UTC
J2000_JD = 2451545.0       # Julian date of 2000-01-01T12:00:00 TT (used as UT1 here, IAU-82)
SECONDS_PER_DAY = 86400.0


def unix_to_jd_parts(t_unix_s) -> tuple[np.ndarray, np.ndarray]:
    """Split unix seconds into (whole Julian date ending in .5, day fraction) for SGP4."""
    t = np.asarray(t_unix_s, dtype=np.float64)
    days = np.floor(t / SECONDS_PER_DAY)
    return UNIX_EPOCH_JD + days, (t - days * SECONDS_PER_DAY) / SECONDS_PER_DAY


def gmst_rad(t_unix_s, ut1_minus_utc_s=0.0) -> np.ndarray:
    """Greenwich mean sidereal time (IAU-82, Vallado 'gstime'), rad in [0, 2 pi)."""
    jd, fr = unix_to_jd_parts(np.asarray(t_unix_s, dtype=np.float64) + ut1_minus_utc_s)
    tut1 = ((jd - J2000_JD) + fr) / 36525.0
    seconds = (67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * tut1
               + 0.093104 * tut1**2 - 6.2e-6 * tut1**3)
    return np.mod(seconds * (2.0 * np.pi / SECONDS_PER_DAY), 2.0 * np.pi)


def rotate_z(vectors: np.ndarray, angle_rad) -> np.ndarray:
    """R3(angle) applied to (..., 3) vectors: the frame turns by +angle about z."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    return np.stack([c * x + s * y, -s * x + c * y, z], axis=-1)


def inertial_to_rotating(pos_m: np.ndarray, vel_mps: np.ndarray, angle_rad
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Position/velocity in a frame turned by ``angle_rad`` about z at the Earth's rate.

    v_rot = R3(angle) v_in - omega_E x r_rot: the velocity seen from the turning frame.
    """
    omega = CONST.EARTH_ROTATION_RADPS
    pos = rotate_z(pos_m, angle_rad)
    vel = rotate_z(vel_mps, angle_rad)
    vel = vel + omega * np.stack([pos[..., 1], -pos[..., 0], np.zeros_like(pos[..., 2])],
                                 axis=-1)
    return pos, vel


def teme_to_ecef(pos_m, vel_mps, t_unix_s, ut1_minus_utc_s=0.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """TEME (SGP4 output) -> ECEF (pseudo-Earth-fixed), metres and m/s, shapes (..., 3).

    ``t_unix_s`` and ``ut1_minus_utc_s`` (s, scalar or array) broadcast against the
    leading axes of the vectors.
    """
    theta = gmst_rad(t_unix_s, ut1_minus_utc_s)
    return inertial_to_rotating(np.asarray(pos_m, float), np.asarray(vel_mps, float), theta)

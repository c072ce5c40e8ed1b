"""numpy twin of csrc/ue_ephemeris.c (same models, same status codes)."""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST, error_for
from phy_ffi.ue_ephemeris import (UeEphemerisState, UeTiming, one_ue, paired_ages,
                                  prepare_common_ta, prepare_ephemeris)
from phy_ffi.arrays import as_scalar, flat_pairs

__all__ = ["UeTimingAt", "ue_propagate_ephemeris", "ue_ta_doppler"]

KEPLER_MAX_ITER = 30          # as UE_KEPLER_MAX_ITER in csrc/ue_ephemeris.c
KEPLER_TOL_RAD = 1e-14
UNIVERSAL_MAX_ITER = 50
UNIVERSAL_TOL = 1e-12
W = CONST.EARTH_ROTATION_RADPS
MU = CONST.EARTH_MU_M3PS2
MIN_RADIUS_M = 6.0e6          # as UE_MIN_RADIUS_M: a position or perigee inside the Earth


def _stumpff(z):
    small, pos = np.abs(z) < 1e-6, z > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.sqrt(np.abs(z))
        c = np.where(pos, (1 - np.cos(q)) / z, (np.cosh(q) - 1) / -z)
        s = np.where(pos, (q - np.sin(q)) / (z * q), (np.sinh(q) - q) / (-z * q))
    c = np.where(small, 0.5 - z / 24 + z * z / 720, c)
    s = np.where(small, 1 / 6 - z / 120 + z * z / 5040, s)
    return c, s


def _universal(r0, v0, dt):
    """Two-body (universal variable) from one inertial state over ages dt; (r, v, ok)."""
    smu = np.sqrt(MU)
    rn0 = np.linalg.norm(r0)
    vr0 = r0 @ v0 / rn0
    alpha = 2 / rn0 - v0 @ v0 / MU
    chi = smu * abs(alpha) * dt
    done = np.zeros(dt.shape, bool)
    for _ in range(UNIVERSAL_MAX_ITER):
        z = alpha * chi * chi
        c, s = _stumpff(z)
        f = rn0 * vr0 / smu * chi**2 * c + (1 - alpha * rn0) * chi**3 * s + rn0 * chi - smu * dt
        df = rn0 * vr0 / smu * chi * (1 - z * s) + (1 - alpha * rn0) * chi**2 * c + rn0
        step = np.where(done, 0.0, f / df)
        chi = chi - step
        done |= np.abs(step) <= UNIVERSAL_TOL * (1 + np.abs(chi))
        if done.all():
            break
    c, s = _stumpff(alpha * chi * chi)
    x2 = chi * chi
    f, g = 1 - x2 / rn0 * c, dt - x2 * chi * s / smu
    r = f[:, None] * r0 + g[:, None] * v0
    rn = np.linalg.norm(r, axis=1)
    fd, gd = smu / (rn * rn0) * (alpha * x2 * chi * s - chi), 1 - x2 / rn * c
    return r, fd[:, None] * r0 + gd[:, None] * v0, done


def _orbital(el, dt):
    a, e, argp, raan, inc, m0 = el
    n = np.sqrt(MU / a**3)
    m = np.mod(m0 + n * dt, 2 * np.pi)
    ea = np.full_like(m, np.pi) if e >= 0.8 else m.copy()
    done = np.zeros(dt.shape, bool)
    for _ in range(KEPLER_MAX_ITER):
        step = np.where(done, 0.0, (ea - e * np.sin(ea) - m) / (1 - e * np.cos(ea)))
        ea = ea - step
        done |= np.abs(step) < KEPLER_TOL_RAD
        if done.all():
            break
    ce, se, root = np.cos(ea), np.sin(ea), np.sqrt(1 - e * e)
    speed = n * a / (1 - e * ce)
    co, so, cn, sn, ci, si = (np.cos(argp), np.sin(argp), np.cos(raan), np.sin(raan),
                              np.cos(inc), np.sin(inc))
    p = np.array([cn * co - sn * so * ci, sn * co + cn * so * ci, so * si])
    q = np.array([-cn * so - sn * co * ci, -sn * so + cn * co * ci, co * si])
    r = (a * (ce - e))[:, None] * p + (a * root * se)[:, None] * q
    v = (-speed * se)[:, None] * p + (speed * root * ce)[:, None] * q
    return r, v, done


def _to_ecef(r, v, dt):
    th = W * dt
    c, s = np.cos(th), np.sin(th)
    pos = np.stack([c * r[:, 0] + s * r[:, 1], -s * r[:, 0] + c * r[:, 1], r[:, 2]], axis=1)
    vel = np.stack([c * v[:, 0] + s * v[:, 1] + W * pos[:, 1],
                    -s * v[:, 0] + c * v[:, 1] - W * pos[:, 0], v[:, 2]], axis=1)
    return pos, vel


def _ephemeris_status(eph, fmt) -> int:
    if not np.isfinite(eph).all():
        return CONST.ERR_NAN
    if fmt == CONST.UE_EPHEMERIS_ORBITAL:
        if not (eph[0] > 0 and 0 <= eph[1] < 1):
            return CONST.ERR_RANGE
        return CONST.OK if eph[0] * (1 - eph[1]) >= MIN_RADIUS_M else CONST.ERR_BELOW_GROUND
    return CONST.OK if np.linalg.norm(eph[:3]) >= MIN_RADIUS_M else CONST.ERR_BELOW_GROUND


def _propagate(eph, fmt, dt):
    """(pos, vel, status) in ECEF for a checked ephemeris."""
    status = np.where(np.isfinite(dt), CONST.OK, CONST.ERR_NAN).astype(np.int32)
    status[(status == 0) & (np.abs(dt) > CONST.UE_MAX_AGE_S)] = CONST.ERR_RANGE
    dt0 = np.where(status == 0, dt, 0.0)
    with np.errstate(all="ignore"):   # diverging ages end as NTN_ERR_NO_CONVERGE, as in C
        if fmt == CONST.UE_EPHEMERIS_ORBITAL:
            r, v, ok = _orbital(eph, dt0)
        else:
            v0 = eph[3:] + np.array([-W * eph[1], W * eph[0], 0.0])
            r, v, ok = _universal(eph[:3], v0, dt0)
    status[(status == 0) & ~ok] = CONST.ERR_NO_CONVERGE
    pos, vel = _to_ecef(r, v, dt0)
    finite = np.isfinite(pos).all(axis=1) & np.isfinite(vel).all(axis=1)
    status[(status == 0) & ~finite] = CONST.ERR_RANGE   # a state that overflows, as in C
    pos[status != 0] = np.nan
    vel[status != 0] = np.nan
    return pos, vel, status


def ue_propagate_ephemeris(ephemeris, ephemeris_format: str, dt_s) -> UeEphemerisState:
    eph, fmt = prepare_ephemeris(ephemeris, ephemeris_format)
    (dt,) = flat_pairs(dt_s=dt_s)
    st = _ephemeris_status(eph, fmt)
    if st:
        raise error_for(st, "ue_propagate_ephemeris: ephemeris")
    return UeEphemerisState(*_propagate(eph, fmt, dt))


def ue_ta_doppler(ephemeris, ephemeris_format: str, common_ta, validity_s: float,
                  ul_freq_hz: float, dt_s, ue_ecef_m) -> UeTiming:
    eph, fmt = prepare_ephemeris(ephemeris, ephemeris_format)
    dt, ue = paired_ages(dt_s, ue_ecef_m)
    common = prepare_common_ta(common_ta)
    validity_s, ul_freq_hz = as_scalar(validity_s, "validity_s"), as_scalar(ul_freq_hz,
                                                                             "ul_freq_hz")
    st = _ephemeris_status(eph, fmt)
    if st == 0 and not (np.isfinite(common).all() and np.isfinite([validity_s, ul_freq_hz]).all()):
        st = CONST.ERR_NAN
    if st == 0 and (validity_s < 0 or ul_freq_hz < 0):
        st = CONST.ERR_RANGE
    if st:
        raise error_for(st, "ue_ta_doppler: ephemeris, common_ta, validity_s or ul_freq_hz")
    pos, vel, status = _propagate(eph, fmt, dt)
    status[(status == 0) & ~np.isfinite(ue).all(axis=1)] = CONST.ERR_NAN
    d = pos - ue
    rng = np.linalg.norm(d, axis=1)
    status[(status == 0) & ~(rng > 0)] = CONST.ERR_RANGE   # the UE at the satellite
    c = CONST.SPEED_OF_LIGHT_MPS
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ta = 2 * rng / c + common[0] + common[1] * dt + common[2] * dt * dt
        dop = -ul_freq_hz * np.einsum("ij,ij->i", d, vel) / rng / c
    status[(status == 0) & ~(np.isfinite(ta) & np.isfinite(dop))] = CONST.ERR_RANGE
    bad = status != 0
    ta[bad], dop[bad] = np.nan, np.nan
    return UeTiming(ta, dop, (status == 0) & (dt > validity_s), status)


class UeTimingAt:
    """numpy twin of phy_ffi.UeTimingAt: one ephemeris and UE, one age per call."""

    def __init__(self, ephemeris, ephemeris_format: str, common_ta, validity_s: float,
                 ul_freq_hz: float, ue_ecef_m):
        self._args = (ephemeris, ephemeris_format, common_ta, validity_s, ul_freq_hz)
        self._ue = one_ue(ue_ecef_m)

    def at(self, dt_s: float) -> tuple[float, float, int]:
        out = ue_ta_doppler(*self._args, float(dt_s), self._ue)
        return float(out.ta_s[0]), float(out.doppler_ul_hz[0]), int(out.status[0])

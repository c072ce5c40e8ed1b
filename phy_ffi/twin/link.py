"""numpy twin of csrc/link.c: link quantities with numpy broadcasting."""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST, error_for
from phy_ffi.errors import PhyValueError
from phy_ffi.link import (FREQ_DL_HZ, FREQ_UL_HZ, LinkStates, field_mask, link_grid_inputs,
                          link_pair_inputs, selected_states)
from phy_ffi.twin.geometry import _geodetic_rad

__all__ = ["link_grid", "link_states"]

B_M = CONST.WGS84_A_M * (1.0 - 1.0 / CONST.WGS84_INV_F)


def _dot(a, b):
    return np.einsum("...j,...j->...", a, b)


def _enu(ue):
    """Terminal frames (U, 3) each for east, north, up, and the terminal status (U,)."""
    lat, lon, _, status = _geodetic_rad(ue)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(lon)], -1)
    north = np.stack([-sl * co, -sl * so, cl], -1)
    up = np.stack([cl * co, cl * so, sl], -1)
    return east, north, up, status


def _sat_status(p, v, a, gw):
    finite = np.isfinite(p).all(-1) & np.isfinite(v).all(-1) & np.isfinite(a).all(-1)
    if gw is not None:
        finite &= np.isfinite(gw).all(-1)
    with np.errstate(invalid="ignore"):
        inside = ((p[..., 0] ** 2 + p[..., 1] ** 2) / CONST.WGS84_A_M**2
                  + p[..., 2] ** 2 / B_M**2 < 1)
    return np.where(~finite, CONST.ERR_NAN, np.where(inside, CONST.ERR_BELOW_GROUND, 0))


def _fields(p, v, a, ue, frame, gw, freq_dl_hz, freq_ul_hz):
    """All fields for broadcastable (..., 3) inputs; returns a list in LinkStates order."""
    if not all(np.isfinite(f) and f > 0 for f in (freq_dl_hz, freq_ul_hz)):
        raise error_for(CONST.ERR_RANGE, "link_states")
    c = CONST.SPEED_OF_LIGHT_MPS
    d = p - ue
    r = np.sqrt(_dot(d, d))
    rdot = _dot(d, v) / r
    rddot = (_dot(v, v) + _dot(d, a) - rdot * rdot) / r
    e, n, u = (_dot(d, axis) for axis in frame)
    delay = r / c
    feeder = np.sqrt(_dot(p - gw, p - gw)) / c if gw is not None else np.zeros_like(r)
    return [np.degrees(np.arctan2(u, np.hypot(e, n))), np.degrees(np.arctan2(e, n)) % 360.0,
            r, rdot, rddot, delay, feeder, 2 * (delay + feeder), 2 * delay,
            -freq_dl_hz * rdot / c, -freq_ul_hz * rdot / c, -freq_dl_hz * rddot / c,
            -freq_ul_hz * rddot / c, rdot / c, 2 * delay]


def _finish(fields, status) -> LinkStates:
    bad = status != 0
    out = []
    for f in fields:
        f = np.array(np.broadcast_to(f, status.shape), dtype=np.float64)
        f[bad] = np.nan
        out.append(f)
    return LinkStates(*out, status.astype(np.int32))


def link_states(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m=None,
                freq_dl_hz: float = FREQ_DL_HZ, freq_ul_hz: float = FREQ_UL_HZ) -> LinkStates:
    p, v, a, ue, gw = link_pair_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                                       gateway_ecef_m)
    east, north, up, ue_status = _enu(ue)
    sat_status = _sat_status(p, v, a, gw)
    status = np.where(sat_status != 0, sat_status, ue_status)
    with np.errstate(invalid="ignore", divide="ignore"):
        fields = _fields(p, v, a, ue, (east, north, up), gw, freq_dl_hz, freq_ul_hz)
    return _finish(fields, _at_terminal(status, fields))


def _at_terminal(status, fields):
    """ERR_RANGE where a satellite sits exactly at the terminal (r = 0) or a field overflowed
    (finite inputs whose products are not finite), as link.c."""
    with np.errstate(invalid="ignore"):
        bad = ~(fields[2] > 0)
        for field in fields:
            bad = bad | ~np.isfinite(field)
        return np.where((status == 0) & bad, CONST.ERR_RANGE, status)


def link_grid(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m=None,
              freq_dl_hz: float = FREQ_DL_HZ, freq_ul_hz: float = FREQ_UL_HZ,
              out: tuple[np.ndarray, np.ndarray] | None = None, fields=None) -> LinkStates:
    p, v, a, ue, gw = link_grid_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                                       gateway_ecef_m)
    east, north, up, ue_status = _enu(ue)
    sp, sv, sa = p[:, None], v[:, None], a[:, None]            # (S, 1, T, 3)
    sgw = gw[:, None, None] if gw is not None else None         # (S, 1, 1, 3)
    frame = tuple(axis[None, :, None] for axis in (east, north, up))  # (1, U, 1, 3)
    sat_status = _sat_status(sp, sv, sa, sgw)                   # (S, 1, T)
    status = np.where(sat_status != 0, sat_status, ue_status[None, :, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        values = _fields(sp, sv, sa, ue[None, :, None], frame, sgw, freq_dl_hz, freq_ul_hz)
    result = _finish(values, _at_terminal(status, values))
    mask = field_mask(fields)
    planes = np.stack([f for k, f in enumerate(result[:-1]) if mask >> k & 1])
    if out is not None:
        planes = _into(out, planes, result.status)
    return selected_states(mask, planes, out[1] if out is not None else result.status)


def _into(out: tuple[np.ndarray, np.ndarray], planes: np.ndarray,
          status: np.ndarray) -> np.ndarray:
    """The planes and status copied into the caller's buffers, as the C-backed call does."""
    into, into_status = out
    if into.shape != planes.shape or into_status.shape != status.shape:
        raise PhyValueError(f"link_grid: out: expected shapes {planes.shape} and "
                            f"{status.shape}, got {into.shape} and {into_status.shape}")
    into[...] = planes
    into_status[...] = status
    return into

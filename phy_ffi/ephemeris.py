"""Satellite state at any time from sampled ECEF tables: cubic Hermite interpolation (C core).

See csrc/include/ntn_phy.h, section ephemeris: position from position and velocity at the two
bracketing nodes, velocity and acceleration from the first and second derivative of the same
cubic.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi.arrays import as_f64
from phy_ffi.errors import PhyValueError

__all__ = ["SatStates", "SatelliteTable", "hermite_states"]


class SatStates(NamedTuple):
    pos_m: np.ndarray     # (m, 3) ECEF metres, or (S, m, 3) for several satellites
    vel_mps: np.ndarray   # same shape, m/s
    acc_mps2: np.ndarray  # same shape, m/s^2
    status: np.ndarray    # (m,) or (S, m) int32: ERR_TIME_RANGE outside the table, ERR_NAN


def hermite_inputs(t_s, table_t_s, table_pos_m, table_vel_mps):
    """Validated float64 inputs: (t (m,), table_t (n,), pos (S, n, 3), vel (S, n, 3), batched).

    ``table_pos_m`` / ``table_vel_mps`` are (n, 3) for one satellite or (S, n, 3) for S
    satellites sampled at the same times; PhyValueError names the argument that does not fit.
    """
    t = np.atleast_1d(as_f64(t_s, "t_s"))
    tt = np.atleast_1d(as_f64(table_t_s, "table_t_s"))
    pos, vel = as_f64(table_pos_m, "table_pos_m"), as_f64(table_vel_mps, "table_vel_mps")
    if t.ndim != 1 or tt.ndim != 1:
        raise PhyValueError(f"t_s / table_t_s: expected 1-D arrays, got {t.shape}, {tt.shape}")
    batched = pos.ndim == 3
    if pos.ndim == 2:
        pos, vel = pos[None], vel[None] if vel.ndim == 2 else vel
    if pos.ndim != 3 or pos.shape[1:] != (tt.size, 3):
        raise PhyValueError(f"table_pos_m: expected shape ({tt.size}, 3) or (S, {tt.size}, 3)"
                            f" to match table_t_s, got {np.shape(table_pos_m)}")
    if vel.shape != pos.shape:
        raise PhyValueError(f"table_vel_mps: expected the shape of table_pos_m "
                            f"{np.shape(table_pos_m)}, got {np.shape(table_vel_mps)}")
    return t, tt, np.ascontiguousarray(pos), np.ascontiguousarray(vel), batched


def hermite_states(t_s, table_t_s, table_pos_m, table_vel_mps) -> SatStates:
    """ECEF position, velocity and acceleration at times t_s (s) from a sampled table.

    table_t_s (n,) strictly increasing (s, same time scale as t_s); table_pos_m (m) and
    table_vel_mps (m/s) shaped (n, 3), or (S, n, 3) for S satellites on the same grid (then
    the results are (S, m, 3) and status (S, m)). Raises PhyValueError for a malformed table
    (fewer than 2 nodes, times not strictly increasing, NaN samples).
    """
    t, tt, pos, vel, batched = hermite_inputs(t_s, table_t_s, table_pos_m, table_vel_mps)
    out = b.hermite_states_multi(t, tt, pos, vel)
    return SatStates(*out) if batched else SatStates(*(x[0] for x in out))


class SatelliteTable:
    """One satellite's table, validated once, evaluated at one time per call (the same C
    function and bits as hermite_states, for callers that step through time one point at
    a time, such as a protocol emulation)."""

    def __init__(self, table_t_s, table_pos_m, table_vel_mps):
        _, tt, pos, vel, batched = hermite_inputs(0.0, table_t_s, table_pos_m, table_vel_mps)
        if batched:
            raise PhyValueError(f"table_pos_m: one satellite's (n, 3) table expected, got "
                                f"{np.shape(table_pos_m)}")
        self._point = b.HermitePoint(tt, pos, vel)

    def state_at(self, t_s: float) -> tuple[np.ndarray, np.ndarray, int]:
        """(pos_m (3,), vel_mps (3,), status) at t_s (s; status as in SatStates)."""
        return self._point(float(t_s))

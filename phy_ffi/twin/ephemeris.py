"""numpy twin of csrc/ephemeris.c (cubic Hermite interpolation of ECEF state tables)."""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST, error_for
from phy_ffi.ephemeris import SatStates, hermite_inputs
from phy_ffi.errors import PhyValueError

__all__ = ["SatelliteTable", "hermite_states"]


def _check_table(tt, pos, vel) -> None:
    """Raise as the C core's call-level statuses do."""
    if tt.size < 2:
        raise error_for(CONST.ERR_LENGTH, "hermite_states")
    if not np.isfinite(tt).all() or not (np.diff(tt) > 0).all():
        raise error_for(CONST.ERR_NOT_ORDERED, "hermite_states")
    if not (np.isfinite(pos).all() and np.isfinite(vel).all()):
        raise error_for(CONST.ERR_NAN, "hermite_states")


def _weights(s):
    """Hermite weights of (p0, h v0, p1, h v1) for value, first and second s-derivative."""
    s2, s3 = s * s, s * s * s
    w = np.stack([2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2])
    d = np.stack([6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s])
    dd = np.stack([12 * s - 6, 6 * s - 4, -12 * s + 6, 6 * s - 2])
    return w, d, dd


def hermite_states(t_s, table_t_s, table_pos_m, table_vel_mps) -> SatStates:
    t, tt, pos, vel, batched = hermite_inputs(t_s, table_t_s, table_pos_m, table_vel_mps)
    _check_table(tt, pos, vel)
    status = np.zeros(t.size, np.int32)
    with np.errstate(invalid="ignore"):
        status[(t < tt[0]) | (t > tt[-1])] = CONST.ERR_TIME_RANGE
    status[~np.isfinite(t)] = CONST.ERR_NAN
    ok = status == 0
    k = np.clip(np.searchsorted(tt, np.where(ok, t, tt[0]), side="right") - 1, 0, tt.size - 2)
    h = tt[k + 1] - tt[k]
    w, d, dd = _weights(np.where(ok, (np.where(ok, t, tt[0]) - tt[k]) / h, 0.0))
    hh = h[:, None]
    nodes = [pos[:, k], hh * vel[:, k], pos[:, k + 1], hh * vel[:, k + 1]]  # each (S, m, 3)
    with np.errstate(invalid="ignore", over="ignore"):
        p = sum(w[j][:, None] * nodes[j] for j in range(4))
        v = sum(d[j][:, None] * nodes[j] for j in range(4)) / hh
        a = sum(dd[j][:, None] * nodes[j] for j in range(4)) / (hh * hh)
    st = np.broadcast_to(status, (pos.shape[0], t.size)).copy()
    finite = np.isfinite(p).all(axis=2) & np.isfinite(v).all(axis=2) & np.isfinite(a).all(axis=2)
    st[(st == 0) & ~finite] = CONST.ERR_RANGE   # finite samples whose cubic overflows, as C
    for arr in (p, v, a):
        arr[st != 0] = np.nan
    return SatStates(p, v, a, st) if batched else SatStates(p[0], v[0], a[0], st[0])


class SatelliteTable:
    """numpy twin of phy_ffi.SatelliteTable: one satellite's table, one time per call."""

    def __init__(self, table_t_s, table_pos_m, table_vel_mps):
        _, self._t, self._pos, self._vel, batched = hermite_inputs(
            0.0, table_t_s, table_pos_m, table_vel_mps)
        if batched:
            raise PhyValueError(f"table_pos_m: one satellite's (n, 3) table expected, got "
                                f"{np.shape(table_pos_m)}")

    def state_at(self, t_s: float) -> tuple[np.ndarray, np.ndarray, int]:
        out = hermite_states(np.array([float(t_s)]), self._t, self._pos[0], self._vel[0])
        return out.pos_m[0], out.vel_mps[0], int(out.status[0])

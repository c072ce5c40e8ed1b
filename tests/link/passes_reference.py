"""The pass search of ntnstack 0.x, kept as the reference and the benchmark baseline.

One satellite at a time: elevations on a grid of 1/600 of the orbital period (1..60 s),
rise and set by bisection, the culmination by a scalar golden-section search. The vectorised
search of ``ntnstack.link.passes`` must find the same passes (rise / set / culmination to
``TIME_RESOLUTION_S``-limited precision).
"""
from __future__ import annotations

import numpy as np

from ntnstack.link.passes import TIME_RESOLUTION_S, Pass, elevations
from phy_ffi import CONST

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def _grid_step_s(source, t0: float) -> float:
    pos, _ = source.states(np.array([t0]))
    period = 2 * np.pi * np.sqrt(np.linalg.norm(pos[0]) ** 3 / CONST.EARTH_MU_M3PS2)
    return float(np.clip(period / 600.0, 1.0, 60.0))


def _bisect(source, ue, lo, hi, min_el, rising: bool) -> np.ndarray:
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    while lo.size and np.max(hi - lo) > TIME_RESOLUTION_S:
        mid = 0.5 * (lo + hi)
        above = elevations(source, ue, mid) >= min_el
        move_hi = above if rising else ~above
        hi = np.where(move_hi, mid, hi)
        lo = np.where(move_hi, lo, mid)
    return 0.5 * (lo + hi)


def _culmination(source, ue, lo: float, hi: float) -> tuple[float, float]:
    a, b = lo, hi
    while b - a > TIME_RESOLUTION_S:
        c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
        el_c, el_d = elevations(source, ue, [c, d])
        if el_c >= el_d:
            b = d
        else:
            a = c
    t = 0.5 * (a + b)
    return t, float(elevations(source, ue, t)[0])


def reference_passes(source, ue, start_unix_s: float, duration_s: float,
                     min_elevation_deg: float = 10.0) -> list[Pass]:
    """Passes of one satellite, the scalar way."""
    end = start_unix_s + duration_s
    step = _grid_step_s(source, start_unix_s)
    t = np.append(np.arange(start_unix_s, end, step), end)
    el = elevations(source, ue, t)
    up = el >= min_elevation_deg
    change = np.flatnonzero(up[1:] != up[:-1])
    rise_idx, set_idx = change[~up[change]], change[up[change]]
    rises = _bisect(source, ue, t[rise_idx], t[rise_idx + 1], min_elevation_deg, True)
    sets = _bisect(source, ue, t[set_idx], t[set_idx + 1], min_elevation_deg, False)
    starts = ([None] if up[0] else []) + list(rises)
    ends = list(sets) + ([None] if up[-1] else [])
    out = []
    for rise, set_ in zip(starts, ends, strict=True):
        lo = start_unix_s if rise is None else rise
        hi = end if set_ is None else set_
        inside = (t >= lo) & (t <= hi)
        k = int(np.flatnonzero(inside)[np.argmax(el[inside])]) if np.any(inside) else 0
        t_c, el_c = _culmination(source, ue, max(lo, t[max(k - 1, 0)]),
                                 min(hi, t[min(k + 1, t.size - 1)]))
        out.append(Pass(source.name, None if rise is None else float(rise), t_c,
                        None if set_ is None else float(set_), el_c))
    return out


def reference_passes_many(sources, ue, start_unix_s, duration_s, min_elevation_deg=10.0):
    """Every source's passes, sorted as ``passes_many`` sorts them."""
    every = [p for s in sources for p in reference_passes(s, ue, start_unix_s, duration_s,
                                                          min_elevation_deg)]
    return sorted(every, key=lambda p: (p.rise_unix_s is not None, p.rise_unix_s or 0.0,
                                        p.satellite))

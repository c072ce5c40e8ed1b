"""Passes of satellites over a terminal, serving-satellite choice and handover times.

Elevations come from direct propagation of the source (not the Hermite table) and the C
core's look angles (WGS-84 horizon). Events are found on a sampling grid (a step of 1/600 of
the orbital period, 1..60 s: a pass that stays above the mask for less than one step can be
missed) and refined by bisection to ``TIME_RESOLUTION_S``; the culmination by golden-section
search.

Serving choice (``serving_plan``):
- ``longest`` (default): at each handover the visible satellite that stays visible longest
  is chosen and kept until it sets (fewest handovers, the usual LEO NTN plan);
- ``highest``: always the satellite at the highest elevation (switches at the crossing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.source import OrbitSource
from phy_ffi import CONST

__all__ = ["Handover", "Pass", "ServingInterval", "elevations", "passes", "passes_many",
           "serving_plan", "TIME_RESOLUTION_S"]

TIME_RESOLUTION_S = 0.01  # bisection stops below this; reported times are good to 0.1 s
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
POLICIES = ("longest", "highest")


@dataclass(frozen=True)
class Pass:
    """One visibility interval; rise/set None when the span starts/ends inside the pass."""

    satellite: str
    rise_unix_s: float | None
    culmination_unix_s: float
    set_unix_s: float | None
    max_elevation_deg: float

    def duration_s(self, start_unix_s: float, end_unix_s: float) -> float:
        """Time above the mask within [start, end]."""
        rise = start_unix_s if self.rise_unix_s is None else self.rise_unix_s
        end = end_unix_s if self.set_unix_s is None else self.set_unix_s
        return end - rise


@dataclass(frozen=True)
class ServingInterval:
    satellite: str
    start_unix_s: float
    end_unix_s: float


@dataclass(frozen=True)
class Handover:
    t_unix_s: float
    source_satellite: str
    target_satellite: str


def elevations(source: OrbitSource, ue: GroundPoint, t_unix_s) -> np.ndarray:
    """Elevation (deg) of ``source`` from ``ue`` at the times (direct propagation)."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    pos, _ = source.states(t)
    return phy_ffi.look_angles(pos, ue.ecef_m).elevation_deg


def _grid_step_s(source: OrbitSource, t0: float) -> float:
    pos, _ = source.states(np.array([t0]))
    period = 2 * np.pi * np.sqrt(np.linalg.norm(pos[0]) ** 3 / CONST.EARTH_MU_M3PS2)
    return float(np.clip(period / 600.0, 1.0, 60.0))


def _bisect(source, ue, lo, hi, min_el, rising: bool) -> np.ndarray:
    """Vectorised bisection of elevation - min_el on brackets [lo, hi] (one sign change)."""
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    while lo.size and np.max(hi - lo) > TIME_RESOLUTION_S:
        mid = 0.5 * (lo + hi)
        above = elevations(source, ue, mid) >= min_el
        move_hi = above if rising else ~above
        hi = np.where(move_hi, mid, hi)
        lo = np.where(move_hi, lo, mid)
    return 0.5 * (lo + hi)


def _culmination(source, ue, lo: float, hi: float) -> tuple[float, float]:
    """Golden-section search for the elevation maximum in [lo, hi]: (t, elevation)."""
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


def passes(source: OrbitSource, ue: GroundPoint, start_unix_s: float, duration_s: float,
           min_elevation_deg: float = 10.0) -> list[Pass]:
    """Passes above ``min_elevation_deg`` within [start, start + duration], in time order."""
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise InputError(f"--duration: must be a finite number > 0, got {duration_s}")
    if not -90.0 <= min_elevation_deg <= 90.0:
        raise InputError(f"--min-elevation-deg: {min_elevation_deg:g} is outside [-90, 90]")
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


def passes_many(sources: list[OrbitSource], ue: GroundPoint, start_unix_s: float,
                duration_s: float, min_elevation_deg: float = 10.0) -> list[Pass]:
    """Passes of every source, sorted by rise (passes already in progress first)."""
    every = [p for s in sources for p in passes(s, ue, start_unix_s, duration_s,
                                                min_elevation_deg)]
    return sorted(every, key=lambda p: (p.rise_unix_s is not None, p.rise_unix_s or 0.0,
                                        p.satellite))


def _plan_longest(all_passes: list[Pass], start: float, end: float) -> list[ServingInterval]:
    plan: list[ServingInterval] = []
    now = start
    while now < end:
        live = [p for p in all_passes
                if (p.rise_unix_s or start) <= now + TIME_RESOLUTION_S
                and (p.set_unix_s if p.set_unix_s is not None else end) > now]
        if not live:
            upcoming = [p.rise_unix_s for p in all_passes
                        if p.rise_unix_s is not None and p.rise_unix_s > now]
            if not upcoming:
                break
            now = min(upcoming)
            continue
        best = max(live, key=lambda p: p.set_unix_s if p.set_unix_s is not None else np.inf)
        stop = end if best.set_unix_s is None else best.set_unix_s
        plan.append(ServingInterval(best.satellite, now, stop))
        now = stop
    return plan


def _plan_highest(sources, ue, start, end, min_el) -> list[ServingInterval]:
    step = min(_grid_step_s(s, start) for s in sources)
    t = np.append(np.arange(start, end, step), end)

    def best_at(times):
        el = np.stack([elevations(s, ue, times) for s in sources])
        idx = np.argmax(el, axis=0)
        return np.where(el[idx, np.arange(el.shape[1])] >= min_el, idx, -1)

    serving = best_at(t)
    k = np.flatnonzero(serving[1:] != serving[:-1])
    lo, hi, left = t[k], t[k + 1], serving[k]
    while lo.size and np.max(hi - lo) > TIME_RESOLUTION_S:
        mid = 0.5 * (lo + hi)
        same = best_at(mid) == left
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    bounds = [start, *(0.5 * (lo + hi)).tolist(), end]
    owners = [serving[0], *serving[k + 1]]
    return [ServingInterval(sources[o].name, a, b)
            for o, a, b in zip(owners, bounds[:-1], bounds[1:], strict=True) if o >= 0]


def serving_plan(sources: list[OrbitSource], ue: GroundPoint, start_unix_s: float,
                 duration_s: float, min_elevation_deg: float = 10.0, policy: str = "longest"
                 ) -> tuple[list[ServingInterval], list[Handover]]:
    """Which satellite serves ``ue`` when, and the handovers (back-to-back intervals)."""
    if policy not in POLICIES:
        raise InputError(f"--policy: {policy!r} is not one of {', '.join(POLICIES)}")
    end = start_unix_s + duration_s
    if policy == "longest":
        plan = _plan_longest(passes_many(sources, ue, start_unix_s, duration_s,
                                         min_elevation_deg), start_unix_s, end)
    else:
        plan = _plan_highest(sources, ue, start_unix_s, end, min_elevation_deg)
    handovers = [Handover(b.start_unix_s, a.satellite, b.satellite)
                 for a, b in zip(plan[:-1], plan[1:], strict=True)
                 if abs(a.end_unix_s - b.start_unix_s) <= TIME_RESOLUTION_S
                 and a.satellite != b.satellite]
    return plan, handovers

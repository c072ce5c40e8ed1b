"""Passes of satellites over a terminal, serving-satellite choice and handover times.

Elevations come from direct propagation of the sources (not the Hermite table), for all
satellites at once (``ntnstack.orbit.batch``), and the C core's look angles (WGS-84
horizon). The search samples every satellite on a common grid (1/100 of the shortest
orbital period, 1..60 s), then refines all events together in lock-step vectors: rise and
set by bisection to ``TIME_RESOLUTION_S``, the culmination by golden-section search. A pass
shorter than the grid step is still found: every elevation hump between grid points that
stay below the mask is refined and kept if its maximum clears the mask. Satellites are
taken in blocks of at most ``GRID_POINTS_PER_BLOCK`` grid samples, so memory is bounded
for any span and constellation.

Serving choice (``serving_plan``):
- ``longest`` (default): at each handover the visible satellite that stays visible longest
  is chosen and kept until it sets (fewest handovers, the usual LEO NTN plan);
- ``highest``: always the satellite at the highest elevation (switches at the crossing).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.batch import SourceBatch
from ntnstack.orbit.source import OrbitSource
from phy_ffi import CONST

__all__ = ["Handover", "Pass", "ServingInterval", "elevations", "passes", "passes_many",
           "serving_plan", "TIME_RESOLUTION_S"]

TIME_RESOLUTION_S = 0.01  # bisection stops below this; reported times are good to 0.1 s
GRID_STEPS_PER_PERIOD = 100   # search grid: elevation humps (one per orbit) are bracketed
HIGHEST_STEPS_PER_PERIOD = 600   # highest-elevation plan: switches are bracketed on this grid
GRID_POINTS_PER_BLOCK = 1_000_000   # satellites x grid times held at once (~100 MB peak)
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


def _grid_step_s(batch: SourceBatch, t0: float, per_period: int) -> float:
    """Grid step (s): 1/per_period of the shortest orbital period at t0, within 1..60 s."""
    everyone = np.arange(len(batch))
    radius = np.linalg.norm(batch.positions_at(everyone, np.full(everyone.size, t0)), axis=1)
    period = 2 * np.pi * np.sqrt(np.min(radius) ** 3 / CONST.EARTH_MU_M3PS2)
    return float(np.clip(period / per_period, 1.0, 60.0))


def elevation_from(ue: GroundPoint, pos_m: np.ndarray) -> np.ndarray:
    """Elevation (deg) of ECEF positions (..., 3) above the WGS-84 horizon of ``ue``: the
    angle between the line of sight and the plane normal to the geodetic vertical."""
    lat, lon = np.radians(ue.lat_deg), np.radians(ue.lon_deg)
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    sight = pos_m - ue.ecef_m
    dist = np.sqrt(np.einsum("...i,...i->...", sight, sight))
    return np.degrees(np.arcsin(np.clip((sight @ up) / dist, -1.0, 1.0)))


class _Search:
    """Elevations of a SourceBatch seen from one terminal, for lock-step refinement."""

    def __init__(self, batch: SourceBatch, ue: GroundPoint, min_el: float):
        self.batch, self.ue, self.min_el = batch, ue, min_el

    def at(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Elevation (deg) of sources[idx[i]] at t[i]."""
        if not idx.size:
            return np.empty(0)
        return elevation_from(self.ue, self.batch.positions_at(idx, t))

    def crossing(self, idx, lo, hi, rising: bool) -> np.ndarray:
        """Bisection of elevation - min_el on brackets [lo, hi] (one sign change each)."""
        lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
        while lo.size and np.max(hi - lo) > TIME_RESOLUTION_S:
            mid = 0.5 * (lo + hi)
            above = self.at(idx, mid) >= self.min_el
            move_hi = above if rising else ~above
            hi, lo = np.where(move_hi, mid, hi), np.where(move_hi, lo, mid)
        return 0.5 * (lo + hi)

    def culmination(self, idx, lo, hi) -> tuple[np.ndarray, np.ndarray]:
        """Golden-section search for the elevation maximum in each [lo, hi]: (t, el)."""
        a, b = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
        while a.size and np.max(b - a) > TIME_RESOLUTION_S:
            c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
            left_higher = self.at(idx, c) >= self.at(idx, d)
            b, a = np.where(left_higher, d, b), np.where(left_higher, a, c)
        t = 0.5 * (a + b)
        return t, self.at(idx, t)


def _segment_argmax(values: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Index of the maximum of values[first[j]..last[j]] (inclusive, disjoint, ordered)."""
    lengths = last - first + 1
    seg = np.repeat(np.arange(first.size), lengths)
    where = np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(seg.size)
    order = np.lexsort((values[where], seg))
    ends = np.cumsum(lengths) - 1
    return where[order[ends]]


def _passes_of_block(search: _Search, first: int, stop: int, t: np.ndarray) -> list[Pass]:
    """Passes of sources[first:stop] over the search grid ``t``."""
    n_sat = stop - first
    el = elevation_from(search.ue, search.batch.positions_grid(t, first, stop))
    up = el >= search.min_el
    flat_el, flat_up, last_k = el.ravel(), up.ravel(), t.size - 1
    k_of = np.tile(np.arange(t.size), n_sat)
    starts = np.flatnonzero(flat_up & ((k_of == 0) | ~np.roll(flat_up, 1)))
    ends = np.flatnonzero(flat_up & ((k_of == last_k) | ~np.roll(flat_up, -1)))
    sat = starts // t.size
    idx = first + sat
    k0, k1 = k_of[starts], k_of[ends]
    rise_open, set_open = k0 > 0, k1 < last_k
    rises = np.full(starts.size, np.nan)
    sets = np.full(starts.size, np.nan)
    rises[rise_open] = search.crossing(idx[rise_open], t[k0[rise_open] - 1], t[k0[rise_open]],
                                       True)
    sets[set_open] = search.crossing(idx[set_open], t[k1[set_open]], t[k1[set_open] + 1], False)
    k_max = k_of[_segment_argmax(flat_el, starts, ends)] if starts.size else starts
    lo = np.maximum(np.where(rise_open, rises, t[0]), t[np.maximum(k_max - 1, 0)])
    hi = np.minimum(np.where(set_open, sets, t[-1]), t[np.minimum(k_max + 1, last_k)])
    t_c, el_c = search.culmination(idx, lo, hi)
    found = [Pass(search.batch.sources[i].name, None if np.isnan(r) else float(r), float(tc),
                  None if np.isnan(s) else float(s), float(ec))
             for i, r, tc, s, ec in zip(idx.tolist(), rises, t_c, sets, el_c, strict=True)]
    return found + _passes_between_grid_points(search, first, t, el, up)


def _passes_between_grid_points(search: _Search, first: int, t: np.ndarray, el: np.ndarray,
                                up: np.ndarray) -> list[Pass]:
    """Short passes whose every grid point is below the mask: each elevation hump (a grid
    point not lower than its neighbours) is refined, and kept if its maximum clears it."""
    inner = el[:, 1:-1]
    hump = (inner >= el[:, :-2]) & (inner > el[:, 2:]) & ~up[:, 1:-1] & ~up[:, :-2] & ~up[:, 2:]
    sat, k = np.nonzero(hump)
    k = k + 1
    idx = first + sat
    t_c, el_c = search.culmination(idx, t[k - 1], t[k + 1])
    keep = el_c >= search.min_el
    idx, k, t_c, el_c = idx[keep], k[keep], t_c[keep], el_c[keep]
    rises = search.crossing(idx, t[k - 1], t_c, True)
    sets = search.crossing(idx, t_c, t[k + 1], False)
    return [Pass(search.batch.sources[i].name, float(r), float(tc), float(s), float(ec))
            for i, r, tc, s, ec in zip(idx.tolist(), rises, t_c, sets, el_c, strict=True)]


def _check_span(duration_s: float, min_elevation_deg: float) -> None:
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise InputError(f"--duration: must be a finite number > 0, got {duration_s}")
    if not -90.0 <= min_elevation_deg <= 90.0:
        raise InputError(f"--min-elevation-deg: {min_elevation_deg:g} is outside [-90, 90]")


def passes(source: OrbitSource, ue: GroundPoint, start_unix_s: float, duration_s: float,
           min_elevation_deg: float = 10.0) -> list[Pass]:
    """Passes above ``min_elevation_deg`` within [start, start + duration], in time order."""
    return passes_many([source], ue, start_unix_s, duration_s, min_elevation_deg)


def passes_many(sources: list[OrbitSource], ue: GroundPoint, start_unix_s: float,
                duration_s: float, min_elevation_deg: float = 10.0,
                progress: Callable[[int, int], None] | None = None) -> list[Pass]:
    """Passes of every source, sorted by rise (passes already in progress first).

    ``progress(done, total)`` is called after each block of satellites."""
    _check_span(duration_s, min_elevation_deg)
    if not sources:
        return []
    end = start_unix_s + duration_s
    batch = SourceBatch(sources)
    step = _grid_step_s(batch, start_unix_s, GRID_STEPS_PER_PERIOD)
    t = np.append(np.arange(start_unix_s, end, step), end)
    search = _Search(batch, ue, min_elevation_deg)
    per_block = max(1, GRID_POINTS_PER_BLOCK // t.size)
    every: list[Pass] = []
    for first in range(0, len(sources), per_block):
        stop = min(len(sources), first + per_block)
        every.extend(_passes_of_block(search, first, stop, t))
        if progress is not None:
            progress(stop, len(sources))
    return sorted(every, key=lambda p: (p.rise_unix_s is not None, p.rise_unix_s or 0.0,
                                        p.satellite))


def _plan_longest(all_passes: list[Pass], start: float, end: float) -> list[ServingInterval]:
    """At each free moment the live pass that sets last serves until it sets."""
    if not all_passes:
        return []
    rise = np.array([start if p.rise_unix_s is None else p.rise_unix_s for p in all_passes])
    set_ = np.array([end if p.set_unix_s is None else p.set_unix_s for p in all_passes])
    plan: list[ServingInterval] = []
    now = start
    while now < end:
        live = (rise <= now + TIME_RESOLUTION_S) & (set_ > now)
        if not live.any():
            upcoming = rise[rise > now]
            if not upcoming.size:
                break
            now = float(upcoming.min())
            continue
        best = int(np.flatnonzero(live)[np.argmax(set_[live])])
        stop = float(set_[best])
        plan.append(ServingInterval(all_passes[best].satellite, now, stop))
        now = stop
    return plan


def _highest_at(search: _Search, t: np.ndarray) -> np.ndarray:
    """Index of the highest satellite at each time (-1 when none clears the mask)."""
    count = len(search.batch)
    best = np.empty(t.size, dtype=np.intp)
    per_chunk = max(1, GRID_POINTS_PER_BLOCK // count)
    for lo in range(0, t.size, per_chunk):
        part = t[lo:lo + per_chunk]
        el = elevation_from(search.ue, search.batch.positions_grid(part))
        idx = np.argmax(el, axis=0)
        top = el[idx, np.arange(part.size)]
        best[lo:lo + per_chunk] = np.where(top >= search.min_el, idx, -1)
    return best


def _plan_highest(sources, ue, start, end, min_el) -> list[ServingInterval]:
    """The highest satellite serves; switches refined by bisection to TIME_RESOLUTION_S."""
    search = _Search(SourceBatch(sources), ue, min_el)
    step = _grid_step_s(search.batch, start, HIGHEST_STEPS_PER_PERIOD)
    t = np.append(np.arange(start, end, step), end)
    serving = _highest_at(search, t)
    k = np.flatnonzero(serving[1:] != serving[:-1])
    lo, hi, left = t[k], t[k + 1], serving[k]
    while lo.size and np.max(hi - lo) > TIME_RESOLUTION_S:
        mid = 0.5 * (lo + hi)
        same = _highest_at(search, mid) == left
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    bounds = [start, *(0.5 * (lo + hi)).tolist(), end]
    owners = [serving[0], *serving[k + 1]]
    return [ServingInterval(sources[o].name, a, b)
            for o, a, b in zip(owners, bounds[:-1], bounds[1:], strict=True) if o >= 0]


def serving_plan(sources: list[OrbitSource], ue: GroundPoint, start_unix_s: float,
                 duration_s: float, min_elevation_deg: float = 10.0, policy: str = "longest",
                 found: list[Pass] | None = None
                 ) -> tuple[list[ServingInterval], list[Handover]]:
    """Which satellite serves ``ue`` when, and the handovers (back-to-back intervals).

    ``found``: the passes of ``passes_many`` for the same arguments, if already computed."""
    if policy not in POLICIES:
        raise InputError(f"--policy: {policy!r} is not one of {', '.join(POLICIES)}")
    end = start_unix_s + duration_s
    if policy == "longest":
        if found is None:
            found = passes_many(sources, ue, start_unix_s, duration_s, min_elevation_deg)
        plan = _plan_longest(found, start_unix_s, end)
    else:
        plan = _plan_highest(sources, ue, start_unix_s, end, min_elevation_deg)
    handovers = [Handover(b.start_unix_s, a.satellite, b.satellite)
                 for a, b in zip(plan[:-1], plan[1:], strict=True)
                 if abs(a.end_unix_s - b.start_unix_s) <= TIME_RESOLUTION_S
                 and a.satellite != b.satellite]
    return plan, handovers

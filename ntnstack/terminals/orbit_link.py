"""The modules' LinkView over ``ntnstack.orbit`` + ``ntnstack.link``, and the --sat SPEC.

:class:`OrbitLink` samples ``ntnstack.link.link_series`` for every satellite of the SPEC in
windows of ``WINDOW_S`` emulated seconds (computed when first needed, kept while used); the
serving satellite is the highest visible one. ``link_from_options`` turns the CLI options
into a LinkView:

- ``fixed:ALT_KM:EL_DEG[:PERIOD_S:VISIBLE_S]``: ntnstack's test geometry (FixedGeometryLink,
  passes of VISIBLE_S every PERIOD_S);
- ``beidou-geo``: the BDS-3 GEO slots 80 E, 110.5 E, 140 E (docs/reference.md 4) seen from
  --ue, one elevation per slot (GeoSlotsLink);
- anything else: an orbit SPEC of ``ntnstack.orbit.parse_orbit_specs`` (geo:LON, circular:...,
  tle:..., preset:...), several satellites allowed.
"""
from __future__ import annotations

import math

import numpy as np

from ntnstack.errors import InputError
from ntnstack.terminals.signal import orbit_class
from phy_ffi import CONST
from ntnstack.terminals.link_view import (DEFAULT_MIN_ELEVATION_DEG, FixedGeometryLink,
                                          GeoSlotsLink, LinkSample, PassSchedule)

WINDOW_S = 3600.0
STEP_S = 1.0
BEIDOU_GEO_LONS_DEG = (80.0, 110.5, 140.0)


class OrbitLink:
    """Satellites of an orbit SPEC seen from one UE; times are emulated s since ``epoch``."""

    def __init__(self, sources, ue, epoch_unix_s: float, *, payload: str = "transparent",
                 min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG) -> None:
        self.sources, self.ue, self.epoch = list(sources), ue, float(epoch_unix_s)
        self.payload, self.min_elevation_deg = payload, float(min_elevation_deg)
        self._windows: dict[int, list] = {}
        pos, _ = self.sources[0].states(np.array([self.epoch]))
        self.orbit = orbit_class(float(np.linalg.norm(pos[0])) - CONST.EARTH_RADIUS_3GPP_M)

    def _window(self, k: int) -> list:
        if k not in self._windows:
            from ntnstack.link.series import link_series
            t = self.epoch + k * WINDOW_S + np.arange(0.0, WINDOW_S + STEP_S, STEP_S)
            self._windows = {key: v for key, v in self._windows.items() if key >= k - 1}
            self._windows[k] = [link_series(s, self.ue, t, payload=self.payload,
                                            min_elevation_deg=self.min_elevation_deg)
                                for s in self.sources]
        return self._windows[k]

    def _at(self, t_s: float) -> tuple[list, int]:
        k = int(t_s // WINDOW_S)
        return self._window(k), int(round((t_s - k * WINDOW_S) / STEP_S))

    def sample(self, t_s: float) -> LinkSample:
        series, i = self._at(max(0.0, t_s))
        els = tuple(float(s.elevation_deg[i]) for s in series)
        up = [j for j, s in enumerate(series) if s.visible[i]]
        if not up:
            return LinkSample(False, math.nan, math.nan, math.nan, 0.0, els)
        j = max(up, key=lambda j: els[j])
        s = series[j]
        return LinkSample(True, els[j], float(s.rtt_s[i]), float(s.pathloss_db[i]),
                          float(s.doppler_dl_hz[i]), els)

    def stack_cells(self, epoch_unix_s: float, ue_deg_m: tuple) -> list:
        """ntnstack.stack cells, one per satellite of the SPEC (the order of service); no
        feeder link, as this view's round trips (ntnstack.link without a gateway)."""
        from ntnstack.terminals.nbntn_stack import reference_cell

        return [reference_cell(s, epoch_unix_s, self.payload, self.min_elevation_deg)
                for s in self.sources]

    def next_change_s(self, t_s: float) -> float | None:
        """Next visibility change within 24 h (sampled every STEP_S), else None."""
        now_up = self.sample(t_s).visible
        k0 = int(max(0.0, t_s) // WINDOW_S)
        for k in range(k0, k0 + 24):
            series = self._window(k)
            vis = np.any([s.visible for s in series], axis=0)
            t = k * WINDOW_S + np.arange(vis.size) * STEP_S
            idx = np.flatnonzero((vis != now_up) & (t > t_s))
            if idx.size:
                return float(t[idx[0]])
        return None


def _fixed(spec: str, fields: list[str]):
    try:
        nums = [float(x) for x in fields]
    except ValueError:
        raise InputError(f"--sat {spec!r}: fixed:ALT_KM:EL_DEG[:PERIOD_S:VISIBLE_S] needs "
                         f"numbers") from None
    if len(nums) not in (2, 4):
        raise InputError(f"--sat {spec!r}: expected fixed:ALT_KM:EL_DEG[:PERIOD_S:VISIBLE_S]")
    passes = PassSchedule(nums[2], nums[3]) if len(nums) == 4 else None
    return FixedGeometryLink(nums[0] * 1e3, nums[1], passes=passes)


def link_from_options(sat: str | None, ue, epoch_unix_s: float, family: str):
    """LinkView for ``--sat`` (None: the family's default) seen from ``ue`` (GroundPoint)."""
    if sat is None:
        sat = "beidou-geo" if family.startswith("beidou") else "fixed:35786:45"
    kind, _, body = sat.partition(":")
    if kind == "fixed":
        return _fixed(sat, body.split(":"))
    if kind == "beidou-geo":
        return GeoSlotsLink(BEIDOU_GEO_LONS_DEG, ue.lat_deg, ue.lon_deg, ue.alt_m)
    from ntnstack.orbit.spec import parse_orbit_specs
    return OrbitLink(parse_orbit_specs(sat, epoch_unix_s, where="--sat"), ue, epoch_unix_s)

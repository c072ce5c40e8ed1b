"""The emulated sky of a scenario as each terminal sees it: orbit sources, link samples for the
report and the journal, passes (rise / set times) for the pass steps, and the true UE TA.

Everything here reads ntnstack.orbit and ntnstack.link; nothing keeps its own time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.runner.records import Sample
from ntnstack.scenario.model import Scenario, Terminal

GEO_MIN_RANGE_M = 30_000_000.0
"""Ranges above this are a GEO satellite (for the link budget class: geo / leo)."""
LEO_SAMPLE_S = 5.0
"""Spacing of link samples for a non-GEO satellite (a LEO-600 pass lasts ~10 min)."""
PASS_HORIZON_S = 2 * 86400.0
"""How far ahead the passes of each terminal are computed (emulated seconds)."""
GEO_SAMPLE_S = 60.0
"""Spacing of link samples for a GEO satellite (its geometry barely changes)."""


@dataclass
class TerminalLink:
    """One terminal's view: its serving satellite, ground point and cell parameters."""

    terminal: Terminal
    source: object  # ntnstack.orbit.OrbitSource
    ue: object  # ntnstack.link.terminals.GroundPoint
    gateway: object | None
    payload: str
    carrier_dl_hz: float
    carrier_ul_hz: float
    geo: bool
    budget: str  # link-budget row of ntnstack.terminals.signal (geo, leo1200, leo)


class World:
    """Satellites and terminals of a scenario (time in unix seconds, emulated)."""

    def __init__(self, scenario: Scenario):
        from ntnstack.link.defaults import DEFAULT_FREQ_DL_HZ, DEFAULT_FREQ_UL_HZ
        from ntnstack.link.terminals import ground_point
        from ntnstack.orbit import parse_orbit_spec
        from ntnstack.terminals.signal import orbit_class

        self.scenario = scenario
        self.start = scenario.start_unix_s
        self.sources = {n: parse_orbit_spec(s.orbit, self.start, f"satellites.{n}.orbit")
                        for n, s in scenario.satellites.items()}
        self.links: dict[str, TerminalLink] = {}
        self._pass_cache: dict[str, list[tuple[float, float]]] = {}
        for term in scenario.terminals.values():
            sat = scenario.satellite_of(term)
            cell = scenario.cells.get(term.cell) if term.cell else None
            gw_name = cell.gateway if cell else sat.gateway   # no cell: the satellite's own
            gw = scenario.gateways.get(gw_name) if gw_name else None
            ue = ground_point(term.position.lat_deg, term.position.lon_deg,
                              term.position.alt_m, f"terminals.{term.name}.position")
            gpt = ground_point(gw.position.lat_deg, gw.position.lon_deg, gw.position.alt_m,
                               f"gateways.{gw.name}.position") if gw else None
            source = self.sources[sat.name]
            r = float(np.linalg.norm(source.states(np.array([self.start]))[0][0]))
            self.links[term.name] = TerminalLink(
                term, source, ue, gpt,
                cell.payload if cell else "transparent" if gw else "regenerative",
                cell.carrier_dl_hz if cell else DEFAULT_FREQ_DL_HZ,
                cell.carrier_ul_hz if cell else DEFAULT_FREQ_UL_HZ,
                geo=r > GEO_MIN_RANGE_M,
                budget=orbit_class(r - phy_ffi.CONST.EARTH_RADIUS_3GPP_M))

    def series(self, terminal: str, t_unix_s: np.ndarray):
        """ntnstack.link.LinkSeries of ``terminal`` at the given times (a terminal on a
        trajectory: one evaluation per time, at its interpolated position)."""
        from ntnstack.link.series import link_series

        link = self.links[terminal]
        t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
        kw = dict(freq_dl_hz=link.carrier_dl_hz, freq_ul_hz=link.carrier_ul_hz,
                  payload=link.payload, min_elevation_deg=self.scenario.min_elevation_deg)
        if not link.terminal.trajectory:
            return link_series(link.source, link.ue, t, link.gateway, **kw)
        parts = [link_series(link.source, self.ground_at(terminal, ti - self.start),
                             np.array([ti]), link.gateway, **kw) for ti in t]
        return _concat(parts)

    def ground_at(self, terminal: str, t_s: float):
        """The terminal's ground point at ``t_s``: linear between trajectory waypoints in
        latitude, longitude (the short way across the antimeridian) and altitude, held before
        the first and after the last."""
        from ntnstack.link.terminals import ground_point

        points = self.links[terminal].terminal.trajectory
        times = [w.t_s for w in points]
        lat, alt = (float(np.interp(t_s, times, [getattr(w.position, k) for w in points]))
                    for k in ("lat_deg", "alt_m"))
        lons = np.unwrap([w.position.lon_deg for w in points], period=360.0)
        lon = (float(np.interp(t_s, times, lons)) + 180.0) % 360.0 - 180.0
        return ground_point(lat, lon, alt, f"terminals.{terminal}.trajectory")

    def samples(self, terminal: str, t0_s: float, t1_s: float) -> list[Sample]:
        """Link samples over [t0_s, t1_s) (emulated seconds since the start)."""
        link = self.links[terminal]
        step = GEO_SAMPLE_S if link.geo else LEO_SAMPLE_S
        first = math.ceil(t0_s / step) * step
        t = np.arange(first, t1_s, step)
        if t.size == 0:
            return []
        ls = self.series(terminal, self.start + t)
        rsrp = _rsrp_dbm(ls.pathloss_db, link.budget)
        out = []
        for i, ti in enumerate(t):
            vis = bool(ls.visible[i])
            shown = [float(v) if vis else math.nan for v in (
                ls.delay_s[i] * 1e3, ls.doppler_dl_hz[i], ls.ta_ue_s[i] * 1e6, rsrp[i])]
            out.append(Sample(float(ti), terminal, float(ls.elevation_deg[i]), *shown, vis))
        return out

    def visible(self, terminal: str, t_s: float) -> bool:
        return bool(self.series(terminal, np.array([self.start + t_s])).visible[0])

    def passes(self, terminal: str, t0_s: float, horizon_s: float) -> list[tuple[float | None,
                                                                                 float | None]]:
        """(rise_s, set_s) of the passes in [t0_s, t0_s + horizon_s], emulated seconds since the
        start (None: the pass is already on at t0 / still on at the horizon)."""
        from ntnstack.link.passes import passes

        link = self.links[terminal]
        found = passes(link.source, link.ue, self.start + t0_s, horizon_s,
                       self.scenario.min_elevation_deg)
        return [(_since(p.rise_unix_s, self.start), _since(p.set_unix_s, self.start))
                for p in found]

    def pass_list(self, terminal: str) -> list[tuple[float, float]]:
        """Every pass over [0, PASS_HORIZON_S] as (rise_s, set_s), -inf / +inf for a pass on at
        the start / at the horizon; computed once, so that the runner and the terminal's
        virtual module agree on the rise and set times to the last bit."""
        if terminal not in self._pass_cache:
            self._pass_cache[terminal] = [
                (-math.inf if r is None else r, math.inf if s is None else s)
                for r, s in self.passes(terminal, 0.0, PASS_HORIZON_S)]
        return self._pass_cache[terminal]

    def next_set_s(self, terminal: str, t0_s: float, horizon_s: float) -> float | None:
        """When the satellite in view at t0_s sets (None: not in view, or not within horizon)."""
        for rise, set_ in self.pass_list(terminal):
            if rise <= t0_s < set_:
                return set_ if set_ <= t0_s + horizon_s else None
        return None

    def next_rise_s(self, terminal: str, t0_s: float, horizon_s: float) -> float | None:
        """The next rise after t0_s (a pass already on at t0_s does not count)."""
        for rise, _ in self.pass_list(terminal):
            if t0_s < rise <= t0_s + horizon_s:
                return rise
        return None


def _concat(parts: list):
    """One LinkSeries from single-time LinkSeries (same satellite and payload)."""
    from dataclasses import fields, replace

    arrays = {f.name: np.concatenate([getattr(p, f.name) for p in parts])
              for f in fields(parts[0]) if isinstance(getattr(parts[0], f.name), np.ndarray)}
    return replace(parts[0], **arrays)


def _since(t_unix_s: float | None, start_unix_s: float) -> float | None:
    return None if t_unix_s is None else t_unix_s - start_unix_s


def _rsrp_dbm(pathloss_db: np.ndarray, orbit_class: str) -> list[float]:
    """The modules' own link budget (ntnstack.terminals.signal) on the emulated path loss."""
    from ntnstack.terminals.signal import signal_report

    return [signal_report(float(p), orbit_class).rsrp_dbm for p in pathloss_db]

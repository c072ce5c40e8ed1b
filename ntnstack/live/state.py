"""The state messages of ``ntnstack live``: what each cell broadcasts, when it changes.

A cell's broadcast is the SIB the run's capture carries (ntnstack.runner.sibs): built by
ntnstack.rrc from the emulated orbit at the start of the cell's SI window, every
``sib_period_s`` of the cell, so the values here are the quantised ones of the UPER bytes,
not a second computation. A message is due at each of those SIB updates and at each rise or
set of the satellite over one of the cell's terminals (coverage lost or regained). Times are
unix seconds on the scenario's time line (sfn0 = the scenario start).
"""
from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Iterator

import numpy as np

from ntnstack.errors import InputError
from ntnstack.rrc.units import StateVectors
from ntnstack.scenario.model import Scenario

SCHEMA_VERSION = 1
AFTER_CHANGE_S = 0.02   # a coverage message describes the state this long after the rise /
                        # set (both are found to 0.01 s, either side of the mask)


class LiveCells:
    """State messages of the chosen cells of ``scenario`` (all broadcasting cells if none).
    A scenario without a broadcasting cell is an InputError (nothing to serve), unless
    ``empty_ok`` (``run --live``: the run goes on, its service serves no cell)."""

    def __init__(self, scenario: Scenario, cells: list[str] | None = None, world=None,
                 empty_ok: bool = False):
        from ntnstack.runner.sibs import broadcast_config
        from ntnstack.runner.world import World

        broadcasting = [n for n, c in scenario.cells.items() if c.sib != "none"]
        for name in cells or []:
            if name not in broadcasting:
                raise InputError(f"--cell {name!r}: not a broadcasting cell of the scenario "
                                 f"(cells: {', '.join(broadcasting) or 'none'})")
        if not broadcasting and not empty_ok:
            raise InputError(f"{', '.join(map(str, scenario.files)) or 'the scenario'}: no "
                             f"cell broadcasts (every cell's sib is none): nothing to serve "
                             f"live")
        self.scenario = scenario
        self.world = world or World(scenario)
        self.names = list(cells or broadcasting)
        self._config = {n: broadcast_config(scenario, scenario.cells[n],
                                            self.world.sources[scenario.cells[n].satellite])[0]
                        for n in self.names}
        self._terminals = {n: [t for t, term in scenario.terminals.items() if term.cell == n]
                           for n in self.names}
        # the SIB last built per cell (send time, BuiltSib): every client that connects
        # within a SIB period gets the same one without building it again
        self._built: dict[str, tuple[float, object]] = {}
        for name in self.names:
            self.coverage_changes_s(name)       # the pass lists, computed once here

    def sib_update_s(self, cell: str, k: int) -> float:
        """Unix time of the cell's k-th SIB update: the SI window at or after k periods."""
        from ntnstack.stack.cell import next_si_window_s

        period = self.scenario.cells[cell].sib_period_s
        return next_si_window_s(self._config[cell].si_windows,
                                self.scenario.start_unix_s + k * period)

    def broadcast_at(self, cell: str, t_unix_s: float) -> float:
        """The send time of the SIB in force at ``t_unix_s`` (the last update at or before
        it; the first one before it has been sent)."""
        period = self.scenario.cells[cell].sib_period_s
        k = max(0, math.floor((t_unix_s - self.scenario.start_unix_s) / period))
        while k > 0 and self.sib_update_s(cell, k) > t_unix_s:
            k -= 1
        return self.sib_update_s(cell, k)

    def coverage_changes_s(self, cell: str) -> list[float]:
        """Unix times the satellite rises or sets over one of the cell's terminals."""
        start = self.scenario.start_unix_s
        out = set()
        for terminal in self._terminals[cell]:
            for rise, set_ in self.world.pass_list(terminal):
                out.update(start + t for t in (rise, set_) if math.isfinite(t))
        return sorted(out)

    def events(self, t0_unix_s: float, t1_unix_s: float) -> Iterator[tuple[float, str, str]]:
        """(unix time, cell, reason) of every change in (t0, t1], in time order; reason is
        "sib-update" or "coverage"."""
        def sib_updates(cell):
            period = self.scenario.cells[cell].sib_period_s
            k = max(0, math.floor((t0_unix_s - self.scenario.start_unix_s) / period))
            while (t := self.sib_update_s(cell, k)) <= t1_unix_s:
                if t > t0_unix_s:
                    yield t, cell, "sib-update"
                k += 1

        def coverage(cell):
            return ((t, cell, "coverage") for t in self.coverage_changes_s(cell)
                    if t0_unix_s < t <= t1_unix_s)

        streams = [s for c in self.names for s in (sib_updates(c), coverage(c))]
        yield from heapq.merge(*streams)

    def updates(self, t0_unix_s: float, t1_unix_s: float) -> Iterator[dict]:
        """The messages of every change in (t0, t1], in time order. A SIB update while no
        terminal of the cell sees its satellite is not broadcast, so it sends nothing. The
        terminals' link values are computed for all of a cell's changes at once."""
        due = list(self.events(t0_unix_s, t1_unix_s))
        states: dict[str, Iterator[list[dict]]] = {}
        for cell in self.names:
            times = [_state_time(t, reason) for t, c, reason in due if c == cell]
            states[cell] = iter(self._terminal_states(cell, np.array(times)))
        for t, cell, reason in due:
            msg = self.message(cell, t, reason, terminals=next(states[cell]))
            if reason == "coverage" or msg["visible"] is not False:
                yield msg

    def message(self, cell: str, t_unix_s: float, reason: str = "get",
                terminals: list[dict] | None = None) -> dict:
        """The state message of ``cell`` at ``t_unix_s`` (docs/live.md, schema 1);
        ``terminals``: the terminals' part if already computed."""
        from ntnstack.rrc.builders import build_sib

        scenario_cell = self.scenario.cells[cell]
        source = self.world.sources[scenario_cell.satellite]
        if terminals is None:
            terminals = self._terminal_states(
                cell, np.array([_state_time(t_unix_s, reason)]))[0]
        t_tx = self.broadcast_at(cell, t_unix_s)
        built = self._built.get(cell)
        if built is None or built[0] != t_tx:   # the SIB in force changes once a period
            built = self._built[cell] = (t_tx, build_sib(source, self._config[cell], t_tx))
        built = built[1]
        config = built.sib.config
        return {
            "type": "state", "schema": SCHEMA_VERSION, "cell": cell, "reason": reason,
            "t_unix_s": t_unix_s, "satellite": scenario_cell.satellite,
            "payload": scenario_cell.payload,
            "visible": any(t["visible"] for t in terminals) if terminals else None,
            "sib": {
                "kind": scenario_cell.sib, "sent_unix_s": built.sent_unix_s,
                "epoch_unix_s": built.epoch_unix_s,
                "epoch_sfn": config.epoch.sfn if config.epoch else None,
                "epoch_subframe": config.epoch.subframe if config.epoch else None,
                **_ephemeris(config.ephemeris),
                "ta_common_s": config.common_ta.ta_common_s,
                "ta_common_drift_s_per_s": config.common_ta.drift_s_per_s,
                "ta_common_drift_variant_s_per_s2": config.common_ta.drift_variation_s_per_s2,
                "k_offset_ms": config.k_offset_ms, "k_mac_ms": config.k_mac_ms,
                "validity_s": config.validity_s, "uper_hex": built.message.hex()},
            "terminals": terminals}

    def _terminal_states(self, cell: str, t_unix_s: np.ndarray) -> list[list[dict]]:
        """For each time, the link of each terminal of the cell (ntnstack.link.link_series,
        as ``ntnstack link`` computes it)."""
        per_time: list[list[dict]] = [[] for _ in range(t_unix_s.size)]
        if not t_unix_s.size:
            return per_time
        for name in self._terminals[cell]:
            series = self.world.series(name, t_unix_s)
            link = self.world.links[name]
            for i, t in enumerate(t_unix_s):
                ground = self.world.ground_at(name, t - self.scenario.start_unix_s) \
                    if link.terminal.trajectory else link.ue
                per_time[i].append({
                    "name": name, "position": [ground.lat_deg, ground.lon_deg, ground.alt_m],
                    "elevation_deg": float(series.elevation_deg[i]),
                    "delay_s": _finite(series.delay_s[i]),
                    "doppler_dl_hz": _finite(series.doppler_dl_hz[i]),
                    "doppler_ul_hz": _finite(series.doppler_ul_hz[i]),
                    "visible": bool(series.visible[i])})
        return per_time


def _state_time(t_unix_s: float, reason: str) -> float:
    """When the terminals' state is taken: just after a rise / set, else at the change."""
    return t_unix_s + (AFTER_CHANGE_S if reason == "coverage" else 0.0)


def _ephemeris(ephemeris) -> dict:
    """ECEF state vectors of the SIB (orbital elements are sent as such)."""
    if isinstance(ephemeris, StateVectors):
        return {"position_m": list(ephemeris.position_ecef_m),
                "velocity_mps": list(ephemeris.velocity_ecef_mps)}
    return {"orbital": dataclasses.asdict(ephemeris)}


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None

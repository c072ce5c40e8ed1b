"""Virtual modules for a scenario's terminals: each served on a pty by the run's module host,
its network side following the same emulated link the runner judges against
(:class:`WorldLink`, built on ntnstack.link through ntnstack.runner.world)."""
from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from ntnstack.errors import NtnstackError
from ntnstack.scenario.model import Scenario, family_group

START_TIMEOUT_S = 10.0
"""Real seconds to wait for the host thread to take a new module on a scaled or real clock
(on the virtual clock the request is input in flight to the host: no limit is needed)."""


class WorldLink:
    """ntnstack.terminals.link_view.LinkView of one terminal, from the scenario's orbit,
    positions and cell (times ``t_s`` are emulated seconds since the scenario start)."""

    def __init__(self, world, terminal: str):
        self.world, self.terminal = world, terminal
        self.min_elevation_deg = world.scenario.min_elevation_deg
        link = world.links[terminal]
        self.orbit = link.budget  # the link-budget row of ntnstack.terminals.signal
        self._passes = [] if link.geo else world.pass_list(terminal)
        self._changes = sorted(t for p in self._passes for t in p if math.isfinite(t))

    def sample(self, t_s: float):
        """The link at ``t_s``. For a moving satellite, visibility is read from the pass list
        (rise <= t < set), so that it flips exactly at the times next_change_s announces."""
        from ntnstack.terminals.link_view import LinkSample

        ls = self.world.series(self.terminal, np.array([self.world.start + t_s]))
        up = bool(ls.visible[0]) if self.world.links[self.terminal].geo else any(
            rise <= t_s < set_ for rise, set_ in self._passes)
        el = float(ls.elevation_deg[0])
        return LinkSample(up, el if up else math.nan, float(ls.rtt_s[0]),
                          float(ls.pathloss_db[0]), float(ls.doppler_dl_hz[0]), (el,))

    def next_change_s(self, t_s: float) -> float | None:
        i = bisect_right(self._changes, t_s)
        return self._changes[i] if i < len(self._changes) else None

    def stack_cells(self, epoch_unix_s: float, ue_deg_m: tuple) -> list:
        """The ntnstack.stack cell of the terminal's scenario cell: its satellite, payload,
        gateway and timing policy, broadcasting SIB31-NB (an NB-IoT UE reads no other SIB)."""
        import dataclasses

        from ntnstack.runner.sibs import cell_config
        from ntnstack.stack import SatelliteCell
        from ntnstack.terminals.nbntn_stack import reference_cell

        scenario = self.world.scenario
        term = scenario.terminals[self.terminal]
        source = self.world.sources[scenario.satellite_of(term).name]
        cell = scenario.cells.get(term.cell or "")
        if cell is None:
            return [reference_cell(source, epoch_unix_s, "transparent", self.min_elevation_deg)]
        config = dataclasses.replace(cell_config(scenario, cell), kind="sib31-nb")
        return [SatelliteCell(source, config)]


def start_virtual_module(scenario: Scenario, world, terminal: str, host, network,
                         serial: int, stack_pcap: str | None = None):
    """Build the module of ``terminal``'s family on its WorldLink, hand it to ``host`` (on the
    host thread) and return it; its ``path`` is the pty a driver opens. An NB-IoT NTN module
    writes its ntnstack.stack session's RRC / NAS messages to ``stack_pcap``."""
    from ntnstack.terminals.factory import build_module

    term = scenario.terminals[terminal]
    kw = {"network": network, "serial": serial, "identity": dict(term.identity)}
    if family_group(term.family) == "nbntn":
        kw["ue_position"] = (term.position.lat_deg, term.position.lon_deg, term.position.alt_m)
        kw["stack_pcap"] = stack_pcap
    module = build_module(term.family, WorldLink(world, terminal), **kw)
    try:
        host.call_and_wait(lambda: host.add(module), START_TIMEOUT_S)
    except TimeoutError:
        raise NtnstackError(f"{terminal}: the module host did not take the virtual "
                            f"{term.family} module within {START_TIMEOUT_S:g} s") from None
    return module

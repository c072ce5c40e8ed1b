"""The network side of an NB-IoT NTN virtual module: one ntnstack.stack session (docs/stack.md).

:class:`ModuleStack` runs the module's procedures (attach, data up and down, SMS up and down,
paging of the idle module, release, switch-off detach) with real RRC / NAS messages over the
cells its LinkView gives (``link.stack_cells(epoch_unix_s, ue)``) and
returns each result with the session's timeline events; the module replays that timeline as
URCs at the same emulated times. Time: the session computes a procedure in virtual time from
the module's current emulated time (its private virtual Clock is set forward to the module
clock's now before each procedure, so it reads the same time axis as the module, unix s =
``epoch_unix_s`` + module seconds); the module clock then reaches each event as the URCs fire.

The cells a LinkView without an orbit stands for: :class:`FixedPointSource` holds the
satellite at the fixed reference geometry (slant range at the elevation, due north of the UE),
still in ECEF, so the stack's delays equal the LinkView's. Fixed geometry and GEO slots count
a transparent payload's feeder link equal to the service link (gateway near the UE, TR 38.821
reference case): their cells have the gateway at the UE. OrbitLink (ntnstack.link without a
gateway) counts the service link only: its cells have no feeder link.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import phy_ffi
from ntnstack.clock import Clock
from ntnstack.orbit.source import OrbitSource

if TYPE_CHECKING:
    from ntnstack.stack import ProcedureResult, StackSession

__all__ = ["FixedPointSource", "ModuleStack", "NAS_EEA", "Procedure", "network_mme",
           "reference_cell"]

Procedure = Callable[["StackSession"], "ProcedureResult"]
"""A stack procedure on a session (``lambda s: s.attach()``): what ModuleStack.run runs."""

NAS_EEA = "eea0"
"""NAS ciphering of the modules' sessions (integrity stays 128-EIA2): tshark 4.0 reads NAS of
security header type 2 / 4 as null-ciphered and dissects 128-EEA2 ciphertext that happens to
start like an ESM / EMM message as a malformed message; with EEA0 the capture of a run is
readable and well formed."""


class FixedPointSource(OrbitSource):
    """A satellite at a fixed ECEF point (the fixed reference geometry has no orbit)."""

    def __init__(self, pos_ecef_m, name: str = "fixed-geometry"):
        self.pos = np.asarray(pos_ecef_m, dtype=float).reshape(3)
        self.name = name

    def states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        n = np.atleast_1d(np.asarray(t_unix_s, dtype=float)).size
        return np.tile(self.pos, (n, 1)), np.zeros((n, 3))


def point_above(ue_deg_m: tuple, elevation_deg: float, slant_range_m: float) -> np.ndarray:
    """ECEF point (m) at ``slant_range_m`` and ``elevation_deg`` due north of the UE (ENU)."""
    lat, lon = math.radians(ue_deg_m[0]), math.radians(ue_deg_m[1])
    ue = phy_ffi.geodetic_to_ecef(*ue_deg_m).ecef_m[0]
    el = math.radians(elevation_deg)
    north = np.array([-math.sin(lat) * math.cos(lon), -math.sin(lat) * math.sin(lon),
                      math.cos(lat)])
    up = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    return np.asarray(ue, dtype=float) + slant_range_m * (math.cos(el) * north + math.sin(el) * up)


def reference_cell(source: OrbitSource, epoch_unix_s: float, payload: str,
                   min_elevation_deg: float, gateway_deg_m: tuple | None = None):
    """A SIB31-NB cell on ``source``; a transparent payload with ``gateway_deg_m`` (lat deg,
    lon deg, alt m) has a feeder link to it, without one the eNB is reached over the service
    link only (as ntnstack.link counts a transparent payload with no gateway)."""
    from ntnstack.rrc import CellConfig
    from ntnstack.stack import SatelliteCell

    gateway = None if gateway_deg_m is None or payload != "transparent" else \
        tuple(float(x) for x in phy_ffi.geodetic_to_ecef(*gateway_deg_m).ecef_m[0])
    config = CellConfig(kind="sib31-nb", payload=payload, gateway_ecef_m=gateway,
                        min_elevation_deg=min_elevation_deg, sfn0_unix_s=epoch_unix_s)
    return SatelliteCell(source, config)


def network_mme():
    """The MME of a network of NB-IoT NTN modules (NAS ciphering NAS_EEA)."""
    from ntnstack.stack import Mme

    return Mme(eea=NAS_EEA)


class ModuleStack:
    """One UE session of a module on ``cells``; times in and out are module seconds."""

    def __init__(self, cells: list, ue, epoch_unix_s: float, pcap: str | Path | None = None,
                 mme=None):
        """``mme``: the network's one MME (``network_mme()``), shared by every module."""
        from ntnstack.stack import new_session

        self.epoch_unix_s = float(epoch_unix_s)
        clock = Clock("virtual", start_unix_s=self.epoch_unix_s)
        self.session = new_session(cells, self.epoch_unix_s, ue=ue, pcap=pcap, eea=NAS_EEA,
                                   clock=clock, mme=mme)

    def run(self, t_s: float, procedure: Procedure) -> tuple:
        """Run ``procedure`` on the session from module time ``t_s``:
        (ProcedureResult, the session events it added)."""
        s = self.session
        s.clock.sleep_until(self.epoch_unix_s + t_s)
        first = len(s.events)
        return procedure(s), s.events[first:]

    def ignore_validity(self) -> None:
        """Fault (certification defect ``ignore-validity``): the UE no longer checks T317 and
        keeps transmitting with the SIB31-NB it has, however old."""
        self.session.ignores_validity = True

    @staticmethod
    def validity_observations(proc) -> dict:
        """What the emulated cell saw of the UE's UL sync validity in procedure ``proc``
        (TS 36.331 T317, NB-IoT NTN): whether a SIB31-NB was read before the first uplink, the
        T317 expiries, and the uplinks sent while the validity had expired and SIB31-NB was
        not re-acquired (``SatelliteCell.check_uplink``)."""
        d = proc.details
        return {"stack_sib31_read_before_uplink": d.get("sib31_read_before_uplink", False),
                "stack_t317_expiries": d.get("t317_expiries", 0),
                "stack_expired_uplinks": d.get("expired_uplinks", 0)}

    def t_s(self, t_unix_s: float) -> float:
        """Unix seconds of the session -> module seconds."""
        return t_unix_s - self.epoch_unix_s

    def dl_arrival_s(self, t_enb_unix_s: float) -> float:
        """Module time at which a DL message the eNB sent at ``t_enb_unix_s`` reaches the UE."""
        s = self.session
        return self.t_s(t_enb_unix_s + s.cell.one_way_s(t_enb_unix_s, s.ue_ecef))

    def close(self) -> None:
        self.session.close()

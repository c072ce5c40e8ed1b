"""A satellite NB-IoT cell: an eNB behind a transparent payload (at the gateway) or on a
regenerative payload, its broadcast (MIB-NB, SIB31-NB) and the truth of its links.

Frame timing: SFN 0 starts at ``sfn0_unix_s`` at the eNB. MIB-NB content changes every
640 ms (its TTI, TS 36.331 5.2.1.2a); SIB31-NB is sent every ``si_periodicity_s``
(si-Periodicity rf64..rf4096, TS 36.331 6.7.3.1) and rebuilt from the orbit at each
transmission (ntnstack.rrc.build_sib), so its epoch and ephemeris follow the satellite.
Paging occasions follow the DRX cycle ``paging_cycle_rf`` (ntnstack.stack.paging).
Delays (s) are one way, evaluated at the sending time: service link UE - satellite plus,
for a transparent payload, the feeder link satellite - gateway (REFERENCE.md 1).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.orbit import OrbitSource
from ntnstack.rrc import BuiltSib, CellConfig, build_sib
from ntnstack.stack.rrc_nb import RrcPdu, mib_nb

__all__ = ["MIB_PERIOD_S", "PAGING_CYCLES_RF", "SI_PERIODICITIES_S", "SatelliteCell"]

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
MIB_PERIOD_S = 0.64
SI_PERIODICITIES_S = (0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96)   # rf64 .. rf4096
PAGING_CYCLES_RF = (128, 256, 512, 1024)   # defaultPagingCycle-r13 (TS 36.331 SIB2-NB)
TABLE_CHUNK_S = 600.0     # span of one ephemeris table of the cell's satellite


@functools.lru_cache(maxsize=4096)
def _mib(sfn: int, hyper_sfn: int) -> RrcPdu:
    return mib_nb(sfn, hyper_sfn)


@dataclass
class SatelliteCell:
    """One NB-IoT NTN cell served through ``source``."""

    source: OrbitSource
    config: CellConfig
    pci: int = 1
    si_periodicity_s: float = 1.28
    paging_cycle_rf: int = 256    # defaultPagingCycle (rf128..rf1024): DRX cycle 2.56 s

    def _check(self) -> None:
        if self.config.kind != "sib31-nb":
            raise InputError(f"cell kind: {self.config.kind!r}, an NB-IoT cell needs sib31-nb")
        if self.si_periodicity_s not in SI_PERIODICITIES_S:
            raise InputError(f"si_periodicity_s: {self.si_periodicity_s} is not one of "
                             f"{SI_PERIODICITIES_S}")
        if self.paging_cycle_rf not in PAGING_CYCLES_RF:
            raise InputError(f"paging_cycle_rf: {self.paging_cycle_rf} is not one of "
                             f"{PAGING_CYCLES_RF} (defaultPagingCycle-r13, radio frames)")
        self.config.check()

    @property
    def name(self) -> str:
        """The satellite's name (the cell is named after it)."""
        return self.source.name

    def __post_init__(self) -> None:
        self._tables: dict[int, object] = {}
        self._sibs: dict[float, BuiltSib] = {}
        self._check()

    def _sat(self, t_unix_s: float) -> tuple[np.ndarray, np.ndarray]:
        """ECEF state at t from the source's table (cubic Hermite in the C core, error
        < 1 m by OrbitSource.hermite_step_s), tabulated in TABLE_CHUNK_S pieces on demand."""
        chunk = math.floor((t_unix_s - self.config.sfn0_unix_s) / TABLE_CHUNK_S)
        table = self._tables.get(chunk)
        if table is None:
            table = self.source.table(self.config.sfn0_unix_s + chunk * TABLE_CHUNK_S,
                                      TABLE_CHUNK_S)
            self._tables[chunk] = table
        out = phy_ffi.hermite_states(np.array([float(t_unix_s)]), table.t_unix_s, table.pos_m,
                                     table.vel_mps)
        phy_ffi.check_status(out.status, f"{self.name} state at {t_unix_s}")
        return out.pos_m[0], out.vel_mps[0]

    def service_delay_s(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """One-way UE - satellite delay (s) at t."""
        return float(np.linalg.norm(self._sat(t_unix_s)[0] - ue_ecef_m)) / C

    def feeder_delay_s(self, t_unix_s: float) -> float:
        """One-way satellite - gateway delay (s), 0 on a regenerative payload."""
        if not self.config.has_feeder:
            return 0.0
        gw = np.asarray(self.config.gateway_ecef_m)
        return float(np.linalg.norm(self._sat(t_unix_s)[0] - gw)) / C

    def one_way_s(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """UE - eNB one-way delay (s) of a message sent at t."""
        return self.service_delay_s(t_unix_s, ue_ecef_m) + self.feeder_delay_s(t_unix_s)

    def rp_rtt_s(self, t_unix_s: float) -> float:
        """Round trip between the uplink reference point and the eNB (s): the feeder RTT
        when the RP is at the satellite of a transparent payload, else 0 (the eNB knows it)."""
        return 0.0 if self.config.rp_at_gateway else 2.0 * self.feeder_delay_s(t_unix_s)

    def range_rate_mps(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """d|sat - UE|/dt at t, m/s (UE fixed in ECEF; positive while the satellite recedes)."""
        pos, vel = self._sat(t_unix_s)
        los = pos - ue_ecef_m
        return float(los @ vel / np.linalg.norm(los))

    def elevation_deg(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """Elevation of the satellite above the UE's WGS-84 horizon (deg, C core)."""
        look = phy_ffi.look_angles(self._sat(t_unix_s)[0], ue_ecef_m)
        return float(look.elevation_deg[0])

    def next_mib_s(self, t_unix_s: float) -> float:
        """Start (eNB time) of the first MIB-NB TTI at or after t."""
        k = math.ceil((t_unix_s - self.config.sfn0_unix_s) / MIB_PERIOD_S - 1e-9)
        return self.config.sfn0_unix_s + k * MIB_PERIOD_S

    def next_si_s(self, t_unix_s: float) -> float:
        """Start (eNB time) of the first SIB31-NB transmission at or after t."""
        k = math.ceil((t_unix_s - self.config.sfn0_unix_s) / self.si_periodicity_s - 1e-9)
        return self.config.sfn0_unix_s + k * self.si_periodicity_s

    def mib(self, t_unix_s: float) -> RrcPdu:
        """The MIB-NB sent at eNB time t (SFN and hyper-SFN from the frame timing)."""
        frames = math.floor((t_unix_s - self.config.sfn0_unix_s) * 100.0 + 1e-6)
        return _mib(frames % 1024, (frames // 1024) % 1024)

    def sib31(self, t_unix_s: float) -> BuiltSib:
        """The SIB31-NB sent at eNB time t (a subframe start), built from the orbit at t.

        Built one microsecond into the subframe: at unix times near 2e9 s a float step is
        0.24 us, so a boundary computed as sfn0 + k * period can land just before it.
        Every UE of a run reads the same transmission: built once per time."""
        built = self._sibs.get(t_unix_s)
        if built is None:
            built = self._sibs[t_unix_s] = build_sib(self.source, self.config, t_unix_s + 1e-6)
        return built

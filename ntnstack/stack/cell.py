"""A satellite NB-IoT cell: an eNB behind a transparent payload (at the gateway) or on a
regenerative payload, its broadcast (MIB-NB, SIB1-NB, SIB31-NB) and the truth of its links.

Frame timing: SFN 0 (hyper-SFN 0) starts at ``sfn0_unix_s`` at the eNB. Broadcast schedule
(TS 36.331 5.2.1.2a, 5.2.3a; TS 36.213 16.4.1.3):
- MIB-NB: content changes every 640 ms (its TTI); its schedulingInfoSIB1 gives the SIB1-NB
  repetitions (``SIB1_REPETITIONS``, 16 here: the most, for the satellite link budget) and
  transport block size (208 bits);
- SIB1-NB: period 2560 ms (256 frames); each repetition is 8 subframes, subframe 4 of every
  other frame over 16 frames; the repetitions are spread evenly over the period from the
  starting frame of TS 36.213 Table 16.4.1.3-4 (PCI mod 4 for 4, PCI mod 2 for 8 and 16
  repetitions). Its schedulingInfoList has the SIB2-NB SI message first (the spec's rule)
  and SIB31-NB second; SIB2-NB goes in the first window of each si-Periodicity;
- SIB31-NB: the second SI message, so its SI window of ``si_window_ms`` starts in the frame
  with SFN mod T = floor(w / 10) + si-RadioFrameOffset, T = si-Periodicity
  (``si_periodicity_s``); sent at the window start and rebuilt from the orbit at each
  transmission (ntnstack.rrc.build_sib), so its epoch and ephemeris follow the satellite.
Paging occasions follow the DRX cycle ``paging_cycle_rf`` (ntnstack.stack.paging).
Delays (s) are one way, evaluated at the sending time: service link UE - satellite plus,
for a transparent payload, the feeder link satellite - gateway (docs/reference.md 1).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.passes import elevation_from
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit import OrbitSource
from ntnstack.rrc import BuiltSib, CellConfig, SiWindows, build_sib
from ntnstack.rrc.epoch import (US_PER_FRAME, US_PER_SUBFRAME, frame_index, frame_start_s,
                                us_since_sfn0)
from ntnstack.stack.rrc_nb import (SI_TB_BITS, SI_WINDOWS_MS, RrcPdu, SiSchedule, mib_nb, sib1_nb,
                                   sib2_nb)

__all__ = ["MIB_PERIOD_S", "PAGING_CYCLES_RF", "SIB1_PERIOD_S", "SIB1_REPETITION_S",
           "SI_PERIODICITIES_S", "SatelliteCell", "UplinkCheck", "next_si_window_s"]

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
MIB_PERIOD_S = 0.64
MIB_FRAMES = 64                 # MIB-NB TTI: 64 frames, starting at SFN mod 64 = 0
MIB_PERIOD_US = MIB_FRAMES * US_PER_FRAME
SI_PERIODICITIES_S = (0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96)   # rf64 .. rf4096
PAGING_CYCLES_RF = (128, 256, 512, 1024)   # defaultPagingCycle-r13 (TS 36.331 SIB2-NB)
TABLE_CHUNK_S = 600.0     # span of one ephemeris table of the cell's satellite
ELEVATION_REUSE_S = 1.0   # an elevation bounds the elevations this long either side of it
STATE_CACHE_TIMES = 64    # satellite states kept by time: the service and feeder delays of
                          # one message, a UE's repeated looks at one instant
SIB1_PERIOD_FRAMES = 256  # SIB1-NB period 2560 ms (TS 36.331 5.2.1.2a)
SIB1_PERIOD_S = 2.56
SIB1_SUBFRAME = 4         # SIB1-NB in subframe 4 of every other frame (TS 36.213 16.4.1.3)
SIB1_REPETITION_S = 0.141  # first to eighth SIB1-NB subframe of one repetition, end: 14 frames
                           # + 1 subframe
SIB1_REPETITIONS = 16
SIB1_TBS_BITS = (208, 328, 440, 680)   # TS 36.213 Table 16.4.1.3-3, with 4 / 8 / 16 reps
SIB31_POSITION = 2        # SIB31-NB's SI message in schedulingInfoList (SIB2-NB's is first)
ENB_ID = 1                # the cell identity is ENB_ID (20 bits) then the PCI's low 8 bits


@functools.lru_cache(maxsize=64)
def _sib2(paging_cycle_rf: int, nprach_period_ms: int, nprach_format: int,
          preamble_trans_max: int, nprach_repetitions: int) -> RrcPdu:
    return sib2_nb(paging_cycle_rf, nprach_period_ms, nprach_format, preamble_trans_max,
                   nprach_repetitions)


@functools.lru_cache(maxsize=256)
def _mib(sfn_msb4: int, hyper_sfn_lsb2: int, scheduling_info_sib1: int) -> RrcPdu:
    """The MIB-NB of the frames whose SFN has these 4 MSBs and hyper-SFN these 2 LSBs (all
    that MIB-NB carries of them: 64 distinct messages per scheduling)."""
    return mib_nb(sfn_msb4 << 6, hyper_sfn_lsb2, scheduling_info_sib1=scheduling_info_sib1)


def _norm(v: np.ndarray) -> float:
    """|v| as np.linalg.norm computes it for a real vector (sqrt of v . v), without its
    dispatch."""
    return math.sqrt(v.dot(v))


def next_si_window_s(windows: SiWindows, t_unix_s: float) -> float:
    """Start (unix s, eNB time) of the first SI window of ``windows`` starting at or after t."""
    start, _ = windows.window_ms_indices(t_unix_s)
    if start * US_PER_SUBFRAME < us_since_sfn0(windows.sfn0_unix_s, t_unix_s):
        start += 10 * windows.periodicity_frames
    return frame_start_s(windows.sfn0_unix_s, 0, start)


class UplinkCheck(NamedTuple):
    """One uplink transmission the cell checked against the UE's UL sync validity: when the
    UE sent it (unix s), what it was, the age of the SIB31-NB epoch the UE applied and the
    validity it carried (s). ``expired``: age > ul-SyncValidityDuration (T317 had run out and
    SIB31-NB was not re-acquired)."""

    t_unix_s: float
    what: str
    age_s: float
    validity_s: float

    @property
    def expired(self) -> bool:
        return self.age_s > self.validity_s


class KeptByTime:
    """Values of (time, UE position) for the last STATE_CACHE_TIMES times, kept for read-only
    positions (compared by identity: the sessions of UEs at one place share theirs). The UEs
    of a load run send at frame-aligned instants: nine delay look-ups in ten repeat one."""

    def __init__(self):
        self._values: dict[float, tuple[np.ndarray, float]] = {}

    def get(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float | None:
        hit = self._values.get(t_unix_s)
        return hit[1] if hit is not None and hit[0] is ue_ecef_m else None

    def put(self, t_unix_s: float, ue_ecef_m: np.ndarray, value: float) -> None:
        if ue_ecef_m.flags.writeable:
            return
        if len(self._values) >= STATE_CACHE_TIMES:
            self._values.clear()
        self._values[t_unix_s] = (ue_ecef_m, value)


@dataclass
class SatelliteCell:
    """One NB-IoT NTN cell served through ``source``."""

    source: OrbitSource
    config: CellConfig
    pci: int = 1
    si_periodicity_s: float = 1.28
    paging_cycle_rf: int = 256    # defaultPagingCycle (rf128..rf1024): DRX cycle 2.56 s
    si_window_ms: int = 160       # si-WindowLength (ms160..ms1600)
    si_radio_frame_offset: int = 1   # si-RadioFrameOffset (1..15 frames; 0: absent)
    plmn: tuple[str, str] = ("001", "01")   # MCC, MNC of SIB1-NB (the MME's default)
    tac: int = 1                  # trackingAreaCode of SIB1-NB (the MME's default)

    def _check(self) -> None:
        if self.config.kind != "sib31-nb":
            raise InputError(f"cell kind: {self.config.kind!r}, an NB-IoT cell needs sib31-nb")
        if self.si_periodicity_s not in SI_PERIODICITIES_S:
            raise InputError(f"si_periodicity_s: {self.si_periodicity_s} is not one of "
                             f"{SI_PERIODICITIES_S}")
        if self.si_window_ms not in SI_WINDOWS_MS or not 0 <= self.si_radio_frame_offset <= 15:
            raise InputError(f"si_window_ms {self.si_window_ms} / si_radio_frame_offset "
                             f"{self.si_radio_frame_offset}: one of {SI_WINDOWS_MS} ms / 0..15")
        self.si_windows.check("SIB31-NB")
        if self.paging_cycle_rf not in PAGING_CYCLES_RF:
            raise InputError(f"paging_cycle_rf: {self.paging_cycle_rf} is not one of "
                             f"{PAGING_CYCLES_RF} (defaultPagingCycle-r13, radio frames)")
        self.config.check()

    @property
    def name(self) -> str:
        """The satellite's name (the cell is named after it)."""
        return self.source.name

    @property
    def si_windows(self) -> SiWindows:
        """The SI windows of SIB31-NB's SI message."""
        return SiWindows(self.config.sfn0_unix_s, self.si_window_ms, SIB31_POSITION,
                         round(self.si_periodicity_s * 100), self.si_radio_frame_offset)

    @property
    def cell_identity(self) -> int:
        """28-bit cellIdentity: eNB ID then the PCI's low 8 bits."""
        return (ENB_ID << 8) | (self.pci & 0xFF)

    @property
    def scheduling_info_sib1(self) -> int:
        """MIB-NB schedulingInfoSIB1: 16 repetitions of a 208-bit SIB1-NB (TS 36.213 Table
        16.4.1.3-3: value = 3 x TBS index + repetition index)."""
        return 3 * SIB1_TBS_BITS.index(208) + (4, 8, 16).index(SIB1_REPETITIONS)

    def __post_init__(self) -> None:
        self._tables: dict[int, phy_ffi.SatelliteTable] = {}
        self._states: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._delays, self._range_rates = KeptByTime(), KeptByTime()
        self._elevation_anchor: tuple[GroundPoint, float, float, float] | None = None
        self._gateway_ecef_m = (np.asarray(self.config.gateway_ecef_m, dtype=float)
                                if self.config.has_feeder else None)
        self._sibs: dict[float, BuiltSib] = {}
        self._sib1s: dict[int, RrcPdu] = {}
        self._check()
        # an implicit epoch (epochTime absent) is the end of this cell's SIB31-NB window
        w = self.si_windows
        self.config = dataclasses.replace(
            self.config, si_window_ms=w.window_ms, si_window_position=w.position,
            si_periodicity_frames=w.periodicity_frames, si_radio_frame_offset=w.radio_frame_offset)

    def _sat(self, t_unix_s: float) -> tuple[np.ndarray, np.ndarray]:
        """ECEF state at t from the source's table (cubic Hermite in the C core, error
        < 1 m by OrbitSource.hermite_step_s), tabulated in TABLE_CHUNK_S pieces on demand."""
        state = self._states.get(t_unix_s)
        if state is not None:
            return state
        chunk = math.floor((t_unix_s - self.config.sfn0_unix_s) / TABLE_CHUNK_S)
        table = self._tables.get(chunk)
        if table is None:
            t = self.source.table(self.config.sfn0_unix_s + chunk * TABLE_CHUNK_S,
                                  TABLE_CHUNK_S)
            table = self._tables[chunk] = phy_ffi.SatelliteTable(t.t_unix_s, t.pos_m,
                                                                 t.vel_mps)
        pos, vel, status = table.state_at(t_unix_s)
        if status:
            phy_ffi.check_status(status, f"{self.name} state at {t_unix_s}")
        pos.setflags(write=False)   # shared by every caller at this time
        vel.setflags(write=False)
        if len(self._states) >= STATE_CACHE_TIMES:
            self._states.clear()
        state = self._states[t_unix_s] = (pos, vel)
        return state

    def service_delay_s(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """One-way UE - satellite delay (s) at t."""
        return _norm(self._sat(t_unix_s)[0] - ue_ecef_m) / C

    def feeder_delay_s(self, t_unix_s: float) -> float:
        """One-way satellite - gateway delay (s), 0 on a regenerative payload."""
        if self._gateway_ecef_m is None:      # no feeder link (config.has_feeder)
            return 0.0
        return _norm(self._sat(t_unix_s)[0] - self._gateway_ecef_m) / C

    def one_way_s(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """UE - eNB one-way delay (s) of a message sent at t."""
        delay = self._delays.get(t_unix_s, ue_ecef_m)
        if delay is None:
            pos = self._sat(t_unix_s)[0]
            los = pos - ue_ecef_m
            delay = math.sqrt(los.dot(los)) / C          # _norm, inlined: 24 calls per attach
            if self._gateway_ecef_m is not None:
                delay += _norm(pos - self._gateway_ecef_m) / C
            self._delays.put(t_unix_s, ue_ecef_m, delay)
        return delay

    def rp_rtt_s(self, t_unix_s: float) -> float:
        """Round trip between the uplink reference point and the eNB (s): the feeder RTT
        when the RP is at the satellite of a transparent payload, else 0 (the eNB knows it)."""
        return 0.0 if self.config.rp_at_gateway else 2.0 * self.feeder_delay_s(t_unix_s)

    def range_rate_mps(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """d|sat - UE|/dt at t, m/s (UE fixed in ECEF; positive while the satellite recedes)."""
        rate = self._range_rates.get(t_unix_s, ue_ecef_m)
        if rate is None:
            pos, vel = self._sat(t_unix_s)
            los = pos - ue_ecef_m
            rate = float(los @ vel / np.linalg.norm(los))
            self._range_rates.put(t_unix_s, ue_ecef_m, rate)
        return rate

    def elevation_deg(self, t_unix_s: float, ue_ecef_m: np.ndarray) -> float:
        """Elevation of the satellite above the UE's WGS-84 horizon (deg, C core)."""
        look = phy_ffi.look_angles(self._sat(t_unix_s)[0], ue_ecef_m)
        return float(look.elevation_deg[0])

    def elevation_floor_deg(self, t_unix_s: float, ground: GroundPoint) -> float:
        """The elevation (deg) of the satellite above ``ground``'s WGS-84 horizon at t, or
        less: ntnstack.link.passes.elevation_from at t (numpy, without the C call; the C
        core's value to about 1e-9 deg), or at an instant t0 within ELEVATION_REUSE_S of t
        evaluated for the same ground point, less the most the line of sight can have turned
        since: |v| / (|los| - |v| ELEVATION_REUSE_S) rad/s (the satellite's ECEF speed over
        its least distance in that time). For decisions away from a threshold: the UEs of a
        load run power on tens of ms apart and share one evaluation."""
        anchor = self._elevation_anchor
        if anchor is not None and anchor[0] is ground and \
                abs(t_unix_s - anchor[1]) <= ELEVATION_REUSE_S:
            return anchor[2] - abs(t_unix_s - anchor[1]) * anchor[3]
        pos, vel = self._sat(t_unix_s)
        elevation = float(elevation_from(ground, pos))
        speed, least = _norm(vel), _norm(pos - ground.ecef_m) - _norm(vel) * ELEVATION_REUSE_S
        rate = math.degrees(speed / least) if least > 0.0 else math.inf
        self._elevation_anchor = (ground, t_unix_s, elevation, rate)
        return elevation

    def next_mib_s(self, t_unix_s: float) -> float:
        """Start (eNB time) of the first MIB-NB TTI at or after t."""
        us = us_since_sfn0(self.config.sfn0_unix_s, t_unix_s)
        return frame_start_s(self.config.sfn0_unix_s, -(-us // MIB_PERIOD_US) * MIB_FRAMES)

    def next_si_s(self, t_unix_s: float) -> float:
        """Start (eNB time) of the first SIB31-NB transmission (SI window) at or after t."""
        return next_si_window_s(self.si_windows, t_unix_s)

    @property
    def sib2_windows(self) -> SiWindows:
        """The SI windows of SIB2-NB's SI message: the first of SIB1-NB's list, with the
        same periodicity and window length as SIB31-NB's."""
        w = self.si_windows
        return SiWindows(w.sfn0_unix_s, w.window_ms, 1, w.periodicity_frames,
                         w.radio_frame_offset)

    def next_sib2_s(self, t_unix_s: float) -> float:
        """Start (eNB time) of the first SIB2-NB transmission (SI window) at or after t."""
        return next_si_window_s(self.sib2_windows, t_unix_s)

    def sib2(self, nprach_period_s: float, nprach_format: int, preamble_trans_max: int,
             nprach_repetitions: int = 1) -> RrcPdu:
        """The cell's SIB2-NB (ntnstack.stack.rrc_nb.sib2_nb) for the NPRACH its UEs use."""
        return _sib2(self.paging_cycle_rf, round(nprach_period_s * 1000), nprach_format,
                     preamble_trans_max, nprach_repetitions)

    def next_sib1_s(self, t_unix_s: float) -> float:
        """eNB time of the first subframe of the first SIB1-NB repetition at or after t: the
        repetitions start every 256 / R frames from TS 36.213 Table 16.4.1.3-4's frame."""
        spacing = SIB1_PERIOD_FRAMES // SIB1_REPETITIONS
        first = {4: 16 * (self.pci % 4), 8: 16 * (self.pci % 2), 16: self.pci % 2}[
            SIB1_REPETITIONS]
        sfn0 = self.config.sfn0_unix_s
        us = us_since_sfn0(sfn0, t_unix_s) - SIB1_SUBFRAME * US_PER_SUBFRAME
        frame = -(-us // US_PER_FRAME)
        frame += (first - frame) % spacing
        return frame_start_s(sfn0, frame, SIB1_SUBFRAME)

    def _frames(self, t_unix_s: float) -> int:
        return frame_index(self.config.sfn0_unix_s, t_unix_s)

    def mib(self, t_unix_s: float) -> RrcPdu:
        """The MIB-NB sent at eNB time t (SFN and hyper-SFN from the frame timing)."""
        frames = self._frames(t_unix_s)
        return _mib((frames % 1024) >> 6, (frames // 1024) % 4, self.scheduling_info_sib1)

    def sib1(self, t_unix_s: float) -> RrcPdu:
        """The SIB1-NB sent at eNB time t (its hyper-SFN MSBs from the frame timing; the
        si-TB of SIB31-NB from the size of the SIB31-NB of the next window)."""
        hyper_sfn = (self._frames(t_unix_s) // 1024) % 1024
        pdu = self._sib1s.get(hyper_sfn >> 2)
        if pdu is None:
            bits = 8 * len(self.sib31(self.next_si_s(t_unix_s)).message)
            tb = next((b for b in SI_TB_BITS if b >= bits), SI_TB_BITS[-1])
            w = self.si_windows
            pdu = self._sib1s[hyper_sfn >> 2] = sib1_nb(
                hyper_sfn, self.plmn, self.tac, self.cell_identity,
                SiSchedule(w.position, w.periodicity_frames, w.window_ms, w.radio_frame_offset,
                           tb))
        return pdu

    def check_uplink(self, t_unix_s: float, what: str, epoch_unix_s: float,
                     validity_s: float) -> UplinkCheck:
        """Judge an uplink sent at t by a UE with the SIB31-NB of ``epoch_unix_s``
        applied (the cell knows what it broadcast and when); the procedure counts the result
        in its details (AccessMixin._checked_uplink), the cell keeps nothing per UE."""
        return UplinkCheck(t_unix_s, what, t_unix_s - epoch_unix_s, validity_s)

    def sib31(self, t_unix_s: float) -> BuiltSib:
        """The SIB31-NB sent at eNB time t (a subframe start), built from the orbit at t.

        Built one microsecond into the subframe: at unix times near 2e9 s a float step is
        0.24 us, so a boundary computed as sfn0 + k * period can land just before it.
        Every UE of a run reads the same transmission: built once per time."""
        built = self._sibs.get(t_unix_s)
        if built is None:
            built = self._sibs[t_unix_s] = build_sib(self.source, self.config, t_unix_s + 1e-6)
        return built

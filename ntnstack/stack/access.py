"""The UE's radio access to an NB-IoT NTN cell: broadcast acquisition, the validity timer,
TA / Doppler pre-compensation, random access and the NTN scheduling offsets.

Timing rules (NB-IoT, TS 36.211 / 36.213 / 36.321 / 36.331 Rel-17 NTN):
- cell search and SIB acquisition: the next MIB-NB TTI (640 ms); its schedulingInfoSIB1 gives
  the SIB1-NB repetitions, of which the UE decodes the first that starts after the MIB (8
  subframes over 16 frames, SIB1_REPETITION_S); SIB1-NB's schedulingInfoList then gives the
  SI windows of SIB2-NB (the first entry) and SIB31-NB, each read at its next window start;
  access starts when both are decoded. epochTime (SFN, subframe) maps to the current frame
  with that SFN or the next one (ntnstack.rrc.epoch.explicit_epoch_s). T317
  (ul-SyncValidityDuration from the epoch) is checked before every uplink: on expiry the UE
  stops uplink and re-reads SIB31-NB in its next SI window (SIB1-NB, whose schedule it
  keeps, stays valid). Every uplink (NPRACH, NPUSCH, HARQ-ACK) is also checked by the cell
  against the validity of the SIB31-NB the UE applied (``SatelliteCell.check_uplink``),
  which only a UE ignoring T317 fails;
- NPRACH (as SIB2-NB configures it, ntnstack.stack.ra_config): the UE sends at the first
  occasion it can reach, nprach-StartTime after the start of a frame with SFN mod
  (nprach-Periodicity / 10 ms) = 0 (TS 36.211 10.1.6.1), advanced by its own TA
  (phy_ffi.ue_ta_doppler from the decoded SIB31-NB and its GNSS position). The arrival error
  at the eNB is the true UE - reference-point RTT minus the applied TA; the eNB detects the
  preamble when |error| <= the NPRACH cyclic prefix (TS 36.211 Table 10.1.6.1-1: format 0
  2048 T_s = 66.7 us, format 1 8192 T_s = 266.7 us): beyond the CP the symbol groups'
  timing is ambiguous for the detector. Up to preambleTransMax-CE attempts;
- the RAR window starts 4 subframes (41 for >= 64 repetitions) after the preamble end plus
  TA + k_mac and lasts ra-ResponseWindowSize PDCCH periods of R_max * G subframes (TS 36.321
  5.1.4, TS 36.213 16.6); without a RAR the UE sends its next preamble after it;
- Msg3 at the RAR subframe + k0 (12 ms, the smallest RAR scheduling delay, TS 36.213
  16.3.3) + K_offset, advanced by TA; HARQ-ACK of an NPDSCH at its end + 13 ms (smallest k0
  of TS 36.213 Table 16.4.2-1) + K_offset; an uplink answering a downlink uses the grant
  that came with it (n + 8 ms + K_offset).
"""
from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.rrc import SiWindows, decode_sib, from_fields
from ntnstack.rrc.epoch import explicit_epoch_s, frame_start_s, us_since_sfn0
from ntnstack.stack import rrc_nb as r
from ntnstack.stack.ra_config import RaConfig, next_nprach_subframe, sib2_ra_config
from ntnstack.stack.cell import SIB1_REPETITION_S, STATE_CACHE_TIMES, next_si_window_s

__all__ = ["HARQ_K0_MS", "NPRACH_CP_S", "RAR_K0_MS", "UL_GRANT_K0_MS", "AccessMixin",
           "CellLost", "UeSib", "fails_on_cell_loss"]

T_S = 1.0 / (15000 * 2048)
NPRACH_CP_S = {0: 2048 * T_S, 1: 8192 * T_S}          # TS 36.211 Table 10.1.6.1-1
NPRACH_GROUP_S = {0: (2048 + 5 * 8192) * T_S, 1: (8192 + 5 * 8192) * T_S}   # CP + 5 symbols
RAR_WINDOW_OFFSET_MS = 4          # NB-IoT, < 64 NPRACH repetitions (TS 36.321 5.1.4)
RAR_WINDOW_OFFSET_LONG_MS = 41    # NB-IoT, >= 64 NPRACH repetitions
RAR_K0_MS = 12                    # smallest RAR grant scheduling delay (TS 36.213 16.3.3)
HARQ_K0_MS = 13                   # smallest HARQ-ACK delay (TS 36.213 Table 16.4.2-1)
UL_GRANT_K0_MS = 8                # smallest NPUSCH scheduling delay (TS 36.213 16.5.1)
ELEVATION_MARGIN_DEG = 1e-3     # elevation floor above the mask by this much: in view, no C call
                                # (the estimate is within 1e-9 deg of the C core's elevation)
RAR_WINDOW_SLACK_S = 1e-4         # a RAR this much before the window start still counts (the
                                  # eNB aims at the start; delay evaluated at other instants)


def rar_c_rnti(rach_info: dict) -> int:
    """The (temporary) C-RNTI the RAR assigns: 1..0xFFF3 (TS 36.321 7.1), here taken from
    the RAR's eNB time in ms so that it is reproducible."""
    return 1 + int(rach_info["t_rar_enb"] * 1e3) % 0xFFF3


@dataclass
class UeSib:
    """What the UE decoded from one SIB31-NB (physical units) and when."""

    ephemeris: np.ndarray
    common_ta: tuple[float, float, float]
    epoch_unix_s: float
    validity_s: float
    k_offset_s: float
    k_mac_s: float


@functools.lru_cache(maxsize=256)
def _sib31_config(message: bytes):
    """A SIB31-NB's contents in physical units (CellConfig). Cached by the bytes: the UEs
    that read one SI window decode the same transmission (TS 36.331 5.2.2: SI is broadcast;
    only the UE's use of it, its epoch and validity, is its own)."""
    return from_fields("sib31-nb", decode_sib("sib31-nb", message)).config


@functools.lru_cache(maxsize=256)
def _timing_point(ephemeris: tuple, common_ta: tuple, validity_s: float, ul_freq_hz: float,
                  gnss_ecef_m: tuple, thread: int) -> _TimingByOffset:
    """The C core's TA / Doppler of one decoded SIB31-NB (ephemeris, common TA) at one GNSS
    position: a pure function of these, shared by the UEs at one place that read one
    transmission (one per thread: its output buffer is the caller's)."""
    return _TimingByOffset(phy_ffi.UeTimingAt(np.array(ephemeris), "state-vectors", common_ta,
                                              validity_s, ul_freq_hz, np.array(gnss_ecef_m)))


class _TimingByOffset:
    """``UeTimingAt.at`` kept for the last STATE_CACHE_TIMES offsets: the UEs sharing one
    timing point send at the same frame-aligned instants (97 % of calls in a load run)."""

    def __init__(self, timing: phy_ffi.UeTimingAt):
        self._at, self._seen = timing.at, {}

    def at(self, dt_s: float) -> tuple[float, float, int]:
        """(TA s, Doppler pre-compensation Hz, status) at dt_s after the SIB's epoch."""
        hit = self._seen.get(dt_s)
        if hit is None:
            if len(self._seen) >= STATE_CACHE_TIMES:
                self._seen.clear()
            hit = self._seen[dt_s] = self._at(dt_s)
        return hit


class CellLost(Exception):
    """The UE cannot hear its cell (satellite below its minimum elevation) at ``t_unix_s``."""

    def __init__(self, t_unix_s: float, reason: str):
        super().__init__(reason)
        self.t_unix_s = t_unix_s


def fails_on_cell_loss(procedure: Callable) -> Callable:
    """A procedure that ends unsuccessfully when the cell is lost: a connected UE declares
    radio link failure (TS 36.331 5.3.11) and goes idle; the reason names the cause."""
    @functools.wraps(procedure)
    def run(self, *args, **kwargs):
        try:
            return procedure(self, *args, **kwargs)
        except CellLost as exc:
            if self.rrc_state == "connected":
                self._event(exc.t_unix_s, "radio link failure", cell=self.cell.name)
            self.rrc_state = "idle"
            return self._end(False, exc.t_unix_s, str(exc))
    return run


class AccessMixin:
    """Radio access of StackSession (uses its cell, ue, sib, _record, _event, _proc)."""

    ra: RaConfig | None = None
    """The random access configuration of the last SIB2-NB read (``_read_sib2``)."""

    _timing: tuple = (None, None, None)
    """(SIB31-NB, GNSS position, timing point) of the last _ue_timing: a new SIB or a new
    position makes a new timing point."""

    def _in_view(self, t_ue: float) -> None:
        """CellLost when the satellite is below the UE's minimum elevation at t (the C core
        decides, unless a floor of the elevation is ELEVATION_MARGIN_DEG or more above the
        minimum)."""
        floor = self.cell.elevation_floor_deg(t_ue, self.ground)
        if floor - self.ue.min_elevation_deg >= ELEVATION_MARGIN_DEG:
            return
        elevation = self.cell.elevation_deg(t_ue, self.ue_ecef)
        if elevation < self.ue.min_elevation_deg:
            raise CellLost(t_ue, f"no cell: {self.cell.name} at {elevation:.1f} deg elevation, "
                                 f"below {self.ue.min_elevation_deg:g} deg")

    def _acquire_sib(self, t_ue: float) -> float:
        """Read MIB-NB, SIB1-NB, then SIB2-NB and SIB31-NB where SIB1-NB schedules them (in
        the order their windows come), from t (UE time); returns when both are decoded.
        CellLost when the satellite is below the UE's minimum elevation."""
        self._in_view(t_ue)
        d = self.cell.one_way_s(t_ue, self.ue_ecef)
        t_mib = self.cell.next_mib_s(t_ue - d)
        self._record(t_mib, "DL", self.cell.mib(t_mib))
        t_sib1 = self.cell.next_sib1_s(t_mib + 1e-3)
        sib1 = self.cell.sib1(t_sib1)
        self._record(t_sib1, "DL", sib1)
        s = r.sib1_schedule(sib1.data)
        self.si_windows = SiWindows(self.cell.config.sfn0_unix_s, s.window_ms, s.position,
                                    s.periodicity_rf, s.radio_frame_offset)
        t_from = t_sib1 + SIB1_REPETITION_S
        # SIB2-NB's SI message is the list's first, at the periodicity of SIB31-NB's (sib1_nb)
        sib2_windows = dataclasses.replace(self.si_windows, position=1)
        reads = sorted([(next_si_window_s(sib2_windows, t_from), self._read_sib2),
                        (next_si_window_s(self.si_windows, t_from), self._read_sib31)],
                       key=lambda read: read[0])
        return max(read(t_si) for t_si, read in reads)

    def _read_sib2(self, t_si: float) -> float:
        """Read the SIB2-NB sent at the SI window start t (eNB time): the random access
        configuration (``self.ra``); returns the UE time it is decoded."""
        ue = self.ue
        pdu = self.cell.sib2(ue.nprach_period_s, ue.nprach_format, ue.preamble_trans_max,
                             ue.nprach_repetitions)
        self._record(t_si, "DL", pdu)
        self.ra = sib2_ra_config(pdu.data)
        return t_si + self.cell.one_way_s(t_si, self.ue_ecef)

    def _read_sib31(self, t_enb: float) -> float:
        """Read SIB31-NB at the first window of the stored SIB1-NB schedule starting at or
        after eNB time t; returns the UE time it is decoded."""
        t_si = next_si_window_s(self.si_windows, t_enb)
        built = self.cell.sib31(t_si)
        self._record(t_si, "DL", r.RrcPdu("lte-rrc.bcch.dl.sch.nb", "sib31-v1700",
                                          built.message))
        t_sent = t_si - max(self.ue.stale_sib_s, 0.0)
        used = built if t_sent == t_si else self.cell.sib31(t_sent)
        self._decode_sib(used.message, t_sent)
        t_rx = t_si + self.cell.one_way_s(t_si, self.ue_ecef)
        self._event(t_rx, "sib31-nb acquired", cell=self.cell.name, epoch=built.epoch_unix_s)
        if self._proc is not None:
            self._proc.details["sib31_reads"] = self._proc.details.get("sib31_reads", 0) + 1
        return t_rx

    def _decode_sib(self, message: bytes, t_sent: float) -> None:
        """Decode a SIB31-NB sent at eNB time t_sent. epochTime (SFN, subframe) is the
        current frame with that SFN or the next one after the frame the SIB is received in
        (TS 36.331 ServingSatelliteInfo; the UE knows the cell's frame timing from MIB-NB /
        hyper-SFN); the SIB's epoch is at the reference point."""
        cfg = _sib31_config(message)
        epoch_unix_s = explicit_epoch_s(cfg.epoch, self.cell.config.sfn0_unix_s, t_sent)
        sv = cfg.ephemeris
        ta = cfg.common_ta
        self.sib = UeSib(np.array([*sv.position_ecef_m, *sv.velocity_ecef_mps]),
                          (ta.ta_common_s or 0.0, ta.drift_s_per_s or 0.0,
                           ta.drift_variation_s_per_s2 or 0.0),
                          epoch_unix_s, float(cfg.validity_s), cfg.k_offset_ms * 1e-3,
                          (cfg.k_mac_ms or 0) * 1e-3)

    def _valid(self, t_ue: float) -> bool:
        return t_ue - self.sib.epoch_unix_s <= self.sib.validity_s

    def _uplink_sync(self, t_ue: float) -> float:
        """T317 check before an uplink: on expiry re-read SIB31-NB in its next SI window (the
        stored SIB1-NB schedule); returns when UL may go. A UE with a stale SIB
        (``ue.stale_sib_s``) or that ignores validity (``ignores_validity``) skips it."""
        if self.ue.stale_sib_s > 0 or self.ignores_validity or self._valid(t_ue):
            return t_ue
        self._event(t_ue, "T317 expired", age_s=t_ue - self.sib.epoch_unix_s,
                    validity_s=self.sib.validity_s)
        if self._proc is not None:
            self._proc.details["t317_expiries"] = self._proc.details.get("t317_expiries", 0) + 1
        try:
            self._in_view(t_ue)
            return self._read_sib31(t_ue - self.cell.one_way_s(t_ue, self.ue_ecef))
        except CellLost as exc:
            raise CellLost(exc.t_unix_s, f"T317 expired and SIB31-NB not re-acquired "
                                         f"({exc})") from None

    def _checked_uplink(self, t_tx: float, what: str) -> None:
        """The cell checks an uplink the UE sends at t against the UL sync validity of the
        SIB31-NB the UE applied. Details of the procedure: ``uplink_checks``,
        ``expired_uplinks``, ``sib31_read_before_uplink`` (a SIB31-NB was read in the
        procedure before its first uplink)."""
        check = self.cell.check_uplink(t_tx, what, self.sib.epoch_unix_s,
                                       self.sib.validity_s)
        if self._proc is not None:
            d = self._proc.details
            d.setdefault("sib31_read_before_uplink", d.get("sib31_reads", 0) > 0)
            d["uplink_checks"] = d.get("uplink_checks", 0) + 1
            d["expired_uplinks"] = d.get("expired_uplinks", 0) + int(check.expired)

    def _ue_timing(self, t_ue: float) -> tuple[float, float]:
        """(TA s, UL Doppler pre-compensation Hz) the UE computes at t (C core)."""
        sib, gnss, timing = self._timing
        if sib is not self.sib or gnss is not self.gnss_ecef:   # a new SIB31-NB or position
            sib, gnss = self.sib, self.gnss_ecef
            timing = _timing_point(tuple(sib.ephemeris.tolist()), sib.common_ta,
                                   sib.validity_s, self.ue.ul_freq_hz,
                                   tuple(gnss.tolist()), threading.get_ident())
            self._timing = (sib, gnss, timing)
        ta, dop, _ = timing.at(t_ue - sib.epoch_unix_s)
        return ta, dop

    def _random_access(self, t_ue: float) -> tuple[bool, float, dict]:
        """NPRACH -> RAR as SIB2-NB configures them; returns (ok, UE time of the RAR or of
        the give-up, numbers)."""
        ra = self.ra
        cp = NPRACH_CP_S[ra.nprach_format]
        duration = 4 * NPRACH_GROUP_S[ra.nprach_format] * ra.repetitions
        offset = 1e-3 * (RAR_WINDOW_OFFSET_LONG_MS if ra.repetitions >= 64
                         else RAR_WINDOW_OFFSET_MS)
        info: dict = {"tolerance_s": cp, "rar_window_s": ra.rar_window_s}
        for attempt in range(1, ra.preamble_trans_max + 1):
            t_ue = self._uplink_sync(t_ue) + self.ue.processing_s
            t_occ, t_tx, ta, error = self._preamble(t_ue, info)
            info["attempts"] = attempt
            self._event(t_tx, "nprach", attempt=attempt, occasion_unix_s=t_occ,
                        ta_error_s=error, detected=abs(error) <= cp)
            window_start = t_tx + ta + duration + offset + self.sib.k_mac_s
            window_end = window_start + ra.rar_window_s
            if self._proc is not None:
                self._proc.round_trips += 1
            if abs(error) <= cp:
                return self._rar(t_occ + duration, offset, error, (window_start, window_end),
                                 t_tx, info)
            t_ue = window_end + self.ue.processing_s
        info["reason"] = (f"random access failed after {ra.preamble_trans_max} preambles: "
                          f"arrival-time error {info['ta_error_s'] * 1e6:.1f} us beyond the "
                          f"NPRACH CP {cp * 1e6:.1f} us (format {ra.nprach_format})")
        return False, t_ue, info

    def _preamble(self, t_ue: float, info: dict) -> tuple[float, float, float, float]:
        """The preamble sent from UE time t: (eNB time of the occasion, UE send time, TA
        applied, arrival error at the eNB), all s; TA / Doppler numbers go to ``info``."""
        d_dl = self.cell.one_way_s(t_ue, self.ue_ecef)
        # the first occasion (eNB time) the UE can still reach, sending TA ahead of it
        ta, _ = self._ue_timing(t_ue)
        sfn0 = self.cell.config.sfn0_unix_s
        reach_us = us_since_sfn0(sfn0, t_ue - d_dl + ta)
        t_occ = frame_start_s(sfn0, 0, next_nprach_subframe(reach_us, self.ra))
        ta, dop = self._ue_timing(t_occ + d_dl)
        d_occ = self.cell.one_way_s(t_occ, self.ue_ecef)
        t_tx = t_occ + d_occ - ta
        self._checked_uplink(t_tx, "NPRACH")
        # arrival at the eNB minus the arrival it expects (t_occ + rp_rtt), formed from the
        # delays (a unix time near 2e9 s only resolves 0.24 us)
        error = d_occ - ta + self.cell.one_way_s(t_tx, self.ue_ecef) - self.cell.rp_rtt_s(t_occ)
        true_dop = -self.ue.ul_freq_hz * self.cell.range_rate_mps(t_tx, self.ue_ecef) / \
            phy_ffi.CONST.SPEED_OF_LIGHT_MPS
        dt = t_occ + d_occ - self.sib.epoch_unix_s
        common, drift, variation = self.sib.common_ta
        info.update(common_ta_applied_s=common + drift * dt + variation * dt * dt,
                    common_ta_true_s=2 * self.cell.feeder_delay_s(t_occ)
                    if self.cell.config.rp_at_gateway else 0.0,
                    ta_applied_s=ta, ta_error_s=error, doppler_precomp_hz=dop,
                    doppler_residual_hz=true_dop - dop)
        return t_occ, t_tx, ta, error

    def _rar(self, t_end_enb: float, offset: float, error: float,
             window: tuple[float, float], t_tx: float, info: dict) -> tuple[bool, float, dict]:
        """The eNB answers at the UE's window start (k_mac shifted) once it has the preamble
        (the RP - eNB round trip later than at the RP); ``t_end_enb``: preamble end at the
        occasion, eNB time (s). Fails when the RAR would miss the UE's window."""
        t_rar_enb = t_end_enb + max(offset + self.sib.k_mac_s,
                                    self.cell.rp_rtt_s(t_end_enb) + error + offset)
        t_rar_ue = t_rar_enb + self.cell.one_way_s(t_rar_enb, self.ue_ecef)
        if t_rar_ue < window[0] - RAR_WINDOW_SLACK_S or t_rar_ue > window[1]:
            info["reason"] = (f"RAR at {t_rar_ue - t_tx:.4f} s outside the window "
                              f"[{window[0] - t_tx:.4f}, {window[1] - t_tx:.4f}] s")
            return False, window[1], info
        info["t_rar_enb"] = t_rar_enb
        return True, t_rar_ue, info

    def _msg3_time(self, t_rar_enb: float, t_rar_ue: float) -> float:
        """UE send time of Msg3: RAR subframe + k0 + K_offset at the eNB, advanced by TA."""
        ta, _ = self._ue_timing(t_rar_ue)
        t_tx = t_rar_ue + (RAR_K0_MS * 1e-3 + self.sib.k_offset_s) - ta
        if t_tx < t_rar_ue + self.ue.processing_s:
            raise InputError(f"K_offset {self.sib.k_offset_s * 1e3:.0f} ms does not cover the "
                             f"TA {ta * 1e3:.3f} ms: Msg3 would precede its grant")
        return t_tx

    def _ul_after_dl(self, t_dl_rx: float) -> float:
        """UE send time of an uplink answering a downlink received at t (grant came with it)."""
        ta, _ = self._ue_timing(t_dl_rx)
        earliest = t_dl_rx + UL_GRANT_K0_MS * 1e-3 + self.sib.k_offset_s - ta
        return self._uplink_sync(max(earliest, t_dl_rx + self.ue.processing_s))

    def _harq_ack(self, t_dl_rx: float) -> None:
        """HARQ-ACK of an NPDSCH received at t (UE time): NPUSCH format 2 at DL subframe
        n + k0 + K_offset of the UE's timing, sent TA early (TS 36.213 16.4.2). The delay kept
        is the eNB's: NPDSCH transmission to ACK arrival, k0 + K_offset + k_mac when the TA is
        right (s)."""
        ta, _ = self._ue_timing(t_dl_rx)
        t_tx = t_dl_rx + HARQ_K0_MS * 1e-3 + self.sib.k_offset_s - ta
        self._checked_uplink(t_tx, "HARQ-ACK")
        if self._proc is not None:
            delay = (t_tx - t_dl_rx) + self.cell.one_way_s(t_tx, self.ue_ecef) + \
                self.cell.one_way_s(t_dl_rx, self.ue_ecef)
            self._proc.details["harq_processes_used"] = 1
            self._proc.details.setdefault("harq_ack_delay_s", []).append(delay)

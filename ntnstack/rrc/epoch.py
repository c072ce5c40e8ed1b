"""The epoch of NTN assistance information on the cell's frame timing, both sides.

Frame timing: SFN 0 subframe 0 (hyper-SFN 0 for NB-IoT) starts at ``sfn0_unix_s``; subframe k
(1 ms, k counted from there) starts at sfn0 + k ms, its SFN is (k // 10) mod 1024. Frame and
subframe numbers are integers from integer time: a unix time becomes whole microseconds since
sfn0 once (``us_since_sfn0``, rounded: doubles near unix time 1.8e9 s are 0.24 us apart, so a
boundary computed as sfn0 + k ms may land a hair before it), and every scheduler (MIB-NB,
SIB1-NB, SI windows, paging and NPRACH occasions, epochTime) divides that integer.

SI windows (TS 36.331 5.2.3 / 5.2.3a, TS 38.331 5.2.2.3.2): the SI message that carries the
NTN SIB is the n-th entry of the scheduling list (``position`` n >= 1; NR Rel-17
si-WindowPosition-r17 gives n directly), all SI windows are ``window_ms`` long
(si-WindowLength: ms in LTE / NB-IoT, slots in NR, which are ms at 15 kHz SCS) and the message
repeats every ``periodicity_frames`` radio frames T (si-Periodicity). With x = (n - 1) w the
window starts in subframe x mod 10 of the frame whose (hyper) frame number F satisfies
F mod T = floor(x / 10) + O (O = NB-IoT si-RadioFrameOffset, 0 elsewhere), and lasts w ms. T
is a power of two from 8 to 4096 frames, so it divides the 1024 x 1024-frame hyper-SFN cycle
and the windows repeat every T frames counted from sfn0.

epochTime (TS 36.331 6.3.1 ServingSatelliteInfo, TS 38.331 6.3.2 EpochTime / NTN-Config field
descriptions, Rel-17):
- present: the start of subframe ``subframe`` of the frame with SFN ``sfn`` that is the current
  frame or the next one after the frame in which the SIB is received (serving cell); for a
  neighbour cell's explicit epochTime, the frame with that SFN nearest the receiving frame;
- absent from the serving cell's SIB: the end of the SI window in which the SIB is scheduled
  (received), i.e. the end of its last subframe, window start + w ms;
- absent from a neighbour's NTN-Config in SIB19: the serving cell's epoch.

Reception times given here are on the cell's frame timing (the SFN and subframe the UE reads
from the downlink), not the UE's clock.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.rrc.units import EpochTime, NtnConfig, NtnSib

__all__ = ["US_PER_FRAME", "US_PER_SUBFRAME", "SiWindows", "ResolvedNeighbour",
           "explicit_epoch_s", "frame_index", "frame_start_s", "neighbour_configs",
           "resolve_epoch", "subframe_index", "us_since_sfn0"]

PERIODICITIES_FRAMES = tuple(2**k for k in range(3, 13))   # rf8 .. rf4096


US_PER_SUBFRAME = 1_000
US_PER_FRAME = 10_000


def us_since_sfn0(sfn0_unix_s: float, t_unix_s: float) -> int:
    """Whole microseconds from the start of SFN 0 to t (rounded to the nearest)."""
    return round((t_unix_s - sfn0_unix_s) * 1e6)


def subframe_index(sfn0_unix_s: float, t_unix_s: float) -> int:
    """Subframes (ms) from sfn0 to the subframe that contains t."""
    return us_since_sfn0(sfn0_unix_s, t_unix_s) // US_PER_SUBFRAME


def frame_index(sfn0_unix_s: float, t_unix_s: float) -> int:
    """Radio frames (10 ms) from sfn0 to the frame that contains t (SFN = this mod 1024,
    hyper-SFN = this // 1024 mod 1024)."""
    return us_since_sfn0(sfn0_unix_s, t_unix_s) // US_PER_FRAME


def frame_start_s(sfn0_unix_s: float, frame: int, subframe: int = 0) -> float:
    """Unix time of the start of subframe ``subframe`` of frame number ``frame``."""
    return sfn0_unix_s + (frame * US_PER_FRAME + subframe * US_PER_SUBFRAME) * 1e-6


@dataclass(frozen=True)
class SiWindows:
    """The SI windows of the SI message that carries the NTN SIB (see the module docstring)."""

    sfn0_unix_s: float = 0.0
    window_ms: int = 20
    position: int = 1
    periodicity_frames: int = 16
    radio_frame_offset: int = 0

    def check(self, where: str = "cell") -> None:
        """InputError naming the first bad SI scheduling parameter."""
        if self.periodicity_frames not in PERIODICITIES_FRAMES:
            raise InputError(f"{where} si_periodicity_frames: {self.periodicity_frames} is not "
                             f"one of {PERIODICITIES_FRAMES}")
        if not (isinstance(self.window_ms, int) and self.window_ms >= 1
                and isinstance(self.position, int) and self.position >= 1
                and isinstance(self.radio_frame_offset, int) and self.radio_frame_offset >= 0):
            raise InputError(f"{where} SI windows: si_window_ms and si_window_position must be "
                             f"integers >= 1 and si_radio_frame_offset >= 0, not "
                             f"{self.window_ms}, {self.position}, {self.radio_frame_offset}")
        if self._first_ms() + self.window_ms > 10 * self.periodicity_frames:
            raise InputError(f"{where} SI windows: window {self.position} of {self.window_ms} "
                             f"ms (radio frame offset {self.radio_frame_offset}) ends after the "
                             f"si-Periodicity of {self.periodicity_frames} frames")

    def _first_ms(self) -> int:
        x = (self.position - 1) * self.window_ms
        return 10 * (x // 10 + self.radio_frame_offset) + x % 10

    def window_ms_indices(self, t_unix_s: float) -> tuple[int, int]:
        """(first subframe, end) of the window that contains t, else of the next one: subframe
        indices from sfn0, the end exclusive (the window is [first, end))."""
        k = subframe_index(self.sfn0_unix_s, t_unix_s)
        period = 10 * self.periodicity_frames
        start = self._first_ms() + period * ((k - self._first_ms()) // period)
        if k >= start + self.window_ms:
            start += period
        return start, start + self.window_ms

    def window(self, t_unix_s: float) -> tuple[float, float]:
        """(start, end) unix s of the SI window that contains t, else of the next one."""
        start, end = self.window_ms_indices(t_unix_s)
        return self.sfn0_unix_s + start * 1e-3, self.sfn0_unix_s + end * 1e-3

    def end_of_window_containing(self, t_unix_s: float) -> float:
        """End (unix s) of the SI window in which a SIB received at t was sent; InputError
        when t lies between windows."""
        start, end = self.window_ms_indices(t_unix_s)
        k = subframe_index(self.sfn0_unix_s, t_unix_s)
        if k < start:
            raise InputError(f"SIB reception in subframe {k} (from SFN 0) lies outside every SI "
                             f"window (position {self.position}, {self.window_ms} ms every "
                             f"{self.periodicity_frames} frames)")
        return self.sfn0_unix_s + end * 1e-3


def explicit_epoch_s(epoch: EpochTime, sfn0_unix_s: float, t_rx_unix_s: float,
                     neighbour: bool = False) -> float:
    """Unix time of an explicit epochTime received at t_rx (serving cell: the current or the
    next frame with that SFN; neighbour: the frame with that SFN nearest the receiving one)."""
    frame_rx = subframe_index(sfn0_unix_s, t_rx_unix_s) // 10
    ahead = (epoch.sfn - frame_rx) % 1024
    if neighbour and ahead > 512:
        ahead -= 1024
    return frame_start_s(sfn0_unix_s, frame_rx + ahead, epoch.subframe)


def resolve_epoch(sib: NtnSib, windows: SiWindows, t_rx_unix_s: float) -> float:
    """Unix time of the serving cell's epoch of ``sib`` received at t_rx (cell frame timing):
    its epochTime, or without one the end of the SI window that carried it."""
    if sib.config.epoch is not None:
        return explicit_epoch_s(sib.config.epoch, windows.sfn0_unix_s, t_rx_unix_s)
    return windows.end_of_window_containing(t_rx_unix_s)


@dataclass(frozen=True)
class ResolvedNeighbour:
    """One ntn-NeighCellConfigList entry with the omissions filled in (SIB19)."""

    config: NtnConfig
    epoch_unix_s: float
    carrier_hz: float | None
    pci: int | None


def neighbour_configs(sib: NtnSib, serving_epoch_unix_s: float, sfn0_unix_s: float,
                      t_rx_unix_s: float) -> list[ResolvedNeighbour]:
    """The neighbours of a SIB19 as a UE applies them (TS 38.331 SIB19 / NTN-Config field
    descriptions): an entry without ntn-Config takes the previous entry's (the first must
    carry one); inside it, an absent epochTime is the serving cell's epoch and an absent
    ntn-UlSyncValidityDuration the serving cell's."""
    out: list[ResolvedNeighbour] = []
    previous: NtnConfig | None = None
    for i, nb in enumerate(sib.neighbours):
        cfg = nb.config if nb.config is not None else previous
        if cfg is None:
            raise InputError(f"{sib.kind}: ntn-NeighCellConfigList[{i}] has no ntn-Config and "
                             "no previous entry to take it from")
        previous = cfg
        epoch = (serving_epoch_unix_s if cfg.epoch is None
                 else explicit_epoch_s(cfg.epoch, sfn0_unix_s, t_rx_unix_s, neighbour=True))
        if cfg.validity_s is None:
            cfg = dataclasses.replace(cfg, validity_s=sib.config.validity_s)
        out.append(ResolvedNeighbour(cfg, epoch, nb.carrier_hz, nb.pci))
    return out

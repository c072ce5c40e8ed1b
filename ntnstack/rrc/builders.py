"""Build SIB31 / SIB31-NB / SIB19 from an orbit source, a cell configuration and a time.

The cell's frame timing: SFN 0 subframe 0 starts at ``CellConfig.sfn0_unix_s``; the frame at
unix time t is SFN = floor((t - sfn0) / 10 ms) mod 1024, its subframe floor((t - sfn0) / 1 ms)
mod 10. The epoch of a SIB built at t:
- ``epoch_time="explicit"`` (default): the start of the subframe that contains t, sent as
  epochTime (SFN, subframe); the SIB is sent at t;
- ``epoch_time="si-window-end"``: epochTime left out; the epoch is then the end of the SI window
  in which the SIB is scheduled (TS 36.331 / TS 38.331 Rel-17 epochTime field descriptions),
  i.e. of the window of the cell's SI message (``si_window_ms``, ``si_window_position``,
  ``si_periodicity_frames``, ``si_radio_frame_offset``; ntnstack.rrc.epoch) that contains t, or
  else the next one; the SIB is sent at t, or at that next window's start. A UE resolves the
  epoch with ntnstack.rrc.epoch.resolve_epoch from the time it received the SIB.

Gateway: a transparent payload's gateway must see the satellite at the epoch at or above
``gateway_min_elevation_deg`` (0: the WGS-84 horizon); else InputError naming the gateway and
the elevation (no feeder link, so no cell). With the RP at the gateway it must see it through
the whole validity window too, and the broadcast common TA must follow the feeder delay over
that window within MAX_COMMON_TA_FIT_ERROR_S (round trip): else InputError with the longest
validity that would do. A UE that applies such a SIB exactly would otherwise miss its preamble
window, and the emulated cell would blame the terminal for its own broadcast.

SIB19 neighbours (``neighbours``, up to 4, ntn-NeighCellConfigList-r17): each one's own
satellite (orbit source), carrier (Hz, on the NR raster) and PCI, and its ntn-Config built like
the serving cell's (its own ``cell`` configuration, by default the serving one) at the serving
cell's epoch; epochTime is left out of it (TS 38.331: then the serving cell's epoch), and so is
its validity when equal to the serving cell's. Rel-17 SIB31 / SIB31-NB have no neighbour list.

What each field holds (TS 36.331 / TS 38.331 V17.4.0 field descriptions):
- ephemeris: the satellite's ECEF state at the epoch (state vectors), or its osculating
  two-body elements at the epoch in the ECI frame aligned with ECEF at the epoch (position as
  is, velocity + omega_E x r) (orbital parameters; Rel-17 inclination <= pi/2 only);
- common TA: the uplink time-synchronisation reference point (RP) is at the gateway for a
  transparent payload with a gateway (unless ``reference_point`` is "satellite"), else at the
  satellite (common TA 0). The RP-satellite
  one-way delay is sampled every ``fit_step_s`` over [epoch, epoch + validity] and fitted by
  ntnstack.link.series.broadcast_common_ta (round-trip terms, TS 38.213 4.2; the drift
  variation field admits only values >= 0, so a negative curvature becomes the best line);
- K_offset >= service-link RTT + common TA (TS 38.300 16.14.2) over the whole coverage: the
  service RTT is the TR 38.811 reference geometry at the cell's minimum elevation
  (phy_ffi.reference_slant_range, spherical Earth, altitude of the satellite at the epoch),
  the common TA its largest value over the validity window, plus the policy's margin;
- k_mac covers the RP-gNB RTT (phy_ffi.required_k_mac_ms) of a transparent payload with a
  gateway (gNB at the gateway): absent when the RP is at the gNB, absent without a gateway.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.clock import format_iso8601
from ntnstack.errors import InputError
from ntnstack.link.series import broadcast_common_ta
from ntnstack.orbit import OrbitSource, state_to_elements
from ntnstack.rrc.codec import encode_sib
from ntnstack.rrc.epoch import SiWindows, subframe_index
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import (VALIDITY_S, CommonTa, EpochTime, Neighbour, NtnConfig, NtnSib,
                                OrbitalParameters, StateVectors, hz_to_arfcn)

__all__ = ["BuiltSib", "CellConfig", "NeighbourCell", "build_sib", "cell_epoch",
           "check_fixed_k_offset", "rp_delay_s"]

MAX_NEIGHBOURS = 4   # maxNrofNTN-NeighCells-r17 (TS 38.331)

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS


@dataclass(frozen=True)
class CellConfig:
    """One NTN cell as its SIB describes it."""

    kind: str = "sib19"                        # sib31 | sib31-nb | sib19
    payload: str = "transparent"               # transparent | regenerative
    gateway_ecef_m: tuple[float, float, float] | None = None
    reference_point: str = "gateway"           # gateway | satellite (transparent payload)
    ephemeris_format: str = "state-vectors"    # state-vectors | orbital
    validity_s: int = 20                       # one of units.VALIDITY_S
    k_offset_margin_ms: int = 1                # added to the required K_offset
    k_offset_ms: int | None = None             # fixed K_offset (ms); None: required + margin
    k_mac_margin_ms: int = 0                   # added to a required k_mac (policy "auto")
    k_mac_policy: str = "auto"                 # auto: cover the RP-gNB RTT | absent
    min_elevation_deg: float = 10.0            # coverage edge (TR 38.821 reference)
    sfn0_unix_s: float = 0.0                   # start of SFN 0, subframe 0
    fit_step_s: float = 1.0                    # common-TA fit sample spacing
    reference_location_deg: tuple[float, float] | None = None   # SIB19 referenceLocation
    distance_thresh_m: float | None = None                      # SIB19 distanceThresh
    t_service_unix_s: float | None = None                       # SIB19 t-Service
    epoch_time: str = "explicit"               # explicit | si-window-end (epochTime absent)
    si_window_ms: int = 20                     # si-WindowLength (ms; NR: slots at 15 kHz)
    si_window_position: int = 1                # n: the SI message's entry in the SI schedule
    si_periodicity_frames: int = 16            # si-Periodicity of that SI message (frames)
    si_radio_frame_offset: int = 0             # NB-IoT si-RadioFrameOffset (frames), else 0
    gateway_min_elevation_deg: float = 0.0     # the gateway must see the satellite this high
    gateway_name: str | None = None            # how errors name the gateway
    neighbours: tuple[NeighbourCell, ...] = ()  # SIB19 ntn-NeighCellConfigList-r17

    @property
    def si_windows(self) -> SiWindows:
        return SiWindows(self.sfn0_unix_s, self.si_window_ms, self.si_window_position,
                         self.si_periodicity_frames, self.si_radio_frame_offset)

    def check(self) -> None:
        """InputError naming the first bad field."""
        choices = {"kind": ("sib31", "sib31-nb", "sib19"),
                   "payload": ("transparent", "regenerative"),
                   "reference_point": ("gateway", "satellite"),
                   "ephemeris_format": ("state-vectors", "orbital"),
                   "k_mac_policy": ("auto", "absent"),
                   "epoch_time": ("explicit", "si-window-end")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"cell {name}: {getattr(self, name)!r} is not one of {allowed}")
        if self.validity_s not in VALIDITY_S:
            raise InputError(f"cell validity_s: {self.validity_s} is not one of {VALIDITY_S}")
        if not 0 <= self.min_elevation_deg <= 90 or not self.fit_step_s > 0:
            raise InputError("cell min_elevation_deg must be in [0, 90], fit_step_s > 0")
        if not -90 <= self.gateway_min_elevation_deg <= 90:
            raise InputError(f"cell gateway_min_elevation_deg: {self.gateway_min_elevation_deg}"
                             " is not in [-90, 90]")
        if self.epoch_time == "si-window-end":
            self.si_windows.check()
        if self.neighbours and self.kind != "sib19":
            raise InputError(f"cell neighbours: {self.kind} carries no neighbour list in Rel-17 "
                             "(SIB19 ntn-NeighCellConfigList-r17 only)")
        if len(self.neighbours) > MAX_NEIGHBOURS:
            raise InputError(f"cell neighbours: {len(self.neighbours)} cells, "
                             f"ntn-NeighCellConfigList-r17 holds at most {MAX_NEIGHBOURS}")

    @property
    def rp_at_gateway(self) -> bool:
        return self.has_feeder and self.reference_point == "gateway"

    @property
    def has_feeder(self) -> bool:
        """A transparent payload with a known gateway: the gNB sits behind a feeder link."""
        return self.payload == "transparent" and self.gateway_ecef_m is not None


@dataclass(frozen=True, eq=False)
class NeighbourCell:
    """One neighbour NTN cell of a SIB19: its satellite, carrier, PCI and cell configuration
    (payload, gateway, ephemeris format, validity, margins; None: the serving cell's)."""

    source: OrbitSource
    carrier_hz: float | None = None            # carrierFreq-r17, on the NR global raster
    pci: int | None = None                     # physCellId-r17, 0..1007
    cell: CellConfig | None = None


@dataclass(frozen=True)
class BuiltSib:
    """A built SIB: quantised fields, the message bytes, the decoded view and the truth."""

    sib: NtnSib               # physical units after quantisation (what a UE decodes)
    fields: dict              # asn1tools values of the NTN block
    message: bytes            # the whole BCCH-DL-SCH message (UPER)
    epoch_unix_s: float
    truth_pos_ecef_m: np.ndarray
    truth_vel_ecef_mps: np.ndarray
    rtt_service_max_s: float
    common_ta_max_s: float
    common_ta_residual_s: float   # worst one-way |d - Delay_common| in the validity window
    sent_unix_s: float        # when the cell sends it (inside its SI window if implicit)


def cell_epoch(cell: CellConfig, t_unix_s: float) -> tuple[float, EpochTime]:
    """(start of the subframe that contains t, its SFN and subframe). A time within
    TIME_GRAIN_S before a subframe boundary counts as on it: unix times are doubles whose
    grain is 0.24 us in this century, so start + 0.007 s may come out as 6.99997 ms after
    start."""
    k = subframe_index(cell.sfn0_unix_s, t_unix_s)
    return cell.sfn0_unix_s + k * 1e-3, EpochTime((k // 10) % 1024, k % 10)


def rp_delay_s(source: OrbitSource, cell: CellConfig, t_unix_s) -> np.ndarray:
    """One-way RP - satellite delay (s) at times t: gateway range / c, or 0 (RP at satellite)."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    if not cell.rp_at_gateway:
        return np.zeros(t.shape)
    return _feeder_delay_s(source.states(t)[0], cell)


def _feeder_delay_s(pos: np.ndarray, cell) -> np.ndarray:
    """One-way gateway - satellite delay (s) of satellite positions (n, 3) (ECEF, m)."""
    return np.linalg.norm(pos - np.asarray(cell.gateway_ecef_m), axis=1) / C


def _ephemeris(cell: CellConfig, pos: np.ndarray, vel: np.ndarray):
    if cell.ephemeris_format == "state-vectors":
        return StateVectors(tuple(map(float, pos)), tuple(map(float, vel)))
    w = phy_ffi.CONST.EARTH_ROTATION_RADPS
    vel_eci = vel + np.array([-w * pos[1], w * pos[0], 0.0])
    try:
        el = state_to_elements(pos, vel_eci)
    except ValueError as exc:
        raise InputError(f"orbital parameters: {exc}") from None
    if el.inclination_rad > math.pi / 2:
        raise InputError(f"orbital parameters: inclination {math.degrees(el.inclination_rad):.3f}"
                         " deg is retrograde; Rel-17 inclination-r17 carries 0..90 deg only "
                         "(use --ephemeris state-vectors)")
    return OrbitalParameters(*(float(x) for x in el))


MAX_COMMON_TA_FIT_ERROR_S = 2048 / 30.72e6
"""Largest round-trip error (s) of the broadcast common TA over its validity: the cyclic
prefix of NPRACH format 0, 66.7 us (TS 36.211 Table 10.1.6.1-1, 2048 Ts), the shortest of the
NB-IoT preambles; 2 x the fit residual must stay within it."""


def _fit(t: np.ndarray, d: np.ndarray, epoch: float, validity_s: float):
    """(broadcast terms, one-way fit residual) of the one-way RP delays ``d`` at ``t``."""
    ta, drift, variation = broadcast_common_ta(t, d, epoch, validity_s)
    model = ta + drift * (t - epoch) + variation * (t - epoch) ** 2
    return (ta, drift, variation), float(np.max(np.abs(d - model / 2.0)))


def _common_ta(source, cell, epoch) -> tuple[CommonTa, float, float]:
    """(broadcast terms, largest round-trip common TA in the window, fit residual one-way);
    InputError when the window does not hold (``_check_window``)."""
    if not cell.rp_at_gateway:
        return CommonTa(0.0, 0.0, 0.0), 0.0, 0.0
    t = epoch + np.arange(0.0, cell.validity_s + 0.5 * cell.fit_step_s, cell.fit_step_s)
    pos, _ = source.states(t)          # once: the fit, the gateway's view, the advice
    d = _feeder_delay_s(pos, cell)
    el = phy_ffi.look_angles(pos, np.asarray(cell.gateway_ecef_m, dtype=np.float64)
                             ).elevation_deg
    terms, residual = _fit(t, d, epoch, cell.validity_s)
    _check_window(source.name, cell, epoch, (t, d, el), residual)
    return CommonTa(*terms), float(2.0 * d.max()), residual


def _check_window(name: str, cell, epoch: float, window: tuple, residual_s: float) -> None:
    """InputError when the gateway loses the satellite within the validity window (times,
    delays, gateway elevations), or the common TA's fit error exceeds
    MAX_COMMON_TA_FIT_ERROR_S; names the longest validity that would do (each a prefix of
    the window)."""
    t, d, el = window
    why = _window_problem(name, cell, epoch, t, el, residual_s)
    if why is None:
        return
    fits = []
    for v in VALIDITY_S:
        if v < cell.validity_s:
            n = int(np.searchsorted(t, epoch + v + 0.5 * cell.fit_step_s))
            _, residual_v = _fit(t[:n], d[:n], epoch, v)
            if _window_problem(name, cell, epoch, t[:n], el[:n], residual_v) is None:
                fits.append(v)
    advice = f"use {fits[-1]} s or less" if fits else "no validity fits here"
    raise InputError(f"cell validity_s (--validity-s) {cell.validity_s}: {why}; {advice}")


def _window_problem(name: str, cell, epoch: float, t: np.ndarray, el: np.ndarray,
                    residual_s: float) -> str | None:
    """Why a validity window sampled at ``t`` (gateway elevations ``el``) does not hold
    (None when it does)."""
    below = np.flatnonzero(~(el >= cell.gateway_min_elevation_deg))
    if below.size:
        return (f"the gateway loses {name} {t[below[0]] - epoch:.0f} s after the epoch "
                f"{format_iso8601(epoch)}")
    if 2.0 * residual_s > MAX_COMMON_TA_FIT_ERROR_S:
        return (f"the broadcast common TA is off the feeder delay by up to "
                f"{2e6 * residual_s:.1f} us (round trip) within it, beyond the "
                f"{MAX_COMMON_TA_FIT_ERROR_S * 1e6:.1f} us NPRACH format 0 cyclic prefix")
    return None


def _k_terms(cell, pos, ta_max_s, ta_common_s) -> tuple[int, int | None, float]:
    """(K_offset ms, k_mac ms or None, service RTT max s)."""
    altitude = float(np.linalg.norm(pos)) - phy_ffi.CONST.EARTH_RADIUS_3GPP_M
    slant = phy_ffi.reference_slant_range(altitude, cell.min_elevation_deg)
    phy_ffi.check_status(slant.status, "service RTT at the minimum elevation")
    rtt = 2.0 * float(slant.slant_range_m[0]) / C
    k_off = phy_ffi.required_k_offset_ms(rtt, ta_max_s, cell.k_offset_margin_ms)
    if k_off.status[0]:
        raise InputError(f"K_offset: service RTT {rtt * 1e3:.3f} ms + common TA "
                         f"{ta_max_s * 1e3:.3f} ms + margin {cell.k_offset_margin_ms} ms does not "
                         f"fit 1..{phy_ffi.CONST.K_OFFSET_MAX_MS} ms")
    k_offset = k_off.pass_max_ms if cell.k_offset_ms is None else cell.k_offset_ms
    k_mac = None
    if cell.k_mac_policy == "auto" and cell.has_feeder:
        feeder_rtt = 2.0 * float(np.linalg.norm(pos - np.asarray(cell.gateway_ecef_m))) / C
        km = phy_ffi.required_k_mac_ms(feeder_rtt, ta_common_s, cell.k_mac_margin_ms)
        if km.status[0]:
            raise InputError(f"k_mac: feeder RTT {feeder_rtt * 1e3:.3f} ms - common TA "
                             f"{ta_common_s * 1e3:.3f} ms + margin does not fit "
                             f"1..{phy_ffi.CONST.K_MAC_MAX_MS} ms")
        k_mac = int(km.k_mac_ms[0]) or None
    return k_offset, k_mac, rtt


def check_fixed_k_offset(built: BuiltSib) -> None:
    """InputError when the SIB's K_offset (a cell's fixed value) is below the service RTT +
    common TA it must cover at that SIB (TS 38.300 16.14.2; no margin: the margin is the
    automatic policy's)."""
    k_offset_ms = built.sib.config.k_offset_ms
    needed_ms = phy_ffi.required_k_offset_ms(built.rtt_service_max_s, built.common_ta_max_s,
                                             0).pass_max_ms
    if k_offset_ms < needed_ms:
        raise InputError(f"cell k_offset: {k_offset_ms} ms is below the {needed_ms} ms this "
                         f"link needs at {format_iso8601(built.epoch_unix_s)} (service RTT "
                         f"{built.rtt_service_max_s * 1e3:.3f} ms + common TA "
                         f"{built.common_ta_max_s * 1e3:.3f} ms, TS 38.300 16.14.2)")


def _gateway_visible(source: OrbitSource, cell: CellConfig, pos: np.ndarray, epoch: float,
                     where: str) -> None:
    """InputError when the gateway of a transparent payload cannot see the satellite."""
    if not cell.has_feeder:
        return
    gw = np.asarray(cell.gateway_ecef_m, dtype=np.float64)
    el = float(phy_ffi.look_angles(pos, gw).elevation_deg[0])
    if not el >= cell.gateway_min_elevation_deg:
        geo = phy_ffi.ecef_to_geodetic(gw)
        name = f"{cell.gateway_name!r} " if cell.gateway_name else ""
        raise InputError(
            f"{where}gateway {name}at {float(geo.lat_deg[0]):.4f}, {float(geo.lon_deg[0]):.4f}"
            f" deg, {float(geo.alt_m[0]):.0f} m sees {source.name} at {el:.1f} deg elevation at "
            f"{format_iso8601(epoch)}, below its minimum {cell.gateway_min_elevation_deg:g} deg:"
            " no feeder link")


def _ntn_config(source: OrbitSource, cell: CellConfig, epoch: float,
                epoch_time: EpochTime | None, where: str = "") -> tuple[NtnConfig, tuple]:
    """(NtnConfig of ``cell`` at ``epoch``, (pos, vel, service RTT max, common TA max, fit
    residual))."""
    pos, vel = (a[0] for a in source.states(np.array([epoch])))
    _gateway_visible(source, cell, pos, epoch, where)
    common, ta_max, residual = _common_ta(source, cell, epoch)
    k_offset, k_mac, rtt = _k_terms(cell, pos, ta_max, common.ta_common_s)
    config = NtnConfig(ephemeris=_ephemeris(cell, pos, vel), common_ta=common,
                       validity_s=cell.validity_s, epoch=epoch_time, k_offset_ms=k_offset,
                       k_mac_ms=k_mac)
    return config, (pos, vel, rtt, ta_max, residual)


def _neighbours(cell: CellConfig, epoch: float) -> tuple[Neighbour, ...]:
    out = []
    for i, nb in enumerate(cell.neighbours):
        where = f"neighbour {i} ({nb.source.name}): "
        nb_cell = dataclasses.replace(nb.cell or cell, kind="sib19", neighbours=())
        nb_cell.check()
        config, _ = _ntn_config(nb.source, nb_cell, epoch, None, where)
        if config.validity_s == cell.validity_s:
            config = dataclasses.replace(config, validity_s=None)
        if nb.pci is not None and not (isinstance(nb.pci, int) and 0 <= nb.pci <= 1007):
            raise InputError(f"{where}pci {nb.pci!r} is not in 0..1007")
        arfcn = None if nb.carrier_hz is None else hz_to_arfcn(nb.carrier_hz,
                                                                 f"{where}carrier_hz")
        out.append(Neighbour(config, arfcn, nb.pci))
    return tuple(out)


def build_sib(source: OrbitSource, cell: CellConfig, t_unix_s: float) -> BuiltSib:
    """The SIB of ``cell.kind`` that the cell broadcasts at ``t_unix_s`` (unix s); with an
    implicit epoch, the one scheduled in the SI window containing t or else the next one."""
    cell.check()
    if cell.epoch_time == "explicit":
        epoch, epoch_time = cell_epoch(cell, t_unix_s)
        sent = t_unix_s
    else:
        start, epoch = cell.si_windows.window(t_unix_s)
        epoch_time, sent = None, max(t_unix_s, start)
    config, (pos, vel, rtt, ta_max, residual) = _ntn_config(source, cell, epoch, epoch_time)
    extra = {} if cell.kind != "sib19" else dict(
        t_service_unix_s=cell.t_service_unix_s, reference_location_deg=cell.reference_location_deg,
        distance_thresh_m=cell.distance_thresh_m, neighbours=_neighbours(cell, epoch))
    fields = to_fields(NtnSib(cell.kind, config, **extra))
    return BuiltSib(from_fields(cell.kind, fields), fields, encode_sib(cell.kind, fields), epoch,
                    pos, vel, rtt, ta_max, residual, sent)

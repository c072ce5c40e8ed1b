"""Build SIB31 / SIB31-NB / SIB19 from an orbit source, a cell configuration and a time.

The cell's frame timing: SFN 0 subframe 0 starts at ``CellConfig.sfn0_unix_s``; the frame at
unix time t is SFN = floor((t - sfn0) / 10 ms) mod 1024, its subframe floor((t - sfn0) / 1 ms)
mod 10. The epoch of a SIB built at t is the start of the subframe that contains t.

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

import math
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.series import TIME_GRAIN_S, broadcast_common_ta
from ntnstack.orbit import OrbitSource, state_to_elements
from ntnstack.rrc.codec import encode_sib
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import (VALIDITY_S, CommonTa, EpochTime, NtnConfig, NtnSib,
                                OrbitalParameters, StateVectors)

__all__ = ["BuiltSib", "CellConfig", "build_sib", "cell_epoch", "rp_delay_s"]

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
    k_mac_margin_ms: int = 0                   # added to a required k_mac (policy "auto")
    k_mac_policy: str = "auto"                 # auto: cover the RP-gNB RTT | absent
    min_elevation_deg: float = 10.0            # coverage edge (TR 38.821 reference)
    sfn0_unix_s: float = 0.0                   # start of SFN 0, subframe 0
    fit_step_s: float = 1.0                    # common-TA fit sample spacing
    reference_location_deg: tuple[float, float] | None = None   # SIB19 referenceLocation
    distance_thresh_m: float | None = None                      # SIB19 distanceThresh
    t_service_unix_s: float | None = None                       # SIB19 t-Service

    def check(self) -> None:
        """InputError naming the first bad field."""
        choices = {"kind": ("sib31", "sib31-nb", "sib19"),
                   "payload": ("transparent", "regenerative"),
                   "reference_point": ("gateway", "satellite"),
                   "ephemeris_format": ("state-vectors", "orbital"),
                   "k_mac_policy": ("auto", "absent")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"cell {name}: {getattr(self, name)!r} is not one of {allowed}")
        if self.validity_s not in VALIDITY_S:
            raise InputError(f"cell validity_s: {self.validity_s} is not one of {VALIDITY_S}")
        if not 0 <= self.min_elevation_deg <= 90 or not self.fit_step_s > 0:
            raise InputError("cell min_elevation_deg must be in [0, 90], fit_step_s > 0")

    @property
    def rp_at_gateway(self) -> bool:
        return self.has_feeder and self.reference_point == "gateway"

    @property
    def has_feeder(self) -> bool:
        """A transparent payload with a known gateway: the gNB sits behind a feeder link."""
        return self.payload == "transparent" and self.gateway_ecef_m is not None


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


def cell_epoch(cell: CellConfig, t_unix_s: float) -> tuple[float, EpochTime]:
    """(start of the subframe that contains t, its SFN and subframe). A time within
    TIME_GRAIN_S before a subframe boundary counts as on it: unix times are doubles whose
    grain is 0.24 us in this century, so start + 0.007 s may come out as 6.99997 ms after
    start."""
    k = math.floor((t_unix_s - cell.sfn0_unix_s + TIME_GRAIN_S) * 1000.0)
    return cell.sfn0_unix_s + k * 1e-3, EpochTime((k // 10) % 1024, k % 10)


def rp_delay_s(source: OrbitSource, cell: CellConfig, t_unix_s) -> np.ndarray:
    """One-way RP - satellite delay (s) at times t: gateway range / c, or 0 (RP at satellite)."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    if not cell.rp_at_gateway:
        return np.zeros(t.shape)
    pos, _ = source.states(t)
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


def _common_ta(source, cell, epoch) -> tuple[CommonTa, float, float]:
    """(broadcast terms, largest round-trip common TA in the window, fit residual one-way)."""
    if not cell.rp_at_gateway:
        return CommonTa(0.0, 0.0, 0.0), 0.0, 0.0
    t = epoch + np.arange(0.0, cell.validity_s + 0.5 * cell.fit_step_s, cell.fit_step_s)
    d = rp_delay_s(source, cell, t)
    ta, drift, variation = broadcast_common_ta(t, d, epoch, cell.validity_s)
    model = ta + drift * (t - epoch) + variation * (t - epoch) ** 2
    residual = float(np.max(np.abs(d - model / 2.0)))
    return CommonTa(ta, drift, variation), float(2.0 * d.max()), residual


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
    k_mac = None
    if cell.k_mac_policy == "auto" and cell.has_feeder:
        feeder_rtt = 2.0 * float(np.linalg.norm(pos - np.asarray(cell.gateway_ecef_m))) / C
        km = phy_ffi.required_k_mac_ms(feeder_rtt, ta_common_s, cell.k_mac_margin_ms)
        if km.status[0]:
            raise InputError(f"k_mac: feeder RTT {feeder_rtt * 1e3:.3f} ms - common TA "
                             f"{ta_common_s * 1e3:.3f} ms + margin does not fit "
                             f"1..{phy_ffi.CONST.K_MAC_MAX_MS} ms")
        k_mac = int(km.k_mac_ms[0]) or None
    return k_off.pass_max_ms, k_mac, rtt


def build_sib(source: OrbitSource, cell: CellConfig, t_unix_s: float) -> BuiltSib:
    """The SIB of ``cell.kind`` that the cell broadcasts at ``t_unix_s`` (unix s)."""
    cell.check()
    epoch, epoch_time = cell_epoch(cell, t_unix_s)
    pos, vel = (a[0] for a in source.states(np.array([epoch])))
    common, ta_max, residual = _common_ta(source, cell, epoch)
    k_offset, k_mac, rtt = _k_terms(cell, pos, ta_max, common.ta_common_s)
    config = NtnConfig(ephemeris=_ephemeris(cell, pos, vel), common_ta=common,
                       validity_s=cell.validity_s, epoch=epoch_time, k_offset_ms=k_offset,
                       k_mac_ms=k_mac)
    extra = {} if cell.kind != "sib19" else dict(
        t_service_unix_s=cell.t_service_unix_s, reference_location_deg=cell.reference_location_deg,
        distance_thresh_m=cell.distance_thresh_m)
    fields = to_fields(NtnSib(cell.kind, config, **extra))
    return BuiltSib(from_fields(cell.kind, fields), fields, encode_sib(cell.kind, fields), epoch,
                    pos, vel, rtt, ta_max, residual)

"""Link time series of one satellite seen by one terminal (and a gateway), through phy_ffi:
orbit source -> ECEF table -> cubic Hermite (phy_ffi.hermite_states) -> link_states,
path loss (TR 38.811) and the common TA (TS 38.213 4.2) per sample.

Visibility: service-link elevation >= min_elevation_deg (TR 38.821: 10 deg) and, with a
gateway on a transparent payload, feeder-link elevation >= the same minimum.
Common TA: with the uplink reference point at the gateway (transparent payload, gateway
given) the common TA is the feeder-link round trip as the UE rebuilds it from what the
network broadcasts at each epoch (ta-Common, ta-CommonDrift, ta-CommonDriftVariant), see
``common_ta_series``. Otherwise (regenerative, or no gateway) the reference point is the
satellite and the common TA is 0.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.limits import MAX_SERIES_ROWS
from ntnstack.link.defaults import (
    DEFAULT_FREQ_DL_HZ,
    DEFAULT_FREQ_UL_HZ,
    DEFAULT_MIN_ELEVATION_DEG,
    PAYLOADS,
)
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.source import OrbitSource
from phy_ffi import CONST

__all__ = ["DEFAULT_FREQ_DL_HZ", "DEFAULT_FREQ_UL_HZ", "DEFAULT_MIN_ELEVATION_DEG",
           "LinkSeries", "PAYLOADS", "TIME_GRAIN_S", "broadcast_common_ta", "common_ta_series",
           "link_series", "sample_times", "satellite_states"]

TIME_GRAIN_S = 1e-6   # > the 0.24 us spacing of doubles near unix time 1.8e9 s
DEFAULT_UL_SYNC_VALIDITY_S = 20.0  # ntn-UlSyncValidityDuration s20 (TS 38.331: s5..s900)
FIT_STEP_S = 1.0                   # feeder-delay samples per second for the common-TA fit
MAX_SAMPLES = MAX_SERIES_ROWS   # rows of one series (ntnstack.limits)


@dataclass(frozen=True)
class LinkSeries:
    """One row per sample time; arrays of shape (n,). NaN where a value does not exist."""

    satellite: str
    payload: str
    t_unix_s: np.ndarray
    elevation_deg: np.ndarray
    azimuth_deg: np.ndarray
    range_m: np.ndarray
    range_rate_mps: np.ndarray          # > 0 receding
    delay_s: np.ndarray                 # one-way service link
    feeder_delay_s: np.ndarray          # one-way feeder link (0 without a gateway)
    rtt_s: np.ndarray                   # for the payload: transparent UE-sat-gateway, else UE-sat
    doppler_dl_hz: np.ndarray
    doppler_ul_hz: np.ndarray
    doppler_rate_hz_s: np.ndarray       # on the DL carrier
    delay_drift_s_per_s: np.ndarray
    ta_ue_s: np.ndarray                 # N_TA,adj^UE = 2 r / c (TS 38.213 4.2)
    ta_common_s: np.ndarray             # N_TA,adj^common the UE applies (see module doc)
    pathloss_db: np.ndarray             # TR 38.811 mean basic loss on the DL carrier
    gateway_elevation_deg: np.ndarray   # NaN without a gateway
    visible: np.ndarray                 # bool

    ROW_FIELDS = ("elevation_deg", "azimuth_deg", "range_m", "range_rate_mps", "delay_s",
                  "rtt_s", "doppler_dl_hz", "doppler_ul_hz", "doppler_rate_hz_s", "ta_ue_s",
                  "ta_common_s", "pathloss_db")

    def __len__(self) -> int:
        return self.t_unix_s.size

    def row(self, i: int) -> dict:
        """Row i as plain Python values (the ``ntnstack link --json`` line, without t)."""
        out = {}
        for name in self.ROW_FIELDS:
            value = float(getattr(self, name)[i])
            out[name] = value if np.isfinite(value) else None
        out["visible"] = bool(self.visible[i])
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array field by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), np.ndarray)}


def sample_times(start_unix_s: float, duration_s: float, step_s: float) -> np.ndarray:
    """start, start + step, ... up to and including start + duration (within 1 us)."""
    if not (np.isfinite(duration_s) and duration_s >= 0):
        raise InputError(f"--duration: must be a finite number >= 0, got {duration_s}")
    if not (np.isfinite(step_s) and step_s > 0):
        raise InputError(f"--step-s: must be a finite number > 0, got {step_s}")
    count = int(np.floor(duration_s / step_s + 1e-6)) + 1
    if count > MAX_SAMPLES:
        raise InputError(f"--duration/--step-s: {count} samples exceed {MAX_SAMPLES}")
    return start_unix_s + step_s * np.arange(count, dtype=np.float64)


def satellite_states(source: OrbitSource, t_unix_s: np.ndarray) -> phy_ffi.SatStates:
    """ECEF position, velocity, acceleration at the times through the C core's Hermite
    interpolation of the source's table (times relative to the first, for precision)."""
    t0 = float(np.min(t_unix_s))
    span = float(np.max(t_unix_s) - t0)
    table = source.table(t0, span)
    states = phy_ffi.hermite_states(t_unix_s - t0, table.t_unix_s - t0, table.pos_m,
                                    table.vel_mps)
    phy_ffi.check_status(states.status, f"hermite_states({source.name})")
    return states


def broadcast_common_ta(t_s: np.ndarray, rp_delay_s: np.ndarray, epoch_s: float,
                        validity_s: float) -> tuple[float, float, float]:
    """Round-trip common-TA terms (s, s/s, s/s^2) a cell can broadcast for one window:
    phy_ffi.common_ta_fit of the RP one-way delays (s) at times t_s over [epoch_s, epoch_s +
    validity_s] (a sample at the epoch). ta-CommonDriftVariant (TS 38.331) and
    nta-CommonDriftVariation (TS 36.331) are non-negative fields: a negative fitted curvature
    is replaced by the least-squares line through the delay at the epoch."""
    fit = phy_ffi.common_ta_fit(t_s, rp_delay_s, epoch_s, validity_s)
    if fit.ta_common_drift_variation_s_per_s2 >= 0:
        return (fit.ta_common_s, fit.ta_common_drift_s_per_s,
                fit.ta_common_drift_variation_s_per_s2)
    inside = (t_s >= epoch_s) & (t_s <= epoch_s + validity_s)
    tau = t_s[inside] - epoch_s
    rise = 2.0 * rp_delay_s[inside] - fit.ta_common_s
    return fit.ta_common_s, float(tau @ rise / (tau @ tau)), 0.0


def common_ta_series(source: OrbitSource, gateway: GroundPoint, t_unix_s: np.ndarray,
                     validity_s: float = DEFAULT_UL_SYNC_VALIDITY_S) -> np.ndarray:
    """The common TA (s, round trip) a UE applies at each sample, reference point at the
    gateway: the network broadcasts ta-Common, ta-CommonDrift and ta-CommonDriftVariant at
    epochs start + k * validity_s (each fitted by phy_ffi.common_ta_fit to the feeder-link
    delay sampled every FIT_STEP_S over its validity window), and the UE rebuilds
    TA(t) = ta + drift tau + variation tau^2, tau = t - epoch (TS 38.213 4.2), with the
    terms a SIB can carry (``broadcast_common_ta``)."""
    t0 = float(t_unix_s[0])
    rel = t_unix_s - t0
    epochs = validity_s * np.floor((rel + TIME_GRAIN_S) / validity_s)
    fine = np.arange(0.0, float(epochs[-1]) + validity_s + FIT_STEP_S / 2, FIT_STEP_S)
    sat = satellite_states(source, t0 + fine)
    feeder_delay_s = np.linalg.norm(sat.pos_m - gateway.ecef_m, axis=1) / CONST.SPEED_OF_LIGHT_MPS
    out = np.empty(rel.shape)
    for epoch in np.unique(epochs):
        ta, drift, variation = broadcast_common_ta(fine, feeder_delay_s, epoch, validity_s)
        tau = rel[epochs == epoch] - epoch
        out[epochs == epoch] = ta + drift * tau + variation * tau**2
    return out


def _pathloss_db(range_m, elevation_deg, freq_hz, environment: str) -> np.ndarray:
    """TR 38.811 mean path loss where the satellite is above the horizon, else NaN."""
    out = np.full(range_m.shape, np.nan)
    up = np.isfinite(elevation_deg) & (elevation_deg > 0)
    if np.any(up):
        loss = phy_ffi.pathloss(range_m[up], np.minimum(elevation_deg[up], 90.0), freq_hz,
                                environment)
        out[up] = np.where(loss.status == 0, loss.total_db, np.nan)
    return out


def _visibility(elevation_deg: np.ndarray, sat_pos_m: np.ndarray, gateway: GroundPoint | None,
                transparent: bool, min_elevation_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(visible, gateway elevation deg or NaN): the UE sees the satellite above the mask, and
    for a transparent payload with a gateway, so does the gateway (the feeder link)."""
    visible = np.nan_to_num(elevation_deg, nan=-90.0) >= min_elevation_deg
    if gateway is None:
        return visible, np.full(elevation_deg.shape, np.nan)
    gw_el = phy_ffi.look_angles(sat_pos_m, gateway.ecef_m).elevation_deg
    if transparent:
        visible &= np.nan_to_num(gw_el, nan=-90.0) >= min_elevation_deg
    return visible, gw_el


def link_series(source: OrbitSource, ue: GroundPoint, t_unix_s: np.ndarray,
                gateway: GroundPoint | None = None, *,
                freq_dl_hz: float = DEFAULT_FREQ_DL_HZ, freq_ul_hz: float = DEFAULT_FREQ_UL_HZ,
                payload: str = "transparent", environment: str = "rural",
                min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                validity_s: float = DEFAULT_UL_SYNC_VALIDITY_S) -> LinkSeries:
    """The link between ``source`` and ``ue`` at the sample times (unix s, increasing);
    ``validity_s`` is the common-TA broadcast period (see ``common_ta_series``)."""
    if payload not in PAYLOADS:
        raise InputError(f"--payload: {payload!r} is not one of {', '.join(PAYLOADS)}")
    for name, f in (("--freq-hz", freq_dl_hz), ("uplink frequency", freq_ul_hz)):
        if not (np.isfinite(f) and f > 0):
            raise InputError(f"{name}: must be a finite frequency > 0 Hz, got {f}")
    t = np.asarray(t_unix_s, dtype=np.float64)
    sat = satellite_states(source, t)
    gw = None if gateway is None else gateway.ecef_m
    ls = phy_ffi.link_states(sat.pos_m, sat.vel_mps, sat.acc_mps2, ue.ecef_m, gw,
                             freq_dl_hz=freq_dl_hz, freq_ul_hz=freq_ul_hz)
    transparent = payload == "transparent"
    visible, gw_el = _visibility(ls.elevation_deg, sat.pos_m, gateway, transparent,
                                 min_elevation_deg)
    ta_common = (common_ta_series(source, gateway, t, validity_s)
                 if transparent and gateway is not None else np.zeros(t.shape))
    return LinkSeries(
        satellite=source.name, payload=payload, t_unix_s=t,
        elevation_deg=ls.elevation_deg, azimuth_deg=ls.azimuth_deg, range_m=ls.range_m,
        range_rate_mps=ls.range_rate_mps, delay_s=ls.delay_s,
        feeder_delay_s=ls.feeder_delay_s if transparent else np.zeros(t.shape),
        rtt_s=ls.rtt_transparent_s if transparent else ls.rtt_regenerative_s,
        doppler_dl_hz=ls.doppler_dl_hz, doppler_ul_hz=ls.doppler_ul_hz,
        doppler_rate_hz_s=ls.doppler_rate_dl_hz_s, delay_drift_s_per_s=ls.delay_drift_s_per_s,
        ta_ue_s=ls.ta_ue_s, ta_common_s=ta_common,
        pathloss_db=_pathloss_db(ls.range_m, ls.elevation_deg, freq_dl_hz, environment),
        gateway_elevation_deg=gw_el, visible=visible)


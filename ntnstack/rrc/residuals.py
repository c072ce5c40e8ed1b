"""How far a UE's TA and UL Doppler pre-compensation drift from the truth as the broadcast
ephemeris ages.

The UE decodes the SIB bytes (ntnstack.rrc.codec + fields), takes the epoch from them and the
time it received them (ntnstack.rrc.epoch.resolve_epoch: epochTime, or without it the end of
the SI window that carried the SIB), propagates the decoded ephemeris with the C core
(phy_ffi.ue_ta_doppler: two-body, see ntn_phy.h) and adds the broadcast common TA polynomial.
The truth comes from the orbit source at the same instants: TA = 2 |P_sat - P_UE| / c +
2 d_RP(t) (d_RP the RP-satellite delay, 0 with the RP at the satellite), Doppler
= -f (d|P_sat - P_UE|/dt) / c. Errors are UE minus truth.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.orbit import OrbitSource
from ntnstack.rrc.builders import BuiltSib, CellConfig, rp_delay_s
from ntnstack.rrc.codec import decode_sib
from ntnstack.rrc.epoch import resolve_epoch
from ntnstack.rrc.fields import from_fields
from ntnstack.rrc.units import CommonTa, NtnSib, StateVectors

__all__ = ["Residuals", "ephemeris_vector", "residuals"]


class Residuals(NamedTuple):
    age_s: np.ndarray               # (n,) time since the epoch
    ta_error_s: np.ndarray          # (n,) UE TA minus true TA (round trip)
    ta_error_tc: np.ndarray         # (n,) the same in T_c (TS 38.211 4.1)
    doppler_error_hz: np.ndarray    # (n,) UE minus true UL service-link Doppler
    doppler_error_ppm: np.ndarray   # (n,) relative to the carrier
    expired: np.ndarray             # (n,) bool: past the validity duration (T430 / T317)
    validity_s: int


def ephemeris_vector(sib: NtnSib) -> tuple[np.ndarray, str]:
    """(6 numbers, format) of the decoded ephemeris, as phy_ffi.ue_ta_doppler takes them."""
    eph = sib.config.ephemeris
    if eph is None:
        raise InputError(f"{sib.kind}: the SIB carries no ephemeris")
    if isinstance(eph, StateVectors):
        return np.array([*eph.position_ecef_m, *eph.velocity_ecef_mps]), "state-vectors"
    return np.array([eph.semi_major_axis_m, eph.eccentricity, eph.periapsis_rad,
                     eph.longitude_ascending_node_rad, eph.inclination_rad,
                     eph.mean_anomaly_rad]), "orbital"


def residuals(source: OrbitSource, cell: CellConfig, built: BuiltSib, ue_ecef_m,
              ages_s, freq_hz: float, t_rx_unix_s: float | None = None) -> Residuals:
    """TA and Doppler errors of a UE at ue_ecef_m using ``built`` at ages_s after the true
    epoch. The UE resolves the epoch from the message and its reception time t_rx on the
    cell's frame timing (default: when the cell sent it), so a wrong epoch shows as error."""
    sib = from_fields(cell.kind, decode_sib(cell.kind, built.message))
    eph, fmt = ephemeris_vector(sib)
    ta = sib.config.common_ta or CommonTa()
    common = (ta.ta_common_s, ta.drift_s_per_s, ta.drift_variation_s_per_s2)
    if t_rx_unix_s is None:
        t_rx_unix_s = built.sent_unix_s
    ue_epoch = resolve_epoch(sib, cell.si_windows, t_rx_unix_s)
    ages = np.asarray(ages_s, dtype=np.float64)
    ue = np.asarray(ue_ecef_m, dtype=np.float64)
    t = built.epoch_unix_s + ages
    ue_age = ages + (built.epoch_unix_s - ue_epoch)   # exact when the UE's epoch is right
    ue_side = phy_ffi.ue_ta_doppler(eph, fmt, common, sib.config.validity_s, freq_hz, ue_age, ue)
    phy_ffi.check_status(ue_side.status, "UE-side TA / Doppler")
    pos, vel = source.states(t)
    d = pos - ue
    rng = np.linalg.norm(d, axis=1)
    c = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
    true_ta = 2.0 * rng / c + 2.0 * rp_delay_s(source, cell, t)
    true_dop = -freq_hz * np.einsum("ij,ij->i", d, vel) / rng / c
    ta_err = ue_side.ta_s - true_ta
    dop_err = ue_side.doppler_ul_hz - true_dop
    return Residuals(ages, ta_err, ta_err / phy_ffi.CONST.T_C_S, dop_err, dop_err / freq_hz * 1e6,
                     ue_side.expired, int(sib.config.validity_s))

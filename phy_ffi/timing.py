"""3GPP NTN timing (C core): integer TA counts, the broadcast common TA, K_offset and k_mac.

See csrc/include/ntn_phy.h, section timing, for the clauses (TS 38.211 4.3.1, TS 38.213 4.2,
TS 36.211, TS 38.331 / 36.331 field ranges, TS 38.321 5.1.4).
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi.arrays import as_f64, flat_pairs
from phy_ffi.errors import PhyValueError

__all__ = [
    "CommonTa",
    "KMac",
    "KOffset",
    "TaCounts",
    "common_ta_fit",
    "required_k_mac_ms",
    "required_k_offset_ms",
    "ta_ue_counts",
]


class TaCounts(NamedTuple):
    n_tc: np.ndarray    # (n,) int64 counts of T_c = 1/(480000*4096) s (NR), -1 where bad
    n_ts: np.ndarray    # (n,) int64 counts of T_s = 64 T_c (LTE / NB-IoT), -1 where bad
    status: np.ndarray  # (n,) int32


class CommonTa(NamedTuple):
    """What a cell broadcasts at the epoch (round-trip quantities, TS 38.213 4.2)."""

    ta_common_s: float                         # 2 d(epoch)
    ta_common_drift_s_per_s: float             # 2 x linear coefficient of d(t)
    ta_common_drift_variation_s_per_s2: float  # 2 x quadratic coefficient of d(t)
    max_residual_s: float                      # worst one-way |d - Delay_common| in the window


class KOffset(NamedTuple):
    k_offset_ms: np.ndarray  # (n,) int32 per sample, -1 where status != 0
    pass_max_ms: int         # maximum over the valid samples (-1 when none is valid)
    status: np.ndarray       # (n,) int32


class KMac(NamedTuple):
    k_mac_ms: np.ndarray  # (n,) int32 per sample: 0 = absent (reference point at the gNB)
    pass_max_ms: int      # maximum over the valid samples (-1 when none is valid)
    status: np.ndarray    # (n,) int32


def margin_ms_of(margin_ms) -> int:
    """margin_ms as a Python int (PhyValueError for a non-integer)."""
    try:
        return operator.index(margin_ms)
    except TypeError:
        raise PhyValueError(f"margin_ms: expected an integer number of ms, got {margin_ms!r}"
                            ) from None


def pass_max(k: np.ndarray, status: np.ndarray) -> int:
    """Largest value of k over elements with status 0, -1 when there is none."""
    valid = k[status == 0]
    return int(valid.max()) if valid.size else -1


def fit_window(t_s, rp_delay_s, epoch_s, validity_s):
    """Float64 (t, d, epoch, validity); epoch defaults to the first time and validity to the
    span of the samples."""
    t, d = flat_pairs(t_s=t_s, rp_delay_s=rp_delay_s)
    if t.size == 0:
        raise PhyValueError("t_s: no delay samples to fit")
    epoch = float(np.min(t)) if epoch_s is None else _scalar(epoch_s, "epoch_s")
    validity = float(np.max(t)) - epoch if validity_s is None else _scalar(validity_s,
                                                                           "validity_s")
    return t, d, epoch, validity


def _scalar(value, name: str) -> float:
    array = as_f64(value, name)
    if array.size != 1:
        raise PhyValueError(f"{name}: expected one number, got shape {np.shape(value)}")
    return float(array.reshape(()))


def ta_ue_counts(ta_ue_s) -> TaCounts:
    """Timing advance (s, in [0, TA_MAX_S]) as integer T_c and T_s counts, nearest count."""
    (ta,) = flat_pairs(ta_ue_s=ta_ue_s)
    return TaCounts(*b.ta_counts(ta))


def common_ta_fit(t_s, rp_delay_s, epoch_s=None, validity_s=None) -> CommonTa:
    """Fit the broadcast common-TA terms to reference-point one-way delays rp_delay_s (s) at
    times t_s (s) over [epoch_s, epoch_s + validity_s]; a sample must lie at the epoch."""
    return CommonTa(*b.common_ta_fit(*fit_window(t_s, rp_delay_s, epoch_s, validity_s)))


def required_k_offset_ms(rtt_service_s, ta_common_s=0.0, margin_ms: int = 0) -> KOffset:
    """K_offset (ms) covering service-link RTT + common TA (s), per sample and over a pass."""
    rtt, ta = flat_pairs(rtt_service_s=rtt_service_s, ta_common_s=ta_common_s)
    k, status = b.required_k_offset_ms(rtt, ta, margin_ms_of(margin_ms))
    return KOffset(k, pass_max(k, status), status)


def required_k_mac_ms(feeder_rtt_s, ta_common_s=0.0, margin_ms: int = 0) -> KMac:
    """k_mac (ms) covering the reference point - gNB RTT = feeder_rtt_s - ta_common_s (s)."""
    rtt, ta = flat_pairs(feeder_rtt_s=feeder_rtt_s, ta_common_s=ta_common_s)
    k, status = b.required_k_mac_ms(rtt, ta, margin_ms_of(margin_ms))
    return KMac(k, pass_max(k, status), status)

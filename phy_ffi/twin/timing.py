"""numpy twin of csrc/timing.c."""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST, error_for
from phy_ffi.arrays import flat_pairs
from phy_ffi.timing import (CommonTa, KMac, KOffset, TaCounts, margin_ms_of, fit_window, pass_max)

__all__ = ["common_ta_fit", "required_k_mac_ms", "required_k_offset_ms", "ta_ue_counts"]

EPOCH_MATCH_S = 1e-6  # as in csrc/timing.c
MS_SLACK_S = 1e-9     # as in csrc/timing.c


def ta_ue_counts(ta_ue_s) -> TaCounts:
    (ta,) = flat_pairs(ta_ue_s=ta_ue_s)
    status = np.zeros(ta.size, np.int32)
    with np.errstate(invalid="ignore"):
        status[(ta < 0) | (ta > CONST.TA_MAX_S)] = CONST.ERR_RANGE
    status[~np.isfinite(ta)] = CONST.ERR_NAN
    ok = status == 0
    safe = np.where(ok, ta, 0.0)
    n_tc = np.where(ok, np.floor(safe * CONST.T_C_PER_S + 0.5), -1).astype(np.int64)
    n_ts = np.where(ok, np.floor(safe * CONST.T_S_PER_S + 0.5), -1).astype(np.int64)
    return TaCounts(n_tc, n_ts, status)


def common_ta_fit(t_s, rp_delay_s, epoch_s=None, validity_s=None) -> CommonTa:
    t, d, epoch, validity = fit_window(t_s, rp_delay_s, epoch_s, validity_s)
    if not (np.isfinite(epoch) and np.isfinite(validity)) or not np.isfinite(t).all():
        raise error_for(CONST.ERR_NAN, "common_ta_fit")
    if not validity > 0:
        raise error_for(CONST.ERR_TIME_RANGE, "common_ta_fit")
    window = (t >= epoch - EPOCH_MATCH_S) & (t <= epoch + validity)
    if not np.isfinite(d[window]).all():
        raise error_for(CONST.ERR_NAN, "common_ta_fit")
    tau, y = t[window] - epoch, d[window]
    at_epoch = np.abs(tau) <= EPOCH_MATCH_S
    if not at_epoch.any():
        raise error_for(CONST.ERR_TIME_RANGE, "common_ta_fit")
    d0 = y[at_epoch][-1]
    later = ~at_epoch
    if np.unique(tau[later]).size < 2:
        raise error_for(CONST.ERR_LENGTH, "common_ta_fit")
    w = tau[later].max()
    u = tau[later] / w
    (b1, b2), *_ = np.linalg.lstsq(np.stack([u, u * u], 1), y[later] - d0, rcond=None)
    c1, c2 = b1 / w, b2 / (w * w)
    residual = np.abs(y - (d0 + c1 * tau + c2 * tau * tau)).max()
    return CommonTa(float(2 * d0), float(2 * c1), float(2 * c2), float(residual))


def _ceil_ms(rtt):
    return np.ceil((rtt - MS_SLACK_S) * 1000.0)


def required_k_offset_ms(rtt_service_s, ta_common_s=0.0, margin_ms: int = 0) -> KOffset:
    rtt_s, ta = flat_pairs(rtt_service_s=rtt_service_s, ta_common_s=ta_common_s)
    margin = margin_ms_of(margin_ms)
    if not 0 <= margin <= CONST.K_OFFSET_MAX_MS:
        raise error_for(CONST.ERR_RANGE, "required_k_offset_ms: margin_ms")
    rtt = rtt_s + ta
    with np.errstate(invalid="ignore"):
        k = np.maximum(_ceil_ms(rtt) + margin, 1)
        status = np.where((rtt_s < 0) | (ta < 0) | (rtt > CONST.TA_MAX_S)
                          | (k > CONST.K_OFFSET_MAX_MS), CONST.ERR_RANGE, 0)
    status = np.where(np.isfinite(rtt), status, CONST.ERR_NAN).astype(np.int32)
    k = np.where(status == 0, k, -1).astype(np.int32)
    return KOffset(k, pass_max(k, status), status)


def required_k_mac_ms(feeder_rtt_s, ta_common_s=0.0, margin_ms: int = 0) -> KMac:
    feeder, ta = flat_pairs(feeder_rtt_s=feeder_rtt_s, ta_common_s=ta_common_s)
    margin = margin_ms_of(margin_ms)
    if not 0 <= margin <= CONST.K_MAC_MAX_MS:
        raise error_for(CONST.ERR_RANGE, "required_k_mac_ms: margin_ms")
    rtt = feeder - ta
    with np.errstate(invalid="ignore"):
        k = np.where(rtt <= MS_SLACK_S, 0, np.maximum(_ceil_ms(rtt) + margin, 1))
        bad = ((feeder < 0) | (ta < 0) | (rtt < -MS_SLACK_S) | (feeder > CONST.TA_MAX_S)
               | (k > CONST.K_MAC_MAX_MS))
    status = np.where(bad, CONST.ERR_RANGE, 0)
    status = np.where(np.isfinite(feeder) & np.isfinite(ta), status, CONST.ERR_NAN)
    status = status.astype(np.int32)
    k = np.where(status == 0, k, -1).astype(np.int32)
    return KMac(k, pass_max(k, status), status)

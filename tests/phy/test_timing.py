"""3GPP timing: integer TA counts, the common-TA fit, K_offset and k_mac, on both backends."""
import numpy as np
import pytest

from phy_ffi import CONST, PhyValueError
from tests.phy.circular_orbit import R_3GPP_M, central_angle_rad, circular_states
from tests.tolerances import (ONE_NANOSECOND, ONE_PICOSECOND, ONE_T_S,
                              TE_UL_TIMING_15KHZ)

# TS 38.211 4.1: T_c = 1 / (480000 * 4096) s; TS 36.211 4: T_s = 1 / (15000 * 2048) s = 64 T_c.
TC_PER_S, TS_PER_S = 480000 * 4096, 15000 * 2048


def test_constants_are_the_spec_values():
    assert CONST.T_C_PER_S == TC_PER_S and CONST.T_S_PER_S == TS_PER_S
    assert abs(CONST.T_S_S - 64 * CONST.T_C_S) < 1e-15 * CONST.T_S_S


def test_whole_counts_convert_exactly(phy):
    n_tc = np.random.default_rng(5).integers(0, TC_PER_S, 20000)  # up to 1 s of TA
    counts = phy.ta_ue_counts(n_tc / TC_PER_S)
    np.testing.assert_array_equal(counts.n_tc, n_tc)
    assert counts.n_tc.dtype == np.int64 and not counts.status.any()
    m_ts = n_tc // 64
    counts = phy.ta_ue_counts(m_ts / TS_PER_S)
    np.testing.assert_array_equal(counts.n_ts, m_ts)
    np.testing.assert_array_equal(counts.n_tc, 64 * m_ts)


def test_rounding_to_nearest_count(phy):
    counts = phy.ta_ue_counts(np.array([2.4, 2.5, 2.6]) / TC_PER_S)
    assert list(counts.n_tc) == [2, 3, 3]
    # LEO-600 at 10 deg: N_TA,adj^UE = 2 x 1931.635 km / c = 12.886 ms = 25 335 650 T_c.
    ta = 2 * 1931635.36 / CONST.SPEED_OF_LIGHT_MPS
    got = phy.ta_ue_counts(ta)
    assert got.n_tc[0] == round(ta * TC_PER_S) and got.n_ts[0] == round(ta * TS_PER_S)


def test_bad_ta_values(phy):
    counts = phy.ta_ue_counts([-1e-9, 1.0 + 1e-9, np.nan, np.inf, 0.0])
    assert list(counts.status) == [CONST.ERR_RANGE, CONST.ERR_RANGE, CONST.ERR_NAN,
                                   CONST.ERR_NAN, 0]
    assert list(counts.n_tc) == [-1, -1, -1, -1, 0]
    assert phy.ta_ue_counts([]).n_tc.shape == (0,)


def test_common_ta_fit_reproduces_a_quadratic_exactly(phy):
    # Delay_common(t) = TA/2 + drift/2 tau + variation/2 tau^2 (TS 38.213 4.2, V18).
    ta, drift, variation = 12.9e-3, -40e-6, 0.5e-6
    t = np.arange(100.0, 161.0, 1.0)
    tau = t - 100.0
    d = ta / 2 + drift / 2 * tau + variation / 2 * tau**2
    fit = phy.common_ta_fit(t[::-1], d[::-1], epoch_s=100.0, validity_s=60.0)  # any order
    assert fit.ta_common_s == pytest.approx(ta, abs=ONE_PICOSECOND)
    assert fit.ta_common_drift_s_per_s == pytest.approx(drift, rel=1e-9)
    assert fit.ta_common_drift_variation_s_per_s2 == pytest.approx(variation, rel=1e-9)
    assert fit.max_residual_s < ONE_PICOSECOND


def leo_feeder_delay(phy, t):
    """One-way delay satellite - gateway for a LEO-600 pass over an equatorial gateway:
    the reference point at the gateway (transparent payload, docs/reference.md 2)."""
    lam = central_angle_rad(600e3, 10.0)
    states = circular_states(R_3GPP_M + 600e3, 0.0, 0.0, -np.degrees(lam), t)
    gateway = np.array([R_3GPP_M, 0.0, 0.0])
    return phy.link_states(*states, gateway).delay_s


def test_common_ta_fit_on_a_leo_pass(phy):
    # Epoch at the start of a 60 s validity (ul-SyncValidityDuration s60), 1 s samples from the
    # rising edge (10 deg) of a LEO-600 pass: the quadratic holds the one-way delay within the
    # UE's uplink timing error Te (TS 38.133 7.1.2, 15 kHz); over 20 s (s20) within one T_s,
    # the nta-Common step of SIB31 (TS 36.331). Measured: about 275 ns and 7 ns.
    t = np.arange(0.0, 61.0, 1.0)
    d = leo_feeder_delay(phy, t)
    fit = phy.common_ta_fit(t, d)
    assert fit.ta_common_s == pytest.approx(2 * d[0], abs=ONE_PICOSECOND)
    assert fit.ta_common_drift_s_per_s < 0  # approaching: the delay shrinks
    assert fit.max_residual_s < TE_UL_TIMING_15KHZ
    assert phy.common_ta_fit(t, d, validity_s=20.0).max_residual_s < ONE_T_S
    tau = t - t[0]
    rebuilt = (fit.ta_common_s + fit.ta_common_drift_s_per_s * tau
               + fit.ta_common_drift_variation_s_per_s2 * tau**2) / 2
    assert np.abs(rebuilt - d).max() == pytest.approx(fit.max_residual_s, abs=ONE_PICOSECOND)


def test_common_ta_fit_window_selects_samples(phy):
    t = np.arange(0.0, 200.0, 1.0)
    d = leo_feeder_delay(phy, t)
    full = phy.common_ta_fit(t[50:111], d[50:111])
    windowed = phy.common_ta_fit(t, d, epoch_s=50.0, validity_s=60.0)
    assert windowed.ta_common_drift_s_per_s == pytest.approx(full.ta_common_drift_s_per_s,
                                                             rel=1e-9)


def test_common_ta_fit_bad_inputs(phy):
    t = np.arange(0.0, 10.0)
    d = np.full(10, 5e-3)
    cases = [
        ((t, d, 0.5, 5.0), CONST.ERR_TIME_RANGE),   # no sample at the epoch
        ((t, d, 0.0, 0.0), CONST.ERR_TIME_RANGE),   # empty validity
        ((t, d, 0.0, 1.0), CONST.ERR_LENGTH),       # one sample after the epoch
        ((t, np.where(t == 3, np.nan, d), 0.0, 9.0), CONST.ERR_NAN),
        ((t, d, np.nan, 9.0), CONST.ERR_NAN),
    ]
    for args, code in cases:
        with pytest.raises(PhyValueError) as err:
            phy.common_ta_fit(*args)
        assert err.value.status == code, args
    with pytest.raises(PhyValueError, match="mismatched lengths"):
        phy.common_ta_fit(t, d[:5])
    with pytest.raises(PhyValueError, match="no delay samples"):
        phy.common_ta_fit([], [])


def test_k_offset_for_the_reference_scenarios(phy):
    # TR 38.821 round trips (service link regenerative RTT; common TA with the reference point
    # at the gateway = feeder RTT): GEO 270.73 + 270.73 ms -> 542 ms; LEO-600 12.89 + 12.89 ms
    # -> 26 ms (TS 38.300 16.14.2: K_offset >= service RTT + common TA).
    k = phy.required_k_offset_ms([270.73e-3, 12.89e-3], [270.73e-3, 12.89e-3])
    assert list(k.k_offset_ms) == [542, 26] and k.pass_max_ms == 542
    assert list(phy.required_k_offset_ms(12.89e-3, 0.0, margin_ms=3).k_offset_ms) == [16]


def test_k_offset_edges(phy):
    k = phy.required_k_offset_ms([0.0, 0.025, 0.025 + 1e-10, 0.6, -1e-3, np.nan],
                                 [0.0, 0.0, 0.0, 0.5, 0.0, 0.0])
    assert list(k.k_offset_ms[:3]) == [1, 25, 25]  # field minimum 1; 0.1 ns above 25 ms is 25
    assert list(k.status[3:]) == [CONST.ERR_RANGE, CONST.ERR_RANGE, CONST.ERR_NAN]
    assert list(k.k_offset_ms[3:]) == [-1, -1, -1] and k.pass_max_ms == 25
    big = phy.required_k_offset_ms(0.5, 0.0, margin_ms=600)
    assert big.status[0] == CONST.ERR_RANGE and big.pass_max_ms == -1  # 1100 > 1023
    with pytest.raises(PhyValueError, match="margin_ms"):
        phy.required_k_offset_ms(0.01, 0.0, margin_ms=2.5)
    with pytest.raises(PhyValueError, match="margin_ms"):
        phy.required_k_offset_ms(0.01, 0.0, margin_ms=-1)


def test_k_mac_over_a_pass(phy):
    t = np.arange(0.0, 300.0, 10.0)
    feeder_rtt = 2 * leo_feeder_delay(phy, t)
    at_satellite = phy.required_k_mac_ms(feeder_rtt, 0.0)  # RP at the satellite
    assert at_satellite.pass_max_ms == int(np.ceil(feeder_rtt.max() * 1e3))
    at_gateway = phy.required_k_mac_ms(feeder_rtt, feeder_rtt)  # RP at the gNB: absent
    assert not at_gateway.k_mac_ms.any() and at_gateway.pass_max_ms == 0
    regenerative = phy.required_k_mac_ms(0.0, 0.0)
    assert regenerative.k_mac_ms[0] == 0


def test_k_mac_edges(phy):
    k = phy.required_k_mac_ms([0.02, 0.02, 0.6, np.nan, 0.02], [0.0, 0.03, 0.0, 0.0, 0.0],
                              margin_ms=0)
    assert list(k.status) == [0, CONST.ERR_RANGE, CONST.ERR_RANGE, CONST.ERR_NAN, 0]
    assert list(k.k_mac_ms) == [20, -1, -1, -1, 20]
    assert phy.required_k_mac_ms(0.02, 0.02 - ONE_NANOSECOND / 2).k_mac_ms[0] == 0

"""Cubic Hermite interpolation of ECEF state tables, on both backends."""
import numpy as np
import pytest

from phy_ffi import CONST, PhyValueError
from tests.phy.circular_orbit import R_3GPP_M, circular_states, mean_motion_radps
from tests.tolerances import ONE_METRE, ONE_MILLIMETRE, ONE_MILLIMETRE_PER_SECOND

STEP_S = 60.0
F_HZ = 2e9  # S band, n256 (docs/reference.md 4)
LEO600_RADIUS_M = R_3GPP_M + 600e3  # TR 38.821 LEO-600


def leo_table(step_s=STEP_S, span_s=6000.0):
    t = np.arange(0.0, span_s + step_s / 2, step_s)
    pos, vel, _ = circular_states(LEO600_RADIUS_M, 53.0, 30.0, 10.0, t)
    return t, pos, vel


def derivative_bound(step_s: float):
    """Cubic Hermite remainder bounds (value, 1st, 2nd derivative) for |f''''| <= M, where M =
    a (n + w_E)^4 bounds the ECEF trajectory (each component is a sum of sinusoids of
    frequency n +- w_E with amplitudes adding up to at most a): h^4 M / 384, sqrt(3) h^3 M / 216,
    h^2 M / 12."""
    m = LEO600_RADIUS_M * (mean_motion_radps(LEO600_RADIUS_M) + CONST.EARTH_ROTATION_RADPS) ** 4
    h = step_s
    return h**4 * m / 384.0, np.sqrt(3.0) * h**3 * m / 216.0, h**2 * m / 12.0


def test_bound_for_60_s_sampling_is_below_a_metre():
    pos_bound, _, _ = derivative_bound(STEP_S)
    assert pos_bound < ONE_METRE  # about 0.42 m


def test_hermite_matches_circular_orbit_within_the_bound(phy):
    t, pos, vel = leo_table()
    q = np.random.default_rng(3).uniform(t[0], t[-1], 4000)
    s = phy.hermite_states(q, t, pos, vel)
    truth = circular_states(LEO600_RADIUS_M, 53.0, 30.0, 10.0, q)
    assert not s.status.any()
    bounds = derivative_bound(STEP_S)
    for got, want, bound in zip(s[:3], truth, bounds, strict=True):
        assert np.linalg.norm(got - want, axis=1).max() < bound


def test_nodes_are_reproduced_exactly(phy):
    t, pos, vel = leo_table()
    s = phy.hermite_states(t, t, pos, vel)
    np.testing.assert_allclose(s.pos_m, pos, rtol=0, atol=ONE_MILLIMETRE)
    np.testing.assert_allclose(s.vel_mps, vel, rtol=0, atol=ONE_MILLIMETRE_PER_SECOND)


def test_batched_satellites_match_single_calls(phy):
    t, pos, vel = leo_table(span_s=1200.0)
    pos2, vel2, _ = circular_states(LEO600_RADIUS_M, 97.0, 100.0, 200.0, t)
    q = np.array([0.0, 33.3, 600.0, 1200.0, 1300.0])
    both = phy.hermite_states(q, t, np.stack([pos, pos2]), np.stack([vel, vel2]))
    assert both.pos_m.shape == (2, 5, 3) and both.status.shape == (2, 5)
    one = phy.hermite_states(q, t, pos2, vel2)
    np.testing.assert_array_equal(both.status[1], one.status)
    np.testing.assert_allclose(both.pos_m[1], one.pos_m, rtol=0, atol=ONE_MILLIMETRE)


def test_times_outside_the_table_and_nan_are_per_element(phy):
    t, pos, vel = leo_table(span_s=600.0)
    s = phy.hermite_states([-0.001, 0.0, 600.0, 600.001, np.nan, np.inf], t, pos, vel)
    assert list(s.status) == [CONST.ERR_TIME_RANGE, 0, 0, CONST.ERR_TIME_RANGE, CONST.ERR_NAN,
                              CONST.ERR_NAN]
    assert np.isnan(s.pos_m[[0, 3, 4, 5]]).all() and np.isnan(s.acc_mps2[[0, 3, 4, 5]]).all()
    assert np.isfinite(s.pos_m[[1, 2]]).all()


@pytest.mark.parametrize("times, code", [
    ([0.0, 60.0, 60.0], "ERR_NOT_ORDERED"), ([0.0, 120.0, 60.0], "ERR_NOT_ORDERED"),
    ([0.0, np.nan, 120.0], "ERR_NOT_ORDERED"),
])
def test_unordered_table_raises(phy, times, code):
    _, pos, vel = leo_table(span_s=120.0)
    with pytest.raises(PhyValueError) as err:
        phy.hermite_states([10.0], times, pos, vel)
    assert err.value.status == getattr(CONST, code)


def test_bad_tables_raise(phy):
    t, pos, vel = leo_table(span_s=120.0)
    with pytest.raises(PhyValueError) as err:
        phy.hermite_states([0.0], t[:1], pos[:1], vel[:1])
    assert err.value.status == CONST.ERR_LENGTH
    bad = pos.copy()
    bad[1, 2] = np.nan
    with pytest.raises(PhyValueError) as err:
        phy.hermite_states([0.0], t, bad, vel)
    assert err.value.status == CONST.ERR_NAN
    with pytest.raises(PhyValueError, match="table_pos_m"):
        phy.hermite_states([0.0], t, pos[:2], vel)
    with pytest.raises(PhyValueError, match="table_vel_mps"):
        phy.hermite_states([0.0], t, pos, vel[:, :2])


def test_empty_query_gives_empty_result(phy):
    t, pos, vel = leo_table(span_s=120.0)
    s = phy.hermite_states([], t, pos, vel)
    assert s.pos_m.shape == (0, 3) and s.status.shape == (0,)


def test_doppler_from_interpolated_states_within_the_bound(phy):
    # The errors of the interpolated state propagate to the link: |d(dr/dt)| <= |dv| and
    # |d(d2r/dt2)| <= |da| + 2 |v| |dv| / r + |v|^2 |dp| / r^2 with r >= 600 km (the
    # altitude), so the Doppler errors are f / c times those.
    t, pos, vel = leo_table()
    q = np.random.default_rng(8).uniform(t[0], t[-1], 2000)
    ue = phy.geodetic_to_ecef(40.0, 20.0, 0.0).ecef_m[0]
    interp = phy.link_states(*phy.hermite_states(q, t, pos, vel)[:3], ue, freq_dl_hz=F_HZ)
    exact = phy.link_states(*circular_states(LEO600_RADIUS_M, 53.0, 30.0, 10.0, q), ue,
                            freq_dl_hz=F_HZ)
    dp, dv, da = derivative_bound(STEP_S)
    speed, r_min = np.linalg.norm(vel, axis=1).max(), 600e3
    k = F_HZ / CONST.SPEED_OF_LIGHT_MPS
    assert np.abs(interp.doppler_dl_hz - exact.doppler_dl_hz).max() < k * dv
    rate_bound = k * (da + 2 * speed * dv / r_min + speed**2 * dp / r_min**2)
    assert np.abs(interp.doppler_rate_dl_hz_s - exact.doppler_rate_dl_hz_s).max() < rate_bound


def test_one_point_table_gives_the_bits_of_hermite_states(phy):
    # phy_ffi.SatelliteTable: the table checked once, one time per call (the stack's loop)
    t, pos, vel = leo_table()
    table = phy.SatelliteTable(t, pos, vel)
    times = np.array([0.0, 59.9, 1234.5678, 6000.0, 6000.5, -1.0])
    batch = phy.hermite_states(times, t, pos, vel)
    for i, when in enumerate(times):
        p, v, status = table.state_at(when)
        assert status == batch.status[i]
        np.testing.assert_array_equal(p, batch.pos_m[i])
        np.testing.assert_array_equal(v, batch.vel_mps[i])
    assert table.state_at(-1.0)[2] == CONST.ERR_TIME_RANGE
    with pytest.raises(PhyValueError, match="one satellite"):
        phy.SatelliteTable(t, pos[None], vel[None])

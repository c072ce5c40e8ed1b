"""3GPP orbital parameters (TS 38.331 EphemerisInfo) both ways, and the Kepler source."""
import numpy as np
import pytest

from ntnstack.orbit.elements import (
    OrbitalElements,
    ecef_state_to_elements,
    elements_to_ecef_state,
    elements_to_state,
    state_to_elements,
)
from ntnstack.orbit.kepler import KeplerSource, circular_elements
from phy_ffi import CONST
from tests.tolerances import (
    ONE_MILLIMETRE,
    ONE_MILLIMETRE_PER_SECOND,
    ONE_NANODEGREE,
    RELATIVE_ROUNDING,
    SSO_INCLINATION_FRACTION,
)

EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z


def _random_elements(rng, n):
    a = rng.uniform(6_700e3, 45_000e3, n)
    e = rng.choice([0.0, 1e-6, 1e-3, 0.1, 0.7], n)
    a = np.maximum(a, 6_600e3 / (1 - e))  # perigee above the Earth
    return OrbitalElements(a, e, rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 2 * np.pi, n),
                           rng.choice([0.0, 1e-3, 0.9, 1.7, np.pi / 2], n),
                           rng.uniform(0, 2 * np.pi, n))


def test_round_trip_state_elements_state_to_a_millimetre():
    rng = np.random.default_rng(38331)
    el = _random_elements(rng, 500)
    pos, vel = elements_to_state(el, 0.0)
    back = elements_to_state(state_to_elements(pos, vel), 0.0)
    assert np.max(np.linalg.norm(back[0] - pos, axis=1)) < ONE_MILLIMETRE
    assert np.max(np.linalg.norm(back[1] - vel, axis=1)) < ONE_MILLIMETRE_PER_SECOND


def test_elements_of_a_circular_leo_600():
    el = circular_elements(600e3, 53.0, 120.0, 30.0)
    got = state_to_elements(*elements_to_state(el))
    assert got.semi_major_axis_m == pytest.approx(CONST.EARTH_RADIUS_3GPP_M + 600e3,
                                                  abs=ONE_MILLIMETRE)
    assert got.eccentricity == 0.0
    assert np.degrees(got.inclination_rad) == pytest.approx(53.0, abs=ONE_NANODEGREE)
    assert np.degrees(got.longitude_ascending_node_rad) == pytest.approx(120.0, abs=ONE_NANODEGREE)
    # circular: the mean anomaly is the argument of latitude
    assert np.degrees(got.mean_anomaly_rad) == pytest.approx(30.0, abs=ONE_NANODEGREE)


def test_two_body_propagation_conserves_energy_and_period():
    el = OrbitalElements(26_560e3, 0.7, 4.7, 1.0, 1.1, 0.3)  # Molniya-like
    period = 2 * np.pi * np.sqrt(el.semi_major_axis_m**3 / CONST.EARTH_MU_M3PS2)
    pos, vel = elements_to_state(el, np.array([0.0, period / 3, period]))
    energy = 0.5 * np.sum(vel**2, axis=1) - CONST.EARTH_MU_M3PS2 / np.linalg.norm(pos, axis=1)
    assert np.ptp(energy) < RELATIVE_ROUNDING * abs(energy[0])   # analytic Kepler
    assert np.linalg.norm(pos[2] - pos[0]) < ONE_MILLIMETRE


def test_ecef_state_round_trip_through_elements():
    el = circular_elements(1200e3, 87.9, 10.0, 200.0)
    pos, vel = elements_to_ecef_state(el, 0.0)
    back = elements_to_ecef_state(ecef_state_to_elements(pos, vel), 0.0)
    assert np.linalg.norm(back[0] - pos) < ONE_MILLIMETRE
    assert np.linalg.norm(back[1] - vel) < ONE_MILLIMETRE_PER_SECOND


def test_kepler_source_frame_is_ecef_aligned_at_the_epoch():
    el = circular_elements(600e3, 53.0, 116.0, 40.0)
    src = KeplerSource(el, EPOCH)
    pos, vel = src.states(EPOCH + np.array([0.0, 300.0]))
    eci_pos, eci_vel = elements_to_state(el, np.array([0.0, 300.0]))
    assert np.linalg.norm(pos[0] - eci_pos[0]) < ONE_MILLIMETRE
    omega_cross_r = np.cross([0, 0, CONST.EARTH_ROTATION_RADPS], pos[0])
    assert np.linalg.norm(vel[0] + omega_cross_r - eci_vel[0]) < ONE_MILLIMETRE_PER_SECOND
    ecef = elements_to_ecef_state(el, 300.0)
    assert np.linalg.norm(pos[1] - ecef[0]) < ONE_MILLIMETRE


def test_j2_node_regression_of_a_sun_synchronous_orbit():
    # A sun-synchronous orbit at 800 km needs i = 98.6 deg: its node moves +0.9856 deg/day
    # (360 deg per tropical year), the first-order secular J2 node rate.
    el = circular_elements(800e3 + CONST.WGS84_A_M - CONST.EARTH_RADIUS_3GPP_M, 98.6, 0.0, 0.0)
    rates = KeplerSource(el, EPOCH, j2=True).secular_rates()
    assert np.degrees(rates[0]) * 86400 == pytest.approx(360 / 365.2422,
                                                        rel=SSO_INCLINATION_FRACTION)


def test_bad_states_and_elements_are_value_errors():
    with pytest.raises(ValueError, match="bound"):
        state_to_elements([7e6, 0, 0], [0, 20e3, 0])  # escape speed
    with pytest.raises(ValueError, match="semi_major_axis_m"):
        elements_to_state(OrbitalElements(7e6, 1.2, 0, 0, 0, 0))

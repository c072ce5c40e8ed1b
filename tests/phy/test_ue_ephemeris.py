"""UE-side propagation of a broadcast ephemeris, TA and UL Doppler (C core and numpy twin).

References: two-body motion from ntnstack.orbit.elements (an independent numpy
implementation of the same orbital parameters, TS 38.331 EphemerisInfo); TA = 2 range / c +
common-TA polynomial (TS 38.213 4.2); Doppler = -f (d range / dt) / c (docs/reference.md 1).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from ntnstack.orbit.elements import OrbitalElements, elements_to_ecef_state
from phy_ffi import CONST
from tests.tolerances import ONE_MILLIHERTZ, ONE_MILLIMETRE, ONE_NANOSECOND, ONE_PICOSECOND

W = CONST.EARTH_ROTATION_RADPS
C = CONST.SPEED_OF_LIGHT_MPS
# LEO-600 of TR 38.821 with a little eccentricity, and a GEO slot: orbital parameters
LEO = OrbitalElements(6978137.0, 0.001, 0.3, 1.0, np.radians(53.0), 2.0)
GEO = OrbitalElements(42164172.0, 0.0002, 0.0, 1.9, np.radians(0.05), 0.4)
UE = phy_ffi.geodetic_to_ecef(39.9042, 116.4074, 50.0).ecef_m[0]


def _ecef_truth(el, dt):
    """Independent reference: orbit.elements two-body state turned into ECEF at epoch + dt
    (ntnstack.orbit.frames.inertial_to_rotating, the frame rotation SGP4 output also takes)."""
    return elements_to_ecef_state(el, np.asarray(dt, dtype=np.float64))


def _state_vector(el):
    pos, vel = _ecef_truth(el, np.zeros(1))
    return np.concatenate([pos[0], vel[0]])


@pytest.mark.parametrize("el", [LEO, GEO], ids=["leo600", "geo"])
def test_orbital_parameters_follow_two_body_motion(phy, el):
    dt = np.linspace(-300.0, 7200.0, 41)
    res = phy.ue_propagate_ephemeris(list(el), "orbital", dt)
    pos, vel = _ecef_truth(el, dt)
    assert np.all(res.status == 0)
    assert np.max(np.linalg.norm(res.pos_ecef_m - pos, axis=1)) < ONE_MILLIMETRE
    assert np.max(np.linalg.norm(res.vel_ecef_mps - vel, axis=1)) < ONE_MILLIMETRE


@pytest.mark.parametrize("el", [LEO, GEO], ids=["leo600", "geo"])
def test_state_vectors_propagate_like_the_same_orbit(phy, el):
    """ECEF state at the epoch -> inertial -> universal Kepler: the same two-body orbit."""
    dt = np.linspace(-600.0, 6000.0, 34)
    res = phy.ue_propagate_ephemeris(_state_vector(el), "state-vectors", dt)
    pos, vel = _ecef_truth(el, dt)
    assert np.max(np.linalg.norm(res.pos_ecef_m - pos, axis=1)) < ONE_MILLIMETRE
    assert np.max(np.linalg.norm(res.vel_ecef_mps - vel, axis=1)) < ONE_MILLIMETRE


def test_zero_age_returns_the_broadcast_state(phy):
    sv = _state_vector(LEO)
    res = phy.ue_propagate_ephemeris(sv, "state-vectors", 0.0)
    assert np.allclose(res.pos_ecef_m[0], sv[:3], rtol=0, atol=ONE_MILLIMETRE)
    assert np.allclose(res.vel_ecef_mps[0], sv[3:], rtol=0, atol=ONE_MILLIMETRE)


def test_ta_doppler_and_validity(phy):
    """TA = 2 r / c + TA_common + drift dt + variation dt^2; Doppler = -f r' / c (finite
    difference of the range over +-1 ms); expired strictly after the validity duration."""
    dt = np.array([0.0, 5.0, 20.0, 20.001, 45.0])
    common = (4.8e-3, -2.3e-5, 1.9e-7)
    f = 1.995e9
    res = phy.ue_ta_doppler(_state_vector(LEO), "state-vectors", common, 20.0, f, dt, UE)
    pos, _ = _ecef_truth(LEO, dt)
    rng = np.linalg.norm(pos - UE, axis=1)
    expect = 2 * rng / C + common[0] + common[1] * dt + common[2] * dt**2
    assert np.max(np.abs(res.ta_s - expect)) < ONE_NANOSECOND
    h = 1e-3
    rdot = (np.linalg.norm(_ecef_truth(LEO, dt + h)[0] - UE, axis=1)
            - np.linalg.norm(_ecef_truth(LEO, dt - h)[0] - UE, axis=1)) / (2 * h)
    assert np.max(np.abs(res.doppler_ul_hz + f * rdot / C)) < ONE_MILLIHERTZ * 10
    assert res.expired.tolist() == [False, False, False, True, True]


def test_bad_elements_are_marked_and_bad_ephemeris_raises(phy):
    res = phy.ue_ta_doppler(list(LEO), "orbital", (0, 0, 0), 20, 2e9, [1.0, np.nan, 2.0],
                            [UE, UE, [np.nan, 0, 0]])
    assert res.status.tolist() == [0, CONST.ERR_NAN, CONST.ERR_NAN]
    assert np.isnan(res.ta_s[1:]).all() and not res.expired[1:].any()
    with pytest.raises(ValueError, match="ephemeris"):
        phy.ue_propagate_ephemeris([7e6, 1.2, 0, 0, 0, 0], "orbital", 0.0)   # e >= 1
    with pytest.raises(ValueError, match="ephemeris_format"):
        phy.ue_propagate_ephemeris(list(LEO), "tle", 0.0)
    with pytest.raises(ValueError, match="ul_freq_hz"):
        phy.ue_ta_doppler(list(LEO), "orbital", (0, 0, 0), 20, np.nan, 0.0, UE)


@pytest.mark.parametrize("ephemeris, fmt, code", [
    ([1.0, 0, 0, 0, 0, 0], "state-vectors", CONST.ERR_BELOW_GROUND),    # 1 m from the centre
    ([6.5e6, 0.1, 0, 0, 0, 0], "orbital", CONST.ERR_BELOW_GROUND),      # perigee 5850 km
    ([6.5e6, 0.015, 0, 0, 0, 0], "orbital", CONST.OK),   # the SIB's smallest a, largest e
    ([0.0, 0.0, 0, 0, 0, 0], "orbital", CONST.ERR_RANGE),
])
def test_an_ephemeris_inside_the_earth_is_refused(phy, ephemeris, fmt, code):
    if code == CONST.OK:
        assert phy.ue_propagate_ephemeris(ephemeris, fmt, [0.0, 60.0]).status.tolist() == [0, 0]
        return
    with pytest.raises(phy_ffi.PhyValueError, match="ue_propagate_ephemeris: ephemeris") as err:
        phy.ue_propagate_ephemeris(ephemeris, fmt, 0.0)
    assert err.value.status == code


def test_ue_at_the_satellite_is_a_range_error_not_nan_with_status_ok(phy):
    sv = _state_vector(LEO)
    res = phy.ue_ta_doppler(sv, "state-vectors", (0, 0, 0), 20, 2e9, [0.0, 0.0], [sv[:3], UE])
    assert res.status.tolist() == [CONST.ERR_RANGE, CONST.OK]
    assert np.isnan(res.doppler_ul_hz[0]) and np.isfinite(res.doppler_ul_hz[1])


@pytest.mark.parametrize("kwargs, named", [
    ({"common_ta": 0.0}, "common_ta: expected 3 numbers"),
    ({"validity_s": "long"}, "validity_s: expected a number, got 'long'"),
    ({"ul_freq_hz": None}, "ul_freq_hz: expected a number, got None"),
    ({"ephemeris_format": ["orbital"]}, "ephemeris_format: ['orbital'] is not one of"),
])
def test_wrong_argument_types_name_the_argument(phy, kwargs, named):
    args = {"ephemeris": list(LEO), "ephemeris_format": "orbital", "common_ta": (0, 0, 0),
            "validity_s": 20, "ul_freq_hz": 2e9, "dt_s": 0.0, "ue_ecef_m": UE, **kwargs}
    with pytest.raises(phy_ffi.PhyValueError, match=re.escape(named)):
        phy.ue_ta_doppler(**args)


def test_twin_equals_c():
    dt = np.linspace(-50, 900, 200)
    ue = np.tile(UE, (200, 1))
    for fmt, eph in (("orbital", list(LEO)), ("state-vectors", _state_vector(GEO))):
        a = phy_ffi.ue_ta_doppler(eph, fmt, (1e-3, 1e-7, 1e-9), 30, 2e9, dt, ue)
        b = phy_ffi.twin.ue_ta_doppler(eph, fmt, (1e-3, 1e-7, 1e-9), 30, 2e9, dt, ue)
        assert np.max(np.abs(a.ta_s - b.ta_s)) < ONE_PICOSECOND
        assert np.max(np.abs(a.doppler_ul_hz - b.doppler_ul_hz)) < ONE_MILLIHERTZ
        assert (a.expired == b.expired).all() and (a.status == b.status).all()


BENCH_UES = 16   # one ephemeris, 16 UEs at one instant: a UE-side update step


@pytest.mark.parametrize("backend", ["c", "twin"])
def test_bench_ue_ta_doppler(benchmark, backend):
    phy = phy_ffi if backend == "c" else phy_ffi.twin
    eph = _state_vector(LEO)
    dt = np.full(BENCH_UES, 12.5)
    ue = np.tile(UE, (BENCH_UES, 1))
    benchmark.group = "ue_ta_doppler (16 UEs, state vectors)"
    benchmark.extra_info["items"] = BENCH_UES
    if backend == "twin":
        benchmark.extra_info["baseline"] = True
    res = benchmark(phy.ue_ta_doppler, eph, "state-vectors", (0, 0, 0), 20, 2e9, dt, ue)
    assert (res.status == 0).all()


def test_one_age_at_a_time_gives_the_bits_of_the_batch(phy):
    # phy_ffi.UeTimingAt: ephemeris and UE checked once, one age per call (the stack's loop)
    sv = _state_vector(LEO)
    common_ta = (2e-3, 1e-6, None)
    ages = np.array([0.0, 1.5, 30.0, 299.0])
    batch = phy.ue_ta_doppler(sv, "state-vectors", common_ta, 20.0, 2e9, ages, UE)
    timing = phy.UeTimingAt(sv, "state-vectors", common_ta, 20.0, 2e9, UE)
    for i, age in enumerate(ages):
        assert timing.at(age) == (batch.ta_s[i], batch.doppler_ul_hz[i], batch.status[i])
    with pytest.raises(phy_ffi.PhyValueError, match="one position"):
        phy.UeTimingAt(sv, "state-vectors", common_ta, 20.0, 2e9, np.stack([UE, UE]))

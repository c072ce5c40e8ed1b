"""Residual TA and UL Doppler of a UE that uses a broadcast SIB, as the ephemeris ages.

Truth: SGP4 (J2..J4) for the LEO-600 test satellite, the TR 38.821 GEO preset; the UE
propagates two-body (ntn_phy.h). Bounds are physical: quantisation (half a step of position
and velocity, tests/tolerances.py) plus the growth an unmodelled acceleration a_p causes,
|dr| <= |dr0| + |dv0| t + a_p t^2 / 2, with a_p <= 3 J2 mu R^2 / r^4 (J2 = 1.08263e-3, WGS-84;
the J2 acceleration is at most 3 J2 mu R^2 / r^4 over the sphere). The values printed in
docs/sib-residuals.md come from these same runs.
"""
from __future__ import annotations

import numpy as np
import pytest

from ntnstack.rrc.builders import CellConfig, build_sib
from ntnstack.rrc.residuals import residuals
from phy_ffi import CONST
from tests.rrc.conftest import T0_UNIX_S
from tests.tolerances import (
    HALF_POSITION_STEP_M,
    HALF_VELOCITY_STEP_MPS,
    ONE_HUNDREDTH_PPM,
    ONE_MICROSECOND,
    TE_UL_TIMING_15KHZ,
)

C = CONST.SPEED_OF_LIGHT_MPS
J2 = 1.08263e-3
F_UL_HZ = 1.995e9                        # n256 UL centre
DR0 = np.sqrt(3) * HALF_POSITION_STEP_M   # worst 3-D quantisation of position
DV0 = np.sqrt(3) * HALF_VELOCITY_STEP_MPS
AGES = np.arange(0.0, 901.0, 1.0)
LEO_T = T0_UNIX_S + 7210.0


def _a_pert(r_m: float) -> float:
    return 3 * J2 * CONST.EARTH_MU_M3PS2 * CONST.WGS84_A_M**2 / r_m**4


@pytest.fixture(scope="module", params=["state-vectors", "orbital"])
def leo_residuals(request, leo_source, reference_ue_ecef):
    """RP at the satellite (regenerative payload): the error is the ephemeris alone."""
    cell = CellConfig(kind="sib19", payload="regenerative", ephemeris_format=request.param,
                      validity_s=900)
    built = build_sib(leo_source, cell, LEO_T)
    return built, residuals(leo_source, cell, built, reference_ue_ecef, AGES, F_UL_HZ)


def test_leo_ta_error_grows_within_the_perturbation_bound(leo_residuals):
    built, r = leo_residuals
    a_p = _a_pert(np.linalg.norm(built.truth_pos_ecef_m))
    bound = 2 * (DR0 + DV0 * AGES + 0.5 * a_p * AGES**2) / C
    err = np.abs(r.ta_error_s)
    assert np.all(err <= bound)
    running = np.maximum.accumulate(err)
    assert running[30] < running[120] < running[300] < running[900]   # grows with age
    assert err[20] < TE_UL_TIMING_15KHZ               # 20 s validity: inside Te (TS 38.133)
    assert err[900] > ONE_MICROSECOND                 # SGP4 is not two-body: it must show


def test_leo_doppler_error_within_the_velocity_bound(leo_residuals):
    built, r = leo_residuals
    a_p = _a_pert(np.linalg.norm(built.truth_pos_ecef_m))
    speed = np.linalg.norm(built.truth_vel_ecef_mps)
    min_range = 600e3                                   # the satellite's altitude
    dv = DV0 + a_p * AGES + speed * (DR0 + DV0 * AGES + 0.5 * a_p * AGES**2) / min_range
    assert np.all(np.abs(r.doppler_error_hz) <= F_UL_HZ * dv / C)
    # 1 min of aging uses at most a tenth of the UE's +-0.1 ppm frequency error budget
    # (TS 38.101-5 6.4.1).
    assert np.all(np.abs(r.doppler_error_ppm[:61]) < ONE_HUNDREDTH_PPM)


def test_leo_validity_marks_expiry(leo_source, reference_ue_ecef):
    cell = CellConfig(kind="sib31", payload="regenerative", validity_s=20)
    built = build_sib(leo_source, cell, LEO_T)
    r = residuals(leo_source, cell, built, reference_ue_ecef, AGES[:40], F_UL_HZ)
    assert r.expired.tolist() == [a > 20 for a in AGES[:40]]


@pytest.mark.parametrize("fmt", ["state-vectors", "orbital"])
def test_geo_residuals_stay_at_the_quantisation_level(fmt, geo_source, reference_ue_ecef,
                                                      gateway_ecef):
    """TR 38.821 GEO preset, transparent with the RP at the gateway: 15 min of aging."""
    cell = CellConfig(kind="sib31-nb", gateway_ecef_m=gateway_ecef, ephemeris_format=fmt,
                      validity_s=900)
    built = build_sib(geo_source, cell, T0_UNIX_S + 60.0)
    r = residuals(geo_source, cell, built, reference_ue_ecef, AGES, F_UL_HZ)
    a_p = _a_pert(np.linalg.norm(built.truth_pos_ecef_m))
    ta_step = CONST.T_S_S   # nta-Common quantisation: one T_s
    bound = 2 * (DR0 + DV0 * AGES + 0.5 * a_p * AGES**2) / C + ta_step
    assert np.all(np.abs(r.ta_error_s) <= bound)
    assert np.max(np.abs(r.ta_error_s)) < TE_UL_TIMING_15KHZ   # Te, TS 38.133 7.1.2

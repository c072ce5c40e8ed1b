"""SIB builders: epoch as SFN / subframe, ephemeris at the epoch, common TA, K_offset, k_mac."""
from __future__ import annotations

import math

import numpy as np
import pytest

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.orbit import elements_to_state
from ntnstack.rrc.builders import MAX_COMMON_TA_FIT_ERROR_S, CellConfig, build_sib, cell_epoch
from ntnstack.rrc.codec import decode_sib
from ntnstack.rrc.fields import from_fields
from ntnstack.rrc.units import STEPS
from tests.rrc.conftest import T0_UNIX_S
from tests.tolerances import (
    ONE_MICROSECOND,
    HALF_POSITION_STEP_M,
    HALF_VELOCITY_STEP_MPS,
    ONE_METRE,
    ONE_NANOSECOND,
    QUANTISATION_SLACK,
    RELATIVE_ROUNDING,
    TE_UL_TIMING_15KHZ,
)

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
W = phy_ffi.CONST.EARTH_ROTATION_RADPS
LEO_T = T0_UNIX_S + 7210.0   # 2 min before culmination of the test LEO-600 pass over the UE
GEO_T = T0_UNIX_S + 60.0


def test_epoch_is_the_subframe_that_contains_the_time():
    cell = CellConfig(sfn0_unix_s=1000.0)
    epoch, et = cell_epoch(cell, 1000.0 + 10.24 * 3 + 0.1234567)   # three SFN wraps later
    assert (et.sfn, et.subframe) == (12, 3)
    assert epoch == pytest.approx(1000.0 + 30.72 + 0.123, abs=ONE_NANOSECOND)


@pytest.mark.parametrize("which", ["leo", "geo"])
def test_state_vectors_at_the_epoch_within_the_quantisation(which, leo_source, geo_source):
    """Decoded position within 1 m of the truth (per axis: half the 1.3 m step)."""
    source, t = (leo_source, LEO_T) if which == "leo" else (geo_source, GEO_T)
    for kind in ("sib31", "sib31-nb", "sib19"):
        b = build_sib(source, CellConfig(kind=kind), t)
        sib = from_fields(kind, decode_sib(kind, b.message))
        err = np.array(sib.config.ephemeris.position_ecef_m) - b.truth_pos_ecef_m
        verr = np.array(sib.config.ephemeris.velocity_ecef_mps) - b.truth_vel_ecef_mps
        assert np.max(np.abs(err)) <= HALF_POSITION_STEP_M
        assert np.linalg.norm(err) <= ONE_METRE
        assert np.max(np.abs(verr)) <= HALF_VELOCITY_STEP_MPS * (1 + QUANTISATION_SLACK)


@pytest.mark.parametrize("which", ["leo", "geo"])
def test_orbital_parameters_at_the_epoch_within_a_stated_bound(which, leo_source, geo_source):
    """Bound: half steps of a, e and the four angles moved to position error at radius a:
    da + a (1 + e) (2 de + dw + dO + di + dM) (first order in the quantisation errors)."""
    source, t = (leo_source, LEO_T) if which == "leo" else (geo_source, GEO_T)
    b = build_sib(source, CellConfig(kind="sib19", ephemeris_format="orbital"), t)
    el = from_fields("sib19", decode_sib("sib19", b.message)).config.ephemeris
    r_eci, _ = elements_to_state(tuple(vars(el).values()), 0.0)
    ang = 0.5 * STEPS["angle_rad"].step
    a, e = el.semi_major_axis_m, el.eccentricity
    bound = (0.5 * STEPS["semi_major_axis_m"].step
             + a * (1 + e) * (2 * 0.5 * STEPS["eccentricity"].step + 4 * ang))
    assert np.linalg.norm(r_eci - b.truth_pos_ecef_m) <= bound   # ECI = ECEF at the epoch


def test_common_ta_at_the_gateway_and_k_terms(leo_source, gateway_ecef):
    """RP at the gateway: TA_common = 2 x feeder delay at the epoch (within one T_s step);
    K_offset covers service RTT (10 deg edge) + the largest common TA (TS 38.300 16.14.2);
    kmac absent since the RP is at the gNB."""
    cell = CellConfig(kind="sib31", gateway_ecef_m=gateway_ecef, validity_s=20)
    b = build_sib(leo_source, cell, LEO_T)
    feeder = np.linalg.norm(b.truth_pos_ecef_m - np.array(gateway_ecef)) / C
    assert abs(b.sib.config.common_ta.ta_common_s - 2 * feeder) <= STEPS["sib31_ta_common_s"].step
    need_ms = 1000 * (b.rtt_service_max_s + b.common_ta_max_s)
    assert b.sib.config.k_offset_ms == math.ceil(need_ms) + cell.k_offset_margin_ms
    alt = np.linalg.norm(b.truth_pos_ecef_m) - phy_ffi.CONST.EARTH_RADIUS_3GPP_M
    slant = phy_ffi.reference_slant_range(alt, 10.0).slant_range_m[0]
    assert b.rtt_service_max_s == pytest.approx(2 * slant / C, rel=RELATIVE_ROUNDING)
    assert b.sib.config.k_mac_ms is None
    # The quadratic tracks 20 s of feeder delay: its round-trip error stays inside the UL
    # timing accuracy Te (TS 38.133 7.1.2).
    assert 2 * b.common_ta_residual_s < TE_UL_TIMING_15KHZ


def test_rp_at_satellite_with_a_gateway_needs_kmac(geo_source, gateway_ecef):
    """Transparent GEO with the RP at the satellite: common TA 0, kmac = feeder RTT (ms, up)."""
    cell = CellConfig(kind="sib19", gateway_ecef_m=gateway_ecef, reference_point="satellite")
    b = build_sib(geo_source, cell, GEO_T)
    feeder_rtt = 2 * np.linalg.norm(b.truth_pos_ecef_m - np.array(gateway_ecef)) / C
    assert b.sib.config.common_ta.ta_common_s == 0.0
    assert b.sib.config.k_mac_ms == math.ceil(1000 * feeder_rtt)


def test_bad_cell_configuration_is_named(geo_source):
    with pytest.raises(InputError, match="validity_s"):
        build_sib(geo_source, CellConfig(validity_s=7), GEO_T)
    with pytest.raises(InputError, match="payload"):
        build_sib(geo_source, CellConfig(payload="bent-pipe"), GEO_T)


def test_retrograde_orbit_refused_in_orbital_form(gateway_ecef):
    from ntnstack.orbit import parse_orbit_spec

    sso = parse_orbit_spec("kepler:6978.137:0.001:97.8:10:0:0", T0_UNIX_S)
    with pytest.raises(InputError, match="retrograde"):
        build_sib(sso, CellConfig(kind="sib19", ephemeris_format="orbital"), T0_UNIX_S)


@pytest.mark.parametrize("sfn0", [0.0, T0_UNIX_S, T0_UNIX_S - 600.123])
def test_epoch_on_every_subframe_boundary_is_that_subframe(sfn0):
    """Times written as start + k ms (unix doubles: 0.24 us grain) fall in subframe k, never
    k - 1: SFN = (k // 10) mod 1024, subframe = k mod 10 (TS 38.211 4.3.1: 10 subframes of
    1 ms a frame, SFN 0..1023), counted in integers here."""
    cell = CellConfig(sfn0_unix_s=sfn0)
    first_k = round((T0_UNIX_S - sfn0) * 1000)
    for k in range(first_k, first_k + 20_000, 7):
        epoch, et = cell_epoch(cell, sfn0 + k / 1000)
        assert (et.sfn, et.subframe) == ((k // 10) % 1024, k % 10), k
        assert epoch == pytest.approx(sfn0 + k / 1000, abs=ONE_MICROSECOND)


def test_gateway_that_cannot_see_the_satellite_is_refused(geo_source, leo_source,
                                                          gateway_ecef):
    """No feeder link, no transparent cell: the error names the gateway and the elevation.
    The TR 38.821 GEO slot (on the UE's meridian, 116.4 E) is 54.8 deg below the horizon of
    a gateway at 40 N 60 W (C core look angles)."""
    atlantic = tuple(phy_ffi.geodetic_to_ecef(40.0, -60.0, 0.0).ecef_m[0])
    cell = CellConfig(gateway_ecef_m=atlantic, gateway_name="atlantic")
    with pytest.raises(InputError, match=r"gateway 'atlantic' at 40\.0000, -60\.0000 deg, 0 m "
                                         r"sees .* at -54\.8 deg elevation .* below its "
                                         r"minimum 0 deg"):
        build_sib(geo_source, cell, GEO_T)
    # The same gateway behind a regenerative payload carries no feeder link the SIB uses.
    build_sib(geo_source, CellConfig(payload="regenerative", gateway_ecef_m=atlantic), GEO_T)
    # The test gateway sees the LEO-600 at 34.6 deg at LEO_T: a 35 deg mask refuses it.
    build_sib(leo_source, CellConfig(gateway_ecef_m=gateway_ecef,
                                     gateway_min_elevation_deg=34.0), LEO_T)
    with pytest.raises(InputError, match=r"34\.6 deg elevation .* minimum 35 deg"):
        build_sib(leo_source, CellConfig(gateway_ecef_m=gateway_ecef,
                                         gateway_min_elevation_deg=35.0), LEO_T)


@pytest.mark.parametrize("validity_s, why", [
    (120, r"the broadcast common TA is off the feeder delay by up to 70\.7 us \(round trip\) "
          r"within it, beyond the 66\.7 us"),
    (900, r"the gateway loses LEO600-TEST 508 s after the epoch 2026-01-01T02:00:10\.000Z"),
])
def test_a_validity_the_feeder_link_cannot_hold_is_refused(leo_source, gateway_ecef,
                                                           validity_s, why):
    """RP at the gateway: the gateway must see the satellite through the whole validity, and
    the broadcast common TA must follow the feeder delay within the NPRACH format 0 cyclic
    prefix (66.7 us round trip, TS 36.211 Table 10.1.6.1-1): a UE that applies the SIB exactly
    would otherwise miss its preamble window. The error names the longest validity that holds:
    60 s (fit error 8.3 us round trip; 120 s gives 70.7 us, C core and SGP4 on this TLE)."""
    with pytest.raises(InputError, match=rf"validity_s \(--validity-s\) {validity_s}: {why}.*; "
                                         r"use 60 s or less$"):
        build_sib(leo_source, CellConfig(gateway_ecef_m=gateway_ecef, validity_s=validity_s),
                  LEO_T)
    built = build_sib(leo_source, CellConfig(gateway_ecef_m=gateway_ecef, validity_s=60), LEO_T)
    assert 2 * built.common_ta_residual_s <= MAX_COMMON_TA_FIT_ERROR_S
    # the RP at the satellite has no common TA to fit: any validity the orbit allows
    build_sib(leo_source, CellConfig(gateway_ecef_m=gateway_ecef, validity_s=900,
                                     reference_point="satellite"), LEO_T)


def test_export_refuses_an_invisible_gateway_in_one_line():
    """``ntnstack export``: the preset LEO-600 is above 12.7 N 89.9 E at 00:10 UTC, 10.1 deg
    below the horizon of a gateway at 40.07 N 116.27 E: exit 2, one line."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-m", "ntnstack", "export", "--target", "srsran", "--sat",
         "preset:tr38821-leo600", "--gateway", "40.07,116.27,60", "--time",
         "2026-01-01T00:10:00Z"], cwd=Path(__file__).resolve().parents[2],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "gateway at 40.0700, 116.2700 deg" in lines[0], out.stderr
    assert "-10.1 deg elevation" in lines[0]

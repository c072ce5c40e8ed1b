"""WGS-84 frames, look angles and the TR 38.811 reference geometry, on both backends."""
import numpy as np
import pytest

import phy_ffi
from phy_ffi import PhyValueError
from phy_ffi._bindings import CONST
from tests.tolerances import ONE_KILOMETRE, ONE_MICRODEGREE, ONE_MILLIDEGREE, ONE_MILLIMETRE

# NGA/WGS-84 defining parameters (NIMA TR8350.2): a, f; polar radius b = a (1 - f).
WGS84_B_M = 6356752.314245


def test_equator_and_pole(phy):
    ecef = phy.geodetic_to_ecef([0.0, 90.0], [0.0, 0.0], [0.0, 0.0]).ecef_m
    np.testing.assert_allclose(ecef[0], [CONST.WGS84_A_M, 0, 0], atol=ONE_MILLIMETRE)
    np.testing.assert_allclose(ecef[1], [0, 0, WGS84_B_M], atol=ONE_MILLIMETRE)


def test_round_trip_to_a_millimetre(phy):
    rng = np.random.default_rng(7)
    lat = rng.uniform(-90, 90, 20000)
    lon = rng.uniform(-180, 180, 20000)
    alt = rng.uniform(-10000, 40_000_000, 20000)  # ocean floor .. beyond GEO
    ecef = phy.geodetic_to_ecef(lat, lon, alt).ecef_m
    back = phy.ecef_to_geodetic(ecef)
    assert not back.status.any()
    again = phy.geodetic_to_ecef(back.lat_deg, back.lon_deg, back.alt_m).ecef_m
    assert np.max(np.linalg.norm(again - ecef, axis=1)) < ONE_MILLIMETRE
    assert np.max(np.abs(back.alt_m - alt)) < ONE_MILLIMETRE


def test_look_angles_zenith_and_north(phy):
    ground = phy.geodetic_to_ecef(45.0, 10.0, 0.0).ecef_m[0]
    zenith = phy.geodetic_to_ecef(45.0, 10.0, 1000.0).ecef_m[0]
    north = phy.geodetic_to_ecef(45.01, 10.0, 0.0).ecef_m[0]
    east = phy.geodetic_to_ecef(45.0, 10.01, 0.0).ecef_m[0]
    look = phy.look_angles([zenith, north, east], ground)
    assert look.elevation_deg[0] == pytest.approx(90.0, abs=ONE_MICRODEGREE)
    assert look.range_m[0] == pytest.approx(1000.0, abs=ONE_MILLIMETRE)
    # Due north lies in the meridian plane: azimuth 0 up to rounding, and never 360.0
    # (the range is [0, 360); atan2 of -1e-14 plus 360 rounds to 360 without care).
    assert 0.0 <= look.azimuth_deg[1] < 360.0
    az_north = look.azimuth_deg[1]
    assert min(az_north, 360.0 - az_north) < ONE_MICRODEGREE   # either side of north
    # The chord to a point on the same parallel points along the great circle through both
    # (sphere): tan(az) = sin(dlon) / (sin(lat) (1 - cos(dlon))), 0.0035 deg short of east;
    # the ellipsoid changes that by e^2 of it, far below a millidegree.
    dlon, lat = np.radians(0.01), np.radians(45.0)
    great_circle_az = np.degrees(np.arctan2(np.sin(dlon), np.sin(lat) * (1 - np.cos(dlon))))
    assert look.azimuth_deg[2] == pytest.approx(great_circle_az, abs=ONE_MILLIDEGREE)


def test_geo_satellite_elevation_from_subpoint(phy):
    # A GEO satellite (radius 42 164 km, TR 38.821 altitude 35 786 km) above 0N 100E is at
    # zenith for the sub-satellite point.
    sat = np.array([42_164_000.0 * np.cos(np.radians(100)), 42_164_000.0 * np.sin(np.radians(100)),
                    0.0])
    ground = phy.geodetic_to_ecef(0.0, 100.0, 0.0).ecef_m
    look = phy.look_angles(sat, ground)
    assert look.elevation_deg[0] == pytest.approx(90.0, abs=ONE_MICRODEGREE)
    assert look.range_m[0] == pytest.approx(42_164_000.0 - CONST.WGS84_A_M, abs=ONE_MILLIMETRE)


# TR 38.821 Table 5.3.2.1-1 (maximum distance at 10 deg elevation): GEO 40 586 km,
# LEO-1200 3 131 km, LEO-600 1 932 km (rounded to 1 km); at 90 deg the distance is the
# altitude. The TR's GEO row follows from R = 6378 km: with TR 38.811's R = 6371 km the same
# formula gives 40 581 km, so that row carries a 5 km tolerance.
@pytest.mark.parametrize("alt_km, elev_deg, expect_km, tol_km", [
    (35786, 10, 40586, 5.0), (1200, 10, 3131, 1.0), (600, 10, 1932, 1.0),
    (35786, 90, 35786, 1.0), (600, 90, 600, 1.0),
])
def test_reference_slant_range_tr38821(phy, alt_km, elev_deg, expect_km, tol_km):
    d = phy.reference_slant_range(alt_km * 1e3, elev_deg).slant_range_m[0]
    assert d == pytest.approx(expect_km * 1e3, abs=tol_km * ONE_KILOMETRE)


@pytest.mark.parametrize("lat, lon, alt, code", [
    (np.nan, 0, 0, "ERR_NAN"), (0, np.inf, 0, "ERR_NAN"), (91, 0, 0, "ERR_RANGE"),
    (0, 0, -20_000, "ERR_BELOW_GROUND"),
])
def test_bad_geodetic_elements_are_nan_with_status(phy, lat, lon, alt, code):
    out = phy.geodetic_to_ecef([lat, 10.0], [lon, 20.0], [alt, 0.0])
    assert out.status[0] == getattr(CONST, code) and np.isnan(out.ecef_m[0]).all()
    assert out.status[1] == 0 and np.isfinite(out.ecef_m[1]).all()


def test_bad_inverse_and_slant_elements(phy):
    geo = phy.ecef_to_geodetic([[0, 0, 0], [np.nan, 1, 1], [7e6, 0, 0]])
    assert list(geo.status) == [CONST.ERR_BELOW_GROUND, CONST.ERR_NAN, 0]
    s = phy.reference_slant_range([600e3, -1.0, 600e3, np.nan], [10, 10, 95, 10])
    assert list(s.status) == [0, CONST.ERR_BELOW_GROUND, CONST.ERR_RANGE, CONST.ERR_NAN]
    assert np.isnan(s.slant_range_m[1:]).all()


def test_mismatched_lengths_and_shapes_raise(phy):
    with pytest.raises(PhyValueError, match="mismatched lengths"):
        phy.geodetic_to_ecef([1, 2, 3], [1, 2], 0)
    with pytest.raises(PhyValueError, match="ecef_m"):
        phy.ecef_to_geodetic([[1, 2]])
    with pytest.raises(ValueError, match="not numeric"):
        phy.reference_slant_range("high", 10)


def test_empty_arrays_give_empty_results(phy):
    assert phy.geodetic_to_ecef([], [], []).ecef_m.shape == (0, 3)


def test_check_status_names_where():
    status = phy_ffi.geodetic_to_ecef([0, 100], 0, 0).status
    with pytest.raises(PhyValueError, match=r"site \[element 1 of 2\].*outside its physical"):
        phy_ffi.check_status(status, "site")


def test_overflowing_inputs_are_marked_never_status_ok_with_nan(phy):
    """A status of 0 promises finite outputs: radii beyond 1e10 m (the inverse transform's
    intermediate terms overflow long before r = 1e74 m, ntn_phy.h) and altitudes whose square
    overflows are NTN_ERR_RANGE, not NaN or inf with status 0."""
    geo = phy.ecef_to_geodetic([[1e300, 1e300, 1e300], [1.1e10, 0.0, 0.0], [4.2e7, 0.0, 0.0]])
    assert geo.status.tolist() == [CONST.ERR_RANGE, CONST.ERR_RANGE, CONST.OK]
    assert np.isnan(geo.lat_deg[:2]).all() and np.isfinite(geo.alt_m[2])
    slant = phy.reference_slant_range([1e300, 600e3], 30.0)
    assert slant.status.tolist() == [CONST.ERR_RANGE, CONST.OK]
    assert np.isnan(slant.slant_range_m[0]) and np.isfinite(slant.slant_range_m[1])

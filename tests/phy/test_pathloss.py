"""TR 38.811 V15.4.0 clause 6.6 path loss, on both backends (``phy`` fixture).

Reference numbers are typed here from the TR's tables (each test names its table), so an
accidental edit of the C tables fails a test.
"""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from phy_ffi import PhyValueError
from phy_ffi._bindings import CONST
from tests.tolerances import ONE_HUNDREDTH_DB, ONE_NANO_DB, RELATIVE_ROUNDING

ELEVATIONS_DEG = [10, 20, 30, 40, 50, 60, 70, 80, 90]

# TR 38.811 Table 6.6.1-1: LOS probability (%) at 10..90 deg.
LOS_PROBABILITY_PCT = {
    "dense-urban": [28.2, 33.1, 39.8, 46.8, 53.7, 61.2, 73.8, 82.0, 98.1],
    "urban": [24.6, 38.6, 49.3, 61.3, 72.6, 80.5, 91.9, 96.8, 99.2],
    "suburban": [78.2, 86.9, 91.9, 92.9, 93.5, 94.0, 94.9, 95.2, 99.8],
    "rural": [78.2, 86.9, 91.9, 92.9, 93.5, 94.0, 94.9, 95.2, 99.8],
}

# (environment, band) -> (sigma_SF LOS, sigma_SF NLOS, CL) at 10..90 deg, dB:
# TR 38.811 Table 6.6.2-1 (dense urban), 6.6.2-2 (urban), 6.6.2-3 (suburban and rural).
SHADOW_CLUTTER_DB = {
    ("dense-urban", "S"): ([3.5, 3.4, 2.9, 3.0, 3.1, 2.7, 2.5, 2.3, 1.2],
                           [15.5, 13.9, 12.4, 11.7, 10.6, 10.5, 10.1, 9.2, 9.2],
                           [34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5]),
    ("dense-urban", "Ka"): ([2.9, 2.4, 2.7, 2.4, 2.4, 2.7, 2.6, 2.8, 0.6],
                            [17.1, 17.1, 15.6, 14.6, 14.2, 12.6, 12.1, 12.3, 12.3],
                            [44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9]),
    ("urban", "S"): ([4] * 9, [6] * 9, [34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5]),
    ("urban", "Ka"): ([4] * 9, [6] * 9, [44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9]),
    ("suburban", "S"): ([1.79, 1.14, 1.14, 0.92, 1.42, 1.56, 0.85, 0.72, 0.72],
                        [8.93, 9.08, 8.78, 10.25, 10.56, 10.74, 10.17, 11.52, 11.52],
                        [19.52, 18.17, 18.42, 18.28, 18.63, 17.68, 16.50, 16.30, 16.30]),
    ("suburban", "Ka"): ([1.9, 1.6, 1.9, 2.3, 2.7, 3.1, 3.0, 3.6, 0.4],
                         [10.7, 10.0, 11.2, 11.6, 11.8, 10.8, 10.8, 10.8, 10.8],
                         [29.5, 24.6, 21.9, 20.0, 18.7, 17.8, 17.2, 16.9, 16.8]),
}

# TR 38.811 Table 6.6.6.2.1-1: tropospheric scintillation (dB), 20 GHz, 99 %, 10..90 deg.
TROPO_SCINTILLATION_DB = [1.08, 0.48, 0.30, 0.22, 0.17, 0.13, 0.12, 0.12, 0.12]

# A sample size at which the statistical checks below are 5-sigma wide (false alarm ~6e-7).
N_DRAWS = 100_000
FIVE_SIGMA = 5.0


def fspl_textbook_db(distance_m, freq_hz):
    """Friis free-space loss 20 log10(4 pi d f / c); the TR's 32.45 dB rounds 32.448 dB."""
    return 20 * np.log10(4 * np.pi * distance_m * freq_hz / CONST.SPEED_OF_LIGHT_MPS)


# GEO at zenith, 35 786 km (TR 38.821 reference altitude), 2 GHz: 189.54 dB; LEO-600 at
# zenith: 154.03 dB; GEO at 10 deg (40 581 km, R = 6371 km) at 20 GHz (Ka DL): 210.64 dB.
@pytest.mark.parametrize("distance_m, freq_hz, expect_db", [
    (35_786e3, 2.0e9, 189.54), (600e3, 2.0e9, 154.03), (40_581e3, 20.0e9, 210.64),
])
def test_fspl_against_textbook(phy, distance_m, freq_hz, expect_db):
    got = phy.fspl_db(distance_m, freq_hz)
    assert got.status[0] == 0
    assert got.fspl_db[0] == pytest.approx(expect_db, abs=ONE_HUNDREDTH_DB)
    assert got.fspl_db[0] == pytest.approx(fspl_textbook_db(distance_m, freq_hz),
                                           abs=ONE_HUNDREDTH_DB)


def test_fspl_is_tr_formula_exactly(phy):
    # TR 38.811 eq. (6.6-2) with f in GHz and d in m.
    d, f = np.array([1.0, 1e3, 3.6e7]), np.array([0.5e9, 2e9, 30e9])
    expect = 32.45 + 20 * np.log10(f / 1e9) + 20 * np.log10(d)
    np.testing.assert_allclose(phy.fspl_db(d, f).fspl_db, expect, atol=ONE_NANO_DB)


@pytest.mark.parametrize("environment", list(LOS_PROBABILITY_PCT))
def test_los_probability_table(phy, environment):
    table = phy.pathloss_table(ELEVATIONS_DEG, environment, "S")
    np.testing.assert_allclose(table.los_probability,
                               np.array(LOS_PROBABILITY_PCT[environment]) / 100,
                               rtol=RELATIVE_ROUNDING)


@pytest.mark.parametrize("environment, band", list(SHADOW_CLUTTER_DB))
def test_shadow_fading_and_clutter_tables(phy, environment, band):
    table = phy.pathloss_table(ELEVATIONS_DEG, environment, band)
    sigma_los, sigma_nlos, clutter = SHADOW_CLUTTER_DB[(environment, band)]
    np.testing.assert_allclose(table.sigma_sf_los_db, sigma_los, atol=ONE_NANO_DB)
    np.testing.assert_allclose(table.sigma_sf_nlos_db, sigma_nlos, atol=ONE_NANO_DB)
    np.testing.assert_allclose(table.clutter_loss_db, clutter, atol=ONE_NANO_DB)
    np.testing.assert_allclose(table.tropo_scintillation_db, TROPO_SCINTILLATION_DB,
                               atol=ONE_NANO_DB)


@pytest.mark.parametrize("band", ["S", "Ka"])
def test_rural_uses_the_suburban_column(phy, band):
    # TR 38.811 Table 6.6.2-3 is headed "suburban and rural scenarios".
    rural = phy.pathloss_table(ELEVATIONS_DEG, "rural", band)
    suburban = phy.pathloss_table(ELEVATIONS_DEG, "suburban", band)
    for a, b in zip(rural, suburban, strict=True):
        np.testing.assert_array_equal(a, b)


def test_nearest_tabulated_elevation(phy):
    # The TR tabulates 10..90 deg; an elevation uses the nearest entry, below 10 deg the
    # 10 deg one (urban S-band CL: 34.3 at 10, 30.9 at 20, 25.5 at 90 deg, Table 6.6.2-2).
    table = phy.pathloss_table([0.0, 9.0, 14.99, 15.0, 24.9, 86.0, 90.0], "urban", "S")
    np.testing.assert_array_equal(table.clutter_loss_db, [34.3, 34.3, 34.3, 30.9, 30.9, 25.5,
                                                          25.5])


def test_band_follows_the_6_ghz_split(phy):
    # Dense urban NLOS CL at 30 deg: S-band 29.0 dB, Ka-band 37.5 dB (Table 6.6.2-1).
    split = CONST.PATHLOSS_BAND_SPLIT_HZ
    mean = phy.pathloss(1e6, 30.0, [split * 0.999, split], "dense-urban")
    p_nlos = 1 - 0.398
    np.testing.assert_allclose(mean.clutter_db, [p_nlos * 29.0, p_nlos * 37.5], atol=ONE_NANO_DB)


def test_ionospheric_scintillation_below_6_ghz(phy):
    # TR 38.811 6.6.6.1.4: 1.1 dB peak-to-peak at 4 GHz, scaled by (f/4)^-1.5, over sqrt 2:
    # 6.22 / f_GHz^1.5 dB (docs/reference.md); 2.2 dB at 2 GHz.
    f_ghz = np.array([0.5, 1.6, 2.0, 2.5, 5.9])
    got = phy.pathloss(1e6, 45.0, f_ghz * 1e9).scintillation_db
    np.testing.assert_allclose(got, 6.22 / f_ghz**1.5, atol=ONE_HUNDREDTH_DB)
    assert got[2] == pytest.approx(2.2, abs=ONE_HUNDREDTH_DB)


def test_tropospheric_scintillation_above_6_ghz(phy):
    # TR 38.811 Table 6.6.6.2.1-1 at 10, 30 and 90 deg.
    got = phy.pathloss(1e6, [10.0, 30.0, 90.0], 20e9).scintillation_db
    np.testing.assert_allclose(got, [1.08, 0.30, 0.12], atol=ONE_NANO_DB)


def test_gas_negligible_below_10_ghz_above_10_deg(phy):
    # TR 38.811 6.6.4: negligible below 10 GHz unless the elevation is below 10 deg.
    got = phy.pathloss(1e6, [10.0, 45.0, 90.0], 2e9).gas_db
    np.testing.assert_array_equal(got, 0.0)
    assert phy.pathloss(1e6, 5.0, 2e9).gas_db[0] > 0.0


# ITU-R P.676 zenith attenuation from sea level, 7.5 g/m3 standard atmosphere, as read from
# its figure (e.g. ns-3 three-gpp-propagation-loss-model's digitisation): about 0.035 dB at
# 2 GHz, 0.25 dB at 20 GHz, 0.52 dB at the 22 GHz water-vapour line, 0.25 dB at 30 GHz.
# Reading a log-scale figure is good to about 0.05 dB here.
FIGURE_READING_DB = 0.05


@pytest.mark.parametrize("f_ghz, zenith_db", [(2, 0.035), (20, 0.25), (22, 0.52), (30, 0.25)])
def test_gas_zenith_attenuation_against_p676_figure(phy, f_ghz, zenith_db):
    got = phy.gas_zenith_attenuation_db(f_ghz * 1e9)
    assert got.zenith_db[0] == pytest.approx(zenith_db, abs=FIGURE_READING_DB)


def test_gas_scales_with_cosecant_of_elevation(phy):
    # TR 38.811 eq. (6.6-8): PL_g = A_zenith(f) / sin(elevation).
    zenith = phy.gas_zenith_attenuation_db(20e9).zenith_db[0]
    quarter_deg = np.degrees(np.arcsin(0.25))   # sin = 1/4: four times the zenith value
    got = phy.pathloss(1e6, [90.0, 30.0, quarter_deg], 20e9).gas_db
    np.testing.assert_allclose(got, [zenith, 2 * zenith, 4 * zenith], rtol=RELATIVE_ROUNDING)


def test_mean_is_expectation_over_los_state(phy):
    # Urban, S-band, 30 deg: P_LOS = 0.493 (Table 6.6.1-1), CL = 29.0 dB (Table 6.6.2-2).
    m = phy.pathloss(1_075_090.0, 30.0, 2e9, "urban")
    assert m.los_probability[0] == pytest.approx(0.493, rel=RELATIVE_ROUNDING)
    assert m.clutter_db[0] == pytest.approx((1 - 0.493) * 29.0, abs=ONE_NANO_DB)
    assert m.shadow_fading_db[0] == 0.0 and not m.los[0]
    parts = m.fspl_db + m.gas_db + m.scintillation_db + m.clutter_db
    assert m.total_db[0] == pytest.approx(parts[0], abs=ONE_NANO_DB)


@pytest.mark.parametrize("environment, elevation_deg, band_hz", [
    ("dense-urban", 30.0, 2e9), ("urban", 60.0, 20e9), ("rural", 10.0, 2e9),
])
def test_draw_statistics_match_tables(phy, environment, elevation_deg, band_hz):
    band = "S" if band_hz < CONST.PATHLOSS_BAND_SPLIT_HZ else "Ka"
    table = phy.pathloss_table(elevation_deg, environment, band)
    p = table.los_probability[0]
    draw = phy.pathloss(np.full(N_DRAWS, 1e6), elevation_deg, band_hz, environment, seed=2024)
    assert abs(draw.los.mean() - p) < FIVE_SIGMA * np.sqrt(p * (1 - p) / N_DRAWS)
    for state, sigma in ((draw.los, table.sigma_sf_los_db[0]),
                         (~draw.los, table.sigma_sf_nlos_db[0])):
        sf, n = draw.shadow_fading_db[state], state.sum()
        assert abs(sf.mean()) < FIVE_SIGMA * sigma / np.sqrt(n)
        assert abs(sf.std() - sigma) < FIVE_SIGMA * sigma / np.sqrt(2 * n)
    np.testing.assert_array_equal(draw.clutter_db[draw.los], 0.0)
    np.testing.assert_array_equal(draw.clutter_db[~draw.los], table.clutter_loss_db[0])


def test_mean_of_draws_approaches_the_mean(phy):
    d = np.full(N_DRAWS, 1e6)
    mean = phy.pathloss(1e6, 40.0, 2e9, "dense-urban").total_db[0]
    draws = phy.pathloss(d, 40.0, 2e9, "dense-urban", seed=99).total_db
    assert abs(draws.mean() - mean) < FIVE_SIGMA * draws.std() / np.sqrt(N_DRAWS)


def test_same_seed_same_draws_and_prefix_stable(phy):
    d = np.linspace(5e5, 4e7, 1000)
    a = phy.pathloss(d, 35.0, 2e9, "urban", seed=42)
    b = phy.pathloss(d, 35.0, 2e9, "urban", seed=42)
    c = phy.pathloss(d, 35.0, 2e9, "urban", seed=43)
    short = phy.pathloss(d[:10], 35.0, 2e9, "urban", seed=42)
    np.testing.assert_array_equal(a.total_db, b.total_db)
    np.testing.assert_array_equal(a.los, b.los)
    assert not np.array_equal(a.shadow_fading_db, c.shadow_fading_db)
    np.testing.assert_array_equal(short.total_db, a.total_db[:10])


@pytest.mark.parametrize("seed", [None, 0, 7, 2**64 - 1])
def test_c_and_twin_agree(seed):
    rng = np.random.default_rng(5)
    d = rng.uniform(3e5, 4e7, 20_000)
    el = rng.uniform(-2, 92, 20_000)
    f = rng.uniform(0.4e9, 101e9, 20_000)
    c = phy_ffi.pathloss(d, el, f, "dense-urban", seed=seed)
    t = phy_ffi.twin.pathloss(d, el, f, "dense-urban", seed=seed)
    np.testing.assert_array_equal(c.status, t.status)
    np.testing.assert_array_equal(c.los, t.los)
    assert (c.status == 0).sum() > 15_000  # most inputs are valid
    for name in ("total_db", "fspl_db", "gas_db", "scintillation_db", "shadow_fading_db",
                 "clutter_db", "los_probability"):
        np.testing.assert_allclose(getattr(c, name), getattr(t, name), rtol=0,
                                   atol=ONE_NANO_DB, err_msg=name)


@pytest.mark.parametrize("distance_m, elevation_deg, freq_hz, code", [
    (np.nan, 30, 2e9, "ERR_NAN"), (1e6, np.inf, 2e9, "ERR_NAN"), (1e6, 30, np.nan, "ERR_NAN"),
    (0.0, 30, 2e9, "ERR_RANGE"), (-1.0, 30, 2e9, "ERR_RANGE"), (1e6, -0.1, 2e9, "ERR_RANGE"),
    (1e6, 90.1, 2e9, "ERR_RANGE"), (1e6, 30, 0.0, "ERR_RANGE"), (1e6, 30, 0.4e9, "ERR_RANGE"),
    (1e6, 30, 101e9, "ERR_RANGE"),
])
def test_bad_elements_are_nan_with_status(phy, distance_m, elevation_deg, freq_hz, code):
    for seed in (None, 1):
        out = phy.pathloss([distance_m, 1e6], [elevation_deg, 30.0], [freq_hz, 2e9],
                           seed=seed)
        assert out.status[0] == getattr(CONST, code) and out.status[1] == 0
        assert all(np.isnan(col[0]) for col in out[:7]) and not out.los[0]
        assert all(np.isfinite(col[1]) for col in out[:7])


@pytest.mark.parametrize("distance_m, freq_hz, code", [
    (0.0, 2e9, "ERR_RANGE"), (1e3, -1.0, "ERR_RANGE"), (np.nan, 2e9, "ERR_NAN"),
])
def test_bad_fspl_elements(phy, distance_m, freq_hz, code):
    out = phy.fspl_db([distance_m, 1e3], [freq_hz, 2e9])
    assert out.status[0] == getattr(CONST, code) and np.isnan(out.fspl_db[0])
    assert out.status[1] == 0


def test_bad_table_elevations(phy):
    table = phy.pathloss_table([np.nan, -1.0, 91.0, 45.0], "urban", "S")
    np.testing.assert_array_equal(table.status,
                                  [CONST.ERR_NAN, CONST.ERR_RANGE, CONST.ERR_RANGE, 0])
    assert np.isnan(table.clutter_loss_db[:3]).all()


@pytest.mark.parametrize("call, match", [
    (lambda p: p.pathloss(1e6, 30, 2e9, "downtown"), "environment: unknown 'downtown'"),
    (lambda p: p.pathloss(1e6, 30, 2e9, None), "environment"),
    (lambda p: p.pathloss_table(30, "urban", "X"), "band: unknown 'X'"),
    (lambda p: p.pathloss(1e6, 30, 2e9, seed=-1), r"seed: -1 is outside \[0, 2\*\*64\)"),
    (lambda p: p.pathloss(1e6, 30, 2e9, seed=2**64), "seed"),
    (lambda p: p.pathloss(1e6, 30, 2e9, seed=1.5), "seed: expected None or an int"),
    (lambda p: p.pathloss(1e6, 30, 2e9, seed=True), "seed"),
    (lambda p: p.pathloss([1e6, 2e6], [30, 40, 50], 2e9), "mismatched lengths"),
    (lambda p: p.fspl_db("far", 2e9), "distance_m: not numeric"),
])
def test_bad_arguments_raise_naming_them(phy, call, match):
    with pytest.raises(PhyValueError, match=match):
        call(phy)


def test_empty_input(phy):
    out = phy.pathloss([], [], [], seed=3)
    assert out.total_db.shape == (0,) and out.status.shape == (0,)


def test_fspl_of_an_overflowing_product_is_a_range_error(phy):
    # f * d must be a finite nonzero double (ntn_phy.h): 1e300 * 1e300 overflows,
    # 1e-300 * 1e-300 underflows to 0 (log10 -> -inf).
    got = phy.fspl_db([1e300, 1e-300, 1e3], [1e300, 1e-300, 2e9])
    assert got.status.tolist() == [CONST.ERR_RANGE, CONST.ERR_RANGE, CONST.OK]
    assert np.isnan(got.fspl_db[:2]).all() and np.isfinite(got.fspl_db[2])

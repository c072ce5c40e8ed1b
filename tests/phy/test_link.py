"""Link quantities per (satellite, terminal, time), on both backends and against each other."""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from phy_ffi import CONST, PhyValueError
from tests.phy.circular_orbit import R_3GPP_M, circular_states
from tests.tolerances import (ONE_FEMTOSECOND_PER_SECOND, ONE_MICRODEGREE,
                              ONE_MICROHERTZ_PER_SECOND, ONE_MILLIHERTZ,
                              ONE_MILLIMETRE, ONE_MILLIMETRE_PER_SECOND,
                              ONE_MILLIMETRE_PER_SECOND2, ONE_PICOSECOND)

C = CONST.SPEED_OF_LIGHT_MPS
F_DL, F_UL = 2.185e9, 1.995e9  # band n256 centres (docs/reference.md 4)
LEO_RADIUS_M = R_3GPP_M + 600e3


def pass_states(t):
    return circular_states(LEO_RADIUS_M, 53.0, 0.0, 0.0, t)


def ue_at(lat, lon, alt=0.0):
    return phy_ffi.geodetic_to_ecef(lat, lon, alt).ecef_m[0]


UE = ue_at(20.0, 30.0, 100.0)
GATEWAY = ue_at(10.0, 25.0, 0.0)


def test_range_rate_and_accel_match_finite_differences_of_range(phy):
    t = np.linspace(100.0, 600.0, 11)
    dt = 0.05  # central differences: error dt^2 r''' / 6, below 1 mm/s here
    p0, v0, a0 = pass_states(t)
    link = phy.link_states(p0, v0, a0, UE)
    plus = phy.link_states(*pass_states(t + dt), UE)
    minus = phy.link_states(*pass_states(t - dt), UE)
    rdot_fd = (plus.range_m - minus.range_m) / (2 * dt)
    rddot_fd = (plus.range_rate_mps - minus.range_rate_mps) / (2 * dt)
    np.testing.assert_allclose(link.range_rate_mps, rdot_fd, rtol=0, atol=ONE_MILLIMETRE_PER_SECOND)
    np.testing.assert_allclose(link.range_accel_mps2, rddot_fd, rtol=0,
                               atol=ONE_MILLIMETRE_PER_SECOND2)


def test_doppler_delay_drift_and_ta_follow_their_definitions(phy):
    t = np.linspace(0.0, 900.0, 31)
    link = phy.link_states(*pass_states(t), UE, GATEWAY, F_DL, F_UL)
    # docs/reference.md 1: f_d = -f (dr/dt) / c; 1 ppm = 299.79 m/s = 1 us/s of delay drift.
    np.testing.assert_allclose(link.doppler_dl_hz, -F_DL * link.range_rate_mps / C, rtol=0,
                               atol=ONE_MILLIHERTZ)
    np.testing.assert_allclose(link.doppler_ul_hz, -F_UL * link.range_rate_mps / C, rtol=0,
                               atol=ONE_MILLIHERTZ)
    np.testing.assert_allclose(link.doppler_rate_dl_hz_s, -F_DL * link.range_accel_mps2 / C,
                               rtol=0, atol=ONE_MICROHERTZ_PER_SECOND)
    np.testing.assert_allclose(link.doppler_rate_ul_hz_s, -F_UL * link.range_accel_mps2 / C,
                               rtol=0, atol=ONE_MICROHERTZ_PER_SECOND)
    np.testing.assert_allclose(link.delay_drift_s_per_s, link.range_rate_mps / C, rtol=0,
                               atol=ONE_FEMTOSECOND_PER_SECOND)
    np.testing.assert_allclose(link.delay_s, link.range_m / C, rtol=0, atol=ONE_PICOSECOND)
    np.testing.assert_allclose(link.ta_ue_s, 2 * link.delay_s, rtol=0, atol=ONE_PICOSECOND)
    np.testing.assert_allclose(link.rtt_regenerative_s, 2 * link.delay_s, rtol=0,
                               atol=ONE_PICOSECOND)
    np.testing.assert_allclose(link.rtt_transparent_s, 2 * (link.delay_s + link.feeder_delay_s),
                               rtol=0, atol=ONE_PICOSECOND)
    p, _, _ = pass_states(t)
    np.testing.assert_allclose(link.feeder_delay_s, np.linalg.norm(p - GATEWAY, axis=1) / C,
                               rtol=0, atol=ONE_PICOSECOND)


def test_no_gateway_means_zero_feeder_delay(phy):
    link = phy.link_states(*pass_states([0.0, 60.0]), UE)
    assert (link.feeder_delay_s == 0).all()
    assert (link.rtt_transparent_s == link.rtt_regenerative_s).all()


def test_look_angles_agree_with_geometry(phy):
    t = np.linspace(0.0, 3000.0, 50)
    p, v, a = pass_states(t)
    link = phy.link_states(p, v, a, UE)
    look = phy.look_angles(p, UE)
    np.testing.assert_allclose(link.elevation_deg, look.elevation_deg, rtol=0, atol=ONE_MICRODEGREE)
    np.testing.assert_allclose(link.range_m, look.range_m, rtol=0, atol=ONE_MILLIMETRE)
    daz = (link.azimuth_deg - look.azimuth_deg + 180.0) % 360.0 - 180.0
    assert np.abs(daz).max() < ONE_MICRODEGREE
    assert (link.elevation_deg < 0).any() and not link.status.any()  # below horizon: no error


def test_grid_matches_flat_pairs(phy):
    t = np.linspace(0.0, 600.0, 7)
    sats = [circular_states(LEO_RADIUS_M, inc, raan, 0.0, t) for inc, raan in ((53, 0), (97, 40))]
    pos, vel, acc = (np.stack([s[k] for s in sats]) for k in range(3))
    ues = np.stack([UE, ue_at(-33.9, 18.4), ue_at(60.0, -150.0, 2000.0)])
    gws = np.stack([GATEWAY, ue_at(0.0, 50.0)])
    grid = phy.link_grid(pos, vel, acc, ues, gws)
    assert grid.range_m.shape == (2, 3, 7) and grid.status.shape == (2, 3, 7)
    for s in range(2):
        for u in range(3):
            flat = phy.link_states(pos[s], vel[s], acc[s], ues[u], gws[s])
            for name in flat._fields:
                np.testing.assert_array_equal(getattr(grid, name)[s, u], getattr(flat, name))


def test_grid_at_one_time_matches_flat_pairs(phy):
    # one instant, many terminals: the C core runs its lanes across terminals (issue 16)
    sats = [circular_states(LEO_RADIUS_M, 53.0, raan, 0.0, 0.0) for raan in (0.0, 40.0, 80.0)]
    pos, vel, acc = (np.stack([sat[k] for sat in sats]) for k in range(3))   # (3, 1, 3)
    pos[2] = np.nan                                   # a bad satellite: per-element status
    rng = np.random.default_rng(5)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, 600), rng.uniform(-180, 180, 600),
                                   0.0).ecef_m
    ues[70] = np.nan                                  # a bad terminal in the second block
    ues[560] = np.nan                                 # and one after the first 8 blocks of 64
    gws = np.stack([GATEWAY, ue_at(0.0, 50.0), GATEWAY])
    grid = phy.link_grid(pos, vel, acc, ues, gws)
    assert grid.status.shape == (3, 600, 1) and grid.status[2].all() and grid.status[0, 70]
    assert grid.status[1, 560] and not grid.status[:2, 71:560].any()
    for s in range(3):
        rows = [np.repeat(x[s], 600, axis=0) for x in (pos, vel, acc)]
        flat = phy.link_states(*rows, ues, np.repeat(gws[s:s + 1], 600, axis=0))
        for name in flat._fields:
            np.testing.assert_array_equal(getattr(grid, name)[s, :, 0], getattr(flat, name))


def test_grid_into_caller_buffers_gives_the_same_bits(phy):
    t = np.linspace(0.0, 600.0, 5)
    pos, vel, acc = (x[None] for x in circular_states(LEO_RADIUS_M, 53.0, 0.0, 0.0, t))
    ues = np.stack([UE, ue_at(-33.9, 18.4)])
    fresh = phy.link_grid(pos, vel, acc, ues, GATEWAY)
    out = phy_ffi.link_grid_buffers(1, 2, 5)
    out[0].fill(np.inf)
    into = phy.link_grid(pos, vel, acc, ues, GATEWAY, out=out)
    for name in fresh._fields:
        np.testing.assert_array_equal(getattr(into, name), getattr(fresh, name))
    assert np.shares_memory(into.range_m, out[0]) and np.shares_memory(into.status, out[1])
    with pytest.raises(phy_ffi.PhyValueError, match="out"):
        phy.link_grid(pos, vel, acc, ues, GATEWAY, out=phy_ffi.link_grid_buffers(1, 2, 4))


def test_field_selection_writes_only_those_fields(phy):
    t = np.linspace(0.0, 600.0, 70)    # a block of 64 times and a partial one
    pos, vel, acc = (x[None] for x in circular_states(LEO_RADIUS_M, 53.0, 0.0, 0.0, t))
    ues = np.stack([UE, ue_at(-33.9, 18.4), [np.nan] * 3])
    full = phy.link_grid(pos, vel, acc, ues, GATEWAY)
    wanted = ("doppler_ul_hz", "elevation_deg")
    some = phy.link_grid(pos, vel, acc, ues, GATEWAY, fields=wanted)
    for name in full._fields:
        if name in wanted or name == "status":
            np.testing.assert_array_equal(getattr(some, name), getattr(full, name))
        else:
            assert getattr(some, name) is None, name
    out = phy_ffi.link_grid_buffers(1, 3, 70, fields="range_m")
    assert out[0].shape == (1, 1, 3, 70)
    one = phy.link_grid(pos, vel, acc, ues, GATEWAY, fields="range_m", out=out)
    np.testing.assert_array_equal(out[0][0], full.range_m)
    assert one.range_m is not None and one.delay_s is None
    for bad in ("range", []):
        with pytest.raises(phy_ffi.PhyValueError, match="fields"):
            phy.link_grid(pos, vel, acc, ues, GATEWAY, fields=bad)


# Outputs above 2 MiB (124 bytes per element: 15 fields and the status) are written with
# non-temporal stores on x86-64 (STREAM_MIN_BYTES in csrc/link.c); smaller calls store normally.
STREAM_MIN_ELEMENTS = (2 << 20) // 124 + 1


def test_streamed_grid_gives_the_same_bits_as_smaller_calls():
    t = np.linspace(0.0, 4000.0, 403)  # rows of 403 doubles: most start inside a 64-byte line
    sats = [circular_states(LEO_RADIUS_M, 53.0, raan, 0.0, t) for raan in (0, 90, 180, 270)]
    pos, vel, acc = (np.stack([s[k] for s in sats]) for k in range(3))
    pos[1, 100] = np.nan
    rng = np.random.default_rng(7)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, 13), rng.uniform(-180, 180, 13),
                                   0.0).ecef_m
    ues[7] = np.nan
    gws = np.stack([GATEWAY] * 4)
    whole = phy_ffi.link_grid(pos, vel, acc, ues, gws)
    assert whole.status.size >= STREAM_MIN_ELEMENTS > whole.status[0].size
    assert whole.status[1, :, 100].all() and whole.status[:, 7].all()
    for s in range(4):
        one = phy_ffi.link_grid(pos[s:s + 1], vel[s:s + 1], acc[s:s + 1], ues, gws[s:s + 1])
        for name in one._fields:
            np.testing.assert_array_equal(getattr(whole, name)[s], getattr(one, name)[0])


def test_streamed_one_time_grid_gives_the_same_bits_as_smaller_calls():
    n_sat, n_ue = 20, STREAM_MIN_ELEMENTS // 20 + 3   # rows of an odd number of terminals
    sats = [circular_states(LEO_RADIUS_M, 53.0, 9.0 * k, 4.0 * k, 0.0) for k in range(n_sat)]
    pos, vel, acc = (np.stack([sat[k] for sat in sats]) for k in range(3))   # (40, 1, 3)
    pos[5] = np.nan
    rng = np.random.default_rng(8)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, n_ue), rng.uniform(-180, 180, n_ue),
                                   0.0).ecef_m
    ues[300] = np.nan
    whole = phy_ffi.link_grid(pos, vel, acc, ues, GATEWAY)
    assert whole.status.size >= STREAM_MIN_ELEMENTS > n_ue > 512 and whole.status[5].all()
    for s in range(0, n_sat, 7):
        one = phy_ffi.link_grid(pos[s:s + 1], vel[s:s + 1], acc[s:s + 1], ues, GATEWAY)
        for name in one._fields:
            np.testing.assert_array_equal(getattr(whole, name)[s], getattr(one, name)[0])


def test_outputs_start_on_a_cache_line():
    # the C core streams whole 64-byte lines of large outputs (phy_ffi.arrays.line_aligned_empty)
    t = np.linspace(0.0, 600.0, 5)
    pos, vel, acc = (x[None] for x in circular_states(LEO_RADIUS_M, 53.0, 0.0, 0.0, t))
    fresh = phy_ffi.link_grid(pos, vel, acc, UE)
    flat = phy_ffi.link_states(pos[0], vel[0], acc[0], np.repeat(UE[None], 5, axis=0))
    planes, _ = phy_ffi.link_grid_buffers(3, 7, 11, fields=("range_m", "delay_s"))
    for first in (fresh.elevation_deg, flat.elevation_deg, planes):
        assert first.ctypes.data % 64 == 0


def test_streamed_flat_pairs_give_the_same_bits_as_smaller_calls():
    n = STREAM_MIN_ELEMENTS + 101
    pos, vel, acc, ue, gw = random_pairs(n, seed=12)
    pos[::997] = np.nan
    whole = phy_ffi.link_states(pos, vel, acc, ue, gw)
    for i0 in range(0, n, 5000):
        part = slice(i0, i0 + 5000)
        some = phy_ffi.link_states(pos[part], vel[part], acc[part], ue[part], gw[part])
        for name in some._fields:
            np.testing.assert_array_equal(getattr(whole, name)[part], getattr(some, name))


def random_pairs(n, seed=11):
    rng = np.random.default_rng(seed)
    radius = rng.uniform(6.9e6, 4.3e7, n)
    direction = rng.normal(size=(n, 3))
    pos = radius[:, None] * direction / np.linalg.norm(direction, axis=1, keepdims=True)
    vel = rng.normal(scale=5000.0, size=(n, 3))
    acc = rng.normal(scale=8.0, size=(n, 3))
    ue = phy_ffi.geodetic_to_ecef(rng.uniform(-90, 90, n), rng.uniform(-180, 180, n),
                                  rng.uniform(-100, 5000, n)).ecef_m
    gw = phy_ffi.geodetic_to_ecef(rng.uniform(-90, 90, n), rng.uniform(-180, 180, n), 0.0).ecef_m
    return pos, vel, acc, ue, gw


# C libm and numpy round differently in the last bits: agreement to far below any physical
# significance (relative 1e-12 of the quantity, or these absolute floors near zero).
BACKEND_FLOORS = {
    "elevation_deg": ONE_MICRODEGREE, "azimuth_deg": ONE_MICRODEGREE,
    "range_m": ONE_MILLIMETRE, "range_rate_mps": ONE_MILLIMETRE_PER_SECOND,
    "range_accel_mps2": ONE_MILLIMETRE_PER_SECOND2, "doppler_dl_hz": ONE_MILLIHERTZ,
    "doppler_ul_hz": ONE_MILLIHERTZ, "doppler_rate_dl_hz_s": ONE_MICROHERTZ_PER_SECOND,
    "doppler_rate_ul_hz_s": ONE_MICROHERTZ_PER_SECOND,
    "delay_drift_s_per_s": ONE_FEMTOSECOND_PER_SECOND,
}


def test_backends_agree_on_random_inputs():
    pos, vel, acc, ue, gw = random_pairs(5000)
    pos[::97] = np.nan
    c_out = phy_ffi.link_states(pos, vel, acc, ue, gw)
    twin_out = phy_ffi.twin.link_states(pos, vel, acc, ue, gw)
    np.testing.assert_array_equal(c_out.status, twin_out.status)
    az = c_out.azimuth_deg[c_out.status == 0]
    assert ((az >= 0.0) & (az < 360.0)).all()
    for name in c_out._fields[:-1]:
        floor = BACKEND_FLOORS.get(name, ONE_PICOSECOND)
        np.testing.assert_allclose(getattr(c_out, name), getattr(twin_out, name), rtol=1e-12,
                                   atol=floor, err_msg=name)


def test_backends_agree_on_the_grid():
    t = np.linspace(0.0, 3000.0, 40)
    pos, vel, acc = (x[None] for x in pass_states(t))
    ues = phy_ffi.geodetic_to_ecef(np.linspace(-60, 60, 9), np.linspace(-20, 80, 9), 0.0).ecef_m
    c_out = phy_ffi.link_grid(pos, vel, acc, ues, GATEWAY)
    twin_out = phy_ffi.twin.link_grid(pos, vel, acc, ues, GATEWAY)
    for name in c_out._fields[:-1]:
        floor = BACKEND_FLOORS.get(name, ONE_PICOSECOND)
        np.testing.assert_allclose(getattr(c_out, name), getattr(twin_out, name), rtol=1e-12,
                                   atol=floor, err_msg=name)


def test_bad_elements_get_status_and_nan(phy):
    pos, vel, acc = pass_states(np.zeros(6))
    pos[1] = np.nan
    vel[2, 0] = np.inf
    pos[3] = [1000.0, 0.0, 0.0]  # inside the Earth
    ue = np.repeat(UE[None], 6, axis=0)
    ue[4] = [0.0, 0.0, 0.0]      # the Earth's centre: not a terminal
    ue[5, 1] = np.nan
    link = phy.link_states(pos, vel, acc, ue)
    assert list(link.status) == [0, CONST.ERR_NAN, CONST.ERR_NAN, CONST.ERR_BELOW_GROUND,
                                 CONST.ERR_BELOW_GROUND, CONST.ERR_NAN]
    for name in link._fields[:-1]:
        assert np.isnan(getattr(link, name)[1:]).all() and np.isfinite(getattr(link, name)[0])


def test_satellite_at_the_terminal_is_a_range_error(phy):
    # r = 0 has no direction and no range rate (UE is 100 m above the ellipsoid)
    link = phy.link_states([UE, 2 * UE], np.zeros(3), np.zeros(3), UE)
    assert list(link.status) == [CONST.ERR_RANGE, 0]
    assert np.isnan(link.elevation_deg[0]) and np.isnan(link.doppler_dl_hz[0])


def test_nan_gateway_is_per_element(phy):
    p, v, a = pass_states([0.0, 1.0])
    link = phy.link_states(p, v, a, UE, [GATEWAY, [np.nan, 0.0, 0.0]])
    assert list(link.status) == [0, CONST.ERR_NAN]


def test_mismatched_shapes_raise(phy):
    p, v, a = pass_states([0.0, 1.0, 2.0])
    with pytest.raises(PhyValueError, match="mismatched lengths"):
        phy.link_states(p, v[:2], a, UE)
    with pytest.raises(PhyValueError, match="ue_ecef_m"):
        phy.link_states(p, v, a, [1.0, 2.0])
    with pytest.raises(PhyValueError, match="mismatched lengths"):
        phy.link_grid(p, v, a[:2], UE)
    with pytest.raises(PhyValueError, match="gateway_ecef_m"):
        phy.link_grid(np.stack([p, p]), np.stack([v, v]), np.stack([a, a]), UE,
                      [GATEWAY, GATEWAY, GATEWAY])


@pytest.mark.parametrize("freq", [0.0, -1.0, np.nan])
def test_bad_carrier_raises(phy, freq):
    p, v, a = pass_states([0.0])
    with pytest.raises(PhyValueError) as err:
        phy.link_states(p, v, a, UE, freq_dl_hz=freq)
    assert err.value.status == CONST.ERR_RANGE


def test_empty_inputs_give_empty_results(phy):
    empty = np.zeros((0, 3))
    assert phy.link_states(empty, empty, empty, empty).range_m.shape == (0,)
    assert phy.link_states(empty, empty, empty, UE, GATEWAY).status.shape == (0,)
    grid = phy.link_grid(np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), UE)
    assert grid.doppler_dl_hz.shape == (2, 1, 0)

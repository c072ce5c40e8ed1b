"""Satellites x terminals x times in one call agree with the per-pair series."""
import numpy as np

from ntnstack.link import link_grid, link_series, parse_position, sample_times
from ntnstack.orbit import PRESETS, parse_orbit_specs
from tests.tolerances import ONE_METRE, ONE_NANOSECOND

START = 1767225600.0  # 2026-01-01T00:00:00Z


def test_grid_matches_pairs():
    sats = parse_orbit_specs("walker:12/3/1:600:53", START)[:4] + \
        PRESETS["tr38821-leo600"].make(START)
    ues = [parse_position("39.9042,116.4074,50"), parse_position("30.5928,114.3055,30")]
    gateway = parse_position("34.0,108.9,400", "--gateway")
    t = sample_times(START, 1200.0, 30.0)
    grid = link_grid(sats, ues, t, gateway)
    assert grid.link.range_m.shape == (len(sats), len(ues), t.size)
    for k in (0, len(sats) - 1):
        for u in range(len(ues)):
            pair = link_series(sats[k], ues[u], t, gateway)
            # The grid shares one table step (the smallest), so the interpolation differs a
            # little from the pair's own table: well inside the 1 m Hermite budget.
            np.testing.assert_allclose(grid.link.range_m[k, u], pair.range_m, atol=ONE_METRE)
            np.testing.assert_allclose(grid.link.rtt_transparent_s[k, u], pair.rtt_s,
                                       atol=10 * ONE_NANOSECOND)
            assert np.array_equal(grid.visible[k, u], pair.visible)

"""Visibility counts in blocks (ntnstack.link.stream) agree with the whole grid, in bounded
memory (issue 16)."""
import tracemalloc

import numpy as np
import pytest

from ntnstack.errors import InputError
from ntnstack.link import link_grid, parse_position, sample_times, visible_counts
from ntnstack.link.stream import BYTES_PER_ELEMENT, grid_blocks
from ntnstack.orbit import parse_orbit_specs
from tests.tolerances import ONE_MILLIDEGREE

START = 1767225600.0  # 2026-01-01T00:00:00Z
UES = ["39.9042,116.4074,50", "30.5928,114.3055,30", "-33.9,18.4,0", "60,-150,2000",
       "0,0,0"]


def test_block_shapes():
    assert grid_blocks(1584, 10_000, 1440, 1 << 19) == (330, 1)
    assert grid_blocks(12, 5, 40, 100) == (8, 1)
    assert grid_blocks(12, 5, 3, 100) == (3, 2)
    assert grid_blocks(12, 5, 40, 1) == (1, 1)   # one satellite column is the least
    with pytest.raises(InputError, match="max_elements"):
        grid_blocks(12, 5, 40, 0)


def test_counts_in_blocks_match_the_whole_grid():
    sats = parse_orbit_specs("walker:24/6/1:600:53", START)
    ues = [parse_position(u) for u in UES]
    gateway = parse_position("34.0,108.9,400", "--gateway")
    t = sample_times(START, 5400.0, 60.0)
    whole = link_grid(sats, ues, t, gateway)
    counts = visible_counts(sats, ues, t, gateway, max_elements=200)   # 8 times x 1 terminal
    assert counts.shape == (len(ues), t.size) and counts.sum() > 20   # 39 here
    # Each time block tabulates the orbits from its own start, so an elevation may move by
    # far less than a millidegree: only a satellite that close to the mask could flip.
    near = (np.abs(whole.link.elevation_deg - 10.0) < ONE_MILLIDEGREE).any(axis=0)
    assert near.mean() < 0.01
    np.testing.assert_array_equal(counts[~near], whole.visible.sum(axis=0)[~near])


def test_memory_stays_bounded_for_a_day_of_terminals():
    # 24 satellites x 200 terminals x 2,880 times (a day at 30 s): 13.8 M elements, 166 MB
    # for the elevation and status as one grid (1.7 GB with every field); in blocks of
    # 65,536 elements the buffers are 0.8 MB.
    sats = parse_orbit_specs("walker:24/6/1:600:53", START)
    lats = np.linspace(-60.0, 60.0, 200)
    ues = [parse_position(f"{lat},{lat * 2.5 % 360 - 180},0") for lat in lats]
    t = sample_times(START, 86400.0 - 30.0, 30.0)
    whole_bytes = len(sats) * len(ues) * t.size * BYTES_PER_ELEMENT
    tracemalloc.start()
    try:
        counts = visible_counts(sats, ues, t, max_elements=1 << 16)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counts.max() >= 1
    assert peak < 20e6 < whole_bytes / 8   # buffers 0.8 MB, counts 2.3 MB, states, tables


@pytest.mark.parametrize("times, message", [
    ([START, np.nan, START + 20.0], r"element 1 is nan, not a finite time"),
    ([START, START + 5000.0, START + 10.0], r"element 2 \(.*\) comes before element 1"),
    ([[START, START + 1.0]], r"expected one time or a 1-D sequence, got shape \(1, 2\)"),
], ids=["nan", "decreasing", "2-d"])
def test_bad_times_are_named(times, message):
    sats = parse_orbit_specs("walker:24/6/1:600:53", START)
    ues = [parse_position(UES[0])]
    for fn in (visible_counts, link_grid):
        with pytest.raises(InputError, match=message):
            fn(sats, ues, np.array(times))


def test_one_time_as_a_scalar_and_empty_sides():
    sats = parse_orbit_specs("walker:24/6/1:600:53", START)
    ues = [parse_position(u) for u in UES]
    counts = visible_counts(sats, ues, START + 60.0)
    assert counts.shape == (len(ues), 1)
    np.testing.assert_array_equal(counts[:, 0], link_grid(sats, ues, START + 60.0).visible
                                  .sum(axis=0)[:, 0])
    with pytest.raises(InputError, match="terminals: none given"):
        visible_counts(sats, [], [START])
    with pytest.raises(InputError, match="sources: no satellites"):
        visible_counts([], ues, [START])

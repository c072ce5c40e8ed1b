"""Benchmark: TR 38.811 path loss (seeded draws and the mean), C core against the numpy twin.

Groups "pathloss" (seeded draws) and "pathloss-mean": items = path-loss evaluations per
call, one (slant range, elevation, frequency) element each; the twin is the baseline.
"""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin

N_ITEMS = 100_000


@pytest.fixture(scope="module")
def link_inputs():
    """Slant ranges of LEO-600 .. GEO (m), elevations 10..90 deg, S- and Ka-band carriers."""
    rng = np.random.default_rng(11)
    distance_m = rng.uniform(600e3, 40_581e3, N_ITEMS)
    elevation_deg = rng.uniform(10.0, 90.0, N_ITEMS)
    freq_hz = rng.choice([2.0e9, 20.0e9], N_ITEMS)
    return distance_m, elevation_deg, freq_hz


@pytest.mark.parametrize("backend, seed", [
    ("twin", 1), ("c", 1), ("twin", None), ("c", None),
])
def test_bench_pathloss(benchmark, link_inputs, backend, seed):
    api = phy_ffi if backend == "c" else phy_ffi.twin
    benchmark.group = "pathloss" if seed is not None else "pathloss-mean"
    benchmark.extra_info["items"] = N_ITEMS
    benchmark.extra_info["baseline"] = backend == "twin"
    out = benchmark(api.pathloss, *link_inputs, "urban", seed=seed)
    assert not out.status.any()

"""Benchmark: the full link evaluation per (satellite, terminal, time), C core vs numpy twin.

Same inputs for both: S LEO-600 satellites x U terminals x T times through ``link_grid``
(look angles, range and its derivatives, delays, RTTs, Doppler and rate on two carriers,
delay drift, TA, with a feeder link). items = S * U * T evaluations per call.
"""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from tests.phy.circular_orbit import R_3GPP_M, circular_states

N_SAT, N_UE, N_T = 8, 32, 512
ITEMS = N_SAT * N_UE * N_T


@pytest.fixture(scope="module")
def grid_inputs():
    t = np.arange(N_T) * 1.0
    sats = [circular_states(R_3GPP_M + 600e3, 53.0, 45.0 * k, 20.0 * k, t) for k in range(N_SAT)]
    pos, vel, acc = (np.ascontiguousarray(np.stack([s[j] for s in sats])) for j in range(3))
    rng = np.random.default_rng(1)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, N_UE), rng.uniform(-180, 180, N_UE),
                                   0.0).ecef_m
    gateways = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, N_SAT),
                                        rng.uniform(-180, 180, N_SAT), 0.0).ecef_m
    return pos, vel, acc, ues, gateways


@pytest.mark.benchmark(group="link")
def test_bench_link_grid_twin(benchmark, grid_inputs):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = ITEMS
    out = benchmark(phy_ffi.twin.link_grid, *grid_inputs)
    assert out.range_m.shape == (N_SAT, N_UE, N_T)


@pytest.mark.benchmark(group="link")
def test_bench_link_grid_c(benchmark, grid_inputs):
    benchmark.extra_info["items"] = ITEMS
    out = benchmark(phy_ffi.link_grid, *grid_inputs)
    assert out.range_m.shape == (N_SAT, N_UE, N_T) and not out.status.any()

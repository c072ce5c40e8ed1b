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


def circular_grid(raan_deg, phase_deg, altitude_m: float, t_s, n_ue: int, seed: int,
                  gateways: bool):
    """Inputs of link_grid: circular orbits (one per RAAN / phase pair) sampled at t_s,
    n_ue random terminals (and one random gateway per satellite) from the seed."""
    sats = [circular_states(R_3GPP_M + altitude_m, 53.0, raan, phase, t_s)
            for raan, phase in zip(raan_deg, phase_deg, strict=True)]
    pos, vel, acc = (np.ascontiguousarray(np.stack([s[j] for s in sats])) for j in range(3))
    rng = np.random.default_rng(seed)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, n_ue), rng.uniform(-180, 180, n_ue),
                                   0.0).ecef_m
    if not gateways:
        return pos, vel, acc, ues
    n_sat = len(sats)
    return pos, vel, acc, ues, phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, n_sat),
                                                        rng.uniform(-180, 180, n_sat), 0.0).ecef_m


@pytest.fixture(scope="module")
def grid_inputs():
    k = np.arange(N_SAT)
    return circular_grid(45.0 * k, 20.0 * k, 600e3, np.arange(N_T) * 1.0, N_UE, 1, True)


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


@pytest.mark.benchmark(group="link")
def test_bench_link_grid_c_into_buffers(benchmark, grid_inputs):
    # the same call writing into one caller-provided buffer pair (no fresh pages per call)
    benchmark.extra_info["items"] = ITEMS
    out = phy_ffi.link_grid_buffers(N_SAT, N_UE, N_T)
    result = benchmark(phy_ffi.link_grid, *grid_inputs, out=out)
    assert result.range_m.shape == (N_SAT, N_UE, N_T) and not result.status.any()


# Grid shapes of issue 16 at a quarter of its satellites (396 of Walker 1584) and the same
# evaluations per shape: many terminals at one time, and few terminals over a short series.
SHAPES = {"396x500x1": (396, 500, 1), "396x8x64": (396, 8, 64)}


def shape_inputs(n_sat: int, n_ue: int, n_t: int):
    k = np.arange(n_sat)
    return circular_grid(360.0 * k / n_sat, 7.0 * k, 550e3, np.arange(n_t) * 60.0, n_ue, 2, False)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("backend", ["twin", "c", "c-into-buffers", "c-1-thread"])
def test_bench_link_grid_shape(benchmark, monkeypatch, backend, shape):
    # "c": as a caller gets it (split over the process's CPUs, phy_ffi.parallel), fresh
    # result arrays per call; "c-into-buffers": the same into one caller-provided buffer pair
    # (how a streamed grid runs: no page zeroing per call); "c-1-thread": NTNPHY_THREADS=1,
    # the kernel alone against the single-threaded twin
    n_sat, n_ue, n_t = SHAPES[shape]
    benchmark.group = f"link grid {shape}"
    benchmark.extra_info["items"] = n_sat * n_ue * n_t
    if backend == "twin":
        benchmark.extra_info["baseline"] = True
    if backend == "c-1-thread":
        monkeypatch.setenv("NTNPHY_THREADS", "1")
    module = phy_ffi.twin if backend == "twin" else phy_ffi
    kwargs = {"out": phy_ffi.link_grid_buffers(*SHAPES[shape])} if backend == "c-into-buffers" \
        else {}
    out = benchmark.pedantic(module.link_grid, args=shape_inputs(*SHAPES[shape]), kwargs=kwargs,
                             rounds=20, iterations=1)
    assert out.range_m.shape == (n_sat, n_ue, n_t)


@pytest.mark.benchmark(group="link")
def test_bench_link_grid_c_elevation_only(benchmark, grid_inputs):
    # one field of 15 written (what visibility needs), into caller buffers
    benchmark.extra_info["items"] = ITEMS
    out = phy_ffi.link_grid_buffers(N_SAT, N_UE, N_T, fields="elevation_deg")
    result = benchmark(phy_ffi.link_grid, *grid_inputs, out=out, fields="elevation_deg")
    assert result.elevation_deg.shape == (N_SAT, N_UE, N_T) and result.range_m is None


# Store-bandwidth bound of the full-field grid: writing the same bytes (15 float64 planes and
# the int32 status, 124 B per element) into the same reused buffers with ndarray.fill, the
# baseline; the C core's call into them, whose ratio is its fraction of that bound (issue 16).
@pytest.mark.benchmark(group="link store bound")
def test_bench_link_grid_store_bound_fill(benchmark):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = ITEMS
    fields, status = phy_ffi.link_grid_buffers(N_SAT, N_UE, N_T)

    def fill():
        fields.fill(1.0)
        status.fill(0)
        return fields
    assert benchmark(fill)[0, 0, 0, 0] == 1.0


@pytest.mark.benchmark(group="link store bound")
def test_bench_link_grid_store_bound_c(benchmark, grid_inputs):
    benchmark.extra_info["items"] = ITEMS
    out = phy_ffi.link_grid_buffers(N_SAT, N_UE, N_T)
    result = benchmark(phy_ffi.link_grid, *grid_inputs, out=out)
    assert not result.status.any()


# The same bound where it is a memory bound: a full-field grid of 64 x 32 x 512 (130 MB of
# output, four times the benchmark machine's 32 MB L3) into reused buffers, against filling
# those buffers (one thread fills them as fast as two here: 4.4-4.5 ms either way, measured
# 2026-12-07), with the grid as a caller gets it and in one thread.
BIG_SAT = 64


@pytest.fixture(scope="module")
def big_grid():
    k = np.arange(BIG_SAT)
    inputs = circular_grid(360.0 * k / BIG_SAT, 20.0 * k, 600e3, np.arange(N_T) * 1.0, N_UE, 1,
                           True)
    return inputs, phy_ffi.link_grid_buffers(BIG_SAT, N_UE, N_T)


@pytest.mark.benchmark(group="link store bound, 130 MB")
def test_bench_link_grid_memory_bound_fill(benchmark, big_grid):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = BIG_SAT * N_UE * N_T
    fields, status = big_grid[1]

    def fill():
        fields.fill(1.0)
        status.fill(0)
        return fields
    assert benchmark.pedantic(fill, rounds=10, iterations=1, warmup_rounds=1)[0, 0, 0, 0] == 1.0


@pytest.mark.parametrize("threads", ["all", "1"])
@pytest.mark.benchmark(group="link store bound, 130 MB")
def test_bench_link_grid_memory_bound_c(benchmark, monkeypatch, big_grid, threads):
    benchmark.extra_info["items"] = BIG_SAT * N_UE * N_T
    if threads == "1":
        monkeypatch.setenv("NTNPHY_THREADS", "1")
    inputs, out = big_grid
    result = benchmark.pedantic(phy_ffi.link_grid, args=inputs, kwargs={"out": out}, rounds=10,
                                iterations=1, warmup_rounds=1)
    assert not result.status.any()

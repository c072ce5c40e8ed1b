"""Benchmark: passes of a Walker 1584/72/1 550 km constellation over Beijing for 24 h.

Three figures in one run (BENCHMARKS.md):
- the scalar search of the first round (tests/link/passes_reference.py, one satellite at a
  time) against the vectorised search, on the same 132 satellites (every 12th: the scalar
  search is linear in satellites, so its full-constellation time is 12x this);
- the vectorised search over all 1,584 satellites against plain vectorised numpy computing
  every satellite's elevation at 60 s steps over the same day (the floor the issue names).
items = satellites searched per call.
"""
import numpy as np
import pytest

from ntnstack.link.passes import elevation_from, passes_many
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import parse_orbit_specs
from ntnstack.orbit.batch import SourceBatch
from tests.link.passes_reference import reference_passes_many

START = 1767225600.0  # 2026-01-01T00:00:00Z
DAY_S = 86400.0
UE = parse_position("39.9,116.4,0", "--ue")
WALKER = parse_orbit_specs("walker:1584/72/1:550:53", START, "--sat")
SAMPLE = WALKER[::12]


@pytest.mark.benchmark(group="passes, 132 of Walker 1584, 24 h")
def test_bench_passes_scalar_sample(benchmark):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = len(SAMPLE)
    found = benchmark.pedantic(reference_passes_many, (SAMPLE, UE, START, DAY_S),
                               rounds=1, iterations=1)
    assert found


@pytest.mark.benchmark(group="passes, 132 of Walker 1584, 24 h")
def test_bench_passes_vectorised_sample(benchmark):
    benchmark.extra_info["items"] = len(SAMPLE)
    found = benchmark.pedantic(passes_many, (SAMPLE, UE, START, DAY_S), rounds=3, iterations=1)
    assert found


def _numpy_elevations_every_60_s():
    t = START + np.arange(0.0, DAY_S + 60.0, 60.0)
    return elevation_from(UE, SourceBatch(WALKER).positions_grid(t))


@pytest.mark.benchmark(group="passes, Walker 1584, 24 h")
def test_bench_numpy_elevations_at_60_s(benchmark):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = len(WALKER)
    el = benchmark.pedantic(_numpy_elevations_every_60_s, rounds=3, iterations=1)
    assert el.shape == (len(WALKER), 1441)


@pytest.mark.benchmark(group="passes, Walker 1584, 24 h")
def test_bench_passes_vectorised_constellation(benchmark):
    benchmark.extra_info["items"] = len(WALKER)
    found = benchmark.pedantic(passes_many, (WALKER, UE, START, DAY_S), rounds=3, iterations=1)
    benchmark.extra_info["passes"] = len(found)
    assert len(found) > len(WALKER)

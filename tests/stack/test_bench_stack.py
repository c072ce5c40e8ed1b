"""Benchmark: 1,000 UEs attaching during one LEO-600 pass, in virtual time (issues 6, 16).

Group "stack-leo-attach": each UE runs the whole attach (SIB acquisition, NPRACH with its
own TA from the C core, RRC connection, EPS AKA with Milenage, security mode with EIA2 /
EEA2, default bearer; every message UPER / NAS encoded) in its own virtual timeline over the
same cell, power-ons spread evenly over the pass (``ntnstack.stack.load``, the code behind
``ntnstack stack --ues N``). ``x_real_time`` = pass span / wall time of one call; issue 6's
target is at least 50, issue 16's 100 for 10,000 UEs (the second case: the same pass, ten
times as many UEs; its ratio to the baseline is 0.1x at equal cost per UE).
"""
from __future__ import annotations

import pytest

from ntnstack.stack.load import attach_many, load_span
from ntnstack.stack.presets import leo_cells
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S

UES = 1000


def _attach_in_one_pass(benchmark, ues: int):
    cells = leo_cells(START_UNIX_S, (600.0,))
    first, span = load_span(cells, START_UNIX_S, "leo", UeConfig())
    benchmark.extra_info["items"] = ues
    result = benchmark.pedantic(attach_many, args=(cells, first, span, ues), rounds=1,
                                iterations=1)
    assert result.attached == ues
    figures = result.as_dict()
    benchmark.extra_info["cpu_ms_per_ue"] = round(figures["cpu_s_per_ue"] * 1e3, 2)
    benchmark.extra_info["peak_rss_mb"] = figures["peak_rss_mb"]
    if benchmark.stats is not None:
        benchmark.extra_info["x_real_time"] = round(span / benchmark.stats.stats.mean, 1)


@pytest.mark.bench
@pytest.mark.benchmark(group="stack-leo-attach")
def test_bench_thousand_ues_attach_in_one_leo_pass(benchmark):
    benchmark.extra_info["baseline"] = True
    _attach_in_one_pass(benchmark, UES)


@pytest.mark.bench
@pytest.mark.benchmark(group="stack-leo-attach")
def test_bench_ten_thousand_ues_attach_in_one_leo_pass(benchmark):
    _attach_in_one_pass(benchmark, 10 * UES)

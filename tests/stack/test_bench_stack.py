"""Benchmark: 1,000 UEs attaching during one LEO-600 pass, in virtual time (issue 6).

Group "stack-leo-attach": each UE runs the whole attach (SIB acquisition, NPRACH with its
own TA from the C core, RRC connection, EPS AKA with Milenage, security mode with EIA2 /
EEA2, default bearer; every message UPER / NAS encoded) in its own virtual timeline over the
same cell, start times spread evenly over the pass (10 deg rise to set). ``x_real_time`` =
pass duration / wall time of one call; the issue's target is at least 50.
"""
from __future__ import annotations

import pytest

from ntnstack.link import ground_point, passes
from ntnstack.orbit import REFERENCE_UE
from ntnstack.stack.presets import leo_cells, new_session
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S

UES = 1000


def _attach_all(cells, rise: float, span: float) -> int:
    ok = 0
    for i in range(UES):
        ue = UeConfig(imsi=f"00101{i:010d}", seed=i)
        ok += new_session(cells, rise + i * span / UES, ue=ue).attach().ok
    return ok


@pytest.mark.bench
@pytest.mark.benchmark(group="stack-leo-attach")
def test_bench_thousand_ues_attach_in_one_leo_pass(benchmark):
    cells = leo_cells(START_UNIX_S, (600.0,))
    (p,) = passes(cells[0].source, ground_point(*REFERENCE_UE), START_UNIX_S, 1200.0)
    span = p.set_unix_s - p.rise_unix_s - 30.0     # the last attach ends before the set
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = UES
    ok = benchmark.pedantic(_attach_all, args=(cells, p.rise_unix_s, span), rounds=1,
                            iterations=1)
    assert ok == UES
    if benchmark.stats is not None:
        benchmark.extra_info["x_real_time"] = round(span / benchmark.stats.stats.mean, 1)

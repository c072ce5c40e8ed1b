"""Benchmark (issue 19): UEs through attach, data, release, MO SMS and detach per second,
with their NAS over S1AP (asn1tools APER, userspace SCTP on an in-memory link, ntnstack's MME
behind S1apMme) against the baseline of the same UEs calling the MME in process
(``ntnstack stack``'s path). Group "s1ap-ue-flows"; the ratio is what S1AP + SCTP cost."""
from __future__ import annotations

import pytest

from ntnstack.s1ap.loopback import Loopback
from ntnstack.s1ap.ue_load import run_ues
from ntnstack.stack import geo_cell
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.test_enb_mme import GEO_SPAN_S, _mme

UES = 200


@pytest.mark.bench
@pytest.mark.benchmark(group="s1ap-ue-flows")
def test_bench_ue_flows_in_process(benchmark):
    cell = geo_cell(T0_UNIX_S)
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = UES
    report = benchmark.pedantic(lambda: run_ues(_mme(UES), [cell], UES, T0_UNIX_S, GEO_SPAN_S),
                                rounds=1, iterations=1)
    assert report.failures == []


@pytest.mark.bench
@pytest.mark.benchmark(group="s1ap-ue-flows")
def test_bench_ue_flows_over_s1ap(benchmark):
    cell = geo_cell(T0_UNIX_S)
    benchmark.extra_info["items"] = UES

    def flows():
        loop = Loopback(_mme(UES), cell, "nbiot-geo")
        try:
            return run_ues(loop.enb, [cell], UES, T0_UNIX_S, GEO_SPAN_S)
        finally:
            loop.close()

    report = benchmark.pedantic(flows, rounds=1, iterations=1)
    assert report.failures == []

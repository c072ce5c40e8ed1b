"""Benchmark: NTN SIBs encoded and decoded per second (target >= 5000/s on one core).

Baseline: the bare asn1tools UPER encode + decode (constraints checked) of a fixed SIB19
field dict. The measured case adds what the stack does each time: quantise an NtnSib
(physical units) to fields, encode, decode and convert back to physical units.
"""
from __future__ import annotations

import pytest

from ntnstack.rrc.codec import decode_sib, encode_sib
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import NtnSib
from tests.rrc.test_codec import SAMPLE

SIB = NtnSib("sib19", SAMPLE)
FIELDS = to_fields(SIB)


def _bare():
    return decode_sib("sib19", encode_sib("sib19", FIELDS))


def _physical():
    return from_fields("sib19", decode_sib("sib19", encode_sib("sib19", to_fields(SIB))))


@pytest.mark.parametrize("case", ["asn1tools", "physical"])
def test_bench_sib_encode_decode(benchmark, case):
    benchmark.group = "SIB19 encode+decode"
    benchmark.extra_info["items"] = 1
    if case == "asn1tools":
        benchmark.extra_info["baseline"] = True
        assert benchmark(_bare) == FIELDS
    else:
        assert to_fields(benchmark(_physical)) == FIELDS

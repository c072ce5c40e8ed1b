"""Every message on the air and every procedure time of a 200-UE load run stays what it was.

The load run's speed-ups (issue 16: encoded-message templates, cached key schedules, shared
decodes) must not change one octet or one float. The test runs the attach of 200 UEs spread
over one LEO-600 pass exactly as ``ntnstack.stack.load.attach_many`` does, but with a pcap per
UE, and hashes (SHA-256) each UE's pcap file (every RRC PDU with its NAS, its dissector name
and its eNB-side time in microseconds) and the repr of every procedure result (start, end,
round trips, details with the TA / Doppler / HARQ figures as exact floats) and event.

``DIGEST_BEFORE_SPEEDUPS`` was first recorded from the code of main at commit c30aebc (before
any change of the speed branch) by running this very test and printing the digest, on this
project's 2-core AMD EPYC VM (AVX2 + FMA). The air then changed on purpose once: the UE reads
SIB2-NB (now in each pcap) before random access and follows it (NPRACH occasions
nprach-StartTime 8 ms into the period, RAR window 8 PDCCH periods of 32 ms), and the
"nprach" event names its occasion (``occasion_unix_s``); tests/stack/test_random_access.py
checks those times against the spec. The digest was re-recorded with the commit that made
that change (``git log -S`` on the value finds it), changing nothing else; from there on it
guards the speed-ups again. The times are exact floats, and numpy's dot of the delays uses
the BLAS kernel of the CPU (FMA here): on a CPU family where it rounds differently the
digest is re-recorded by running this test at that commit (`git archive`, as
tests/stack/test_bench_stack_before_after.py does), never by copying the new value.
"""
from __future__ import annotations

import dataclasses
import hashlib

from ntnstack.stack.load import load_span
from ntnstack.stack.mme import Mme
from ntnstack.stack.presets import leo_cells, new_session
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S

UES = 200
DIGEST_BEFORE_SPEEDUPS = "b80f25d6a507e194b9db88bacdc2be7ae2f6daa70dbd1c994f589792003e71ff"


def air_digest(tmp_path) -> str:
    """SHA-256 over each UE's pcap and the repr of its results and events, UE by UE."""
    cells = leo_cells(START_UNIX_S, (600.0,))
    base = UeConfig()
    first, span = load_span(cells, START_UNIX_S, "leo", base)
    mme = Mme(eea="eea2", seed=base.seed)
    digest = hashlib.sha256()
    for i in range(UES):
        config = dataclasses.replace(base, imsi=f"00101{i:010d}", seed=i)
        pcap = tmp_path / f"ue{i}.pcap"
        session = new_session(cells, first + i * span / UES, ue=config, mme=mme, pcap=pcap)
        try:
            result = session.attach()
        finally:
            session.close()
        assert result.ok, result.reason
        digest.update(pcap.read_bytes())
        digest.update(repr((session.results, session.events)).encode())
    return digest.hexdigest()


def test_two_hundred_ue_attaches_are_byte_and_time_identical_to_main(tmp_path):
    assert air_digest(tmp_path) == DIGEST_BEFORE_SPEEDUPS

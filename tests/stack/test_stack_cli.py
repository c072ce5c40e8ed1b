"""``ntnstack stack``: the procedures of one UE from the command line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.stack.conftest import tshark_rows

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ntnstack", "stack", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_geo_run_writes_rows_and_a_pcap(tmp_path):
    pcap = tmp_path / "geo.pcap"
    out = _run("--orbit", "geo", "--eea", "eea0", "--pcap", str(pcap), "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["procedure"] for r in rows] == ["attach", "data", "sms", "release"]
    assert rows[0]["round_trips"] == 5 and rows[0]["details"]["attempts"] == 1
    infos = [r[0] for r in tshark_rows(pcap, "_ws.col.Info")]
    assert infos[0] == "MasterInformationBlock-NB" and infos[-1] == "RRCConnectionRelease-NB"
    # the cell's SIB2-NB, whose NPRACH and RAR window the UE's random access follows
    assert "SystemInformation-NB [ SIB2 ]" in infos[:4]


def test_gnss_error_fails_with_the_reason():
    out = _run("--gnss-error-m", "0,100e3,0")
    assert out.returncode == 1
    assert "beyond the NPRACH CP 266.7 us" in out.stdout


def test_bad_vector_names_the_option():
    out = _run("--gnss-error-m", "1,2")
    assert out.returncode == 2 and "--gnss-error-m" in out.stderr


def test_non_finite_or_huge_vector_is_refused_in_one_line():
    for bad in ("nan,0,0", "1e300,0,0"):
        out = _run("--gnss-error-m", bad)
        assert out.returncode == 2 and out.stderr.count("\n") == 1
        assert "--gnss-error-m" in out.stderr and "Traceback" not in out.stderr

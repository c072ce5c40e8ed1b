"""``ntnstack sib``: encode / decode / residuals through the CLI entry point."""
from __future__ import annotations

import json

import pytest

from ntnstack.cli import main

TIME = "2026-01-01T00:10:00Z"


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["sib31", "sib31-nb", "sib19"])
@pytest.mark.parametrize("fmt", ["state-vectors", "orbital"])
def test_encode_then_decode(capsys, kind, fmt):
    code, out, _ = _run(capsys, "sib", "encode", "--kind", kind, "--sat", "geo:110.5",
                        "--time", TIME, "--ephemeris", fmt, "--gateway", "40,116,50", "--json")
    assert code == 0
    enc = json.loads(out)
    code, out, _ = _run(capsys, "sib", "decode", "--kind", kind, enc["hex"], "--json")
    assert code == 0
    dec = json.loads(out)
    assert dec["fields"] == enc["fields"]
    assert dec["physical"]["config"]["validity_s"] == 20
    assert enc["physical"]["config"]["epoch"] == {"sfn": 608, "subframe": 0}  # 600 s after 0


def test_encode_writes_a_pcap(capsys, tmp_path):
    path = tmp_path / "sib.pcap"
    code, out, _ = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--time", TIME, "--pcap", str(path))
    assert code == 0 and len(bytes.fromhex(out.strip())) > 20 and path.stat().st_size > 24


def test_decode_malformed_exits_2_with_kind_and_offset(capsys):
    code, out, _ = _run(capsys, "sib", "encode", "--kind", "sib31", "--sat", "geo:110.5",
                        "--time", TIME)
    code, _, err = _run(capsys, "sib", "decode", "--kind", "sib31", out.strip()[:16])
    assert code == 2 and "sib31: malformed message at bit offset" in err
    code, _, err = _run(capsys, "sib", "decode", "--kind", "sib19", "xyz")
    assert code == 2 and "HEX" in err


def test_bad_arguments_exit_2(capsys):
    code, _, err = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat", "geo:110.5",
                        "--time", TIME, "--validity-s", "7")
    assert code == 2 and "validity" in err
    code, _, err = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat", "geo:110.5",
                        "--time", TIME, "--gateway", "north")
    assert code == 2 and "--gateway" in err


def test_residuals_marks_the_end_of_validity(capsys):
    code, out, _ = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--ue", "39.9042,116.4074,50", "--time", TIME,
                        "--max-age-s", "30", "--step-s", "10", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["age_s"] for r in rows] == [0, 10, 20, 30]
    assert [r["expired"] for r in rows] == [False, False, False, True]
    assert all(abs(r["ta_error_s"]) < 1e-6 for r in rows)
    code, out, _ = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--ue", "39.9042,116.4074,50", "--time", TIME,
                        "--max-age-s", "30", "--step-s", "10")
    assert code == 0 and "expired (validity ends at 20 s)" in out

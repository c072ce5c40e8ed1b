"""``ntnstack sib``: encode / decode / residuals through the CLI entry point."""
from __future__ import annotations

import json
import os

import pytest

from ntnstack.cli import main
from ntnstack.orbit.presets import REFERENCE_UE
from tests.tolerances import TE_UL_TIMING_15KHZ

TIME = "2026-01-01T00:10:00Z"
# Preset elements are set at --time in the frame aligned with ECEF then, so the LEO-600
# preset is always over 12.7 N 89.9 E at the epoch: this UE sees it at 25.6 deg
# (``ntnstack link --sat preset:tr38821-leo600 --ue 20,95,0``); Beijing does not see it.
UE_UNDER_LEO = "20,95,0"


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["sib31", "sib31-nb", "sib19"])
@pytest.mark.parametrize("fmt", ["state-vectors", "orbital"])
def test_encode_then_decode(capsys, kind, fmt):
    code, out, _ = _run(capsys, "sib", "encode", "--kind", kind, "--sat", "geo:110.5",
                        "--start", TIME, "--ephemeris", fmt, "--gateway", "40,116,50", "--json")
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
                        "preset:tr38821-leo600", "--start", TIME, "--pcap", str(path))
    assert code == 0 and len(bytes.fromhex(out.strip())) > 20 and path.stat().st_size > 24


def test_decode_malformed_exits_2_with_kind_and_offset(capsys):
    code, out, _ = _run(capsys, "sib", "encode", "--kind", "sib31", "--sat", "geo:110.5",
                        "--start", TIME)
    code, _, err = _run(capsys, "sib", "decode", "--kind", "sib31", out.strip()[:16])
    assert code == 2 and "sib31: malformed message at bit offset" in err
    code, _, err = _run(capsys, "sib", "decode", "--kind", "sib19", "xyz")
    assert code == 2 and "HEX" in err


def test_bad_arguments_exit_2(capsys):
    code, _, err = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat", "geo:110.5",
                        "--start", TIME, "--validity-s", "7")
    assert code == 2 and "validity" in err
    code, _, err = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat", "geo:110.5",
                        "--start", TIME, "--gateway", "north")
    assert code == 2 and "--gateway" in err


def test_residuals_marks_the_end_of_validity(capsys):
    code, out, _ = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--ue", UE_UNDER_LEO, "--start", TIME,
                        "--max-age-s", "30", "--step-s", "10", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["age_s"] for r in rows] == [0, 10, 20, 30]
    assert [r["expired"] for r in rows] == [False, False, False, True]
    # Within its validity the UE's TA must meet the UL timing accuracy Te (TS 38.133 7.1.2).
    assert all(abs(r["ta_error_s"]) < TE_UL_TIMING_15KHZ for r in rows if not r["expired"])
    code, out, _ = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--ue", UE_UNDER_LEO, "--start", TIME,
                        "--max-age-s", "30", "--step-s", "10")
    assert code == 0 and "expired (validity ends at 20 s)" in out


def test_residuals_of_the_leo_preset_anchored_before_the_broadcast(capsys):
    # preset:tr38821-leo600 culminates over the reference UE 600 s after its anchor
    # (ntnstack.orbit.presets): anchored at 00:00, it is overhead at TIME (00:10)
    sat = "preset:tr38821-leo600@2026-01-01T00:00:00Z"
    reference_ue = ",".join(str(v) for v in REFERENCE_UE)
    code, out, _ = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat", sat, "--ue",
                        reference_ue, "--start", TIME, "--max-age-s", "20", "--json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert all(abs(r["ta_error_s"]) < TE_UL_TIMING_15KHZ for r in rows)
    code, _, err = _run(capsys, "sib", "residuals", "--kind", "sib19", "--sat",
                        "preset:tr38821-leo600", "--ue", reference_ue, "--start", TIME)
    assert code == 2 and "anchored at --start, SPEC@ISO8601 anchors it elsewhere" in err


@pytest.mark.parametrize("argv, message", [
    (["encode", "--validity-s", "7"], "--validity-s: 7 is not one of 5, 10"),
    (["encode", "--koffset-margin-ms", "-5"], "--koffset-margin-ms: -5 is outside 0..1023"),
    (["encode", "--gateway", "0,0,0"], "--gateway: TR38821-LEO600 is below its horizon"),
    (["encode", "--gateway", ""], "--gateway '': expected LAT,LON,ALT_M"),
    (["encode", "--pcap", ""], "--pcap: empty file name"),
    (["encode", "--pcap", "."], "pcap .: Is a directory"),
    (["encode", "--start", "9999-12-31T23:59:59Z"], "--start '9999-12-31T23:59:59Z': year"),
    (["encode", "--start", "2150-01-01T00:00:00Z", "--pcap", os.devnull],
     "outside what a pcap stamp holds"),
    (["residuals", "--ue", "0,0,0"], "--ue: TR38821-LEO600 is below its horizon"),
    (["residuals", "--ue", UE_UNDER_LEO, "--freq-hz", "1e300"], "--freq-hz: 1e+300 is outside"),
    (["residuals", "--ue", UE_UNDER_LEO, "--freq-hz", "nan"], "--freq-hz: nan is outside"),
    (["residuals", "--ue", UE_UNDER_LEO, "--step-s", "0"], "--step-s: 0.0 is not a finite"),
    (["residuals", "--ue", UE_UNDER_LEO, "--max-age-s", "-1"], "--max-age-s: -1 is outside"),
    (["residuals", "--ue", "nan,0,0"], "--ue 'nan,0,0': latitude must be a finite number"),
])
def test_bad_cell_and_residual_arguments_name_the_argument(capsys, argv, message):
    verb, *rest = argv
    cell = ["--kind", "sib19", "--sat", "preset:tr38821-leo600", "--start", TIME]
    code, out, err = _run(capsys, "sib", verb, *cell, *rest)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("text, message", [
    ("", "HEX: no hex digits given"),
    ("0", "HEX: '0' is not hex digits"),
    ("0x12", "HEX: '0x12' is not hex digits"),
    ("ffffffffffffffff", "sib19: malformed message at bit offset 0"),
])
def test_decode_garbage_names_hex_or_bit_offset(capsys, text, message):
    code, _, err = _run(capsys, "sib", "decode", "--kind", "sib19", text)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_the_json_epoch_is_the_subframe_start_to_the_microsecond(capsys):
    # SFN 0 at 00:10:00.0075: the subframe holding 00:10:00 starts 0.5 ms before it, at
    # 00:09:59.9995 (SFN 1023, subframe 2); in milliseconds it would read 00:10:00.000
    code, out, _ = _run(capsys, "sib", "encode", "--kind", "sib19", "--sat",
                        "preset:tr38821-geo", "--start", TIME, "--sfn0",
                        "2026-01-01T00:10:00.0075Z", "--json")
    enc = json.loads(out)
    assert code == 0 and enc["epoch"] == "2026-01-01T00:09:59.999500Z"
    assert enc["fields"]["ntn-Config-r17"]["epochTime-r17"] == {"sfn-r17": 1023,
                                                              "subFrameNR-r17": 2}

"""``--sctp raw``: libusrsctp over raw IP (protocol 132), standard SCTP on the wire without
the kernel's SCTP. ``ntnstack mme`` and ``ntnstack enb`` as two processes on loopback, the
packets captured on the loopback interface by tshark itself (not by our tap) and dissected
as SCTP / S1AP with correct CRC32c; the eNB's own capture holds the same S1AP procedures.
Needs root (CAP_NET_RAW): skipped locally without it, a failure when CI is set."""
from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest

from ntnstack.sctp.choice import raw_sctp_error
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.processes import cli, mme_then_enb
from tests.s1ap.test_enb_mme import PROCEDURE_CODES

UES = 5
CAPTURE_READY_S = 30


def _need_raw_sctp():
    reason = raw_sctp_error()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"--sctp raw: {reason}")
        pytest.skip(f"--sctp raw: {reason}")


def _fields(tshark: str, pcap, *extra: str) -> list[list[str]]:
    rows = subprocess.run([tshark, "-r", str(pcap), "-o", "sctp.checksum:CRC-32C", *extra,
                           "-T", "fields", "-e", "ip.proto", "-e", "sctp.checksum.status",
                           "-e", "s1ap.procedureCode", "-e", "_ws.malformed"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split("\t") for line in rows.splitlines()]


def _codes(rows) -> set[int]:
    return {int(c) for _, _, code, _ in rows for c in code.split(",") if c}


def test_mme_and_enb_over_raw_ip_carry_standard_sctp(require_tool, tmp_path):
    _need_raw_sctp()
    tshark = require_tool("tshark")
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(subprocess.run(
        cli("enb", "--ues", str(UES), "--print-subscribers"), cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=60).stdout)
    wire = tmp_path / "wire.pcap"
    capture = subprocess.Popen([tshark, "-i", "lo", "-f", "ip proto 132", "-w", str(wire)],
                               stderr=subprocess.PIPE, text=True)
    try:
        for line in capture.stderr:          # tshark says so once it captures
            if "Capturing on" in line:
                break
        own = tmp_path / "enb.pcap"
        done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                                 str(subscribers), "--json", "--sctp", "raw"),
                            "--ues", str(UES), "--pcap", str(own), "--json", "--sctp", "raw")
    finally:
        capture.send_signal(signal.SIGINT)
        capture.wait(CAPTURE_READY_S)
    assert done.enb.args[done.enb.args.index("--mme") + 1] == "127.0.0.1:36412"
    assert done.enb.returncode == 0, done.enb.stderr
    report = json.loads(done.enb.stdout)
    assert report["failures"] == []
    assert {name: row["ok"] for name, row in report["procedures"].items()} == {
        "attach": UES, "data": UES, "sms": UES, "detach": UES}
    assert done.mme_returncode == 0, done.mme_err
    on_the_wire = _fields(tshark, wire)
    # every packet is SCTP straight in IP (protocol 132), checksum good (1), none malformed
    assert on_the_wire and all(proto == "132" and status == "1" and malformed == ""
                               for proto, status, _, malformed in on_the_wire)
    assert _codes(on_the_wire) == PROCEDURE_CODES
    ours = _fields(tshark, own)
    assert all(proto == "132" and status == "1" for proto, status, _, _ in ours)
    assert _codes(ours) == PROCEDURE_CODES


def test_raw_is_refused_with_a_reason_when_it_cannot_be_had(monkeypatch):
    from ntnstack.errors import InputError
    from ntnstack.sctp import choice

    monkeypatch.setattr(choice, "raw_sctp_error", lambda: "a raw IP socket needs root")
    with pytest.raises(InputError, match="--sctp raw: a raw IP socket needs root"):
        choice.choose_sctp("raw")

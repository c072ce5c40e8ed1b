"""Wireshark reads our S1AP as the specification does: tshark (Debian 12, 4.0) dissects every
message of the subset, written as SCTP DATA chunks (PPID 18) over IPv4 in a pcap, as S1AP
with the procedure code and message name we meant, shows the Rel-17 NTN information with our
values, and raises no expert information and no malformed packet."""
from __future__ import annotations

import re
import subprocess

from ntnstack.capture.sctp import SctpPcapWriter
from ntnstack.s1ap.codec import encode_pdu
from ntnstack.s1ap.messages import RAT_TYPES
from ntnstack.s1ap.spec import s1ap_spec
from tests.s1ap.conftest import T0_UNIX_S

ENB = ("127.0.0.1", 38412)
MME = ("127.0.0.2", 36412)      # the S1-MME SCTP port (TS 36.412 clause 7)
FIELDS = ("s1ap.procedureCode", "_ws.col.Info", "s1ap.RAT_Type", "s1ap.TAC",
          "_ws.expert.severity", "_ws.malformed")


def _rows(tshark: str, pcap) -> list[dict[str, str]]:
    command = [tshark, "-r", str(pcap), "-T", "fields", "-E", "occurrence=a", "-E",
               "separator=|"] + [arg for f in FIELDS for arg in ("-e", f)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    return [dict(zip(FIELDS, line.split("|"), strict=True)) for line in out.stdout.splitlines()]


def test_tshark_dissects_every_message(require_tool, pdus, tmp_path):
    tshark = require_tool("tshark")
    pcap = tmp_path / "s1ap.pcap"
    with SctpPcapWriter(pcap) as writer:
        for i, pdu in enumerate(pdus):
            src, dst = (ENB, MME) if pdu.message in UPLINK else (MME, ENB)
            writer.write(src, dst, int(pdu.ue_associated), encode_pdu(pdu), T0_UNIX_S + i)
    rows = _rows(tshark, pcap)
    assert len(rows) == len(pdus)
    for pdu, row in zip(pdus, rows, strict=True):
        assert int(row["s1ap.procedureCode"]) == s1ap_spec().procedure_of(pdu.message)[0].code
        assert re.split(r"[, ]", row["_ws.col.Info"])[0] == pdu.message
        assert row["_ws.expert.severity"] == "" and row["_ws.malformed"] == "", pdu.message
    setup, initial_ue, uplink = rows[0], rows[3], rows[5]
    assert RAT_TYPES[int(setup["s1ap.RAT_Type"])] == "nbiot-geo"
    # s1ap.TAC: the items of tACList-In-LTE-NTN (conftest: TACs 0x0101, 0x0102; 0x0101)
    assert initial_ue["s1ap.TAC"].split(",") == ["257", "258"]
    assert uplink["s1ap.TAC"].split(",") == ["257"]


UPLINK = {"S1SetupRequest", "InitialUEMessage", "UplinkNASTransport",
          "InitialContextSetupResponse", "UEContextReleaseRequest", "UEContextReleaseComplete",
          "ErrorIndication"}

"""The S1AP messages of a capture as tshark dissects them (its PDML): one per S1AP PDU, in
capture order (several per packet when SCTP bundled them), each with the fields tshark shows
in it, the NAS it carries included."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

TSHARK_TIMEOUT_S = 60
INITIATING, SUCCESSFUL = 0, 1          # S1AP-PDU choice (TS 36.413 9.3.2)
INITIAL_CONTEXT_SETUP, DOWNLINK_NAS, UPLINK_NAS, S1_SETUP = 9, 11, 13, 17   # 9.3.6
ATTACH_REQUEST, ATTACH_ACCEPT, ATTACH_COMPLETE = 0x41, 0x42, 0x43           # TS 24.301 9.8


@dataclass(frozen=True)
class S1apMessage:
    """One S1AP PDU: the SCTP source port of its packet and tshark's fields in it (field
    name -> the values tshark shows, in order; ``shownames``: its texts, e.g. "PagingDRX: v256
    (3)")."""

    sctp_src_port: int
    fields: dict[str, tuple[str, ...]]
    shownames: dict[str, tuple[str, ...]]

    def first(self, name: str) -> str | None:
        values = self.fields.get(name, ())
        return values[0] if values else None

    @property
    def kind(self) -> tuple[int, int]:
        """(S1AP-PDU choice: 0 initiating, 1 successful, 2 unsuccessful; procedure code)."""
        return int(self.first("s1ap.S1AP_PDU")), int(self.first("s1ap.procedureCode"))

    @property
    def emm_type(self) -> int | None:
        """The message type of the EMM message the PDU carries (tshark shows it in hex)."""
        value = self.first("nas_eps.nas_msg_emm_type")
        return None if value is None else int(value, 16)

    @property
    def enb_ue_id(self) -> int | None:
        value = self.first("s1ap.ENB_UE_S1AP_ID")
        return None if value is None else int(value)


def s1ap_messages(tshark: str, pcap: Path, udp_port: int | None = None) -> list[S1apMessage]:
    """Every S1AP PDU of ``pcap``; ``udp_port``: SCTP over UDP on that port (RFC 6951)."""
    decode = ["-d", f"udp.port=={udp_port},sctp"] if udp_port is not None else []
    pdml = subprocess.run([tshark, "-r", str(pcap), *decode, "-Y", "s1ap", "-T", "pdml"],
                          capture_output=True, check=True, timeout=TSHARK_TIMEOUT_S).stdout
    messages = []
    for packet in ET.fromstring(pdml).iter("packet"):
        port = int(packet.find("proto[@name='sctp']/field[@name='sctp.srcport']").get("show"))
        for proto in packet.findall("proto[@name='s1ap']"):
            shows: dict[str, list[str]] = {}
            names: dict[str, list[str]] = {}
            for field in proto.iter("field"):
                shows.setdefault(field.get("name"), []).append(field.get("show"))
                names.setdefault(field.get("name"), []).append(field.get("showname"))
            messages.append(S1apMessage(port, {k: tuple(v) for k, v in shows.items()},
                                        {k: tuple(v) for k, v in names.items()}))
    return messages

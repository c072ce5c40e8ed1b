"""pcap of upper-layer PDUs that Wireshark / tshark dissect with no preferences.

Link type 252 (LINKTYPE_WIRESHARK_UPPER_PDU, "exported PDU"): each packet starts with tags
(type, length: big-endian uint16 each; value padded with NUL to a multiple of 4 octets).
Tag 12 (EXP_PDU_TAG_DISSECTOR_NAME, formerly PROTO_NAME) names the dissector that takes
the payload (e.g. ``lte-rrc.bcch.dl.sch``, ``lte-rrc.bcch.dl.sch.nb``, ``nr-rrc.bcch.dl.sch``,
``nas-eps``); tag 0 ends the options. Written through scapy's PcapWriter, which takes any
link type; scapy writes the file header only with its first scapy packet, so the writer
writes it explicitly before raw bytes.

One clock: the caller passes each packet's time (unix seconds, from the clock object).
"""
from __future__ import annotations

import math
import struct
from pathlib import Path

from scapy.utils import PcapWriter as _ScapyPcapWriter

from ntnstack.errors import InputError

__all__ = ["LINKTYPE_RAW_IP", "LINKTYPE_UPPER_PDU", "EXP_PDU_TAG_DISSECTOR_NAME", "PcapWriter",
           "exported_pdu"]

LINKTYPE_UPPER_PDU = 252
LINKTYPE_RAW_IP = 101          # each packet an IPv4 or IPv6 header and what it carries
EXP_PDU_TAG_END_OF_OPT = 0
EXP_PDU_TAG_DISSECTOR_NAME = 12
PCAP_MAX_UNIX_S = 2**32 - 1   # pcap record headers hold unsigned 32-bit seconds: 2106-02-07


def exported_pdu(dissector_name: str, payload: bytes) -> bytes:
    """The link-type-252 packet: dissector-name tag, end-of-options tag, payload."""
    name = dissector_name.encode("ascii")
    if not name or len(name) > 0xFFF0:
        raise InputError(f"dissector_name: {dissector_name!r} is empty or too long")
    value = name + b"\0" * (-len(name) % 4)
    return (struct.pack(">HH", EXP_PDU_TAG_DISSECTOR_NAME, len(value)) + value
            + struct.pack(">HH", EXP_PDU_TAG_END_OF_OPT, 0) + bytes(payload))


class PcapWriter:
    """Append exported PDUs (or, with ``linktype=LINKTYPE_RAW_IP``, IP packets through
    ``write_frame``) to a pcap file; use as a context manager or call close()."""

    def __init__(self, path: str | Path, append: bool = False,
                 linktype: int = LINKTYPE_UPPER_PDU):
        self.path = Path(path)
        try:
            self._writer = _ScapyPcapWriter(str(self.path), linktype=linktype,
                                            append=append, sync=True)
            self._writer.write_header(None)
        except OSError as exc:
            raise InputError(f"pcap {self.path}: {exc.strerror}") from None

    def write(self, dissector_name: str, payload: bytes, t_unix_s: float) -> None:
        """One packet for ``dissector_name`` stamped at ``t_unix_s`` (microsecond resolution)."""
        self.write_frame(exported_pdu(dissector_name, payload), t_unix_s)

    def write_frame(self, frame: bytes, t_unix_s: float) -> None:
        """One packet of the file's link type stamped at ``t_unix_s`` (microseconds)."""
        if not (math.isfinite(t_unix_s) and 0 <= t_unix_s < PCAP_MAX_UNIX_S):
            raise InputError(f"pcap {self.path}: time {t_unix_s} s is outside what a pcap "
                             f"stamp holds (1970-01-01 .. 2106-02-07, 32-bit seconds)")
        usec_total = round(t_unix_s * 1e6)
        sec, usec = divmod(usec_total, 1_000_000)
        self._writer.write_packet(bytes(frame), sec=sec, usec=usec)

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

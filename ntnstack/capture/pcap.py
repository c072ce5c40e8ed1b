"""pcap of upper-layer PDUs that Wireshark / tshark dissect with no preferences.

Link type 252 (LINKTYPE_WIRESHARK_UPPER_PDU, "exported PDU"): each packet starts with tags
(type, length: big-endian uint16 each; value padded with NUL to a multiple of 4 octets).
Tag 12 (EXP_PDU_TAG_DISSECTOR_NAME, formerly PROTO_NAME) names the dissector that takes
the payload (e.g. ``lte-rrc.bcch.dl.sch``, ``lte-rrc.bcch.dl.sch.nb``, ``nr-rrc.bcch.dl.sch``,
``nas-eps``); tag 0 ends the options. The file is classic pcap (microsecond stamps, the
writer's byte order as libpcap writes it, snapshot length 65535), written here with
``struct`` and checked by tshark in the tests.

One clock: the caller passes each packet's time (unix seconds, from the clock object).
"""
from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

from ntnstack.errors import InputError

__all__ = ["LINKTYPE_RAW_IP", "LINKTYPE_UPPER_PDU", "EXP_PDU_TAG_DISSECTOR_NAME", "PcapWriter",
           "exported_pdu", "read_pcap"]

LINKTYPE_UPPER_PDU = 252
LINKTYPE_RAW_IP = 101          # each packet an IPv4 or IPv6 header and what it carries
EXP_PDU_TAG_END_OF_OPT = 0
EXP_PDU_TAG_DISSECTOR_NAME = 12
PCAP_MAX_UNIX_S = 2**32 - 1   # pcap record headers hold unsigned 32-bit seconds: 2106-02-07
PCAP_MAGIC_US = 0xA1B2C3D4    # classic pcap, microsecond stamps (either byte order on read)
SNAPLEN = 65535
FILE_HEADER = struct.Struct("=IHHiIII")   # magic, 2, 4, zone, sigfigs, snaplen, link type
RECORD_HEADER = struct.Struct("=IIII")    # seconds, microseconds, captured, original length


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
        """``append``: add to an existing capture of the same link type (a new file when
        there is none)."""
        self.path = Path(path)
        try:
            existing = append and self.path.exists() and self.path.stat().st_size > 0
        except OSError as exc:
            raise InputError(f"pcap {self.path}: {exc.strerror}") from None
        if existing:   # checked before the file is opened for writing
            order, kind = _file_header(self.path)
            native = "<" if sys.byteorder == "little" else ">"
            if kind != linktype or order != native:
                raise InputError(f"pcap {self.path}: cannot append (link type {kind}, "
                                 f"{'little' if order == '<' else 'big'}-endian; this writer: "
                                 f"{linktype}, {sys.byteorder}-endian)")
        try:   # open until close(): one packet is written at a time
            self._file = open(self.path, "ab" if existing else "wb")  # noqa: SIM115
        except OSError as exc:
            raise InputError(f"pcap {self.path}: {exc.strerror}") from None
        if not existing:
            self._put(FILE_HEADER.pack(PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN, linktype))

    def _put(self, data: bytes) -> None:
        try:
            self._file.write(data)
            self._file.flush()   # each packet on disk as it happens (a killed run keeps them)
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
        sec, usec = divmod(round(t_unix_s * 1e6), 1_000_000)
        frame = bytes(frame)
        self._put(RECORD_HEADER.pack(sec, usec, len(frame), len(frame)) + frame)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _file_header(path: Path) -> tuple[str, int]:
    """(struct byte-order prefix, link type) of a classic microsecond pcap; InputError when
    the file is not one."""
    with open(path, "rb") as f:
        head = f.read(FILE_HEADER.size)
    for order in ("<", ">"):
        if len(head) == FILE_HEADER.size and struct.unpack_from(order + "I", head)[0] == \
                PCAP_MAGIC_US:
            return order, struct.unpack_from(order + "I", head, 20)[0]
    raise InputError(f"pcap {path}: not a classic microsecond pcap file")


def read_pcap(path: str | Path) -> list[tuple[float, bytes]]:
    """(unix s, link-layer bytes) of every packet of a classic microsecond pcap; a record cut
    short at the end (a writer killed midway) is dropped; InputError for another format."""
    path = Path(path)
    order, _ = _file_header(path)
    record = struct.Struct(order + "IIII")
    data = path.read_bytes()
    packets, at = [], FILE_HEADER.size
    while at + record.size <= len(data):
        sec, usec, captured, _ = record.unpack_from(data, at)
        at += record.size
        if at + captured > len(data):
            break
        packets.append((sec + usec * 1e-6, data[at:at + captured]))
        at += captured
    return packets

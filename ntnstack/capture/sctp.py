"""pcap of SCTP over IPv4 (raw-IP link type): each message one DATA chunk (RFC 9260 3.3.1)
with its stream, stream sequence number, TSN and payload protocol identifier, so that
Wireshark dissects what the chunk carries (PPID 18: S1AP, RFC 9260 / IANA; TS 36.412 7).

The packets are built by scapy (IPv4 header checksum, SCTP CRC32c). A writer keeps the
TSN and per-stream sequence numbers of each direction, as the two SCTP endpoints would; the
verification tag of a packet is its receiver's (RFC 9260 8.5), here a CRC-32 of the
receiving endpoint's address and port (any non-zero 32-bit value is valid).
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from pathlib import Path

from scapy.layers.inet import IP, UDP
from scapy.layers.sctp import SCTP, SCTPChunkData

from ntnstack.capture.pcap import LINKTYPE_RAW_IP, PcapWriter

__all__ = ["PPID_S1AP", "SctpPcapWriter"]

PPID_S1AP = 18      # IANA SCTP payload protocol identifier of S1AP (TS 36.412 clause 7)


def _verification_tag(endpoint: tuple[str, int]) -> int:
    return zlib.crc32(f"{endpoint[0]}:{endpoint[1]}".encode()) or 1


class SctpPcapWriter:
    """Append SCTP DATA chunks between two (IPv4 address, port) endpoints to a pcap."""

    def __init__(self, path: str | Path, append: bool = False):
        self._pcap = PcapWriter(path, append=append, linktype=LINKTYPE_RAW_IP)
        self._tsn: dict[tuple, int] = defaultdict(int)
        self._ssn: dict[tuple, int] = defaultdict(int)

    def write(self, src: tuple[str, int], dst: tuple[str, int], stream: int, payload: bytes,
              t_unix_s: float, ppid: int = PPID_S1AP) -> None:
        """One message from ``src`` to ``dst`` on ``stream`` stamped at ``t_unix_s``."""
        direction = (src, dst)
        tsn, ssn = self._tsn[direction], self._ssn[(direction, stream)]
        self._tsn[direction] = (tsn + 1) % 2**32
        self._ssn[(direction, stream)] = (ssn + 1) % 2**16
        chunk = SCTPChunkData(beginning=1, ending=1, tsn=tsn, stream_id=stream,
                              stream_seq=ssn, proto_id=ppid, data=bytes(payload))
        packet = IP(src=src[0], dst=dst[0]) / SCTP(sport=src[1], dport=dst[1],
                                                  tag=_verification_tag(dst)) / chunk
        self._pcap.write_frame(bytes(packet), t_unix_s)

    def write_packet(self, src_ip: str, dst_ip: str, packet: bytes, t_unix_s: float,
                     udp_ports: tuple[int, int] | None = None) -> None:
        """A whole SCTP packet (common header and chunks, as an SCTP stack sent it) in an
        IPv4 header, or in UDP with ``udp_ports`` (RFC 6951 encapsulation)."""
        if udp_ports is None:
            frame = IP(src=src_ip, dst=dst_ip, proto=132) / bytes(packet)
        else:
            frame = IP(src=src_ip, dst=dst_ip) / UDP(sport=udp_ports[0], dport=udp_ports[1]) \
                / bytes(packet)
        self._pcap.write_frame(bytes(frame), t_unix_s)

    def close(self) -> None:
        self._pcap.close()

    def __enter__(self) -> SctpPcapWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

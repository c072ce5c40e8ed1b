"""A pcap of what a UDP carrier sends and receives: each SCTP packet in IPv4 / UDP, as on
the wire (RFC 6951); Wireshark dissects UDP port 9899 as SCTP, any other port with
``-d udp.port==PORT,sctp``. Stamped with the real time of the datagram (the carrier runs on
the real clock)."""
from __future__ import annotations

import time
from pathlib import Path

from ntnstack.capture.sctp import SctpPcapWriter

__all__ = ["udp_tap"]


def udp_tap(path: str | Path, udp: bool = True) -> tuple[SctpPcapWriter, object]:
    """(the writer to close at the end, the tap for ntnstack.s1ap.carrier.UdpCarrier);
    ``udp`` False: each packet straight in IPv4 (RawIpCarrier, ``--sctp raw``)."""
    writer = SctpPcapWriter(path)

    def tap(src: tuple[str, int], dst: tuple[str, int], packet: bytes) -> None:
        writer.write_packet(src[0], dst[0], packet, time.time(),
                            (src[1], dst[1]) if udp else None)

    return writer, tap

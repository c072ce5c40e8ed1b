"""What an ESM DATA TRANSPORT carries on the default bearer (TS 24.301 6.6.4, user data
container 9.9.4.24) for each PDN type: on a non-IP PDN the application's payload itself, on an
IP PDN an IP datagram, here UDP between the UE's PDN address and the application server
``UDP_SERVER``, in both directions (scapy builds and parses the packets)."""
from __future__ import annotations

import ipaddress

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from ntnstack.stack.nas_codes import NasCodecError

__all__ = ["UDP_SERVER", "from_datagram", "to_datagram", "ue_ip"]

UDP_SERVER = (5683, "192.0.2.10", "2001:db8::10")
"""(port, IPv4, IPv6) of the application server (CoAP's port; RFC 5737 / 3849 documentation
addresses)."""


def ue_ip(pdn_type: str, address: bytes) -> str | None:
    """The UE's address on its PDN from the PDN address octets (after the type octet):
    IPv4 as given; IPv6 from the interface identifier with the link-local prefix (TS 24.301
    9.9.4.9 gives only the IID); None on a non-IP PDN."""
    if pdn_type == "non-ip":
        return None
    if pdn_type == "ipv6":
        return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + address[:8]))
    return str(ipaddress.IPv4Address(address[-4:]))


def to_datagram(pdn_type: str, address: bytes, payload: bytes, uplink: bool,
                server: tuple[str, int] | None = None) -> bytes:
    """The user data container of ``payload``: itself on a non-IP PDN, else a UDP datagram
    from the UE to the server (``uplink``) or from the server to the UE; the server is
    ``server`` (IP address of the PDN's version, port: both UDP ports) or UDP_SERVER."""
    ue = ue_ip(pdn_type, address)
    if ue is None:
        return bytes(payload)
    port, host_v4, host_v6 = UDP_SERVER
    host = host_v6 if pdn_type == "ipv6" else host_v4
    if server is not None:
        host, port = server
    src, dst = (ue, host) if uplink else (host, ue)
    layer = IPv6(src=src, dst=dst) if pdn_type == "ipv6" else IP(src=src, dst=dst)
    return bytes(layer / UDP(sport=port, dport=port) / bytes(payload))


def from_datagram(pdn_type: str, address: bytes, data: bytes, uplink: bool) -> bytes:
    """The application payload of a user data container (NasCodecError when an IP PDN's
    container is not a UDP datagram between the UE and the server)."""
    ue = ue_ip(pdn_type, address)
    if ue is None:
        return bytes(data)
    packet = IPv6(data) if pdn_type == "ipv6" else IP(data)
    want = (ue, None) if uplink else (None, ue)
    got = (packet.src, packet.dst)
    if UDP not in packet or any(w is not None and w != g for w, g in zip(want, got, strict=True)):
        raise NasCodecError(f"user data on the {pdn_type} PDN is not a UDP datagram "
                            f"{'from' if uplink else 'to'} the UE's {ue}: {packet.summary()}")
    return bytes(packet[UDP].payload)

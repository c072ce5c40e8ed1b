"""What an ESM DATA TRANSPORT carries on the default bearer (TS 24.301 6.6.4, user data
container 9.9.4.24) for each PDN type: on a non-IP PDN the application's payload itself, on an
IP PDN an IP datagram, here UDP between the UE's PDN address and the application server
``UDP_SERVER``, in both directions. The IPv4 (RFC 791) / IPv6 (RFC 8200) and UDP (RFC 768)
headers are built and read here with ``struct`` (about 5 us a datagram; scapy took 330 us to
build one and 175 ms to import); tests/stack/test_datagrams.py checks them against scapy."""
from __future__ import annotations

import ipaddress
import struct

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
    return udp_datagram(pdn_type == "ipv6", src, dst, port, port, bytes(payload))


def from_datagram(pdn_type: str, address: bytes, data: bytes, uplink: bool) -> bytes:
    """The application payload of a user data container (NasCodecError when an IP PDN's
    container is not a UDP datagram between the UE and the server)."""
    ue = ue_ip(pdn_type, address)
    if ue is None:
        return bytes(data)
    try:
        src, dst, payload = udp_payload(pdn_type == "ipv6", bytes(data))
    except ValueError as exc:
        raise NasCodecError(f"user data on the {pdn_type} PDN is not a UDP datagram "
                            f"{'from' if uplink else 'to'} the UE's {ue}: {exc}") from None
    if (src if uplink else dst) != ue:
        raise NasCodecError(f"user data on the {pdn_type} PDN is not a UDP datagram "
                            f"{'from' if uplink else 'to'} the UE's {ue}: {src} > {dst}")
    return payload


UDP_PROTOCOL = 17
HOP_LIMIT = 64
"""IPv4 TTL / IPv6 hop limit of the datagrams built (Linux's default, as scapy's)."""


def _ones_complement_sum(data: bytes) -> int:
    """RFC 1071: the 16-bit one's complement sum of data (padded to an even length)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _udp_checksum(pseudo: bytes, udp: bytes) -> int:
    """RFC 768 / RFC 8200 8.1: over the pseudo-header and the datagram; 0 sent as 0xFFFF."""
    return (~_ones_complement_sum(pseudo + udp) & 0xFFFF) or 0xFFFF


def udp_datagram(v6: bool, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """An IPv4 (identification 1, no options, not fragmented) or IPv6 (no extension header)
    packet from src to dst carrying a UDP datagram with its checksum."""
    length = 8 + len(payload)
    if v6:
        s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
        pseudo = s + d + struct.pack("!I3xB", length, UDP_PROTOCOL)
    else:
        s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
        pseudo = s + d + struct.pack("!xBH", UDP_PROTOCOL, length)
    udp = struct.pack("!4H", sport, dport, length, 0) + payload
    udp = udp[:6] + struct.pack("!H", _udp_checksum(pseudo, udp)) + udp[8:]
    if v6:
        return struct.pack("!IHBB", 6 << 28, length, UDP_PROTOCOL, HOP_LIMIT) + s + d + udp
    header = struct.pack("!BBHHHBBH", 0x45, 0, 20 + length, 1, 0, HOP_LIMIT, UDP_PROTOCOL, 0)
    header += s + d
    header = header[:10] + struct.pack("!H", ~_ones_complement_sum(header) & 0xFFFF) + header[12:]
    return header + udp


def udp_payload(v6: bool, data: bytes) -> tuple[str, str, bytes]:
    """(source, destination, UDP payload) of an IPv4 or IPv6 packet carrying a whole UDP
    datagram; ValueError saying what else it is (checksums are not checked)."""
    version = data[0] >> 4 if data else None
    if v6:
        if len(data) < 40 or version != 6:
            raise ValueError(f"not an IPv6 packet ({len(data)} octets, version {version})")
        length, next_header = struct.unpack_from("!HB", data, 4)
        src, dst = (str(ipaddress.IPv6Address(data[k:k + 16])) for k in (8, 24))
        body = data[40:40 + length]
        if next_header != UDP_PROTOCOL:
            raise ValueError(f"IPv6 {src} > {dst} next header {next_header}, not UDP")
    else:
        if len(data) < 20 or version != 4 or data[0] & 15 < 5:
            raise ValueError(f"not an IPv4 packet ({len(data)} octets, version {version})")
        total, fragment, protocol = struct.unpack_from("!2xH2xH1xB", data)
        src, dst = (str(ipaddress.IPv4Address(data[k:k + 4])) for k in (12, 16))
        body = data[(data[0] & 15) * 4:total]
        if protocol != UDP_PROTOCOL:
            raise ValueError(f"IPv4 {src} > {dst} protocol {protocol}, not UDP")
        if fragment & 0x3FFF:
            raise ValueError(f"IPv4 {src} > {dst} is a fragment")
    (udp_length,) = struct.unpack_from("!H", body, 4) if len(body) >= 8 else (0,)
    if not 8 <= udp_length <= len(body):
        raise ValueError(f"{src} > {dst}: UDP datagram cut short ({len(body)} octets)")
    return src, dst, body[8:udp_length]

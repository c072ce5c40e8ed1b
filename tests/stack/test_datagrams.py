"""The user plane's own IPv4 / IPv6 + UDP headers (ntnstack.stack.user_plane) against scapy,
an implementation we did not write: the same octets built, scapy's packets read back, and
what is not a whole UDP datagram refused with the reason."""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP, UDP, IPOption_NOP
from scapy.layers.inet6 import IPv6

from ntnstack.stack.nas_codes import NasCodecError
from ntnstack.stack.user_plane import from_datagram, to_datagram, udp_datagram, udp_payload

PAYLOADS = [b"", b"x", b"hello world", bytes(range(256)) * 3]
V4 = ("10.45.0.2", "192.0.2.10")
V6 = ("fe80::2", "2001:db8::10")


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{len(p)}B")
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_built_octets_are_scapys(v6, payload):
    src, dst = V6 if v6 else V4
    layer = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    expected = bytes(layer / UDP(sport=5683, dport=40001) / payload)   # checksums filled in
    assert udp_datagram(v6, src, dst, 5683, 40001, payload) == expected


def test_a_checksum_of_zero_is_sent_as_all_ones():
    # RFC 768: a computed UDP checksum of 0 is sent as 0xFFFF. Two payload octets chosen so
    # that the sum is 0xFFFF (its complement 0): search the one free 16-bit word.
    base = udp_datagram(False, *V4, 7, 7, b"\0\0")
    word = int.from_bytes(base[26:28], "big")      # the checksum with a zero payload word
    fixed = udp_datagram(False, *V4, 7, 7, word.to_bytes(2, "big"))
    assert fixed[26:28] == b"\xff\xff"
    assert IP(fixed)[UDP].chksum == 0xFFFF


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_scapys_packets_are_read(v6):
    src, dst = V6 if v6 else V4
    layer = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    packet = bytes(layer / UDP(sport=1, dport=2) / b"payload") + b"\0\0\0"   # link padding
    assert udp_payload(v6, packet) == (src, dst, b"payload")


def test_ipv4_options_are_skipped():
    packet = bytes(IP(src=V4[0], dst=V4[1], options=[IPOption_NOP()] * 4) / UDP() / b"opt")
    assert packet[0] & 15 == 6
    assert udp_payload(False, packet) == (*V4, b"opt")


@pytest.mark.parametrize("packet, v6, reason", [
    (bytes(IP(src=V4[0], dst=V4[1]) / TCP() / b"x"), False, "protocol 6, not UDP"),
    (bytes(IPv6(src=V6[0], dst=V6[1]) / TCP() / b"x"), True, "next header 6, not UDP"),
    (bytes(IP(src=V4[0], dst=V4[1], flags="MF") / UDP() / b"x"), False, "is a fragment"),
    (bytes(IP(src=V4[0], dst=V4[1]) / UDP() / b"xyz")[:26], False, "cut short"),
    (bytes(IPv6(src=V6[0], dst=V6[1]) / UDP() / b"x"), False, "not an IPv4 packet"),
    (b"\x45\x00", False, r"not an IPv4 packet \(2 octets"),
    (b"", True, r"not an IPv6 packet \(0 octets"),
], ids=["tcp", "tcp6", "fragment", "cut", "v6-as-v4", "short", "empty"])
def test_what_is_not_a_whole_udp_datagram_is_named(packet, v6, reason):
    with pytest.raises(ValueError, match=reason):
        udp_payload(v6, packet)


def test_from_datagram_checks_the_ue_address():
    address = bytes([10, 45, 0, 2])
    up = to_datagram("ipv4", address, b"up", uplink=True)
    assert IP(up).src == "10.45.0.2" and from_datagram("ipv4", address, up, True) == b"up"
    with pytest.raises(NasCodecError, match="from the UE's 10.45.0.3: 10.45.0.2 > 192.0.2.10"):
        from_datagram("ipv4", bytes([10, 45, 0, 3]), up, True)
    with pytest.raises(NasCodecError, match="protocol 6, not UDP"):
        from_datagram("ipv4", address, bytes(IP(src="10.45.0.2", dst=V4[1]) / TCP()), True)

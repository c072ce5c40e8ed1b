"""PDP contexts of the NB-IoT NTN virtual modules (TS 27.007 10.1.1 +CGDCONT, 10.1.14
+CGPADDR, 8.62 +CGPIAF) over the stack: the attach asks for the <PDP_type> of the default
context, +CGPADDR shows what the network's PDN address IE gave (IPv4, IPv6 link-local
fe80::/64 + IID, both), +CGDCONT? keeps the null address, data still flows."""
from __future__ import annotations

import ipaddress

import pytest
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6

from ntnstack.terminals.pdp import format_ipv6
from tests.terminals.test_data_sms import attached
from tests.terminals.test_registration import force_time, set_location


def _iid(m) -> bytes:
    """The IID the module's core assigns: its IPv4 test address in the low 32 bits."""
    return bytes(4) + ipaddress.IPv4Address(m.identity.ip).packed


def _link_local(m) -> bytes:
    return bytes.fromhex("fe80") + bytes(6) + _iid(m)     # RFC 4291 2.5.6


def _dotted(octets: bytes) -> str:
    return ".".join(map(str, octets))


def test_ipv6_context_attaches_with_pdn_type_ipv6(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = attached(virtual_rig, m, extra=('AT+CGDCONT=1,"IPV6","iot"',
                                        'AT+CGDCONT=2,"IPV4V6","iot"'))
    session = m.stack.session
    assert session.ue.pdn_type == "ipv6"
    assert session.mme.context(m.identity.imsi).pdn_type == "ipv6"
    # 27.007 10.1.1: the read form keeps the null <PDP_addr>; the allocated one is +CGPADDR's
    assert c.cmd("AT+CGDCONT?") == (['+CGDCONT: 1,"IPV6","iot","",0,0',
                                     '+CGDCONT: 2,"IPV4V6","iot","",0,0'], "OK")
    # 10.1.14: IPv6 dot-separated a1..a16, in <PDP_addr_1> of an IPV6 context; cid 2 inactive
    assert c.cmd("AT+CGPADDR") == ([f'+CGPADDR: 1,"{_dotted(_link_local(m))}"',
                                    "+CGPADDR: 2"], "OK")
    assert c.cmd("AT+CGPADDR=?") == (["+CGPADDR: (1,2)"], "OK")


def test_cgpiaf_selects_the_ipv6_notation(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = attached(virtual_rig, m, extra=('AT+CGDCONT=1,"IPV6","iot"',))
    ip = ipaddress.IPv4Address(m.identity.ip).packed
    hi, lo = int.from_bytes(ip[:2], "big"), int.from_bytes(ip[2:], "big")
    for piaf, text in [("1,0,0,1", f"FE80::{hi:X}:{lo:X}"),
                       ("1,0,1,0", f"FE80:0000:0000:0000:0000:0000:{hi:04X}:{lo:04X}"),
                       ("1", f"FE80:0:0:0:0:0:{hi:X}:{lo:X}"),
                       ("0,0,0,0", _dotted(_link_local(m)))]:
        assert c.cmd(f"AT+CGPIAF={piaf}")[1] == "OK"
        assert c.cmd("AT+CGPADDR=1") == ([f'+CGPADDR: 1,"{text}"'], "OK"), piaf
    assert c.cmd("AT+CGPIAF=1,1,0,1")[1] == "OK"
    assert c.cmd("AT+CGPIAF?") == (["+CGPIAF: 1,1,0,1"], "OK")
    assert c.cmd("AT+CGPIAF=?") == (["+CGPIAF: (0,1),(0,1),(0,1),(0,1)"], "OK")
    assert c.cmd("AT+CGPIAF=2")[1] == "+CME ERROR: 50"


@pytest.mark.parametrize(("octets", "piaf", "text"), [
    # TS 27.007 8.62 examples of the address 2001:DB8:0:CD30::
    (bytes.fromhex("20010db80000cd30") + bytes(8), (0, 0, 0, 0),
     "32.1.13.184.0.0.205.48.0.0.0.0.0.0.0.0"),
    (bytes.fromhex("20010db80000cd30") + bytes(8), (1, 0, 1, 0),
     "2001:0DB8:0000:CD30:0000:0000:0000:0000"),
    (bytes.fromhex("20010db80000cd30") + bytes(8), (1, 0, 0, 0), "2001:DB8:0:CD30:0:0:0:0"),
    (bytes.fromhex("20010db80000cd30") + bytes(8), (1, 0, 0, 1), "2001:DB8:0:CD30::"),
    # RFC 5952 4.2.2: one zero group is not compressed; 4.2.3: the first of equal runs
    (bytes.fromhex("20010db8000000010001000100010001"), (1, 0, 0, 1), "2001:DB8:0:1:1:1:1:1"),
    (bytes.fromhex("20010db8000000000001000000000001"), (1, 0, 0, 1), "2001:DB8::1:0:0:1"),
])
def test_ipv6_formats(octets, piaf, text):
    assert format_ipv6(octets, piaf) == text


def test_dual_stack_default_context_of_nordic_and_its_data(virtual_rig):
    """nRF91: the default bearer is cid 0; IPV4V6 gives both addresses (IPv4 in
    <PDP_addr_1>, IPv6 in <PDP_addr_2>); +CSODCP data goes up as an IPv4 datagram."""
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    c = attached(virtual_rig, m, family="nbntn-nordic",
                 extra=("AT+CGEREP=1", 'AT+CGDCONT=0,"IPV4V6","iot"'))
    assert [x for _, x in m.events("urc +CGEV")] == ["urc +CGEV: ME PDN ACT 0"]
    assert c.cmd("AT+CGPADDR=0") == ([f'+CGPADDR: 0,"{m.identity.ip}",'
                                      f'"{_dotted(_link_local(m))}"'], "OK")
    assert c.cmd('AT+CSODCP=0,3,"414243"') == ([], "OK")
    c.wait(r'^\+CRTDCP: 0,3,"414243"$')
    packet = IP(m.stack.session.mme.context(m.identity.imsi).uplink_data[-1])
    assert packet.src == m.identity.ip and bytes(packet.payload.payload) == b"ABC"


def test_ipv6_only_context_data_still_echoes(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = attached(virtual_rig, m, extra=('AT+CGDCONT=1,"IPV6","iot"',))
    assert c.cmd('AT+CSODCP=1,2,"BEEF"') == ([], "OK")
    c.wait(r'^\+CRTDCP: 1,2,"BEEF"$')
    packet = IPv6(m.stack.session.mme.context(m.identity.imsi).uplink_data[-1])
    assert ipaddress.IPv6Address(packet.src).packed == _link_local(m)


def test_non_ip_context_has_no_address_and_carries_nidd(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = attached(virtual_rig, m, extra=('AT+CGDCONT=1,"Non-IP","iot"',))
    assert m.stack.session.mme.context(m.identity.imsi).pdn_type == "non-ip"
    assert c.cmd("AT+CGPADDR=1") == (["+CGPADDR: 1"], "OK")
    assert c.cmd('AT+CSODCP=1,2,"CAFE"') == ([], "OK")
    c.wait(r'^\+CRTDCP: 1,2,"CAFE"$')
    assert m.stack.session.mme.context(m.identity.imsi).uplink_data[-1] == b"\xca\xfe"


def test_ipv4_only_network_narrows_a_dual_stack_request(virtual_rig):
    """ESM cause #50 in the accept: +CGEV carries <reason> 0 "IPv4 only allowed" (27.007
    10.1.19) and +CGPADDR the IPv4 address alone."""
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    virtual_rig.ready(m)
    m.stack.session.mme.pdn_policy = "ipv4-only"
    c = attached(virtual_rig, m, extra=("AT+CGEREP=1", 'AT+CGDCONT=1,"IPV4V6","iot"'))
    assert [x for _, x in m.events("urc +CGEV")] == ["urc +CGEV: ME PDN ACT 1,0"]
    assert c.cmd("AT+CGPADDR=1") == ([f'+CGPADDR: 1,"{m.identity.ip}"'], "OK")


def test_ipv6_only_network_rejects_an_ipv4_attach(virtual_rig):
    """ATTACH REJECT #19 with PDN CONNECTIVITY REJECT #51: not registered, searching again."""
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    m.stack.session.mme.pdn_policy = "ipv6-only"
    assert c.cmd("AT+CEREG=1")[1] == "OK"
    set_location(c, "nbntn-generic")
    c.cmd("AT+CFUN=1")
    force_time(virtual_rig, 120.0)           # two attempts: 50 s search + ~4 s attach each
    reply = [line for line in c.cmd("AT+CEREG?")[0] if line.startswith("+CEREG: 1,")]
    assert reply == ["+CEREG: 1,2"]                # a +CEREG: 2 URC may come in between
    failures = m.events("attach failed: attach reject: EMM cause #19")
    assert failures and failures[0][1].endswith("ESM cause #51 PDN type IPv6 only allowed")
    assert c.cmd("AT+CGPADDR=1") == (["+CGPADDR: 1"], "OK")


def test_addresses_go_with_the_registration(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = attached(virtual_rig, m)                       # the boot context: cid 1 "IP"
    assert c.cmd("AT+CGPADDR") == ([f'+CGPADDR: 1,"{m.identity.ip}"'], "OK")
    assert c.cmd("AT+CFUN=0")[1] == "OK"
    assert c.cmd("AT+CGPADDR") == (["+CGPADDR: 1"], "OK")


@pytest.mark.parametrize(("command", "final"), [
    ('AT+CGDCONT=1,"IPX","iot"', "+CME ERROR: 50"),
    ('AT+CGDCONT=12,"IP","iot"', "+CME ERROR: 50"),
    ('AT+CGDCONT=1,"IP","iot","fe80::1"', "+CME ERROR: 50"),      # IPv6 on an IP context
    ('AT+CGDCONT=1,"IP","iot","10.45.0.300"', "+CME ERROR: 50"),
    ("AT+CGPADDR=7", "+CME ERROR: 50"),                            # cid 7 not defined
    ('AT+CGDCONT=3,"ipv4v6","iot"', "OK"),                         # the type is matched
])
def test_bad_pdp_parameters(virtual_rig, command, final):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    assert c.cmd(command)[1] == final


def test_static_address_is_shown_as_given(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd('AT+CGDCONT=3,"IPV6","iot","2001:db8::1"')[1] == "OK"
    static = "32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"
    assert c.cmd("AT+CGDCONT?")[0][-1] == f'+CGDCONT: 3,"IPV6","iot","{static}",0,0'
    assert c.cmd("AT+CGPADDR=3") == ([f'+CGPADDR: 3,"{static}"'], "OK")

"""``nas.message_name`` (the header's reading, used for the UE's own uplinks) says what the
full parser says, for every uplink and downlink message the emulation builds."""
from __future__ import annotations

import pytest

from ntnstack.stack import nas as n

GUTI = (n.plmn_octets("001", "01"), 0x8001, 1, 0x12345678)
ESM = n.esm_data_transport(5, b"\x01\x02")
MESSAGES = [
    n.attach_request("001010123456789", "ipv4v6"), n.attach_complete(5),
    n.authentication_request(0, bytes(16), bytes(16)), n.authentication_response(bytes(8)),
    n.security_mode_command(0, "eea2", "eia2"), n.security_mode_complete(),
    n.attach_accept(GUTI, 1, n.activate_default_bearer_request(
        5, 1, "non-ip", "ntn", n.pdn_address("non-ip")[1:])),
    n.attach_reject(19, n.pdn_connectivity_reject(1, 50)), ESM,
    n.pdn_connectivity_request("ipv6"), n.uplink_nas_transport(n.cp_ack(0, allocator=False)),
    n.downlink_nas_transport(n.cp_data(0, n.rp_ack(1, from_network=True), allocator=True)),
    n.control_plane_service_request(0, ESM), n.detach_request(True, n.guti_identity(GUTI), 0),
    n.detach_accept(), n.cp_ack(1, allocator=True)]


@pytest.mark.parametrize("plain", MESSAGES, ids=lambda m: m.hex()[:8])
def test_header_name_is_the_parsers(plain):
    assert n.message_name(plain) == n.parse(plain).message


def test_a_protected_message_is_refused_as_parse_refuses_it():
    with pytest.raises(n.NasCodecError, match="unprotect it first"):
        n.message_name(bytes([0x27]) + bytes(6) + n.security_mode_complete())

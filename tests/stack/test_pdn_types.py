"""PDN types through the attach (TS 24.301 6.2.2, 6.5.1, 9.9.4.9, 9.9.4.10): the PDN
CONNECTIVITY REQUEST carries the UE's PDN type, the MME grants what its policy allows (ESM
cause #50 / #51 when it narrows an IPv4v6 request, ATTACH REJECT with a PDN CONNECTIVITY
REJECT when it cannot grant a single-version request), the UE keeps the PDN address. Every
capture is checked with tshark: the PDN type and address values as Wireshark decodes them."""
from __future__ import annotations

from dataclasses import replace

import pytest
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6

from ntnstack.errors import InputError
from ntnstack.stack import nas as n
from ntnstack.stack.mme import Mme
from ntnstack.stack.presets import geo_cell, new_session
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S, tshark_rows

IPV4 = "192.0.2.77"                          # RFC 5737 documentation address
IID = bytes.fromhex("021122fffe334455")      # a modified EUI-64 interface identifier
PDN_CODE = {"ipv4": "1", "ipv6": "2", "ipv4v6": "3", "non-ip": "5"}   # 24.301 9.9.4.10

# 24.301 6.2.2 / 6.5.1.3 / 6.5.1.4: policy -> requested -> (granted or None, ESM cause)
MATRIX = [
    ("dual-stack", "ipv4", "ipv4", None), ("dual-stack", "ipv6", "ipv6", None),
    ("dual-stack", "ipv4v6", "ipv4v6", None), ("dual-stack", "non-ip", "non-ip", None),
    ("ipv4-only", "ipv4", "ipv4", None), ("ipv4-only", "ipv6", None, 50),
    ("ipv4-only", "ipv4v6", "ipv4", 50), ("ipv4-only", "non-ip", "non-ip", None),
    ("ipv6-only", "ipv4", None, 51), ("ipv6-only", "ipv6", "ipv6", None),
    ("ipv6-only", "ipv4v6", "ipv6", 51), ("ipv6-only", "non-ip", "non-ip", None),
]


def _session(tmp_path, requested: str, policy: str):
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3,
                          ue=UeConfig(pdn_type=requested), pcap=tmp_path / "attach.pcap",
                          eea="eea0")
    session.mme.pdn_policy = policy
    sub = session.mme.subscribers[session.ue.imsi]
    session.mme.add(replace(sub, ipv4=IPV4, ipv6_iid=IID))
    return session


@pytest.mark.parametrize(("policy", "requested", "granted", "cause"), MATRIX)
def test_the_network_grants_what_its_policy_allows(tmp_path, policy, requested, granted, cause):
    session = _session(tmp_path, requested, policy)
    attach = session.attach()
    session.close()
    assert attach.ok == (granted is not None), attach.reason
    rows = tshark_rows(tmp_path / "attach.pcap", "_ws.col.Info", "nas_eps.esm_pdn_type",
                       "nas_eps.esm.pdn_ipv4", "nas_eps.esm.pdn_ipv6_if_id",
                       "nas_eps.esm.cause", "nas_eps.emm.cause", "_ws.malformed",
                       "_ws.expert.severity")
    assert [r for r in rows if r[6] or "8388608" in r[7]] == []    # no malformed, no error
    request = next(r for r in rows if "PDN connectivity request" in r[0])
    assert request[1] == PDN_CODE[requested]
    if granted is None:
        reject = next(r for r in rows if "Attach reject" in r[0])
        assert reject[0].endswith(f"PDN connectivity reject ({n.ESM_CAUSES[cause]})")
        assert (reject[5], reject[4]) == (str(n.EMM_CAUSE_ESM_FAILURE), str(cause))
        assert attach.reason == (f"attach reject: EMM cause #19 ESM failure, PDN connectivity "
                                 f"reject ESM cause #{cause} {n.ESM_CAUSES[cause]}")
        assert not session.attached
        return
    accept = next(r for r in rows if "Activate default EPS bearer context request" in r[0])
    assert accept[1] == PDN_CODE[granted]
    assert accept[2] == (IPV4 if granted in ("ipv4", "ipv4v6") else "")
    assert accept[3] == (IID.hex() if granted in ("ipv6", "ipv4v6") else "")
    assert accept[4] == ("" if cause is None else str(cause))
    stored = n.decode_pdn_address(session.pdn_address)      # what the UE keeps
    assert stored.pdn_type == granted
    assert stored.ipv4 == (IPV4 if granted in ("ipv4", "ipv4v6") else None)
    assert stored.ipv6_iid == (IID if granted in ("ipv6", "ipv4v6") else None)


def test_data_on_a_narrowed_bearer_uses_the_granted_address(tmp_path):
    """IPv4v6 asked, IPv6 only granted (#51): the UE's packets are IPv6 from the link-local
    address fe80::/64 + IID (RFC 4291 2.5.6; TS 23.401 5.3.1.2.2), not IPv4."""
    session = _session(tmp_path, "ipv4v6", "ipv6-only")
    assert session.attach().ok and session.send_data(b"v6 only").ok
    packet = IPv6(session.mme.context(session.ue.imsi).uplink_data[-1])
    assert packet.src == "fe80::211:22ff:fe33:4455" and bytes(packet.payload.payload) == \
        b"v6 only"


def test_data_on_an_ipv4_bearer_comes_from_the_assigned_address(tmp_path):
    session = _session(tmp_path, "ipv4v6", "ipv4-only")
    assert session.attach().ok and session.send_data(b"v4").ok
    assert IP(session.mme.context(session.ue.imsi).uplink_data[-1]).src == IPV4


@pytest.mark.parametrize("pdn_type", ["ipv4", "ipv6", "ipv4v6", "non-ip"])
def test_pdn_messages_round_trip(pdn_type):
    request = n.parse(n.pdn_connectivity_request(pdn_type, pti=3))
    assert (request.message, request.ies["pdn_type"], request.ies["request_type"],
            request.ies["pti"]) == ("pdn-connectivity-request", pdn_type, 1, 3)
    value = n.pdn_address(pdn_type, IPV4, IID)
    # 9.9.4.9: IPv4 4 octets, IPv6 IID 8, both 12 (IID first), non-IP 4 spare octets
    assert len(value) == 1 + {"ipv4": 4, "ipv6": 8, "ipv4v6": 12, "non-ip": 4}[pdn_type]
    accept = n.parse(n.activate_default_bearer_request(5, 3, pdn_type, "ntn.iot", value[1:],
                                                       esm_cause=50))
    assert accept.ies["pdn_address"] == value and accept.ies["esm_cause"] == 50
    assert accept.ies["cp_only"] and accept.ies["pdn"] == n.decode_pdn_address(value)


def test_attach_reject_round_trips():
    reject = n.parse(n.attach_reject(19, n.pdn_connectivity_reject(1, 51)))
    assert (reject.message, reject.ies["emm_cause"]) == ("attach-reject", 19)
    inner = n.parse(reject.ies["esm"])
    assert (inner.message, inner.ies["esm_cause"], inner.ies["pti"]) == \
        ("pdn-connectivity-reject", 51, 1)


@pytest.mark.parametrize(("value", "message"), [
    (bytes([1, 10, 45]), "PDN address: ipv4 address information at octet 4 needs 4 octets"),
    (bytes([4, 0, 0, 0, 0]), "PDN address: octet 3: PDN type value 4 is not one of"),
    (bytes([2]) + IID + b"\x00", "PDN address: 1 octets after the ipv6 address information "
                                 "at octet 12"),
])
def test_bad_pdn_address_names_the_octet(value, message):
    with pytest.raises(n.NasCodecError, match=message):
        n.decode_pdn_address(value)


@pytest.mark.parametrize(("args", "message"), [
    (("ipv6", None, IID[:4]), "ipv6 takes 8 address octets"),
    (("ipv4", "10.45.0.300"), "IPv4 '10.45.0.300' is not a dotted IPv4 address"),
    (("ipx",), "PDN type 'ipx'"),
])
def test_bad_pdn_address_arguments(args, message):
    with pytest.raises(n.NasCodecError, match=message):
        n.pdn_address(*args)


def test_unknown_policy_is_refused():
    with pytest.raises(InputError, match="Mme.pdn_policy 'ipv5-only': one of dual-stack"):
        Mme(pdn_policy="ipv5-only")

"""User data on an IP PDN is IP in both directions (TS 24.301 6.6.4, 9.9.4.24): the uplink a
UDP datagram from the UE's PDN address, the downlink one to it; a non-IP PDN carries the
payload itself."""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from ntnstack.stack import UeConfig
from ntnstack.stack.presets import geo_cell, new_session
from ntnstack.stack.user_plane import UDP_SERVER
from tests.stack.conftest import START_UNIX_S


def _downlink_container(pdn_type: str, payload: bytes, monkeypatch) -> tuple[object, bytes]:
    """(session, the user data container the MME put into the ESM DATA TRANSPORT) of one
    MT data delivery."""
    import ntnstack.stack.mme as mme_module

    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3,
                    ue=UeConfig(pdn_type=pdn_type))
    assert s.attach().ok
    made: list[bytes] = []
    build = mme_module.to_datagram
    monkeypatch.setattr(mme_module, "to_datagram",
                        lambda *a, **k: made.append(build(*a, **k)) or made[-1])
    assert s.receive_data(payload).ok
    assert len(made) == 1
    return s, made[0]


@pytest.mark.parametrize("pdn_type, layer", [("ipv4", IP), ("ipv6", IPv6)])
def test_downlink_on_an_ip_pdn_is_a_udp_datagram_to_the_ue(pdn_type, layer, monkeypatch):
    s, container = _downlink_container(pdn_type, b"down", monkeypatch)
    packet = layer(container)
    port, host_v4, host_v6 = UDP_SERVER
    assert packet.src == (host_v6 if pdn_type == "ipv6" else host_v4)
    assert packet[UDP].dport == port and bytes(packet[UDP].payload) == b"down"
    # to the UE: Subscriber.ipv4 10.45.0.2; on IPv6 fe80::/64 + the IID ::2 of the PDN address
    assert packet.dst == ("fe80::2" if pdn_type == "ipv6" else "10.45.0.2")
    assert s.data_received == [b"down"]       # the UE's socket gets the UDP payload


def test_non_ip_pdn_carries_the_payload_itself(monkeypatch):
    s, container = _downlink_container("non-ip", b"down", monkeypatch)
    assert container == b"down" and s.data_received == [b"down"]

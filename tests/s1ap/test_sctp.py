"""S1AP over real SCTP: libusrsctp (not our code) carries an association between the eNB's
and the MME's endpoints; S1 Setup goes both ways on stream 0 (TS 36.412 7); the SCTP
packets the library produced, captured as IPv4/SCTP and as IPv4/UDP/SCTP (RFC 6951), are
dissected by tshark as the SCTP handshake and the two S1AP messages, CRC32c correct."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from ntnstack.capture.sctp import PPID_S1AP, SctpPcapWriter
from ntnstack.errors import InputError
from ntnstack.s1ap.codec import decode_pdu, encode_pdu
from ntnstack.sctp import _usrsctp
from ntnstack.sctp.choice import choose_sctp, kernel_sctp_error
from ntnstack.sctp.usrsctp import SctpMessage, UsrsctpEndpoint, UsrsctpStack, memory_pair
from tests.s1ap.conftest import T0_UNIX_S, every_message

S1AP_PORT = 36412                 # TS 36.412 clause 7
ENB_PORT = 38412
SCTP_TUNNELING_PORT = 9899        # RFC 6951 5.1 (IANA "sctp-tunneling")
HEADER = Path("/usr/include/usrsctp.h")


@pytest.fixture(scope="module")
def s1_setup(tmp_path_factory):
    """An association over an in-memory link and S1 Setup both ways; the two captures."""
    tmp_path = tmp_path_factory.mktemp("sctp")
    stack = UsrsctpStack.get()
    raw, udp = SctpPcapWriter(tmp_path / "raw.pcap"), SctpPcapWriter(tmp_path / "udp.pcap")

    def tap(token, packet):
        src, dst = ("10.0.0.1", "10.0.0.2") if token == mme_link else ("10.0.0.2", "10.0.0.1")
        raw.write_packet(src, dst, packet, T0_UNIX_S)
        udp.write_packet(src, dst, packet, T0_UNIX_S, (SCTP_TUNNELING_PORT,) * 2)

    enb_link, mme_link = memory_pair(stack, tap)
    mme, enb = UsrsctpEndpoint(stack, S1AP_PORT), UsrsctpEndpoint(stack, ENB_PORT)
    mme.listen()
    enb.connect(enb_link, S1AP_PORT)
    stack.flush()
    (enb_up,), (mme_up,) = enb.poll(), mme.poll()
    request, response = every_message()[:2]
    enb.send(enb_up.assoc_id, 0, PPID_S1AP, encode_pdu(request))
    stack.flush()
    at_mme = mme.poll()
    mme.send(mme_up.assoc_id, 0, PPID_S1AP, encode_pdu(response))
    stack.flush()
    at_enb = enb.poll()
    enb.close()         # graceful shutdown, carried to its end (frees the ports)
    stack.flush()
    mme.close()
    raw.close()
    udp.close()
    for token in (enb_link, mme_link):
        stack.remove_link(token)
    return {"events": (enb_up, mme_up), "at_mme": at_mme, "at_enb": at_enb,
            "pcaps": (tmp_path / "raw.pcap", tmp_path / "udp.pcap")}


def test_association_comes_up_with_two_streams_each_way(s1_setup):
    for event in s1_setup["events"]:
        assert (event.state, event.outbound_streams, event.inbound_streams) == ("up", 2, 2)


def test_s1_setup_both_ways_on_stream_zero(s1_setup):
    (at_mme,), (at_enb,) = s1_setup["at_mme"], s1_setup["at_enb"]
    assert isinstance(at_mme, SctpMessage) and (at_mme.stream, at_mme.ppid) == (0, PPID_S1AP)
    assert decode_pdu(at_mme.data) == every_message()[0]
    assert (at_enb.stream, at_enb.ppid) == (0, PPID_S1AP)
    assert decode_pdu(at_enb.data) == every_message()[1]


def test_tshark_decodes_the_capture_as_sctp_and_s1ap(require_tool, s1_setup):
    tshark = require_tool("tshark")
    expected = ["INIT", "INIT_ACK", "COOKIE_ECHO", "COOKIE_ACK", "S1SetupRequest", "SACK",
                "S1SetupResponse", "SACK", "SHUTDOWN", "SHUTDOWN_ACK", "SHUTDOWN_COMPLETE"]
    for pcap in s1_setup["pcaps"]:
        out = subprocess.run([tshark, "-r", str(pcap), "-o", "sctp.checksum:CRC-32C", "-T",
                              "fields", "-e", "_ws.col.Info", "-e", "sctp.checksum.status",
                              "-e", "_ws.expert.severity", "-e", "_ws.malformed"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        rows = [line.split("\t") for line in out.splitlines()]
        assert [re.split(r"[ ,]", info.strip())[0] for info, *_ in rows] == expected, pcap
        assert all(status == "1" for _, status, *_ in rows), "CRC32c not good"  # 1: Good
        assert all(severity == malformed == "" for _, _, severity, malformed in rows)


def test_constants_are_those_of_the_installed_header():
    """Each constant retyped in ntnstack.sctp._usrsctp equals its #define in usrsctp.h."""
    if not HEADER.exists():
        message = f"{HEADER} is missing (.ci/run installs Debian package libusrsctp-dev)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    defines = dict(re.findall(r"#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", HEADER.read_text()))
    names = ["AF_CONN", "SCTP_INITMSG", "SCTP_NODELAY", "SCTP_EVENT", "SCTP_RECVRCVINFO",
             "SCTP_SENDV_SNDINFO", "SCTP_RECVV_RCVINFO", "MSG_NOTIFICATION",
             "SCTP_ASSOC_CHANGE", "SCTP_SHUTDOWN_EVENT", "SCTP_COMM_UP", "SCTP_COMM_LOST",
             "SCTP_RESTART", "SCTP_SHUTDOWN_COMP", "SCTP_CANT_STR_ASSOC", "SCTP_EOF"]
    for name in names:
        assert getattr(_usrsctp, name) == int(defines[name], 0), name


def test_a_missing_library_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(_usrsctp, "_lib", None)
    monkeypatch.setattr(_usrsctp, "LIBRARY", "libusrsctp-not-installed.so")
    with pytest.raises(InputError, match="install the Debian package libusrsctp2"):
        _usrsctp.load(None)


def test_sctp_choice_here():
    """auto is the kernel's SCTP when a socket opens, else usrsctp; kernel without it is
    refused, naming the reason."""
    reason = kernel_sctp_error()
    assert choose_sctp("usrsctp") == "usrsctp"
    assert choose_sctp("auto") == ("usrsctp" if reason else "kernel")
    if reason is None:
        assert choose_sctp("kernel") == "kernel"
    else:
        with pytest.raises(InputError, match=re.escape(reason)):
            choose_sctp("kernel")
    with pytest.raises(InputError, match="--sctp: 'tcp' is not one of auto, kernel, usrsctp"):
        choose_sctp("tcp")


class _LossyLink:
    """Delivers to ``peer`` what is sent, except the first ``drop`` packets; keeps the
    chunk type of each packet sent (octet 12, RFC 9260 3.2)."""

    def __init__(self, stack: UsrsctpStack, drop: int):
        self.stack, self.drop, self.peer, self.sent = stack, drop, 0, []

    def transmit(self, packet: bytes) -> None:
        self.sent.append(packet[12])
        if self.drop:
            self.drop -= 1
            return
        self.stack.receive(self.peer, packet)


def test_a_lost_init_is_sent_again_after_rto_initial_on_the_callers_clock():
    """Time moves only through stack.advance: the INIT is repeated at exactly RTO.Initial
    (usrsctp's sctp_rto_initial_default: 3000 ms, RFC 4960's value; RFC 9260 says 1 s),
    1 ms steps, and the association then comes up."""
    stack = UsrsctpStack.get()
    enb_side, mme_side = _LossyLink(stack, drop=1), _LossyLink(stack, drop=0)
    enb_token, mme_token = stack.add_link(enb_side), stack.add_link(mme_side)
    enb_side.peer, mme_side.peer = mme_token, enb_token
    mme, enb = UsrsctpEndpoint(stack, 56412), UsrsctpEndpoint(stack, 58412)
    mme.listen()
    enb.connect(enb_token, 56412)
    stack.flush()
    elapsed_ms = 0
    while len(enb_side.sent) < 2:
        stack.advance(1)
        elapsed_ms += 1
        stack.flush()
        assert elapsed_ms <= 2 * stack.rto_initial_ms()
    assert elapsed_ms == stack.rto_initial_ms() == 3000
    assert enb_side.sent[:2] == [1, 1]                 # INIT, INIT again (chunk type 1)
    assert [e.state for e in enb.poll()] == ["up"]
    enb.close()
    stack.flush()
    mme.close()
    for token in (enb_token, mme_token):
        stack.remove_link(token)


def test_a_closed_endpoint_polls_nothing_and_refuses_to_send():
    """usrsctp frees a closed socket: polling it used to read freed memory (a crash when a
    Loopback drained its carrier after closing the eNB's endpoint)."""
    from ntnstack.sctp.usrsctp import SctpError

    endpoint = UsrsctpEndpoint(UsrsctpStack.get(), 47999)
    endpoint.close()
    endpoint.close()                        # once is enough; twice is harmless
    assert endpoint.poll() == []
    with pytest.raises(SctpError, match="closed"):
        endpoint.send(1, 0, PPID_S1AP, b"x")

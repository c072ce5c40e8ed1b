"""The user plane out of the core: a UE's data reaches a real UDP server on the host through
``ntnstack mme --forward-udp`` and the server's reply comes back to the UE (two processes
and the server, over loopback); MT data through S1AP to a connected UE (DOWNLINK NAS
TRANSPORT) and to an idle one (PAGING by its S-TMSI, then the data after its CONTROL PLANE
SERVICE REQUEST), in one process."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
import json
import socket
import socketserver
import subprocess
import sys
import threading

import pytest

from at_bridge.sms_pdu import encode_deliver
from ntnstack.clock import Clock
from ntnstack.s1ap.loopback import Loopback
from ntnstack.s1ap.ue_load import UPLINK_PAYLOAD, emulated_imsi
from ntnstack.stack import UeConfig, geo_cell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.session import StackSession
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.processes import cli, mme_then_enb

PORTS = (47412, 49412)          # a loopback of its own (other modules hold 36412 / 46412)
REPLY_PREFIX = b"echo:"


class _Echo(socketserver.BaseRequestHandler):
    """A UDP echo server: answers each datagram with REPLY_PREFIX + the datagram."""

    def handle(self):
        data, sock = self.request
        self.server.seen.append((self.client_address, data))
        sock.sendto(REPLY_PREFIX + data, self.client_address)


@pytest.fixture
def echo_server():
    server = socketserver.UDPServer(("127.0.0.1", 0), _Echo)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_udp_echo_server_answers_each_ue_through_mme_and_enb(tmp_path, echo_server):
    count = 3
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(subprocess.run(
        cli("enb", "--ues", str(count), "--print-subscribers"), cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=60).stdout)
    host, port = echo_server.server_address
    done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                            str(subscribers), "--json", "--sctp", "usrsctp",
                            "--forward-udp", f"{host}:{port}"),
                        "--ues", str(count), "--expect-reply", "--json", "--sctp", "usrsctp")
    enb, mme_out = done.enb, done.mme_out
    assert enb.returncode == 0, enb.stderr + done.mme_err
    report = json.loads(enb.stdout)
    assert report["failures"] == []
    assert {name: row["ok"] for name, row in report["procedures"].items()} == {
        "attach": count, "data": count, "reply": count, "sms": count, "detach": count}
    # each UE got the server's answer to its own data, bytes as the server sent them
    assert report["replies"] == {emulated_imsi(i): (REPLY_PREFIX + UPLINK_PAYLOAD).hex()
                                 for i in range(count)}
    # the server saw the application payload (not the UE's IP/UDP headers), one socket a UE
    assert [data for _, data in echo_server.seen] == [UPLINK_PAYLOAD] * count
    assert len({client for client, _ in echo_server.seen}) == count
    assert json.loads(mme_out)["forwarded"] == {"uplink": count, "downlink": count}


@pytest.fixture
def attached():
    cell = geo_cell(T0_UNIX_S)
    mme, ue = Mme(), dataclasses.replace(UeConfig(), imsi=emulated_imsi(0), seed=0)
    mme.add(Subscriber(ue.imsi, ue.k, ue.opc))
    loop = Loopback(mme, cell, "nbiot-geo", ports=PORTS)
    session = StackSession([cell], ue, loop.enb, Clock("virtual", start_unix_s=T0_UNIX_S))
    try:
        assert session.attach().ok
        loop.carrier.drain()                    # the ATTACH COMPLETE reaches the MME
        yield loop, session
    finally:
        session.close()
        loop.close()


def test_mt_data_to_a_connected_ue_in_downlink_nas_transport(attached):
    loop, session = attached
    loop.mme.deliver_data(session.ue.imsi, b"to the connected UE")
    result = session.receive_data(b"")
    assert result.ok and session.data_received == [b"to the connected UE"]
    assert loop.enb.paged == [] and loop.mme.errors == []


def test_mt_data_to_an_idle_ue_after_paging_and_service_request(attached):
    loop, session = attached
    imsi = session.ue.imsi
    session.release()
    loop.enb.release(imsi)                      # UE CONTEXT RELEASE: the UE has no S1 link
    loop.carrier.drain()
    loop.enb.s_tmsi[imsi] = session.s_tmsi      # what its RRC Connection Request names
    loop.mme.deliver_data(imsi, b"to the idle UE")
    result = session.receive_data(b"")
    assert result.ok and session.data_received == [b"to the idle UE"]
    assert loop.mme.seen["InitialUEMessage"] == 2   # the attach, then the paged CPSR
    assert result.details["paging_wait_s"] >= 0 and loop.mme.errors == []


def test_coap_server_answers_a_coap_get_through_the_core(tmp_path):
    """aiocoap (RFC 7252, not ours) encodes a confirmable GET /ntn, its server answers
    through ``ntnstack mme --forward-udp``, and aiocoap decodes what each UE received as the
    piggybacked 2.05 Content with the server's payload and the request's token and MID."""
    aiocoap = pytest.importorskip("aiocoap")    # a test dependency (pyproject [test])
    from tests.s1ap.coap_server import REPLY

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:   # a free port
        probe.bind(("127.0.0.1", 0))
        coap_port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tests.s1ap.coap_server", str(coap_port)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        request = aiocoap.Message(code=aiocoap.GET, uri_path=("ntn",))
        request.mtype, request.mid, request.token = aiocoap.CON, 0x1234, b"\x0b\x17"
        subscribers = tmp_path / "subscribers.csv"
        subscribers.write_text(subprocess.run(
            cli("enb", "--ues", "2", "--print-subscribers"), cwd=ROOT, check=True,
            capture_output=True, text=True, timeout=60).stdout)
        done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                                str(subscribers), "--sctp", "usrsctp",
                                "--forward-udp", f"127.0.0.1:{coap_port}"),
                            "--ues", "2", "--expect-reply", "--json", "--sctp", "usrsctp",
                            "--uplink-hex", request.encode().hex())
    finally:
        server.kill()
        server.wait(timeout=60)
    assert done.enb.returncode == 0, done.enb.stderr + done.mme_err
    for reply_hex in json.loads(done.enb.stdout)["replies"].values():
        reply = aiocoap.Message.decode(bytes.fromhex(reply_hex))
        assert (reply.mtype, reply.code, reply.payload) == (aiocoap.ACK, aiocoap.CONTENT, REPLY)
        assert (reply.mid, reply.token) == (request.mid, request.token)


def test_mt_sms_to_a_connected_ue_and_its_rp_ack(attached):
    """SMS-DELIVER down, CP-ACK and CP-DATA(RP-ACK) up, CP-ACK down (TS 24.011 5.2), over
    S1AP; the UE decodes the text, the MME has the RP-ACK of its message reference."""
    loop, session = attached
    tpdu = encode_deliver("+8613800000001", "over S1AP", datetime(2026, 1, 1, tzinfo=UTC))
    loop.mme.deliver_sms(session.ue.imsi, tpdu)
    assert session.receive_sms("", tpdu=tpdu).ok
    loop.carrier.drain()
    assert [m.text for m in session.sms_received] == ["over S1AP"]
    assert loop.mme.mme.context(session.ue.imsi).mt_sms_acked == [1]   # first MR the MME used

"""The user plane into the host's IP stack (``ntnstack mme --tun``, root): a real UDP echo
server socket bound to the TUN's address answers a virtual UE's uplink datagram through the
core (two processes, S1AP over usrsctp on loopback); the interface vanishes with the MME;
packets that are not the UE's, or are for no UE, are dropped; bad TUN options are one-line
errors."""
from __future__ import annotations

import ipaddress
import json
import os
import select
import socket
import socketserver
import subprocess
import threading
from pathlib import Path

import pytest

from ntnstack.s1ap.ue_load import UPLINK_PAYLOAD, emulated_imsi
from ntnstack.stack.user_plane import to_datagram
from tests.cli.subprocess_cli import ROOT
from tests.cli.test_bad_input import one_line_error
from tests.s1ap.processes import cli, mme_then_enb

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0,
                               reason="a TUN interface needs root (CAP_NET_ADMIN)")
TUN_NET = "10.231.77.0/24"       # a private network of this test (RFC 1918), TUN at .1
TUN_IP, FIRST_UE_IP = "10.231.77.1", "10.231.77.2"   # first host, then subscriber 1
DROP_NET = "10.231.78.0/24"      # another, so that the two TUN tests may run at once (xdist)
REPLY_PREFIX = b"echo:"
WAIT_S = 10.0                    # real seconds a packet may take through the kernel, at most


def _tun_name(tag: str) -> str:
    """An interface name of this test process (15 characters at most)."""
    return f"ntt{tag}{os.getpid() % 100000}"


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        self.server.seen.append((self.client_address, data))
        sock.sendto(REPLY_PREFIX + data, self.client_address)


@ROOT_ONLY
def test_udp_echo_server_on_the_tun_answers_a_ue_through_the_core(tmp_path):
    name = _tun_name("e")
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(subprocess.run(
        cli("enb", "--ues", "1", "--print-subscribers"), cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=60).stdout)
    servers = []

    def echo_on_the_tun() -> list[str]:     # the TUN's address exists once the MME listens
        server = socketserver.UDPServer((TUN_IP, 0), _Echo)
        server.seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return ["--app-server", f"{TUN_IP}:{server.server_address[1]}"]

    try:
        done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                                str(subscribers), "--json", "--sctp", "usrsctp",
                                "--tun", name, "--tun-net", TUN_NET),
                            "--ues", "1", "--pdn", "ipv4", "--expect-reply", "--json",
                            "--sctp", "usrsctp", ready=echo_on_the_tun)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert done.enb.returncode == 0, done.enb.stderr + done.mme_err
    report = json.loads(done.enb.stdout)
    assert report["failures"] == [] and report["procedures"]["reply"]["ok"] == 1
    assert report["replies"] == {emulated_imsi(0): (REPLY_PREFIX + UPLINK_PAYLOAD).hex()}
    # the host's socket saw the UE's datagram from the UE's pool address and its port
    (server,) = servers
    port = server.server_address[1]
    assert server.seen == [((FIRST_UE_IP, port), UPLINK_PAYLOAD)]
    assert json.loads(done.mme_out)["forwarded"] == {"uplink": 1, "downlink": 1, "dropped": 0}
    assert not Path("/sys/class/net", name).exists()      # removed when the MME ended


@ROOT_ONLY
def test_tun_drops_a_spoofed_uplink_and_a_packet_for_no_ue():
    from ntnstack.s1ap.tun import TunForward, ue_addresses

    address, (ue_ip,) = ue_addresses(DROP_NET, 1)
    delivered, watched = [], []
    tun = TunForward(_tun_name("d"), address, {ue_ip: "001010000000000"},
                     lambda imsi, packet: delivered.append((imsi, packet)), watched.append)
    try:
        assert watched == [tun.fileno()]
        ipv4 = ipaddress.IPv4Address(ue_ip).packed
        other = ipaddress.IPv4Address("10.231.78.9").packed
        tun.uplink("001010000000000", "ipv4", ipv4, to_datagram("ipv4", other, b"x", True))
        tun.uplink("001010000000000", "non-ip", b"", b"not an IP packet")
        assert (tun.sent, tun.dropped) == (0, 2)
        # the host sends to an address of the TUN's network that no UE holds, then to the UE
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as host:
            host.sendto(b"nobody", ("10.231.78.200", 9))
            host.sendto(b"to the UE", (ue_ip, 9))
            while not delivered:
                assert select.select([tun], [], [], WAIT_S)[0], "no packet in the TUN"
                tun.poll()
        assert tun.dropped == 3 and tun.received == 1
        ((imsi, packet),) = delivered
        assert imsi == "001010000000000" and packet[16:20] == ipv4 and packet.endswith(b"to the UE")
    finally:
        tun.close()
    assert not Path("/sys/class/net", tun.name).exists()


def test_tun_address_pool():
    from ntnstack.s1ap.tun import ue_addresses

    assert ue_addresses("10.45.0.0/16", 3) == ("10.45.0.1/16",
                                               ["10.45.0.2", "10.45.0.3", "10.45.0.4"])
    # a /30 holds two hosts: the TUN and one UE (RFC 950: network and broadcast excluded)
    assert ue_addresses("192.168.9.0/30", 1) == ("192.168.9.1/30", ["192.168.9.2"])


@pytest.fixture
def subscriber_file(tmp_path) -> str:
    path = tmp_path / "subscribers.csv"
    path.write_text(f"001010000000001,{'00' * 16},{'00' * 16}\n"
                    f"001010000000002,{'00' * 16},{'00' * 16}\n")
    return str(path)


@pytest.mark.parametrize("extra, needles", [
    (["--tun", "lo"], ("--tun lo: an interface of that name exists",)),
    (["--tun", "a-name-too-long-for-linux"], ("--tun 'a-name-too-long-for-linux'",)),
    (["--tun", "x", "--forward-udp", "127.0.0.1:9"], ("one user plane at a time",)),
    (["--tun", "ntntest9", "--tun-net", "10.0.0.0/31"],
     ("--tun-net 10.0.0.0/31: 0 host addresses, 3 needed",)),
    (["--tun", "ntntest9", "--tun-net", "10.0.0.1/24"], ("--tun-net '10.0.0.1/24'",
                                                          "host bits set")),
    (["--tun-net", "10.0.0.0/24"], ("--tun-net 10.0.0.0/24: only with --tun",)),
])
def test_bad_tun_options(capsys, subscriber_file, extra, needles):
    if extra[:2] == ["--tun", "lo"] and os.geteuid() != 0:
        pytest.skip("not root: the CAP_NET_ADMIN check comes before the existing-name one")
    one_line_error(capsys, ["mme", "--listen", "127.0.0.1:0", "--sctp", "usrsctp",
                            "--subscribers", subscriber_file, *extra], *needles)


@ROOT_ONLY
def test_tun_without_cap_net_admin_is_one_line(tmp_path):
    """Root without CAP_NET_ADMIN (util-linux setpriv drops it): exit 2 and the reason."""
    done = subprocess.run(["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin",
                           *cli("mme", "--listen", "127.0.0.1:0", "--sctp", "usrsctp",
                                "--subscribers", "/nonexistent", "--tun", _tun_name("r"))],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().endswith("creating a TUN interface needs root (CAP_NET_ADMIN)")
    assert len(done.stderr.strip().splitlines()) == 1

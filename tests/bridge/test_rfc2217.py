"""A real ser2net (RFC 2217 over TCP on loopback) fronts a scripted module on a pty; the
driver reaches it through pyserial's rfc2217:// URL, as it would a rig host's port."""
from __future__ import annotations

import socket
import subprocess
import time

import pytest

from at_bridge.drivers import open_module
from tests.bridge.test_drivers import nbntn_module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ser2net(require_tool, tmp_path):
    """start(device_path) -> rfc2217:// URL served by a ser2net 4 process on loopback."""
    exe = require_tool("ser2net")
    procs = []

    def start(device: str) -> str:
        port = free_port()
        # ser2net 4 YAML through -Y ('#' becomes a newline); -u: no UUCP lock files.
        config = (f"connection: &bridge#  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}#"
                  f"  connector: serialdev,{device},115200n81,local")
        procs.append(subprocess.Popen([exe, "-n", "-u", "-P", str(tmp_path / "ser2net.pid"),
                                       "-Y", config], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)  # ser2net closes the probe connection before the next accept
        # ser2net on a pty does not acknowledge SET-CONTROL; pyserial's documented
        # ign_set_control option skips waiting for that answer.
        return f"rfc2217://127.0.0.1:{port}?ign_set_control"

    yield start
    for p in procs:
        p.terminate()
        p.wait(5)


def test_driver_through_ser2net_rfc2217(ser2net, pty_peer, tmp_path):
    peer, module = nbntn_module("nbntn-nordic", pty_peer)
    url = ser2net(peer.slave_path)
    with open_module(url, "nbntn-nordic", log_path=tmp_path / "rfc2217.log") as m:
        m.power_on()
        assert m.identity().imei == "352656100367872"
        assert m.attach(timeout_s=5).act == 14
    assert "AT+CFUN=1" in module.lines

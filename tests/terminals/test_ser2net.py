"""A real ser2net (Debian package, 4.x) on loopback fronts a virtual module; pyserial drives
it through rfc2217:// (RFC 2217 telnet COM-port control), as a remote rig would be used."""
from __future__ import annotations

import socket
import subprocess
import time

import pytest

from tests.bridge.test_rfc2217 import free_port
from tests.terminals.conftest import Client

# pyserial's RFC 2217 threads still call setName / setDaemon (deprecated in Python 3.10).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")


@pytest.fixture
def ser2net(require_tool, tmp_path):
    exe = require_tool("ser2net")
    procs = []

    def start(device: str) -> int:
        port = free_port()
        cfg = tmp_path / "ser2net.yaml"
        cfg.write_text("%YAML 1.1\n---\n"
                       "connection: &ntn0\n"
                       f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}\n"
                       f"  connector: serialdev,{device},115200n81,local\n"
                       "  options:\n    kickolduser: true\n")
        proc = subprocess.Popen([exe, "-n", "-u", "-c", str(cfg), "-P", str(tmp_path / "pid")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
                time.sleep(0.05)
        raise AssertionError("ser2net did not listen")

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=5)


def test_module_through_ser2net_rfc2217(rig, ser2net):
    import serial
    m = rig.module("nbntn-quectel")
    rig.start()
    rig.ready(m)
    port = ser2net(m.path)
    # ign_set_control: a pty has no modem-control lines, so ser2net never answers SET-CONTROL
    # (RFC 2217 sub-option 5) for it; pyserial would wait for that answer and give up.
    ser = serial.serial_for_url(f"rfc2217://127.0.0.1:{port}?ign_set_control", 115200,
                                timeout=0.05)
    c = Client(ser)
    rig.clients.append(c)
    deadline = time.monotonic() + 10
    while True:   # ser2net opens the device when the client connects; first bytes may race
        try:
            if c.cmd("AT", timeout_s=0.5)[1] == "OK":
                break
        except AssertionError:
            assert time.monotonic() < deadline
    assert c.cmd("AT+CGMM") == (["BG95-S5"], "OK")
    assert c.cmd("AT+CGSN")[0] == [m.identity.imei]


def test_bridge_driver_through_ser2net(rig, ser2net, tmp_path):
    from at_bridge.drivers.factory import open_module
    m = rig.module("nbntn-nordic")
    rig.start()
    rig.ready(m)
    port = ser2net(m.path)
    d = open_module(f"rfc2217://127.0.0.1:{port}?ign_set_control", "nbntn-nordic",
                    log_path=tmp_path / "rfc2217.log", exclusive=False)
    try:
        d.power_on()
        assert d.identity().imei == m.identity.imei
    finally:
        d.close()

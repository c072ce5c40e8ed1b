"""Fixtures: virtual modules served on real ptys, and a small independent AT client.

The client here is deliberately not at_bridge: it checks the modules with plain pyserial
reads, so a bug shared by both sides cannot hide (the driver tests are separate).
"""
from __future__ import annotations

import re
import time

import pytest
import serial

from ntnstack.terminals.clock import make_clock
from ntnstack.terminals.factory import build_module
from ntnstack.terminals.host import ModuleHost
from ntnstack.terminals.network import VirtualNetwork

TEST_SPEED = 100.0
"""Emulated seconds per real second in these tests (a 54 s GEO attach takes 0.54 s)."""
REAL_TIMEOUT_S = 10.0
"""Real seconds a test waits for an answer before failing."""
FINAL = re.compile(r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|CONNECT|SEND OK|SEND FAIL|"
                   r"\+CM[ES] ERROR: .*)$")


class Client:
    """Line-oriented AT client over pyserial: ``cmd`` returns (lines, final)."""

    def __init__(self, port) -> None:
        """``port``: a device path / pyserial URL, or an open pyserial port."""
        self.ser = serial.serial_for_url(port, 115200, timeout=0.05) \
            if isinstance(port, str) else port
        self.buf = b""
        self.lines: list[str] = []   # every line seen, in order (URCs included)
        self.pending: list[str] = []  # lines not consumed by cmd/wait

    def _pump(self) -> None:
        self.buf += self.ser.read(max(1, self.ser.in_waiting))
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.strip(b"\r").decode("latin-1").strip()
            if line:
                self.lines.append(line)
                self.pending.append(line)

    def raw(self, data: bytes) -> None:
        self.ser.write(data)

    def cmd(self, text: str, timeout_s: float = REAL_TIMEOUT_S, echo: str | None = None):
        self.pending.clear()
        self.ser.write(text.encode("latin-1") + b"\r")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._pump()
            for i, line in enumerate(self.pending):
                if FINAL.match(line):
                    body = [x for x in self.pending[:i] if x != text]
                    del self.pending[:i + 1]
                    return body, line
        raise AssertionError(f"{text}: no final result in {timeout_s} s; saw {self.pending}")

    def prompt(self, text: str, timeout_s: float = REAL_TIMEOUT_S) -> None:
        self.ser.write(text.encode() + b"\r")
        deadline = time.monotonic() + timeout_s
        while b"> " not in self.buf and time.monotonic() < deadline:
            self.buf += self.ser.read(64)
        assert b"> " in self.buf, f"{text}: no '> ' prompt"
        self.buf = self.buf.split(b"> ", 1)[1]

    def wait(self, pattern: str, timeout_s: float = REAL_TIMEOUT_S) -> re.Match:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for i, line in enumerate(self.pending):
                m = rx.search(line)
                if m:
                    del self.pending[:i + 1]
                    return m
            self._pump()
        raise AssertionError(f"no line matching {pattern!r} in {timeout_s} s; saw {self.pending}")

    def close(self) -> None:
        self.ser.close()


class Rig:
    """Modules of one test on one host; closed at teardown."""

    def __init__(self, speed=TEST_SPEED) -> None:
        self.host = ModuleHost(make_clock(speed))
        self.network = VirtualNetwork()
        self.clients: list[Client] = []
        self.started = False

    def module(self, family: str, link=None, **kw):
        from ntnstack.terminals.link_view import FixedGeometryLink
        kw.setdefault("serial", len(self.host.modules))
        m = build_module(family, link or FixedGeometryLink(), network=self.network, **kw)
        self.host.add(m) if self.started else self.host.modules.append(m)
        return m

    def start(self) -> None:
        for m in self.host.modules:
            m.attach(self.host)
        self.started = True
        self.host.start()

    def ready(self, m, timeout_s: float = REAL_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while m.booting and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not m.booting, f"{m.family} did not finish booting"

    def client(self, m) -> Client:
        self.ready(m)
        c = Client(m.path)
        self.clients.append(c)
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.host.close()


@pytest.fixture
def rig():
    r = Rig()
    yield r
    r.close()


@pytest.fixture
def virtual_rig():
    r = Rig(speed="virtual")
    yield r
    r.close()

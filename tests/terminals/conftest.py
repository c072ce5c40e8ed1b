"""Fixtures: virtual modules served on real ptys, and a small independent AT client.

The client here is deliberately not at_bridge: it checks the modules with plain pyserial
reads, so a bug shared by both sides cannot hide (the driver tests are separate). On the
virtual clock the client and the test thread take part in the clock's agreement as any
in-process party must (docs/time.md): the client announces what it writes and reads, and the
test thread is a party from ``start`` to ``close``, so emulated time moves only while the test
waits for the modules.
"""
from __future__ import annotations

import contextlib
import re
import time

import pytest
import serial

from ntnstack.clock import RANK_RUNNER, make_clock
from ntnstack.terminals.factory import build_module
from ntnstack.terminals.host import ModuleHost
from ntnstack.terminals.network import VirtualNetwork

TEST_SPEED = 100.0
"""Emulated seconds per real second of the ``rig`` fixture's scaled clock (a 54 s GEO attach
takes 0.54 s); ``virtual_rig`` runs on the virtual clock, with the test and its clients as
parties, so no answer there depends on how busy the machine is."""
REAL_TIMEOUT_S = 10.0
"""Real seconds a test waits for an answer before failing."""
BOOT_S = 60.0
"""Emulated seconds a module may take to boot (the families' boot_s are a few seconds)."""
FINAL = re.compile(r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|CONNECT|SEND OK|SEND FAIL|"
                   r"\+CM[ES] ERROR: .*)$")


class Client:
    """Line-oriented AT client over pyserial: ``cmd`` returns (lines, final)."""

    def __init__(self, port, clock=None) -> None:
        """``port``: a device path / pyserial URL, or an open pyserial port; ``clock``: the
        modules' ntnstack Clock (the client announces its bytes to it)."""
        self.clock = clock or make_clock("realtime")
        name = port if isinstance(port, str) else port.port
        self.key_in, self.key_out = f"{name}@client", f"{name}@device"
        self.ser = self.clock.reader_open(self.key_in, lambda: serial.serial_for_url(
            port, 115200, timeout=0.05), eager=False) if isinstance(port, str) else port
        self.buf = b""
        self.lines: list[str] = []   # every line seen, in order (URCs included)
        self.pending: list[str] = []  # lines not consumed by cmd/wait

    def read_some(self) -> bytes:
        """Whatever has arrived (waits up to the port's 0.05 s read timeout)."""
        with self.clock.os_wait(reading=self.key_in):
            data = self.ser.read(max(1, self.ser.in_waiting))
        self.clock.received(self.key_in, len(data))
        return data

    def pause(self, emulated_s: float) -> None:
        """Let ``emulated_s`` pass on the modules' clock (real time / scale when scaled)."""
        self.clock.sleep(emulated_s)

    def _pump(self) -> None:
        self.buf += self.read_some()
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.strip(b"\r").decode("latin-1").strip()
            if line:
                self.lines.append(line)
                self.pending.append(line)

    def raw(self, data: bytes) -> None:
        self.clock.sent(self.key_out, len(data))
        self.ser.write(data)

    def cmd(self, text: str, timeout_s: float = REAL_TIMEOUT_S, echo: str | None = None):
        self.pending.clear()
        self.raw(text.encode("latin-1") + b"\r")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._pump()
            for i, line in enumerate(self.pending):
                if FINAL.match(line):
                    body = [x for x in self.pending[:i] if x != text]
                    del self.pending[:i + 1]
                    return body, line
        raise AssertionError(f"{text}: no final result in {timeout_s} s; saw {self.pending}")

    def raw_answer(self, text: str, end: bytes = b"\r\nOK\r\n",
                   timeout_s: float = REAL_TIMEOUT_S) -> bytes:
        """The bytes the module answers to the line ``text``, up to and including ``end``
        (echo included unless ATE0): framing as it is, empty lines kept."""
        self.raw(text.encode("latin-1") + b"\r")
        deadline = time.monotonic() + timeout_s
        data, self.buf = self.buf, b""
        while end not in data and time.monotonic() < deadline:
            data += self.read_some()
        assert end in data, f"{text}: no {end!r} in {timeout_s} s; saw {data!r}"
        head, rest = data.split(end, 1)
        self.buf = rest
        return head + end

    def prompt(self, text: str, timeout_s: float = REAL_TIMEOUT_S) -> None:
        self.raw(text.encode() + b"\r")
        deadline = time.monotonic() + timeout_s
        while b"> " not in self.buf and time.monotonic() < deadline:
            self._pump()
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
        self.clock.reader_closed(self.key_in)


class Rig:
    """Modules of one test on one host; closed at teardown."""

    def __init__(self, speed=TEST_SPEED) -> None:
        self.host = ModuleHost(make_clock(speed))
        self.network = VirtualNetwork()
        self.clients: list[Client] = []
        self.started = False
        self._party = contextlib.ExitStack()

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
        self._party.enter_context(self.host.clock.party("test", rank=RANK_RUNNER))
        self.host.start()

    def ready(self, m, timeout_s: float = BOOT_S) -> None:
        self.host.clock.wait_for(lambda: not m.booting, timeout_s)
        assert not m.booting, f"{m.family} did not finish booting"

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of emulated time pass while the modules act."""
        self.host.clock.sleep(seconds)

    def client(self, m) -> Client:
        self.ready(m)
        c = Client(m.path, self.host.clock)
        self.clients.append(c)
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.host.close()
        self._party.close()


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

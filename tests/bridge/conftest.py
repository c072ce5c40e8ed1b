"""Fixtures for the bridge tests: scripted peers on real ptys and an in-process channel.

No rig is needed (STYLE rule 10): a :class:`PtyPeer` owns the master side of a pty pair and
answers what the bridge (which opens the slave path, or a symlink to it, through pyserial)
sends; :class:`FakeChannel` feeds an engine synchronously for fast property tests.
"""
from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable
from pathlib import Path

import pytest

from at_bridge.timebase import REALTIME

TRANSCRIPTS = Path(__file__).with_name("transcripts")


class FakeChannel:
    """A channel whose peer is a function: ``script(written_bytes) -> list of chunks``."""

    timebase = REALTIME

    def __init__(self, script: Callable[[bytes], list[bytes]] | None = None):
        self.script = script or (lambda data: [])
        self.written: list[bytes] = []
        self.receiver: Callable[[bytes], None] = lambda data: None
        self.listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return "fake"

    def write(self, data: bytes) -> None:
        self.written.append(data)
        for chunk in self.script(data):
            self.receiver(chunk)

    def set_receiver(self, receiver: Callable[[bytes], None]) -> None:
        self.receiver = receiver

    def add_state_listener(self, listener: Callable[[str], None]) -> None:
        self.listeners.append(listener)

    def feed(self, data: bytes) -> None:
        self.receiver(data)


class PtyPeer:
    """The module side of a pty pair, answering line by line through ``handler``.

    ``handler(peer, line, terminator)`` is called for each received line (terminator is the
    byte that ended it: CR, Ctrl-Z or ESC) and answers with ``peer.send(...)``. ``link`` is a
    symlink kept pointing at the current slave (like a /dev/serial/by-id path).
    """

    def __init__(self, handler: Callable[[PtyPeer, str, bytes], None] | None = None,
                 link: Path | None = None, raw: bool = False):
        self.handler = handler or (lambda peer, line, term: None)
        self.link = link
        self.raw = raw
        self.lines: list[str] = []
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open_pty()

    @property
    def path(self) -> str:
        return str(self.link) if self.link else self.slave_path

    def _open_pty(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.slave_path = os.ttyname(self.slave)
        if self.link:
            tmp = self.link.with_suffix(".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_path)
            tmp.replace(self.link)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="pty-peer")
        self._thread.start()

    def send(self, data: bytes | str) -> None:
        """Write bytes (or text, encoded) to the bridge side."""
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def send_lines(self, *lines: str) -> None:
        """Each line as ``\\r\\n<line>\\r\\n`` (V.250 verbose format)."""
        self.send("".join(f"\r\n{line}\r\n" for line in lines))

    def _run(self) -> None:
        buf = bytearray()
        master = self.master
        poller = select.poll()   # not select(): descriptors may be >= 1024
        poller.register(master, select.POLLIN)
        while not self._stop.is_set():
            try:
                ready = poller.poll(50)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            self.received += data
            if self.raw:
                self.handler(self, data.decode("latin-1"), b"")
                continue
            buf += data
            while True:
                ends = (buf.find(b"\r"), buf.find(b"\x1a"), buf.find(b"\x1b"))
                cuts = [i for i in ends if i >= 0]
                if not cuts:
                    break
                cut = min(cuts)
                line, term = bytes(buf[:cut]).decode("latin-1").strip("\n"), bytes(buf[cut:cut + 1])
                del buf[:cut + 1]
                self.lines.append(line)
                self.handler(self, line, term)

    def vanish(self) -> None:
        """Close both pty ends and remove the link: the port is gone (USB unplug)."""
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    def reappear(self) -> None:
        """A new pty at the same link path (re-enumeration)."""
        self._open_pty()

    def close(self) -> None:
        self.vanish()


@pytest.fixture
def pty_peer():
    """Factory of PtyPeer objects closed at teardown."""
    peers: list[PtyPeer] = []

    def make(handler=None, link=None, raw=False) -> PtyPeer:
        peer = PtyPeer(handler, link, raw)
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        peer.close()


def load_transcript(name: str) -> list[tuple[str, str]]:
    """Transcript file -> list of (kind, text): kinds '>' host line, '<' module line,
    '<u' URC, '<b' banner, '<raw' exact bytes (Python escapes); '#' lines are comments."""
    rows = []
    for line in (TRANSCRIPTS / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, text = line.partition(" ")
        rows.append((kind, text))
    return rows

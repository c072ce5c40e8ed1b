"""Scripted module sides for driver tests: a table of exact command lines and their answers.

The tables in the tests are written from the module manuals (docs/reference.md 5 and the
sources named in each dialect file), independently of the dialect YAML, so a driver test
fails when the dialect sends something the module would not accept.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable

from at_bridge.cmux import FLAG, Mux
from at_bridge.sentence_engine import make_sentence, parse_sentence
from at_bridge.timebase import REALTIME

_ECHO_ONLY = re.compile(r"^AT(E[01])+$", re.IGNORECASE)
Answer = list[str] | Callable[["AtResponder", str], None]


class AtResponder:
    """Answers AT lines from ``script`` (exact line -> lines, or a callable); unknown lines get
    ERROR. ``echo`` echoes each line (V.250 E1). Text ended by Ctrl-Z goes to ``on_payload``."""

    def __init__(self, write: Callable[[bytes], None], script: dict[str, Answer],
                 echo: bool = False, on_payload: Callable[[AtResponder, str], None] | None = None):
        self.write, self.script, self.echo = write, script, echo
        self.on_payload = on_payload
        self.lines: list[str] = []
        self._buf = bytearray()

    def send_lines(self, *lines: str) -> None:
        self.write("".join(f"\r\n{line}\r\n" for line in lines).encode())

    def later(self, delay_s: float, *lines: str) -> None:
        """Send lines as URCs after ``delay_s`` seconds (an emulated network delay)."""
        threading.Timer(delay_s, self.send_lines, lines).start()

    def feed(self, data: bytes) -> None:
        self._buf += data
        while True:
            cuts = [i for i in (self._buf.find(b"\r"), self._buf.find(b"\x1a"),
                                self._buf.find(b"\x1b")) if i >= 0]
            if not cuts:
                return
            cut = min(cuts)
            line = bytes(self._buf[:cut]).decode("latin-1").strip("\n")
            term = self._buf[cut:cut + 1]
            del self._buf[:cut + 1]
            self._line(line, bytes(term))

    def _line(self, line: str, term: bytes) -> None:
        self.lines.append(line)
        if term == b"\x1a" and self.on_payload:
            self.on_payload(self, line)
            return
        if term == b"\x1b":
            self.send_lines("OK")
            return
        if self.echo:
            self.write(line.encode() + b"\r")
        answer = self.script.get(line)
        if answer is None and _ECHO_ONLY.match(line):   # V.250 6.2.4: ATE0 / ATE1 (repeats)
            self.echo = line.upper().endswith("1")
            answer = ["OK"]
        if answer is None:
            self.send_lines("ERROR")
        elif callable(answer):
            answer(self, line)
        else:
            self.send_lines(*answer)


class DataEntry:
    """TS 27.005 3.5.1 data entry in front of ``responder``: while active, every byte is data
    (CR included) until Ctrl-Z (the data goes to ``responder.on_payload``) or ESC (cancelled:
    OK); nothing else ends it. ``open`` is a script answer: ``prompt`` (27.005 3.5.1: "> "),
    then data entry."""

    def __init__(self, responder: AtResponder, active: bool = False):
        self.responder, self.active = responder, active
        self.prompt = b"\r\n> "   # what the module writes when data entry opens
        self.data = bytearray()
        self.cancelled = 0   # data entries ended by ESC

    def open(self, r: AtResponder, line: str) -> None:
        self.active = True
        if self.prompt:
            r.write(self.prompt)

    def feed(self, data: bytes) -> None:
        if self.active:
            ends = [i for i in (data.find(b"\x1a"), data.find(b"\x1b")) if i >= 0]
            if not ends:
                self.data += data
                return
            cut = min(ends)
            text = (self.data + data[:cut]).decode("latin-1")
            end, data = data[cut:cut + 1], data[cut + 1:]
            self.active, self.data = False, bytearray()
            if end == b"\x1b":
                self.cancelled += 1
                self.responder.send_lines("OK")
            else:
                self.responder.on_payload(self.responder, text)
        if data:
            self.responder.feed(data)


class MuxModule:
    """Module side of a Tiantong-like terminal: AT until ``AT+CMUX=...``, then 27.010 frames
    with one AtResponder per DLCI (scripts by DLCI); the close-down (CLD) returns it to AT
    commands (27.010 5.8.2), bytes after the CLD frame included."""

    timebase = REALTIME

    def __init__(self, peer, script: dict[str, Answer], channel_scripts: dict[int, dict],
                 echo: bool = True):
        self.peer = peer
        self.at = AtResponder(peer.send, dict(script), echo)
        self.at.script["AT+CMUX=0,0,5,1600"] = self._start_mux
        self.channel_scripts = channel_scripts
        self.mux: Mux | None = None
        self.responders: dict[int, AtResponder] = {}
        self._receiver: Callable[[bytes], None] = self.at.feed

    def feed(self, peer, data: str, term: bytes) -> None:
        self._receiver(data.encode("latin-1"))
        if self.mux is not None and self.mux.closed.is_set():
            rest = bytes(self.mux.deframer.buf).lstrip(bytes([FLAG]))
            self.mux = None
            self._receiver = self.at.feed
            self.at.feed(rest)

    def reboot(self, responder: AtResponder, line: str) -> None:
        """OK, then the module restarts: multiplexer gone, ^SIMST: 1 in raw AT."""
        responder.send_lines("OK")
        self.mux = None
        self._receiver = self.at.feed
        threading.Timer(0.05, self.at.send_lines, ("^SIMST: 1",)).start()

    def _start_mux(self, responder: AtResponder, line: str) -> None:
        responder.send_lines("OK")
        self.left_multiplexed()

    def left_multiplexed(self) -> None:
        """Frames only from now on, no OK owed: also the state a host that died after
        AT+CMUX leaves the module in."""
        self.mux = Mux(self, initiator=False)
        for dlci, script in self.channel_scripts.items():
            ch = self.mux.channel(dlci)
            r = AtResponder(ch.write, script, echo=True)
            ch.set_receiver(r.feed)
            self.responders[dlci] = r

    # transport interface for the module-side Mux
    def write(self, data: bytes) -> None:
        self.peer.send(data)

    def set_receiver(self, receiver) -> None:
        self._receiver = receiver

    def add_state_listener(self, listener) -> None:
        pass

    def __repr__(self) -> str:
        return "module"


class SentenceModule:
    """Module side of a BeiDou terminal: answers sentence bodies from ``script``."""

    def __init__(self, peer, script: dict[str, Callable[[SentenceModule, str], list[str]]]):
        self.peer, self.script = peer, script
        self.bodies: list[str] = []
        self._buf = bytearray()

    def send(self, *bodies: str) -> None:
        self.peer.send(b"".join(make_sentence(b) for b in bodies))

    def feed(self, peer, data: str, term: bytes) -> None:
        self._buf += data.encode("latin-1")
        while (cut := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[:cut + 1])
            del self._buf[:cut + 1]
            body = parse_sentence(line)
            self.bodies.append(body)
            sid = body.split(",", 1)[0]
            if sid in self.script:
                self.send(*self.script[sid](self, body))

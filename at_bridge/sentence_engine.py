"""NMEA-style sentence engine for BeiDou RDSS terminals (not AT).

Sentence: ``$<body>*hh<CR><LF>`` where ``<body>`` is ``<talker><id>,<fields>`` (``BDFKI,...``)
and ``hh`` is the XOR of every byte between ``$`` and ``*`` as two upper-case hex digits
(the NMEA 0183 checksum rule the BeiDou interface protocols follow).

Routing of each received sentence (body = text between ``$`` and ``*``):

1. bad or missing checksum -> rejected: counted in ``stats["bad_checksum"]``, logged, and kept
   in :attr:`SentenceEngine.rejected` (last 100) so the caller sees what was refused;
2. ``BDFKI`` -> the answer to the pending command whose ``fki`` name equals field
   ``fki_command_field`` of the FKI (``TXA`` in 2.1, ``TCQ`` in BDS-3); otherwise queued;
3. the sentence named by the pending command's ``reply`` (``BDICI``) -> its answer;
4. a status stream (``BDBSI``, ``BDPWI``) -> :attr:`latest` (by id) and queued as URC;
5. anything else (received messages ``BDTXR`` / ``BDTCI`` included) -> the URC queue, with
   the named groups of the dialect's pattern for that id when it matches.

URCs use :class:`at_bridge.at_engine.Unsolicited`, with ``name`` = the sentence id
(``BDTXR``), so drivers treat both engines alike.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

from at_bridge.at_engine import Channel, Unsolicited, UrcQueue
from at_bridge.errors import PortGone, ProtocolError, Unanswered
from at_bridge.timebase import Flag, TimeBase

log = logging.getLogger(__name__)

MAX_LINE = 4096


def checksum(body: str | bytes) -> str:
    """XOR of the bytes of ``body`` (between ``$`` and ``*``) as two upper-case hex digits."""
    data = body.encode("ascii") if isinstance(body, str) else body
    value = 0
    for b in data:
        value ^= b
    return f"{value:02X}"


def make_sentence(body: str) -> bytes:
    """``$<body>*hh\\r\\n`` on the wire."""
    return f"${body}*{checksum(body)}\r\n".encode("ascii")


def parse_sentence(line: bytes) -> str:
    """The body of one received line; ProtocolError naming what is wrong."""
    text = line.strip()
    if not text.startswith(b"$"):
        raise ProtocolError(f"sentence does not start with '$': {line!r}")
    star = text.rfind(b"*")
    if star < 0 or len(text) - star != 3:
        raise ProtocolError(f"sentence has no '*hh' checksum: {line!r}")
    body, given = text[1:star], text[star + 1:].decode("ascii", "replace")
    if checksum(body) != given.upper():
        raise ProtocolError(f"bad checksum: got {given}, computed {checksum(body)} for {line!r}")
    return body.decode("ascii", "replace")


@dataclass
class _Pending:
    body: str
    reply: str | None
    fki: str | None
    answer: str | None = None
    failure: BaseException | None = None
    done: Flag | None = None


class SentenceEngine:
    """Sends sentences and matches their answers on one channel; one command in flight.

    Subclasses with another wire format (at_bridge.frame_engine) override :meth:`encode`,
    :meth:`feed` and ``feedback_id`` (the id of the sentence that answers a command by name).

    ``patterns`` maps sentence ids to compiled regexes (named groups become URC fields);
    ``fki_command_field`` is the 0-based field of $BDFKI naming the command; ``streams`` are
    the periodic status sentences kept in :attr:`latest`.
    """

    feedback_id = "BDFKI"

    def __init__(self, channel: Channel, *, patterns: dict | None = None,
                 fki_command_field: int = 0, streams: tuple[str, ...] = (), name: str = ""):
        self.channel = channel
        self.timebase: TimeBase = channel.timebase
        self.name = name or repr(channel)
        self.patterns = dict(patterns or {})
        self.fki_command_field = fki_command_field
        self.streams = set(streams)
        self.urcs = UrcQueue(timebase=self.timebase)
        self.latest: dict[str, Unsolicited] = {}
        self.rejected: deque[tuple[bytes, str]] = deque(maxlen=100)
        self.stats = {"sentences": 0, "bad_checksum": 0, "garbage_bytes": 0, "urcs": 0}
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._state = threading.Lock()
        self._pending: _Pending | None = None
        channel.set_receiver(self.feed)
        channel.add_state_listener(self._on_state)

    @classmethod
    def from_dialect(cls, channel: Channel, dialect, name: str = "") -> SentenceEngine:
        """An engine configured by a ``kind: sentence`` Dialect."""
        cfg = dialect.sentences
        patterns = {u.name: u.pattern for u in dialect.urcs.values()}
        return cls(channel, patterns=patterns, fki_command_field=cfg.fki_command_field,
                   streams=cfg.streams, name=name or f"{dialect.family} {channel!r}")

    def send(self, body: str, *, reply: str | None = None, fki: str | None = None,
             timeout_s: float = 5.0) -> str | None:
        """Send ``$body*hh``; with ``reply`` (a sentence id) or ``fki`` (a command name) wait
        up to ``timeout_s`` s and return the answering body, else return None at once."""
        with self._lock:
            pending = _Pending(body, reply, fki, done=Flag(self.timebase))
            if reply or fki:
                with self._state:
                    self._pending = pending
            try:
                self.channel.write(self.encode(body))
                if not (reply or fki):
                    return None
                if not pending.done.wait(timeout_s):
                    raise Unanswered(f"{self.name}: ${body}: no "
                                  f"{reply or self.feedback_id + ' ' + str(fki)} "
                                  f"within {timeout_s:g} s")
            finally:
                with self._state:
                    self._pending = None
            if pending.failure:
                raise pending.failure
            return pending.answer

    def encode(self, body: str) -> bytes:
        """What goes on the wire for ``body``."""
        return make_sentence(body)

    def feed(self, data: bytes) -> None:
        """Channel receiver: bytes in any chunking."""
        with self._state:
            self._buf += data
            while (cut := self._buf.find(b"\n")) >= 0:
                line = bytes(self._buf[:cut + 1])
                del self._buf[:cut + 1]
                self._line(line)
            if len(self._buf) > MAX_LINE:
                self._reject(bytes(self._buf), f"no line end within {MAX_LINE} bytes")
                self._buf.clear()

    def _line(self, line: bytes) -> None:
        start = line.find(b"$")
        if start < 0:
            if line.strip():
                self._reject(line, "not a sentence")
            return
        if start:
            self.stats["garbage_bytes"] += len(line[:start].strip())
        try:
            body = parse_sentence(line[start:])
        except ProtocolError as exc:
            self._reject(line, str(exc))
            return
        self.stats["sentences"] += 1
        self._route(body)

    def _reject(self, line: bytes, why: str) -> None:
        if "checksum" in why:
            self.stats["bad_checksum"] += 1
        else:
            self.stats["garbage_bytes"] += len(line)
        self.rejected.append((line, why))
        log.warning("%s: rejected %r: %s", self.name, line, why)

    def _route(self, body: str) -> None:
        sid = body.split(",", 1)[0]
        p = self._pending
        if p is not None and self._answers(p, sid, body):
            p.answer = body
            p.done.set()
            return
        pattern = self.patterns.get(sid)
        m = pattern.search(body) if pattern else None
        urc = Unsolicited(sid, body, m.groupdict(default="") if m else {}, (), self.timebase.now())
        if sid in self.streams:
            self.latest[sid] = urc
        self.stats["urcs"] += 1
        self.urcs.put(urc)

    def _answers(self, p: _Pending, sid: str, body: str) -> bool:
        if sid == self.feedback_id and p.fki:
            fields = body.split(",")[1:]
            k = self.fki_command_field
            return k < len(fields) and fields[k] == p.fki
        return p.reply is not None and sid == p.reply

    def _on_state(self, state: str) -> None:
        if state == "back":
            self.urcs.port_back()
        if state != "gone":
            return
        self.urcs.port_gone(f"{self.name}: port vanished")
        with self._state:
            self._buf.clear()
            p = self._pending
        if p is not None and not p.done.is_set():
            p.failure = PortGone(f"{self.name}: ${p.body}: port vanished before the answer")
            p.done.set()


"""AT command engine (ITU-T V.250, TS 27.007 / 27.005): one command in flight per channel.

The engine runs on any *channel*: an object with ``write(bytes)``, ``set_receiver(fn)`` and
``add_state_listener(fn)`` (a :class:`at_bridge.transport.Transport` or a 27.010 DLCI of
:mod:`at_bridge.cmux`). Bytes arrive in arbitrary chunks; lines end at CR or LF (V.250 6.2.6:
verbose results are ``<CR><LF>text<CR><LF>``, numeric ones ``code<CR>``); empty lines vanish.

Routing rule for each received line (documented once, applied in this order):

1. a line that continues a multi-line URC (``lines: 2`` in the dialect, e.g. ``+CMT``) joins it,
   unless it is a final result of the pending command: then the URC is queued as it is, with
   ``fields["truncated"] = "1"``, and the line is routed on;
2. while a command is pending (from its write until its final result; lines after the final
   are routed as if none were pending): the first line equal to the command (echo) or to the prompt
   payload is dropped; a final result code ends the command (OK, CONNECT, ERROR,
   +CME ERROR, +CMS ERROR, NO CARRIER, BUSY, NO ANSWER, NO DIALTONE, the command's own
   ``ok`` / ``error`` extras, and in ATV0 mode the numeric codes of V.250 table 1:
   0 OK, 1 CONNECT, 3 NO CARRIER, 4 ERROR, 6 NO DIALTONE, 7 BUSY, 8 NO ANSWER); a line matching
   the command's ``claims`` regex is a response line;
3. a line matching a URC pattern is a URC (so ``+CEREG: 1,"1A2B",...`` during ``AT+CEREG?`` is a
   URC, while the read form ``+CEREG: 2,1,...``, which the dialect's URC pattern does not
   match and the command's ``claims`` does, is the response);
4. a boot banner (RDY, APP RDY, Ready, ^SIMST: 1, %BOOTEV:0) is queued as URC ``banner``.
   Banners are listed in boot order (Quectel: RDY, then APP RDY); one that follows an
   earlier banner of the list (or opens none) is a *late banner* of the same boot and leaves
   the pending command waiting for its own final. A banner that starts a boot (the first of
   the list, or one seen again) ends the pending command with :class:`ModuleRebooted` (or
   with success for commands marked ``reboots``);
5. any other line is an information line of the pending command, or, with none pending, a URC
   named ``unknown`` (finals with nothing pending are queued as ``stray``): nothing is lost.

The ``"> "`` prompt (27.005 3.5.1: ``<CR><LF>> ``) has no line end of its own: while a prompt
command waits for it, a line (or the unfinished line at the end of the bytes received) that
starts with ``>`` (after spaces) opens with the prompt, wherever it sits in a read and
whatever follows it (a URC, the rest of the read), so chunking never changes the outcome; the
prompt and one space after it are removed and the rest of that line is routed as usual. The
payload then goes out with Ctrl-Z (0x1A), or ESC (0x1B) cancels.

Bytes that are not printable text (decoded with errors='replace') are removed from the line,
counted in ``stats["garbage_bytes"]`` and logged; the rest of the line is routed as above.
More than ``MAX_LINE_BYTES`` without a line end are dropped the same way. Splitting is linear
in the bytes received.

Staying aligned: a command that ended without its own final result (timeout, reboot, port
gone) may still be answered later, and that late final must not end the next command. The
engine is then *unaligned*; before its next command (and in :meth:`AtEngine.sync`) it
re-aligns with a unique marker: ``ATE1`` (echo on), then ``ATE1E1...`` with a number of
``E1`` that no recent marker used, until one is answered after its own echo. Finals that
arrive before that echo belong to older commands and are queued as ``stray``. Echo is then
switched off again when the engine last sent ``ATE0``. A prompt command that ended so may have
left the module in data entry: the re-alignment first sends ESC (27.005 3.5.1: cancels it).
After each attempt that times out it writes the next of :attr:`AtEngine.wakeups` (ESC by
default; a driver adds the 27.010 close-down for a family that multiplexes), so a module that
a dead host run left in data entry or in multiplexer mode answers again.
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from at_bridge.errors import (
    CmeError,
    CmsError,
    CommandError,
    ModuleRebooted,
    PortGone,
    Timeout,
    Unanswered,
)
from at_bridge.timebase import Flag, TimeBase
from at_bridge.urc import Unsolicited, UrcPattern, UrcQueue

__all__ = ["CTRL_Z", "ESC", "MAX_LINE_BYTES", "AtEngine", "Channel", "Response", "Unsolicited",
           "UrcPattern", "UrcQueue"]

log = logging.getLogger(__name__)

CTRL_Z = b"\x1a"
ESC = b"\x1b"
NUMERIC_FINALS = {"0": "OK", "1": "CONNECT", "3": "NO CARRIER", "4": "ERROR",
                  "6": "NO DIALTONE", "7": "BUSY", "8": "NO ANSWER"}
_ERROR_FINALS = ("ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
_EXT_ERROR = re.compile(r"^\+(CME|CMS) ERROR: ?(.*)$")
_BASIC_ONLY = re.compile(r"^AT(?:[A-Z&][0-9]*)*$", re.IGNORECASE)
_BASIC_V = re.compile(r"V([01])", re.IGNORECASE)
_BASIC_ECHO = re.compile(r"(E[01]|Z|&F)", re.IGNORECASE)
_MARKERS = 30   # distinct realignment markers (ATE1 + 1..30 x E1) before one is reused
_NOT_TEXT = re.compile(r"[^\x20-\x7e\u00a0-\ufffc]")
_EOL = re.compile(rb"[\r\n]")
_PROMPT = re.compile(rb"[ \t]*> ?")   # at a line start (27.005 3.5.1: <CR><LF>> <space>)
MAX_LINE_BYTES = 65536   # a line longer than this without CR / LF is garbage (no AT line is)


class Channel(Protocol):
    """What the engines run on: a Transport or a 27.010 DLCI (``timebase``: the one every
    wait goes through, REALTIME for a channel on real time)."""

    timebase: TimeBase

    def write(self, data: bytes) -> None: ...
    def set_receiver(self, receiver: Callable[[bytes], None]) -> None: ...
    def add_state_listener(self, listener: Callable[[str], None]) -> None: ...


@dataclass(frozen=True)
class Response:
    """Information lines of one command and its final result code (verbose form)."""

    command: str
    lines: tuple[str, ...]
    final: str


@dataclass
class _Pending:
    command: str
    claims: re.Pattern | None
    ok: tuple[str, ...]
    error: tuple[str, ...]
    reboots: bool
    prompt: bool
    echo: str | None
    needs_echo: bool = False   # a realignment marker: finals before its echo are stale
    payload_echo: str | None = None
    lines: list[str] = field(default_factory=list)
    final: str | None = None
    failure: BaseException | None = None
    done: Flag | None = None
    prompted: Flag | None = None   # prompt commands only; also set on completion
    late_banner: str | None = None  # a banner of the current boot arrived meanwhile

    def complete(self) -> None:
        """End the command (final result, banner, port gone); wakes a prompt waiter too."""
        self.done.set()
        if self.prompted is not None:
            self.prompted.set()


class AtEngine:
    """Runs AT commands on one channel; URCs always go to :attr:`urcs`.

    ``name`` labels messages (port or channel); ``terminator`` ends each command line.
    """

    def __init__(self, channel: Channel, *, urcs: Iterable[UrcPattern] = (),
                 banners: Iterable[re.Pattern] = (), terminator: str = "\r", name: str = ""):
        self.channel = channel
        self.timebase: TimeBase = channel.timebase
        self.name = name or repr(channel)
        self.terminator = terminator.encode()
        self.urc_patterns = list(urcs)
        self.banners = list(banners)
        self.urcs = UrcQueue(timebase=self.timebase)
        self.verbose = True
        self.stats = {"lines": 0, "urcs": 0, "garbage_bytes": 0, "banners": 0,
                      "stale_finals": 0}
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._state = threading.Lock()
        self._pending: _Pending | None = None
        self._collecting: tuple[UrcPattern, str, dict, list[str]] | None = None
        self._online = Flag(self.timebase)   # cleared while the channel reports "gone"
        self._online.set()
        self._boot_stage = -1       # index in banners of the last banner seen (-1: none)
        self.aligned = True
        """False after a command ended without its own final (see the module docstring)."""
        self._echo_off = False      # the last echo command sent was ATE0
        self._data_entry = False    # a prompt command ended without its final: ESC owed
        self.wakeups: tuple[bytes, ...] = (ESC,)
        """Written in turn after each re-alignment attempt that times out: bytes that return
        a module to AT commands (ESC ends a data entry, TS 27.005 3.5.1)."""
        self._marks = itertools.cycle(range(1, _MARKERS + 1))
        channel.set_receiver(self.feed)
        channel.add_state_listener(self._on_state)

    @classmethod
    def from_dialect(cls, channel: Channel, dialect: Any, name: str = "") -> AtEngine:
        """An engine with the URC patterns, banners and terminator of a Dialect."""
        urcs = [UrcPattern(u.name, u.pattern, u.lines) for u in dialect.urcs.values()]
        return cls(channel, urcs=urcs, banners=dialect.banners, terminator=dialect.terminator,
                   name=name or f"{dialect.family} {channel!r}")

    # ---- sending -------------------------------------------------------------------------
    def command(self, line: str, *, timeout_s: float = 5.0, claims: re.Pattern | None = None,
                ok: Iterable[str] = (), error: Iterable[str] = (), prompt: bool = False,
                payload: bytes | None = None, reboots: bool = False,
                payload_end: bytes = CTRL_Z) -> Response:
        """Send ``line`` (without terminator) and wait up to ``timeout_s`` s for its final
        result. With ``prompt``, wait for ``"> "``, then send ``payload`` + ``payload_end``
        (Ctrl-Z; b"" where the command announced the length), or ESC (cancel) when
        ``payload`` is None. An unaligned engine re-aligns first (within the same time).
        Raises Timeout, CmeError, CmsError, CommandError, ModuleRebooted, PortGone."""
        with self._lock:
            deadline = self.timebase.now() + timeout_s
            if not self.aligned:
                self._realign(deadline, attempt_s=timeout_s)
            pending = _Pending(line, claims, tuple(ok), tuple(error), reboots, prompt, line)
            return self._exchange(pending, deadline, timeout_s, payload, payload_end)

    def _exchange(self, pending: _Pending, deadline: float, timeout_s: float,
                  payload: bytes | None = None, payload_end: bytes = CTRL_Z) -> Response:
        """Write one command line and wait for its final (``_lock`` held)."""
        line = pending.command
        pending.done = Flag(self.timebase)
        if pending.prompt:
            pending.prompted = Flag(self.timebase)
        self._track_settings(line)
        with self._state:
            self._pending = pending
        try:
            self.channel.write(line.encode() + self.terminator)
            if pending.prompt:
                self._send_payload(pending, payload, payload_end, deadline, timeout_s)
            if not pending.done.wait(max(0.0, deadline - self.timebase.now())):
                if pending.late_banner is not None:
                    raise ModuleRebooted(f"{self.name}: {line!r}: no final result within "
                                         f"{timeout_s:g} s after banner {pending.late_banner!r}")
                raise Unanswered(f"{self.name}: {line!r}: no final result within {timeout_s:g} s"
                              f" (lines so far: {pending.lines})")
        except (Timeout, ModuleRebooted, PortGone):
            self.aligned = False   # its final may still come
            self._data_entry |= pending.prompt   # and the module may still be taking data
            raise
        finally:
            with self._state:
                self._pending = None
        if pending.failure is not None:
            if isinstance(pending.failure, (ModuleRebooted, PortGone)):
                self.aligned = False
            raise pending.failure
        return Response(line, tuple(pending.lines), pending.final or "")

    def _send_payload(self, pending: _Pending, payload: bytes | None, end: bytes,
                      deadline: float, timeout_s: float) -> None:
        if not pending.prompted.wait(max(0.0, deadline - self.timebase.now())):
            raise Unanswered(f"{self.name}: {pending.command!r}: no '> ' prompt within "
                          f"{timeout_s:g} s")
        if pending.done.is_set():   # ended (error, banner, port gone) instead of a prompt
            return
        if payload is None:
            self.channel.write(ESC)
            return
        pending.payload_echo = payload.decode("ascii", "replace")
        self.channel.write(payload + end)

    def sync(self, timeout_s: float = 10.0, attempt_s: float = 1.0) -> None:
        """Send ``AT`` until ``OK`` (re-sync after boot or garbage), or re-align with a
        marker when the engine is unaligned (an unanswered ``AT`` makes it so; then the
        :attr:`wakeups` go out between attempts); Timeout after ``timeout_s``."""
        now = self.timebase.now
        deadline = now() + timeout_s
        last: BaseException | None = None
        while now() < deadline:
            try:
                with self._lock:
                    if not self.aligned:
                        self._realign(deadline, attempt_s)
                        return
                    self._exchange(_Pending("AT", None, (), (), False, False, "AT"),
                                   min(deadline, now() + max(0.05, attempt_s)), attempt_s)
                return
            except (Timeout, CommandError, ModuleRebooted, PortGone) as exc:
                last = exc
                if isinstance(exc, PortGone):
                    self._await_channel(deadline)
        raise Unanswered(f"{self.name}: no OK to AT within {timeout_s:g} s (last: {last})")

    def _realign(self, deadline: float, attempt_s: float) -> None:
        """ESC if a prompt command was cut short, echo on, then unique markers until one is
        answered after its own echo, a wake-up after each attempt that times out (module
        docstring); echo off again if the engine had switched it off. ``_lock`` held.
        Timeout (or PortGone) when ``deadline`` passes first."""
        now = self.timebase.now
        echo_off = self._echo_off
        step_s = max(0.05, attempt_s)
        wakeups = itertools.cycle(self.wakeups or (b"",))
        if self._data_entry:
            self.channel.write(ESC)
            self._data_entry = False
        echo_on = _Pending("ATE1", None, (), (), False, False, "ATE1")
        try:
            self._exchange(echo_on, min(deadline, now() + step_s), step_s)
        except Timeout:
            self._wake(next(wakeups))
        except (CommandError, ModuleRebooted):   # the markers tell if it worked
            pass
        with self._state:
            for text in echo_on.lines:   # ATE1 has no information lines: an older command's
                self._queue("unknown", text, {})
        while True:
            if now() >= deadline:
                raise Unanswered(f"{self.name}: not re-aligned: no marker answered after its "
                              f"echo in time")
            marker = "ATE1" + "E1" * next(self._marks)
            try:
                self._exchange(_Pending(marker, None, (), (), False, False, marker,
                                        needs_echo=True), min(deadline, now() + step_s), step_s)
                break
            except Timeout:
                self._wake(next(wakeups))
            except (CommandError, ModuleRebooted):
                continue
        self.aligned = True
        if echo_off:
            self._exchange(_Pending("ATE0", None, (), (), False, False, "ATE0", needs_echo=True),
                           deadline, max(0.0, deadline - now()))

    def _wake(self, data: bytes) -> None:
        """Write one of :attr:`wakeups` after an attempt that timed out (nothing for b"")."""
        if data:
            log.info("%s: no answer; sending %s", self.name, data.hex(" "))
            self.channel.write(data)

    def _await_channel(self, deadline: float) -> None:
        """After PortGone: wait for the channel's "back" (woken at once), or, for a channel
        that refused without reporting "gone" (a closed DLCI), 0.1 s before the next try."""
        remaining = max(0.0, deadline - self.timebase.now())
        if self._online.is_set():
            self.timebase.sleep(min(0.1, remaining))
        else:
            self._online.wait(remaining)

    def _track_settings(self, line: str) -> None:
        """Result format (ATV) and echo (ATE, ATZ, AT&F) set by a basic command line."""
        if _BASIC_ONLY.match(line):
            for m in _BASIC_V.finditer(line[2:]):
                self.verbose = m.group(1) == "1"
            for m in _BASIC_ECHO.finditer(line[2:]):
                self._echo_off = m.group(1).upper() == "E0"

    # ---- receiving -----------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Take received bytes in any chunking (the channel's receiver)."""
        with self._state:
            self._buf += data
            if b"\r" in data or b"\n" in data:
                *lines, rest = _EOL.split(self._buf)
                self._buf = bytearray(rest)
                for raw in lines:
                    if raw:
                        self._line(self._clean(self._after_prompt(raw)))
            if (tail := self._after_prompt(self._buf)) is not self._buf:
                self._buf = bytearray(tail)
            if len(self._buf) > MAX_LINE_BYTES:
                self.stats["garbage_bytes"] += len(self._buf)
                log.warning("%s: dropped %d bytes without a line end", self.name, len(self._buf))
                self._buf.clear()

    def _clean(self, raw: bytes) -> str:
        if raw.isascii():   # fast path: plain printable ASCII
            text = raw.decode("ascii")
            if text.isprintable():
                return text.strip()
        text = raw.decode("utf-8", errors="replace")
        kept = _NOT_TEXT.sub("", text)
        cleaned, dropped = kept.strip(), len(text) - len(kept)
        if dropped:
            self.stats["garbage_bytes"] += dropped
            log.warning("%s: dropped %d non-text characters from line %r", self.name, dropped, raw)
        return cleaned

    def _after_prompt(self, raw: bytes | bytearray) -> bytes | bytearray:
        """``raw`` (a line, or the start of one) without the ``"> "`` prompt it opens with,
        when a prompt command waits for its prompt (which this then signals); else ``raw``."""
        p = self._pending
        if p is None or not p.prompt or p.prompted.is_set():
            return raw
        m = _PROMPT.match(raw)
        if m is None:
            return raw
        p.prompted.set()
        return raw[m.end():]

    def _line(self, text: str) -> None:
        if not text:
            return
        self.stats["lines"] += 1
        p = self._pending
        if p is not None and p.done.is_set():  # lines after the final are not its lines
            p = None
        if self._collecting is not None:
            if p is None or self._final_name(text, p) is None:
                self._continue_urc(text)
                return
            self._cut_urc()   # a final result is never a continuation line
        if p is not None and self._for_pending(p, text):
            return
        if self._match_urc(text):
            return
        if any(b.search(text) for b in self.banners):
            self._banner(text, p)
            return
        if p is not None and not (p.needs_echo and p.echo is not None):
            p.lines.append(text)
            return
        final = self._final_name(text, None)
        self._queue("stray" if final else "unknown", text, {})

    def _match_urc(self, text: str) -> bool:
        """Start the first URC whose pattern matches ``text`` (its literal prefix first)."""
        for urc in self.urc_patterns:
            if urc.prefix and not text.startswith(urc.prefix):
                continue
            m = urc.pattern.search(text)
            if m:
                self._start_urc(urc, text, m.groupdict(default=""))
                return True
        return False

    def _for_pending(self, p: _Pending, text: str) -> bool:
        if p.echo is not None and text == p.echo:
            p.echo = None
            return True
        if p.payload_echo is not None and text == p.payload_echo:
            p.payload_echo = None
            return True
        final = self._final_name(text, p)
        if final is not None and p.needs_echo and p.echo is not None:
            self.stats["stale_finals"] += 1   # answers an older command: before our echo
            self._queue("stray", text, {})
            return True
        if final is not None:
            self._finish(p, text, final)
            return True
        if p.claims is not None and p.claims.search(text):
            p.lines.append(text)
            return True
        return False

    def _final_name(self, text: str, p: _Pending | None) -> str | None:
        if not self.verbose and text in NUMERIC_FINALS:
            return NUMERIC_FINALS[text]
        if text == "OK" or text in _ERROR_FINALS or text.startswith("CONNECT"):
            return text
        if _EXT_ERROR.match(text):
            return text
        if p is not None and (text in p.ok or text in p.error):
            return text
        return None

    def _finish(self, p: _Pending, text: str, final: str) -> None:
        p.final = final
        if final == "OK" or final.startswith("CONNECT") or final in p.ok:
            pass
        elif m := _EXT_ERROR.match(final):
            kind, value = m.groups()
            code = int(value) if value.strip().isdigit() else None
            cls = CmeError if kind == "CME" else CmsError
            p.failure = cls(p.command, code, value.strip(), f"{self.name}: ")
        else:
            p.failure = CommandError(p.command, final, f"{self.name}: ")
        p.complete()

    def _banner(self, text: str, p: _Pending | None) -> None:
        self.stats["banners"] += 1
        self._queue("banner", text, {})
        stage = next(i for i, b in enumerate(self.banners) if b.search(text))
        late = stage > self._boot_stage   # a later banner of the boot already under way
        self._boot_stage = stage
        if p is None or p.done.is_set():
            return
        if late and stage > 0 and not p.reboots:
            p.late_banner = text   # the module did not restart: its final is still to come
            return
        if not p.reboots:
            p.failure = ModuleRebooted(f"{self.name}: {p.command!r}: module rebooted "
                                       f"(banner {text!r}) before the final result")
        p.final = text
        p.complete()

    def _start_urc(self, urc: UrcPattern, text: str, fields: dict) -> None:
        if urc.lines > 1:
            self._collecting = (urc, text, fields, [])
        else:
            self._queue(urc.name, text, fields)

    def _cut_urc(self) -> None:
        """Queue a multi-line URC whose continuation never came (a final result arrived)."""
        urc, first, fields, extra = self._collecting
        self._collecting = None
        log.warning("%s: URC %s %r cut short: %d of %d continuation lines", self.name,
                    urc.name, first, len(extra), urc.lines - 1)
        self._queue(urc.name, first, {**fields, "truncated": "1"}, tuple(extra))

    def _continue_urc(self, text: str) -> None:
        urc, first, fields, extra = self._collecting
        extra.append(text)
        if len(extra) >= urc.lines - 1:
            self._collecting = None
            self._queue(urc.name, first, fields, tuple(extra))

    def _queue(self, name: str, text: str, fields: dict, extra: tuple[str, ...] = ()) -> None:
        self.stats["urcs"] += 1
        self.urcs.put(Unsolicited(name, text, fields, extra, self.timebase.now()))

    def _on_state(self, state: str) -> None:
        if state == "back":
            self.urcs.port_back()
            self._online.set()
        if state != "gone":
            return
        self._online.clear()
        self.aligned = False
        self.urcs.port_gone(f"{self.name}: port vanished")
        with self._state:
            self._buf.clear()
            self._collecting = None
            p = self._pending
        if p is not None and not p.done.is_set():
            p.failure = PortGone(f"{self.name}: {p.command!r}: port vanished before the final "
                                 f"result")
            p.complete()


"""The module side of a 27.007 AT channel: command lines in, responses and URCs out.

Splits the byte stream into command lines (CR terminated, backspace editing, ``A/`` repeats
the last line), echoes per ATE, splits a line into its basic (``E0``, ``V1``, ``Z``, ``&F``,
``I``, ``D...``, ``A``, ``H``, ``S7=...``) and extended (``+CMD``, ``%CMD``, ``^CMD``; ``;``
separated) commands, and formats results per ATV (verbose / numeric) and AT+CMEE (ERROR /
+CME ERROR: code / text). Commands are answered by the module's handler table; the engine
knows no vendor (STYLE rule 9).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

CTRL_Z = 0x1A
ESC = 0x1B

NUMERIC_RESULT = {"OK": 0, "CONNECT": 1, "RING": 2, "NO CARRIER": 3, "ERROR": 4,
                  "NO DIALTONE": 6, "BUSY": 7, "NO ANSWER": 8}
"""ITU-T V.250 6.2.5 Table 1: result codes in numeric form (ATV0)."""

CME_TEXT = {3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
            30: "no network service", 50: "incorrect parameters", 100: "unknown",
            516: "Not fixed now", 330: "SMSC address unknown", 304: "invalid PDU mode parameter",
            305: "invalid text mode parameter", 321: "invalid memory index",
            500: "unknown error", 332: "network timeout", 32: "network not allowed - emergency "
            "calls only", 302: "operation not allowed", 303: "operation not supported"}
"""TS 27.007 9.2 (+CME), TS 27.005 3.2.5 (+CMS) and the Quectel GNSS 516 text used here."""

log = logging.getLogger(__name__)


class CmeError(Exception):
    """Answer the command with +CME ERROR: <code> (or ERROR with AT+CMEE=0)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class CmsError(CmeError):
    """Answer with +CMS ERROR: <code> (27.005 3.2.5; always numeric here)."""


def _as_cme(exc: Exception, what: str) -> CmeError:
    """The final result of a command whose handler raised: its own CME / CMS error; a value
    it could not take -> +CME ERROR: 50 "incorrect parameters"; anything else is a fault of
    the module, logged, -> +CME ERROR: 100 "unknown" (TS 27.007 9.2.1). The client always
    gets a final result code."""
    if isinstance(exc, CmeError):
        return exc
    if isinstance(exc, (ValueError, IndexError, KeyError, TypeError)):
        return CmeError(50)
    log.exception("virtual module: %s failed", what)
    return CmeError(100)


@dataclass
class Command:
    """One command of a line: ``name`` upper-case (``+CFUN``, ``E``, ``D``), ``kind`` one of
    set / read / test / exec, ``arg`` the raw text after ``=`` (or the digits/dial string of a
    basic command)."""

    name: str
    kind: str
    arg: str = ""

    def params(self) -> list[str]:
        """Comma-separated parameters, quotes removed (quoted commas kept)."""
        out, cur, quoted = [], [], False
        for ch in self.arg:
            if ch == '"':
                quoted = not quoted
            elif ch == "," and not quoted:
                out.append("".join(cur).strip())
                cur = []
            else:
                cur.append(ch)
        if self.arg:
            out.append("".join(cur).strip())
        return out

    def int_param(self, index: int, default: int | None = None) -> int:
        p = self.params()
        if index >= len(p) or p[index] == "":
            if default is None:
                raise CmeError(50)
            return default
        try:
            return int(p[index])
        except ValueError:
            raise CmeError(50) from None


@dataclass
class Reply:
    """Information lines and the final result (None: the module answers later)."""

    lines: list[str] = field(default_factory=list)
    final: str | None = "OK"


@dataclass
class Prompt:
    """Answer ``> `` and collect data: until Ctrl-Z (ESC cancels) or ``length`` bytes.
    ``done(data)`` returns the Reply; ``cancel_reply`` answers an ESC."""

    done: Callable[[bytes], Reply]
    length: int | None = None
    cancel_reply: Reply = field(default_factory=Reply)


def info_text(*lines: str) -> str:
    """Information text of several lines framed as one (V.250 5.7.1; TS 27.005 3.4.3
    ``+CMGR: <stat>,[<alpha>],<length><CR><LF><pdu>``): one CRLF between the lines, no empty
    line, where a Reply line of its own would be framed ``<CR><LF>text<CR><LF>`` each."""
    return "\r\n".join(lines)


def split_line(line: str) -> list[Command]:
    """``AT...`` (without the CR) -> its commands; raises CmeError(100) when malformed.
    Linear in the line's length: one pass with an index, each command parsed from its own
    slice (a 1 MB line costs milliseconds, not a copy of the rest per command)."""
    if line[:2].upper() != "AT":
        raise CmeError(100)
    extended = re.compile(r'(?:[^;"]|"[^"]*(?:"|$))*')   # up to the first unquoted ';'
    basic = re.compile(r"&?[A-Za-z][0-9]*(?:\?|=[0-9]*)?")  # V.250 5.3.1 / S-registers 6.3
    i, cmds = 2, []
    while i < len(line):
        head = line[i]
        if head in "+%^$#*":
            end = extended.match(line, i).end()
            cmds.append(_extended(line[i:end]))
            i = end + 1
        elif head == ";":
            i += 1
        elif head in "Dd":
            cmds.append(_basic(line[i:])[0])   # dial: the rest of the line is its number
            break
        else:
            token = basic.match(line, i)
            end = token.end() if token else i + 1
            cmd, rest = _basic(line[i:end])
            cmds.append(cmd)
            i = end - len(rest)
    return cmds


def _extended(text: str) -> Command:
    i = 1
    while i < len(text) and (text[i].isalnum() or text[i] in "_"):
        i += 1
    name, tail = text[:i].upper(), text[i:]
    if tail == "?":
        return Command(name, "read")
    if tail == "=?":
        return Command(name, "test")
    if tail.startswith("="):
        return Command(name, "set", tail[1:])
    if tail == "":
        return Command(name, "exec")
    raise CmeError(100)


def _basic(rest: str) -> tuple[Command, str]:
    head = rest[0].upper()
    if head == "D":
        return Command("D", "exec", rest[1:]), ""
    if head == "&" and len(rest) > 1:
        head, rest = "&" + rest[1].upper(), rest[1:]
    if head == "S":
        j = 1
        while j < len(rest) and rest[j].isdigit():
            j += 1
        if rest[j:j + 1] == "?":
            return Command(f"S{rest[1:j]}", "read"), rest[j + 1:]
        if rest[j:j + 1] == "=":
            k = j + 1
            while k < len(rest) and rest[k].isdigit():
                k += 1
            return Command(f"S{rest[1:j]}", "set", rest[j + 1:k]), rest[k:]
        raise CmeError(100)
    if not head[-1].isalpha():
        raise CmeError(100)
    j = 1
    while j < len(rest) and rest[j].isdigit():
        j += 1
    return Command(head, "exec", rest[1:j]), rest[j:]


class AtChannel:
    """One AT channel: a pty, or one DLCI of a 27.010 multiplexer.

    ``write(bytes)`` sends toward the client; ``execute(channel, Command)`` (the module)
    returns a Reply or a Prompt or raises CmeError.
    """

    def __init__(self, write: Callable[[bytes], None],
                 execute: Callable[[AtChannel, Command], Reply | Prompt],
                 *, echo: bool = True, name: str = "AT") -> None:
        self.write = write
        self.execute = execute
        self.name = name
        self.default_echo = echo
        self.reset()

    def reset(self) -> None:
        """Factory settings (ATZ / AT&F / reboot)."""
        self.echo = self.default_echo
        self.verbose = True
        self.quiet = False
        self.cmee = 0
        self._buf = bytearray()
        self._echo = bytearray()
        self._prompt: Prompt | None = None
        self._data = bytearray()
        self._held: list[str] = []
        self._reserved = False
        self._last = "AT"
        self.busy = False

    # -- output --------------------------------------------------------------------------
    def info(self, line: str) -> None:
        self.write((f"\r\n{line}\r\n" if self.verbose else f"{line}\r\n").encode("latin-1"))

    def final(self, result: str) -> None:
        """A final result code (OK, ERROR, NO CARRIER, +CME ERROR: ...), per ATV; none at
        all after ATQ1 (V.250 6.2.5: result codes suppressed). It ends a command that
        opened a "> " prompt: the URCs held since then follow."""
        self.busy = False
        if not self.quiet:
            if self.verbose or result not in NUMERIC_RESULT:
                self.write(f"\r\n{result}\r\n".encode("latin-1"))
            else:
                self.write(f"{NUMERIC_RESULT[result]}\r".encode())
        if self._reserved:
            self._reserved = False
            self._flush_held()

    def urc(self, line: str) -> None:
        """An unsolicited result code (RING is numeric 2 under ATV0); held from a "> "
        prompt until the final result of its command (the client types, then waits for
        +CMGS / SEND OK), then sent (TS 27.005 3.4.1 +CNMI <mode> 2: buffered while the
        TA-TE link is reserved, flushed after)."""
        if self._reserved:
            self._held.append(line)
            return
        if not self.verbose and line in NUMERIC_RESULT:
            self.write(f"{NUMERIC_RESULT[line]}\r".encode())
        else:
            self.write(f"\r\n{line}\r\n".encode("latin-1"))

    def error(self, exc: CmeError) -> None:
        if isinstance(exc, CmsError):
            self.final(f"+CMS ERROR: {exc.code}")
        elif self.cmee == 1:
            self.final(f"+CME ERROR: {exc.code}")
        elif self.cmee == 2:
            self.final(f"+CME ERROR: {CME_TEXT.get(exc.code, 'unknown')}")
        else:
            self.final("ERROR")

    def reply(self, r: Reply) -> None:
        for line in r.lines:
            self.info(line)
        if r.final is not None:
            self.final(r.final)

    # -- input ---------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        for b in data:
            if self._prompt is not None:
                self._prompt_byte(b)
            else:
                self._line_byte(b)
        self._flush_echo()

    def _flush_echo(self) -> None:
        if self._echo:
            out, self._echo = bytes(self._echo), bytearray()
            self.write(out)

    def _line_byte(self, b: int) -> None:
        if self.echo:
            self._echo.append(b)
        if b in (0x08, 0x7F):
            del self._buf[-1:]
        elif b == 0x0D:
            line = self._buf.decode("latin-1").strip()
            self._buf.clear()
            self._flush_echo()
            start = line.upper().find("AT")
            if start >= 0:   # V.250 5.2.1: bytes before "AT" ignored, a line without it too
                self.run_line(line[start:])
        elif b == 0x0A:
            pass
        else:
            self._buf.append(b)
            if self._buf[-2:].upper() == b"A/" and len(self._buf) == 2:
                self._buf.clear()
                self._flush_echo()
                self.run_line(self._last)

    def run_line(self, line: str) -> None:
        """Execute each command of the line; stop at the first error (V.250 5.2.1)."""
        self._last = line
        self.busy = True
        try:
            cmds = split_line(line)
        except CmeError as exc:
            self.error(exc)
            return
        if not cmds:
            self.final("OK")
            return
        for i, cmd in enumerate(cmds):
            try:
                out = self.execute(self, cmd)
            except Exception as exc:  # noqa: BLE001 - every command ends in a final result
                self.error(_as_cme(exc, cmd.name))
                return
            if isinstance(out, Prompt):
                self._prompt, self._data, self._reserved = out, bytearray(), True
                self.write(b"\r\n> ")
                return
            last = i == len(cmds) - 1
            for text in out.lines:
                self.info(text)
            if out.final is None:
                return
            if out.final != "OK" or last:
                self.final(out.final)
                if out.final != "OK":
                    return

    def _prompt_byte(self, b: int) -> None:
        p = self._prompt
        if p.length is None and b == CTRL_Z:
            self._prompt = None
            self._finish(p.done, bytes(self._data))
        elif p.length is None and b == ESC:
            self._prompt = None
            self.reply(p.cancel_reply)
        else:
            self._data.append(b)
            if p.length is not None and len(self._data) >= p.length:
                self._prompt = None
                self._finish(p.done, bytes(self._data))

    def _finish(self, done: Callable[[bytes], Reply], data: bytes) -> None:
        try:
            self.reply(done(data))
        except Exception as exc:  # noqa: BLE001 - every command ends in a final result
            self.error(_as_cme(exc, "the text after the prompt"))

    def _flush_held(self) -> None:
        """The URCs held during a prompt, in their order."""
        held, self._held = self._held, []
        for line in held:
            self.urc(line)

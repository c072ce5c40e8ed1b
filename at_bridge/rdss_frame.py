"""BeiDou RDSS user-terminal interface protocol 4.0: binary frames, encoded and decoded.

A frame is ``$`` + 4 ASCII letters (``TXSQ``) + the total length (2 bytes, big-endian, every
byte of the frame from ``$`` to the checksum) + a user address (3 bytes, big-endian) + the
information field + a checksum (1 byte: XOR of every byte before it, ``$`` included).

Layouts, each from public sources that agree (read through the code index, which names files
by id, not repository; the published example frames are checked in tests/bridge/test_rdss_frame.py):

- ICJC (12 bytes): address (0 from the host), frame number (1). ICXX (22): address, frame
  number (1), broadcast id (3), user feature (1), service interval s (2), communication level
  (1), encryption flag (1), subordinate users (2). Sources: a C# package library (file id
  4075864705) and the example frames of two C drivers (ids 11511014003, 44721609661).
- TXSQ (18 + n): address of the sender, information category (1), addressee (3), message
  length in bits (2), ack flag (1), message (n). Category ``010 0 0 N C 0``: N = 1 normal,
  0 express (check: the express value is not in the sources), C = 0 Chinese, 1 code.
- TXXX (20 + n): address of the receiver, information category (1: ``01 C 0 0 0 00``, C = 0
  Chinese, 1 code), sender address (3), send time hour and minute (1 + 1), message length in
  bits (2), message (n), CRC flag (1: 0 message intact). Sources as TXSQ (file 4075864705 and
  the example frame of 11511014003).
- FKXX (16): address, feedback flag (1), additional information (4). Flags: 0 success and
  1 failure (additional = the command name), 2 signal not locked, 3 power too low, 4 send
  interval not over (additional byte 0 = seconds to wait), 5 encryption error, 6 CRC error
  (additional = the command name) (file 4075864705; example frame in file 47882776676).
- XTZJ (13): address, self-test period s (2). ZJXX (21): address, IC status, hardware status,
  battery, inbound status, power of beams 1-6 (1 each) (files 4075864705, 41618412643).
- SJSC (13): address, output period s (2). SJXX (18): address, year (2), month, day, hour,
  minute, second (1 each) (file 26771060994; the example SJSC frame of file 37744231595).

Messages keep the network's coding names: ``chinese`` (GB2312 bytes), ``code`` (raw bytes) and
``mixed`` (code whose first byte is the 0xA4 mixed marker, as 2.1 terminals send it).

For line-based drivers a frame has a text form (:func:`frame_text` / :func:`text_frame`):
``TXSQ,<dest>,<1 normal|0 express>,<coding>,<content hex>,<ack>``, ``FKXX,<Y|N>,<flag>,
<command>,<wait s>``, ``ICXX,<address>,<frame>,<broadcast>,<feature>,<interval s>,<level>,
<encryption>,<subordinates>``, ``TXXX,<sender>,<coding>,<hhmm>,<content hex>,<crc>``,
``ZJXX,<ic>,<hw>,<battery>,<inbound>,<p1>,...,<p6>``, ``SJXX,<yyyymmdd>,<hhmmss>``,
``ICJC,<frame>``, ``XTZJ,<period s>``, ``SJSC,<period s>`` (coding: 0 chinese, 1 code, 2 mixed).
"""
from __future__ import annotations

from dataclasses import dataclass

from at_bridge.errors import ProtocolError

HEADER = 10
"""``$`` + command (5) + length (2) + address (3)."""
MAX_FRAME = 1024
"""Longest frame accepted (a TXSQ carries at most 1680 bits, 210 bytes: file 4075864705)."""
MIXED_MARKER = 0xA4
CODINGS = ("chinese", "code", "mixed")
FIXED_LENGTH = {"ICJC": 12, "ICXX": 22, "FKXX": 16, "XTZJ": 13, "ZJXX": 21, "SJSC": 13,
                "SJXX": 18}
MIN_LENGTH = {"TXSQ": 18, "TXXX": 20}
COMMANDS = (*FIXED_LENGTH, *MIN_LENGTH)
HOST_COMMANDS = ("ICJC", "TXSQ", "XTZJ", "SJSC")
"""Frames a host sends to the terminal."""
TERMINAL_FRAMES = ("ICXX", "TXXX", "FKXX", "ZJXX", "SJXX")
"""Frames a terminal sends to the host."""

FLAG_OK, FLAG_FAILED, FLAG_NO_SIGNAL, FLAG_LOW_POWER, FLAG_INTERVAL, FLAG_CRYPTO, FLAG_CRC = \
    range(7)
NAMED_FLAGS = (FLAG_OK, FLAG_FAILED, FLAG_CRC)
"""Feedback flags whose additional information is the command name."""


class FrameError(ProtocolError):
    """A frame refused: ``command`` (or "" when unknown), ``reason`` one of ``length``,
    ``checksum``, ``truncated``, ``format``."""

    def __init__(self, command: str, reason: str, detail: str) -> None:
        super().__init__(f"${command or '????'} frame: {detail}")
        self.command, self.reason = command, reason


@dataclass(frozen=True)
class Frame:
    """One frame: command letters, user address and information field (bytes)."""

    command: str
    address: int
    info: bytes = b""

    def encode(self) -> bytes:
        length = HEADER + len(self.info) + 1
        head = b"$" + self.command.encode("ascii") + length.to_bytes(2, "big") + \
            (self.address & 0xFFFFFF).to_bytes(3, "big")
        body = head + self.info
        return body + bytes([checksum(body)])


def checksum(data: bytes) -> int:
    """XOR of every byte of ``data``."""
    x = 0
    for b in data:
        x ^= b
    return x


def decode(data: bytes) -> Frame:
    """One whole frame -> Frame; FrameError names a bad length, checksum or field layout."""
    command = data[1:5].decode("ascii", "replace") if len(data) >= 5 else ""
    if len(data) < HEADER + 1 or data[:1] != b"$":
        raise FrameError(command, "truncated", f"{len(data)} bytes, a frame has at least 11")
    declared = int.from_bytes(data[5:7], "big")
    if declared != len(data):
        raise FrameError(command, "length", f"length field {declared}, frame has {len(data)}")
    _check_length(command, declared)
    if checksum(data[:-1]) != data[-1]:
        raise FrameError(command, "checksum", f"checksum {data[-1]:02X}, computed "
                         f"{checksum(data[:-1]):02X}")
    return Frame(command, int.from_bytes(data[7:10], "big"), bytes(data[HEADER:-1]))


def _check_length(command: str, length: int) -> None:
    fixed = FIXED_LENGTH.get(command)
    if fixed is not None and length != fixed:
        raise FrameError(command, "length", f"length {length}, ${command} has {fixed}")
    if length < MIN_LENGTH.get(command, HEADER + 1) or length > MAX_FRAME:
        raise FrameError(command, "length", f"length {length} outside "
                         f"{MIN_LENGTH.get(command, HEADER + 1)}..{MAX_FRAME}")


class FrameDecoder:
    """Bytes in any chunking -> frames and refusals, in order.

    Bytes before a ``$`` + one of ``commands`` are skipped (counted in ``garbage``: a text
    sentence such as ``$CCTXA`` is garbage to a 4.0 terminal); a header
    with an impossible length is refused at once; a frame whose bytes stop short of its length
    field stays pending until :meth:`expire` declares it truncated (the caller decides when:
    after an inter-byte gap)."""

    def __init__(self, commands: tuple[str, ...] = COMMANDS) -> None:
        self.commands = {c.encode("ascii") for c in commands}
        self.buf = bytearray()
        self.garbage = 0

    @property
    def pending(self) -> bool:
        return bool(self.buf)

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self.buf += data
        out: list[Frame | FrameError] = []
        while self.buf:
            start = self._header_start()
            if start is None or len(self.buf) < 7:
                break
            command = self.buf[1:5].decode("ascii")
            length = int.from_bytes(self.buf[5:7], "big")
            try:
                _check_length(command, length)
            except FrameError as exc:
                del self.buf[:7]
                out.append(exc)
                continue
            if len(self.buf) < length:
                break
            raw = bytes(self.buf[:length])
            del self.buf[:length]
            try:
                out.append(decode(raw))
            except FrameError as exc:
                out.append(exc)
        return out

    def _header_start(self) -> int | None:
        """Drop bytes before the first plausible header; None when none can start yet."""
        i = 0
        while i < len(self.buf):
            head = bytes(self.buf[i + 1:i + 5])
            if self.buf[i] == 0x24 and (head in self.commands or any(
                    c.startswith(head) for c in self.commands) and len(head) < 4):
                break
            i += 1
        self.garbage += len(bytes(self.buf[:i]).strip(b"\r\n"))
        del self.buf[:i]
        return 0 if self.buf else None

    def expire(self) -> FrameError | None:
        """The pending partial frame as a ``truncated`` refusal (None when nothing pends)."""
        if not self.buf:
            return None
        command = self.buf[1:5].decode("ascii", "replace")
        got = len(self.buf)
        self.buf.clear()
        return FrameError(command, "truncated", f"{got} bytes arrived, then nothing")


# -- information fields ------------------------------------------------------------------
@dataclass(frozen=True)
class RdssMessage:
    """A short message in a frame: coding name (chinese | code | mixed) and bytes."""

    coding: str
    data: bytes


def _message(coding_bit: int, data: bytes) -> RdssMessage:
    if coding_bit and data[:1] == bytes([MIXED_MARKER]):
        return RdssMessage("mixed", data)
    return RdssMessage("code" if coding_bit else "chinese", data)


def _content(f: Frame, at: int, start: int, trailer: int) -> bytes:
    """The message bytes from ``start`` to ``trailer`` bytes before the end, checked against
    the bit count at ``at``."""
    bits = int.from_bytes(f.info[at:at + 2], "big")
    content = f.info[start:len(f.info) - trailer]
    if (bits + 7) // 8 != len(content):
        raise FrameError(f.command, "length", f"message length {bits} bits, "
                         f"{len(content)} bytes follow")
    return content


def _coded(message: RdssMessage, code_bit: int) -> int:
    """The category bit that says "code" (mixed is code too), 0 for Chinese."""
    return 0 if message.coding == "chinese" else code_bit


def _bit_count(message: RdssMessage) -> bytes:
    return (8 * len(message.data)).to_bytes(2, "big")


def txsq(address: int, dest: int, message: RdssMessage, *, express: bool = False,
         ack: bool = False) -> Frame:
    """A send request from ``address`` to ``dest`` (normal unless ``express``)."""
    category = 0x40 | (0 if express else 0x04) | _coded(message, 0x02)
    return Frame("TXSQ", address, bytes([category]) + dest.to_bytes(3, "big") +
                 _bit_count(message) + bytes([int(ack)]) + message.data)


@dataclass(frozen=True)
class SendRequest:
    """A parsed $TXSQ: addressee, message, express or normal, ack wanted."""

    dest: int
    message: RdssMessage
    express: bool
    ack: bool


def parse_txsq(f: Frame) -> SendRequest:
    category = f.info[0]
    if category >> 5 != 0b010:
        raise FrameError("TXSQ", "format", f"information category {category:02X} is not a "
                         f"communication (010xxxxx)")
    content = _content(f, 4, 7, 0)
    return SendRequest(int.from_bytes(f.info[1:4], "big"),
                       _message(category >> 1 & 1, content), not category >> 2 & 1,
                       bool(f.info[6]))


def txxx(address: int, sender: int, message: RdssMessage, hour: int, minute: int,
         crc_flag: int = 0) -> Frame:
    """A received message for ``address`` from ``sender``, sent at ``hour``:``minute``."""
    head = bytes([0x40 | _coded(message, 0x20)]) + sender.to_bytes(3, "big")
    return Frame("TXXX", address, head + bytes([hour, minute]) + _bit_count(message) +
                 message.data + bytes([crc_flag]))


@dataclass(frozen=True)
class Received:
    """A parsed $TXXX: sender, message, send time (hour, minute), CRC flag (0 intact)."""

    sender: int
    message: RdssMessage
    hour: int
    minute: int
    crc_flag: int


def parse_txxx(f: Frame) -> Received:
    content = _content(f, 6, 8, 1)
    return Received(int.from_bytes(f.info[1:4], "big"), _message(f.info[0] >> 5 & 1, content),
                    f.info[4], f.info[5], f.info[-1])


def icxx(address: int, *, interval_s: int, level: int, broadcast: int = 0, feature: int = 0,
         encrypted: bool = False, subordinates: int = 0, frame_no: int = 0) -> Frame:
    info = bytes([frame_no]) + broadcast.to_bytes(3, "big") + bytes([feature]) + \
        interval_s.to_bytes(2, "big") + bytes([level, int(encrypted)]) + \
        subordinates.to_bytes(2, "big")
    return Frame("ICXX", address, info)


def fkxx(address: int, flag: int, command: str = "", wait_s: int = 0) -> Frame:
    extra = command.encode("ascii") if flag in NAMED_FLAGS else bytes([min(wait_s, 255)])
    return Frame("FKXX", address, bytes([flag]) + extra.ljust(4, b"\0"))


def zjxx(address: int, *, ic: int, hardware: int, battery: int, inbound: int,
         powers: list[int]) -> Frame:
    return Frame("ZJXX", address, bytes([ic, hardware, battery, inbound, *powers[:6]]))


def sjxx(address: int, year: int, month: int, day: int, hour: int, minute: int,
         second: int) -> Frame:
    return Frame("SJXX", address, year.to_bytes(2, "big") +
                 bytes([month, day, hour, minute, second]))


def period(f: Frame) -> int:
    """The 2-byte period (s) of XTZJ / SJSC; the frame number of ICJC."""
    return f.info[0] if f.command == "ICJC" else int.from_bytes(f.info[:2], "big")


# -- text form for the line-based driver machinery -------------------------------------
def frame_text(f: Frame) -> str:
    """A received frame as a comma-separated body (module docstring)."""
    i = f.info
    if f.command == "FKXX":
        flag = i[0]
        named = i[1:5].rstrip(b"\0").decode("ascii", "replace") if flag in NAMED_FLAGS else ""
        wait = i[1] if flag == FLAG_INTERVAL else 0
        return f"FKXX,{'Y' if flag == FLAG_OK else 'N'},{flag},{named},{wait}"
    if f.command == "ICXX":
        return (f"ICXX,{f.address},{i[0]},{int.from_bytes(i[1:4], 'big')},{i[4]},"
                f"{int.from_bytes(i[5:7], 'big')},{i[7]},{i[8]},{int.from_bytes(i[9:11], 'big')}")
    if f.command == "TXXX":
        r = parse_txxx(f)
        return (f"TXXX,{r.sender},{CODINGS.index(r.message.coding)},{r.hour:02d}{r.minute:02d},"
                f"{r.message.data.hex().upper()},{r.crc_flag}")
    if f.command == "ZJXX":
        return "ZJXX," + ",".join(str(b) for b in i)
    if f.command == "SJXX":
        year = int.from_bytes(i[:2], "big")
        return f"SJXX,{year:04d}{i[2]:02d}{i[3]:02d},{i[4]:02d}{i[5]:02d}{i[6]:02d}"
    return f"{f.command}," + i.hex().upper()


def text_frame(body: str, address: int) -> Frame:
    """A host command body (module docstring) -> the frame, sent from ``address``."""
    fields = body.split(",")
    command, args = fields[0], fields[1:]
    try:
        if command == "TXSQ":
            dest, kind, coding, content, ack = args
            return txsq(address, int(dest), RdssMessage(CODINGS[int(coding)],
                                                        bytes.fromhex(content)),
                        express=kind == "0", ack=ack == "1")
        if command == "ICJC":
            return Frame("ICJC", 0, bytes([int(args[0])]))
        if command in ("XTZJ", "SJSC"):
            return Frame(command, address, int(args[0]).to_bytes(2, "big"))
    except (ValueError, IndexError, OverflowError) as exc:   # OverflowError: > 24-bit address
        raise ProtocolError(f"frame body {body!r}: {exc}") from None
    raise ProtocolError(f"frame body {body!r}: expected TXSQ, ICJC, XTZJ or SJSC")

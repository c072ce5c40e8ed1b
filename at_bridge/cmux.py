"""3GPP TS 27.010 basic-option multiplexer (the mode ``AT+CMUX=0,...`` starts).

Frame (TS 27.010 5.2.1)::

    F9 | address | control | length (1 or 2 octets) | information | FCS | F9

- address (5.2.1.2): bit 1 EA = 1, bit 2 C/R, bits 3-8 DLCI (0..61 used here);
  C/R = 1 for commands from the initiator and for responses from the responder.
- control (5.2.1.3): SABM 0x2F, UA 0x63, DM 0x0F, DISC 0x43, UIH 0xEF, UI 0x03; P/F = 0x10.
- length (5.2.1.5): EA = 1 -> one octet, 7 bits; EA = 0 -> a second octet, 15 bits.
- FCS (5.2.1.6, annex B): CRC-8, generator x^8 + x^2 + x + 1, reflected (LSB first), initial
  value 0xFF, transmitted as 0xFF minus the register; over address, control and length (UIH:
  never the information; UI: also the information). A receiver running the register over the
  same octets and the FCS ends at 0xCF.
- control channel DLCI 0 (5.4.6): messages ``type | length | values`` in UIH frames; CLD (close
  down, type 0xC3 as command) ends the multiplexer; MSC (modem status, 0xE3) carries V.24
  signals; the responder answers each command with the same message, C/R cleared.

:class:`Mux` runs on a transport (initiator: the bridge; ``initiator=False``: a module side,
which answers SABM/DISC with UA and control commands with their responses). Each DLCI is a
:class:`DlciChannel` with the same ``write`` / ``set_receiver`` / ``add_state_listener`` as a
transport, so one :class:`at_bridge.at_engine.AtEngine` runs per channel.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from at_bridge.errors import PortGone, ProtocolError, Timeout, Unanswered
from at_bridge.at_engine import Channel
from at_bridge.timebase import Flag, TimeBase

log = logging.getLogger(__name__)

FLAG = 0xF9
SABM, UA, DM, DISC, UIH, UI = 0x2F, 0x63, 0x0F, 0x43, 0xEF, 0x03
PF = 0x10
CLD_CMD = 0xC3  # type 0x30 << 2 | C/R | EA (27.010 5.4.6.3.3)
CLD_MESSAGE = bytes([CLD_CMD, 0x01])   # no values: length 0 << 1 | EA
MSC_CMD = 0xE3  # type 0x38 << 2 | C/R | EA (27.010 5.4.6.3.7)
FCS_GOOD = 0xCF
MAX_DLCI = 61  # 62 and 63 unused: DLCI 62 with C/R 0 gives address 0xF9 = the flag


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xE0 if crc & 1 else crc >> 1  # 0xE0 = 0x07 reflected
        table.append(crc)
    return tuple(table)


_CRC = _crc_table()


def fcs(octets: bytes) -> int:
    """The FCS octet of TS 27.010 5.2.1.6 over ``octets`` (address, control, length...)."""
    crc = 0xFF
    for b in octets:
        crc = _CRC[crc ^ b]
    return 0xFF - crc


def fcs_ok(octets: bytes, received: int) -> bool:
    """True when ``received`` is the right FCS of ``octets`` (register ends at 0xCF)."""
    crc = 0xFF
    for b in (*octets, received):
        crc = _CRC[crc ^ b]
    return crc == FCS_GOOD


@dataclass(frozen=True)
class Frame:
    """One basic-mode frame. ``control`` excludes P/F; ``pf`` is the P/F bit."""

    dlci: int
    control: int
    cr: bool = True
    pf: bool = False
    info: bytes = b""

    def encode(self) -> bytes:
        """Octets on the wire, flags included."""
        if not 0 <= self.dlci <= MAX_DLCI:
            raise ValueError(f"DLCI {self.dlci} outside 0..{MAX_DLCI} (TS 27.010 5.2.1.2, 5.6)")
        n = len(self.info)
        if n > 0x7FFF:
            raise ValueError(f"information field of {n} octets exceeds 32767 (5.2.1.5)")
        length = bytes([n << 1 | 1]) if n <= 0x7F else bytes([(n & 0x7F) << 1, n >> 7])
        header = bytes([self.dlci << 2 | int(self.cr) << 1 | 1,
                        self.control | (PF if self.pf else 0)]) + length
        covered = header + self.info if self.control == UI else header
        return bytes([FLAG]) + header + self.info + bytes([fcs(covered), FLAG])


CLOSE_DOWN = Frame(0, UIH, cr=True, info=CLD_MESSAGE).encode()
"""The initiator's CLD on DLCI 0 as wire octets: written to a port on its own, it returns a
module left in basic-mode multiplexing (by a host that died) to AT commands (5.8.2)."""


class Deframer:
    """Bytes in any chunking -> frames; bad FCS and garbage are dropped and counted.

    ``n1`` is the largest information field accepted (octets, 27.010 5.7.2). Basic mode has
    no transparency, so a flag followed by garbage can look like the start of a long frame;
    while such a candidate waits for more bytes, a complete valid frame found at a later flag
    proves it garbage (resynchronisation).
    """

    def __init__(self, n1: int = 1600):
        self.n1 = n1
        self.buf = bytearray()
        self.stats = {"frames": 0, "bad_fcs": 0, "garbage_bytes": 0}

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return the complete valid frames found, in order."""
        self.buf += data
        frames: list[Frame] = []
        while True:
            start = self.buf.find(FLAG)
            if start < 0:
                self._drop(len(self.buf))
                return frames
            self._drop(start)
            while len(self.buf) > 1 and self.buf[1] == FLAG:
                del self.buf[:1]
            status, frame, end = _try_frame(self.buf, 0, self.n1)
            if status == "short":
                later = self._later_frame()
                if later < 0:
                    return frames
                self._drop(later)
                continue
            if status == "garbage":
                self._drop(1)
                continue
            if status == "bad_fcs":  # drop only the flag: a real frame may start inside
                self.stats["bad_fcs"] += 1
                log.warning("27.010: frame with bad FCS dropped: %s", self.buf[:end].hex())
                self._drop(1)
                continue
            del self.buf[:end]  # keep the closing flag: it may open the next frame
            self.stats["frames"] += 1
            frames.append(frame)

    def _later_frame(self) -> int:
        k = self.buf.find(FLAG, 1)
        while k >= 0:
            if _try_frame(self.buf, k, self.n1)[0] == "frame":
                return k
            k = self.buf.find(FLAG, k + 1)
        return -1

    def _drop(self, n: int) -> None:
        if n:
            self.stats["garbage_bytes"] += n
            del self.buf[:n]


def _try_frame(buf: bytearray, at: int, n1: int) -> tuple[str, Frame | None, int]:
    """Parse a frame whose opening flag is ``buf[at]``: (status, frame, index of the closing
    flag); status is frame | short (need more bytes) | garbage | bad_fcs."""
    if len(buf) < at + 4:
        return "short", None, 0
    address, control, len0 = buf[at + 1], buf[at + 2], buf[at + 3]
    if not address & 1 or address == FLAG:
        return "garbage", None, 0
    hdr = 3 if len0 & 1 else 4
    if len(buf) < at + 1 + hdr:
        return "short", None, 0
    n = len0 >> 1 if hdr == 3 else (len0 >> 1) | (buf[at + 4] << 7)
    if n > n1:
        return "garbage", None, 0
    end = at + 1 + hdr + n  # index of the FCS
    if len(buf) < end + 2:
        return "short", None, 0
    if buf[end + 1] != FLAG:
        return "garbage", None, 0
    header = bytes(buf[at + 1:at + 1 + hdr])
    info = bytes(buf[at + 1 + hdr:end])
    covered = header + info if control & ~PF == UI else header
    if not fcs_ok(covered, buf[end]):
        return "bad_fcs", None, end + 1
    frame = Frame(address >> 2, control & ~PF, bool(address & 2), bool(control & PF), info)
    return "frame", frame, end + 1


class DlciChannel:
    """One DLCI as a byte channel (for an AtEngine); writes go out as UIH frames."""

    def __init__(self, mux: Mux, dlci: int):
        self.mux, self.dlci = mux, dlci
        self.open = threading.Event()
        self._receiver: Callable[[bytes], None] = lambda data: None
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return f"{self.mux.transport!r}/DLCI{self.dlci}"

    @property
    def timebase(self) -> TimeBase:
        """The transport's time base (engines on this channel wait through it)."""
        return self.mux.timebase

    def write(self, data: bytes) -> None:
        """Send ``data`` as UIH frames of at most N1 octets (PortGone while the DLCI is closed)."""
        if not self.open.is_set():
            raise PortGone(f"{self!r}: DLCI {self.dlci} is not open")
        for i in range(0, len(data), self.mux.n1):
            self.mux.send(Frame(self.dlci, UIH, self.mux.initiator, False, data[i:i + self.mux.n1]))

    def set_receiver(self, receiver: Callable[[bytes], None]) -> None:
        self._receiver = receiver

    def add_state_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def deliver(self, data: bytes) -> None:
        """Hand the information field of a received UIH / UI frame to the receiver."""
        self._receiver(data)

    def notify(self, state: str) -> None:
        """Pass the transport's state ("gone" / "back") to this channel's listeners."""
        for listener in list(self._listeners):
            listener(state)


class Mux:
    """A 27.010 basic-mode multiplexer session over ``transport``.

    ``initiator=True`` is the bridge (sends SABM, DISC, CLD); ``initiator=False`` the module
    side. ``n1`` is the maximum information field in octets (AT+CMUX <N1>).
    """

    def __init__(self, transport: Channel, *, initiator: bool = True, n1: int = 1600):
        self.transport = transport
        self.timebase: TimeBase = transport.timebase
        self.initiator = initiator
        self.n1 = n1
        self.deframer = Deframer(n1)
        self.channels: dict[int, DlciChannel] = {}
        self.closed = threading.Event()
        self._replies: dict[int, tuple[Flag, list[int]]] = {}
        self._lock = threading.Lock()
        transport.set_receiver(self.feed)
        transport.add_state_listener(self._on_state)

    @property
    def stats(self) -> dict[str, int]:
        """Deframer counters: frames, bad_fcs, garbage_bytes."""
        return self.deframer.stats

    def send(self, frame: Frame) -> None:
        """Write one frame to the transport (PortGone when it is not there)."""
        self.transport.write(frame.encode())

    def channel(self, dlci: int) -> DlciChannel:
        """The channel object of ``dlci`` (created on first use)."""
        with self._lock:
            if dlci not in self.channels:
                self.channels[dlci] = DlciChannel(self, dlci)
            return self.channels[dlci]

    def open(self, dlcis: list[int] | tuple[int, ...], timeout_s: float = 5.0) -> None:
        """Open DLCI 0 then each of ``dlcis`` (SABM, wait for UA; DM -> ProtocolError)."""
        for dlci in (0, *dlcis):
            self._handshake(dlci, SABM, timeout_s)
            self.channel(dlci).open.set()
            if dlci:
                self._send_control(bytes([MSC_CMD, 2 << 1 | 1, dlci << 2 | 0x03, 0x8D]))

    def close(self, timeout_s: float = 2.0) -> None:
        """DISC every open DLCI, then CLD on DLCI 0 (27.010 5.8.2); the transport stays open."""
        for dlci, ch in sorted(self.channels.items(), reverse=True):
            if dlci and ch.open.is_set():
                try:
                    self._handshake(dlci, DISC, timeout_s)
                except (Timeout, ProtocolError, PortGone) as exc:
                    log.warning("27.010: closing DLCI %d: %s", dlci, exc)
                ch.open.clear()
        with contextlib.suppress(PortGone):
            self._send_control(CLD_MESSAGE)
        self.closed.set()

    def _send_control(self, message: bytes) -> None:
        self.send(Frame(0, UIH, self.initiator, False, message))

    def _handshake(self, dlci: int, control: int, timeout_s: float) -> None:
        event, answer = Flag(self.timebase), []
        self._replies[dlci] = (event, answer)
        self.send(Frame(dlci, control, self.initiator, True))
        if not event.wait(timeout_s):
            raise Unanswered(f"{self.transport!r}: 27.010 {_NAMES[control]} on DLCI {dlci}: "
                          f"no UA/DM within {timeout_s:g} s")
        if answer[0] == DM:
            raise ProtocolError(f"{self.transport!r}: 27.010 {_NAMES[control]} on DLCI {dlci} "
                                f"refused with DM")

    def feed(self, data: bytes) -> None:
        """Transport receiver: deframe and dispatch."""
        for frame in self.deframer.feed(data):
            try:
                self._dispatch(frame)
            except PortGone as exc:
                log.warning("27.010: cannot answer %s: %s", frame, exc)
            except Exception:  # noqa: BLE001 - one receiver's bug must not lose later frames
                log.exception("27.010: DLCI %d receiver failed on %r", frame.dlci, frame)

    def _dispatch(self, frame: Frame) -> None:
        if frame.control in (UA, DM):
            waiter = self._replies.pop(frame.dlci, None)
            if waiter:
                waiter[1].append(frame.control)
                waiter[0].set()
        elif frame.control == SABM:
            self.channel(frame.dlci).open.set()
            self.send(Frame(frame.dlci, UA, not self.initiator, True))
        elif frame.control == DISC:
            self.channel(frame.dlci).open.clear()
            self.send(Frame(frame.dlci, UA, not self.initiator, True))
        elif frame.control in (UIH, UI):
            if frame.dlci == 0:
                self._control_message(frame.info)
            elif frame.dlci in self.channels:
                self.channels[frame.dlci].deliver(frame.info)

    def _control_message(self, info: bytes) -> None:
        if not info:
            return
        kind = info[0]
        if kind & 0x02:  # a command: answer with the same message, C/R cleared (5.4.6.2)
            self._send_control(bytes([kind & ~0x02]) + info[1:])
        if kind & ~0x02 == CLD_CMD & ~0x02:
            for ch in list(self.channels.values()):   # channel() may add one meanwhile
                ch.open.clear()
            self.closed.set()

    def _on_state(self, state: str) -> None:
        channels = list(self.channels.values())   # channel() may add one meanwhile
        for ch in channels:
            if state == "gone":
                ch.open.clear()
            ch.notify(state)


_NAMES = {SABM: "SABM", DISC: "DISC", UA: "UA", DM: "DM", UIH: "UIH", UI: "UI"}

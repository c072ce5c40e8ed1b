"""BeiDou RDSS short-message terminals speaking NMEA-style sentences: protocol 2.1 and BDS-3.

Sentences are ``$<talker><id>,<fields>*hh\\r\\n`` with hh the XOR of the bytes between "$"
and "*" (docs/reference.md 5); an input with a bad checksum is dropped and journalled, as
terminals ignore it. Field layouts follow the dialects at_bridge/dialects/beidou-*.yaml.
Each protocol answers only its own sentences: the other protocol's (``$CCTXA`` at a BDS-3
terminal, ``$CCTCQ`` at a 2.1 one) are ignored and journalled, as an unknown sentence is.

- 2.1: ``$BDTXR,<type>,<sender>,<coding>,<time>,<content>`` with type 1 normal, 2 express and
  the time empty for both (the $BDTXR table of a published paper, docs/rigs.md).
- BDS-3: ``$BDFKI`` reason 11 for a malformed ``$CCTCQ`` (the "check error" of the reason list
  a public BDS-3 bridge document prints, tests/bridge/transcripts/ names it), 6 (permission)
  for a message too long for the card.
- ``$CCRMO,<sentence>,<mode>,<period s>``: 1 close, 2 open, 3 close all, 4 open all; an open
  with period 0 stops the output (an empty period means 1 s).

The card, rate limit, beams and delivery are the shared RDSS service (rdss.py).
:class:`BeidouModule` reads and writes sentences; :class:`Beidou21Module` and
:class:`Bds3Module` are the two protocols (``protocol`` of the family table).
"""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable

from at_bridge.sentence_engine import checksum as _checksum
from ntnstack.terminals.rdss import (
    BDS2_LEVEL_BITS,
    BDS3_LEVEL_BITS,
    SEND_QUALITY_MIN,
    RdssTerminal,
    ShortMessage,
    beam_power,
)

__all__ = ["BDS2_LEVEL_BITS", "BDS3_LEVEL_BITS", "SEND_QUALITY_MIN", "TIME_FIX_S",
           "Bds3Module", "Beidou21Module", "BeidouModule", "beam_power", "checksum", "sentence"]

TIME_FIX_S = 5.0
"""Emulated seconds from power-on until $BDPWI carries the time (RDSS timing acquired)."""
BDS3_REASON = {"rate": 1, "inhibited": 2, "silence": 3, "power": 4, "no_card": 5,
               "permission": 6, "format": 11}
FREQ_POINTS = ("1", "2", "3", "4", "5")
BDTXR_TYPE = {False: 1, True: 2}
"""$BDTXR information type of a normal and an express message (2.1)."""


def checksum(body: str) -> str:
    """XOR of the characters between "$" and "*" as two upper-case hex digits."""
    return _checksum(body.encode("latin-1"))


def sentence(body: str) -> bytes:
    return f"${body}*{checksum(body)}\r\n".encode("latin-1")


class BeidouModule(RdssTerminal):
    """Sentence input and output shared by the text protocols; a subclass is one protocol:
    the sentences it answers (:meth:`own_handlers`), its card reply, status stream and
    received-message sentence."""

    card_reply = ""
    """The sentence answering a card query ($BDICI, $BDICP)."""
    known_streams: tuple[str, ...] = ()
    """Status streams $CCRMO can open or close."""

    def __init__(self, spec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.codings = {str(v): k for k, v in spec.encodings.items()}
        self.handlers: dict[str, Callable[[list[str]], None]] = {
            **self.own_handlers(), "CCRMO": self.rmo}

    @abstractmethod
    def own_handlers(self) -> dict[str, Callable[[list[str]], None]]:
        """Sentence id -> handler of the protocol's own input sentences."""

    @abstractmethod
    def status(self) -> str:
        """The protocol's status sentence (beams, time): its stream and race URC."""

    def reset_state(self) -> None:
        super().reset_state()
        self._buf = bytearray()
        self.bad_checksums = 0
        self.powered_on_s = self.now()      # power-on (boot) time: the time fix counts from it

    # -- output ----------------------------------------------------------------------------
    def emit(self, body: str) -> None:
        self.log("event", f"out {body}")
        self.write(sentence(body))

    def emit_stream(self, name: str) -> None:
        self.emit(self.status())

    def race_urc(self) -> str:
        return self.status()

    # -- input -----------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        self._buf += data
        while b"\n" in self._buf:
            raw, _, rest = bytes(self._buf).partition(b"\n")
            self._buf = bytearray(rest)
            self._line(raw.strip().decode("latin-1"))

    def _line(self, line: str) -> None:
        if not line.startswith("$") or "*" not in line:
            return
        body, _, given = line[1:].rpartition("*")
        if given.upper() != checksum(body):
            self.bad_checksums += 1
            self.log("event", f"bad checksum in {line!r}")
            return
        if self.faults.reboot_now():
            self.log("event", "fault reboot during a sentence")
            self.boot()
            return
        race = self.faults.race()
        if race == "before":
            self.emit(self.race_urc())
        fields = body.split(",")
        handler = self.handlers.get(fields[0])
        if handler is None:
            self.log("event", f"unsupported sentence {fields[0]} ignored")
        else:
            handler(fields)
        if race == "after":
            self.emit(self.race_urc())

    def icx(self, f: list[str]) -> None:
        self.emit(f"{self.card_reply},{self.address},{int(self.address) + 10_000_000:08d},"
                  f"2097151,0,{self.interval_s:g},{self.level},N,0")

    def rmo(self, f: list[str]) -> None:
        """$CCRMO,<sentence>,<1 close | 2 open | 3 close all | 4 open all>,<period s>."""
        name, mode = [*f, "", "", ""][1:3]
        try:
            period = float(f[3]) if len(f) > 3 and f[3] else 1.0
        except ValueError:
            self.log("event", f"$CCRMO period {f[3]!r} is not a number: ignored")
            return
        names = self.known_streams if mode in ("3", "4") else \
            (name,) if name in self.known_streams else ()
        for n in names:
            self.set_stream(n, period if mode in ("2", "4") else 0.0)


class Beidou21Module(BeidouModule):
    """Protocol 2.1: $CCICA -> $BDICI, $CCTXA -> $BDFKI, $BDBSI beam power, $BDTXR."""

    card_reply = "BDICI"
    known_streams = ("BSI",)

    def own_handlers(self) -> dict[str, Callable[[list[str]], None]]:
        return {"CCICA": self.icx, "CCTXA": self.txa}

    def status(self) -> str:
        """$BDBSI: the best beam (twice) and the power level 0-4 of each beam."""
        levels = [lv for lv, _ in self.beams()]
        best = max(range(len(levels)), key=lambda i: levels[i]) + 1 if any(levels) else 0
        return f"BDBSI,{best:02d},{best:02d}," + ",".join(map(str, levels))

    def txa(self, f: list[str]) -> None:
        """$CCTXA,<dest>,<1 normal | 0 express>,<coding>,<content>."""
        if len(f) < 5 or not f[1].isdigit() or f[2] not in ("0", "1"):
            self.emit("BDFKI,TXA,N,Y,0,0000")
            return
        dest, coding, content = f[1], f[3], f[4]
        reason, wait = self.refusal(self.codings.get(coding), content)
        if reason == "rate":
            self.emit(f"BDFKI,TXA,N,N,0,{wait:04d}")
            return
        if reason is not None:
            self.emit(f"BDFKI,TXA,N,Y,{1 if reason == 'power' else 0},0000")
            return
        self.emit("BDFKI,TXA,Y,Y,0,0000")
        self.send_message(ShortMessage(self.address, dest, self.codings[coding], content,
                                       express=f[2] == "0"))

    def show_message(self, msg: ShortMessage) -> None:
        coding = self.spec.encodings[msg.coding]
        self.emit(f"BDTXR,{BDTXR_TYPE[msg.express]},{msg.sender},{coding},,"
                  f"{msg.content_hex.upper()}")


class Bds3Module(BeidouModule):
    """BDS-3: $CCICR -> $BDICP, $CCTCQ -> $BDFKI with a reason, $BDPWI once a second from
    power-on (sending needs a beam above SEND_QUALITY_MIN), $BDTCI."""

    card_reply = "BDICP"
    known_streams = ("PWI",)
    level_bits = BDS3_LEVEL_BITS
    streams_at_boot = {"PWI": 1.0}

    def own_handlers(self) -> dict[str, Callable[[list[str]], None]]:
        return {"CCICR": self.icx, "CCTCQ": self.tcq}

    def status(self) -> str:
        """$BDPWI: the time (000000.00 until TIME_FIX_S after power-on) and each beam with
        power, with its quality."""
        fixed = self.now() - self.powered_on_s >= TIME_FIX_S
        t = self.utc("%H%M%S") + ".00" if fixed else "000000.00"
        beams = [(i + 1, q) for i, (_, q) in enumerate(self.beams()) if q > 0]
        return f"BDPWI,{t},{len(beams)}" + "".join(f",{i:02d},{q}" for i, q in beams)

    def beam_usable(self) -> bool:
        return max(q for _, q in self.beams()) > SEND_QUALITY_MIN

    def tcq(self, f: list[str]) -> None:
        """$CCTCQ,<dest>,<freq point 1-5>,<ack 1|2>,<coding>,<content>,<0>."""
        stamp = self.utc("%H%M%S")
        if len(f) < 7 or not f[1].isdigit() or f[2] not in FREQ_POINTS \
                or f[4] not in self.codings:
            self.emit(f"BDFKI,{stamp},TCQ,N,{BDS3_REASON['format']},0")
            return
        dest, freq_point, coding, content = f[1], f[2], f[4], f[5]
        reason, wait = self.refusal(self.codings[coding], content)
        if reason is not None:
            self.emit(f"BDFKI,{stamp},TCQ,N,{BDS3_REASON[reason]},{wait}")
            return
        self.emit(f"BDFKI,{stamp},TCQ,Y,0,0")
        self.send_message(ShortMessage(self.address, dest, self.codings[coding], content,
                                       freq_point=int(freq_point)))

    def show_message(self, msg: ShortMessage) -> None:
        coding = self.spec.encodings[msg.coding]
        sent = self.utc_of(msg.sent_unix_s, "%H%M%S")
        self.emit(f"BDTCI,{msg.sender},{msg.dest},{msg.freq_point},{sent},{coding},"
                  f"{msg.content_hex.upper()}")

"""BeiDou RDSS short-message terminals (protocol 2.1 and BDS-3): NMEA-style sentences.

Sentences are ``$<talker><id>,<fields>*hh\\r\\n`` with hh the XOR of the bytes between "$"
and "*" (docs/reference.md 5); an input with a bad checksum is dropped and journalled, as
terminals ignore it. Field layouts follow the dialects at_bridge/dialects/beidou-*.yaml.

Card levels and message lengths (bits a message may carry):

- BDS-3 (ntnstack numbering): level 1 global 560 bits (40 Chinese characters), level 2
  regional 14 000 bits (1 000 characters) (docs/reference.md 4);
- protocol 2.1 (BDS-2 communication levels 1-4): 110 / 408 / 628 / 848 bits (check: the values
  commonly quoted in terminal manuals; correct them here).

Payload size in bits by coding: Chinese (GB2312) 14 bits a character (the count behind 14 000
bits = 1 000 characters), code (hex digits) 4 bits a digit, mixed 8 bits a byte.
Beams: 10 beams, beam i served by GEO slot (i - 1) mod n; 2.1 power level 0-4 and BDS-3
quality 0-60 grow with that slot's elevation (an assumption documented in ``beam_power``).
"""
from __future__ import annotations

import math

from ntnstack.terminals.modem import VirtualModule

BDS2_LEVEL_BITS = {1: 110, 2: 408, 3: 628, 4: 848}
BDS3_LEVEL_BITS = {1: 560, 2: 14_000}
BEAMS = 10
SEND_QUALITY_MIN = 40
"""BDS-3: sending needs a beam with quality above 40 (docs/reference.md 5)."""
CENTRE_PROCESSING_S = 1.0
"""Ground-centre store-and-forward time added to the two satellite hops (assumed)."""
TIME_FIX_S = 5.0
"""Emulated seconds from power-on until $BDPWI carries the time (RDSS timing acquired)."""
BDS3_REASON = {"rate": 1, "inhibited": 2, "silence": 3, "power": 4, "no_card": 5,
               "permission": 6}


def checksum(body: str) -> str:
    """XOR of the characters between "$" and "*" as two upper-case hex digits."""
    x = 0
    for b in body.encode("latin-1"):
        x ^= b
    return f"{x:02X}"


def sentence(body: str) -> bytes:
    return f"${body}*{checksum(body)}\r\n".encode("latin-1")


def payload_bits(coding: str, content_hex: str) -> int | None:
    """Bits of a payload given as hex, or None when it is not valid for the coding."""
    try:
        raw = bytes.fromhex(content_hex) if coding != "code" else None
    except ValueError:
        return None
    if coding == "code":
        return 4 * len(content_hex) if all(c in "0123456789abcdefABCDEF"
                                           for c in content_hex) else None
    if coding == "chinese":
        try:
            return 14 * len(raw.decode("gb2312"))
        except UnicodeDecodeError:
            return None
    return 8 * len(raw)


def beam_power(elevation_deg: float, min_elevation_deg: float) -> tuple[int, int]:
    """(2.1 power level 0-4, BDS-3 quality 0-60) of a beam from its GEO's elevation.
    Below the minimum elevation: (0, 0); above it the level steps every 15 deg and the
    quality is 35 + 20 sin(elevation), so a GEO below about 14.5 deg cannot send (<= 40)."""
    if not elevation_deg >= min_elevation_deg:
        return 0, 0
    level = min(4, 1 + int((elevation_deg - min_elevation_deg) // 15))
    return level, min(60, round(35 + 20 * math.sin(math.radians(elevation_deg))))


class BeidouModule(VirtualModule):
    def __init__(self, spec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.bds3 = spec.protocol == "bds3"
        self.address = self.identity.beidou_address
        self.level = int(spec.card["level"])
        self.interval_s = float(spec.card["interval_s"])
        self.codings = {str(v): k for k, v in spec.encodings.items()}
        self.network.register(self, self.address)

    def reset_state(self) -> None:
        self._buf = bytearray()
        self.last_send_s = -math.inf
        self.streams = {"BSI": 0.0} if not self.bds3 else {"PWI": 1.0}
        self.bad_checksums = 0

    def on_ready(self) -> None:
        self._stream_tick()

    # -- output ----------------------------------------------------------------------------
    def emit(self, body: str) -> None:
        self.log("event", f"out {body}")
        self.write(sentence(body))

    def beams(self) -> list[tuple[int, int]]:
        els = self.link_sample().beam_elevations_deg
        return [beam_power(els[i % len(els)], self.link.min_elevation_deg) for i in range(BEAMS)]

    def _stream_tick(self) -> None:
        if self.bds3 and self.streams.get("PWI"):
            self.emit(self.pwi())
        if not self.bds3 and self.streams.get("BSI"):
            self.emit(self.bsi())
        periods = [p for p in self.streams.values() if p > 0]
        self.later(min(periods) if periods else 1.0, self._stream_tick)

    def bsi(self) -> str:
        levels = [lv for lv, _ in self.beams()]
        best = max(range(BEAMS), key=lambda i: levels[i]) + 1 if any(levels) else 0
        return f"BDBSI,{best:02d},{best:02d}," + ",".join(map(str, levels))

    def pwi(self) -> str:
        t = self.utc("%H%M%S") + ".00" if self.now() >= TIME_FIX_S else "000000.00"
        beams = [(i + 1, q) for i, (_, q) in enumerate(self.beams()) if q > 0]
        return f"BDPWI,{t},{len(beams)}" + "".join(f",{i:02d},{q}" for i, q in beams)

    def race_urc(self) -> str:
        return self.pwi() if self.bds3 else self.bsi()

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
        handler = {"CCICA": self.icx, "CCICR": self.icx, "CCTXA": self.txa,
                   "CCTCQ": self.tcq, "CCRMO": self.rmo}.get(fields[0])
        if handler is not None:
            handler(fields)
        if race == "after":
            self.emit(self.race_urc())

    def icx(self, f: list[str]) -> None:
        name = "BDICP" if self.bds3 else "BDICI"
        self.emit(f"{name},{self.address},{int(self.address) + 10_000_000:08d},2097151,0,"
                  f"{self.interval_s:g},{self.level},N,0")

    def rmo(self, f: list[str]) -> None:
        """$CCRMO,<sentence>,<1 close | 2 open | 3 close all | 4 open all>,<period s>."""
        name, mode = [*f, "", "", ""][1:3]
        period = float(f[3]) if len(f) > 3 and f[3] else 1.0
        if mode == "1":
            self.streams[name] = 0.0
        elif mode == "2":
            self.streams[name] = max(1.0, period)
        elif mode == "3":
            self.streams = dict.fromkeys(self.streams, 0.0)
        elif mode == "4":
            self.streams = dict.fromkeys(self.streams, max(1.0, period))

    # -- sending -----------------------------------------------------------------------------
    def _check(self, coding_code: str, content: str) -> tuple[str | None, int]:
        """(refusal reason or None, bits)."""
        remaining = self.interval_s - (self.now() - self.last_send_s)
        if remaining > 0:
            return "rate", math.ceil(remaining)
        coding = self.codings.get(coding_code)
        bits = payload_bits(coding, content) if coding else None
        limit = (BDS3_LEVEL_BITS if self.bds3 else BDS2_LEVEL_BITS).get(self.level, 0)
        if bits is None or bits > limit:
            self.log("event", f"message refused: {bits} bits, level {self.level} allows {limit}")
            return "permission", 0
        qualities = [q for _, q in self.beams()] if self.bds3 else \
            [lv for lv, _ in self.beams()]
        if max(qualities) <= (SEND_QUALITY_MIN if self.bds3 else 0):
            return "power", 0
        return None, bits

    def txa(self, f: list[str]) -> None:
        if len(f) < 5:
            self.emit("BDFKI,TXA,N,Y,0,0000")
            return
        dest, coding, content = f[1], f[3], f[4]
        reason, value = self._check(coding, content)
        if reason == "rate":
            self.emit(f"BDFKI,TXA,N,N,0,{value:04d}")
            return
        if reason is not None:
            self.emit(f"BDFKI,TXA,N,Y,{1 if reason == 'power' else 0},0000")
            return
        self.emit("BDFKI,TXA,Y,Y,0,0000")
        self._send(dest, lambda peer, sent: peer.emit(
            f"BDTXR,1,{self.address},{coding},{sent},{content}"))

    def tcq(self, f: list[str]) -> None:
        stamp = self.utc("%H%M%S")
        if len(f) < 6:
            self.emit(f"BDFKI,{stamp},TCQ,N,{BDS3_REASON['permission']},0")
            return
        dest, freq_point, coding, content = f[1], f[2], f[4], f[5]
        reason, value = self._check(coding, content)
        if reason is not None:
            wait = value if reason == "rate" else 0
            self.emit(f"BDFKI,{stamp},TCQ,N,{BDS3_REASON[reason]},{wait}")
            return
        self.emit(f"BDFKI,{stamp},TCQ,Y,0,0")
        self._send(dest, lambda peer, sent: peer.emit(
            f"BDTCI,{self.address},{dest},{freq_point},{sent},{coding},{content}"))

    def _send(self, dest: str, show) -> None:
        self.last_send_s = self.now()
        peer = self.network.lookup(dest) or self
        sent = self.utc("%H%M%S" if self.bds3 else "%H%M")
        self.log("event", f"short message to {dest}")
        self.network.deliver(self, peer, lambda: peer.later(CENTRE_PROCESSING_S,
                                                             lambda: show(peer, sent)))

"""The BeiDou RDSS short-message service every BeiDou family shares, whatever its interface
protocol (2.1 and BDS-3 sentences in beidou.py, 4.0 binary frames in beidou40.py).

- the card: user address, service interval (the send-rate limit, docs/reference.md 4) and
  length level; a send within the interval is refused with the seconds left;
- message length by card level (bits a message may carry):
  BDS-3 (ntnstack numbering): level 1 global 560 bits (40 Chinese characters), level 2
  regional 14 000 bits (1 000 characters: the BDS-3 regional maximum as the national
  standards' announcement states it, docs/rigs.md); BDS-2 RDSS (protocols 2.1 and 4.0,
  communication levels 1-4): 110 / 408 / 628 / 848 bits (check: the values commonly quoted in
  terminal manuals; correct them here);
- payload size: Chinese (GB2312) 14 bits a character, code 4 bits a hex digit, mixed 8 bits
  a byte;
- beams: 10 beams, beam i served by GEO slot (i - 1) mod n; BDS-2 power level 0-4 and BDS-3
  quality 0-60 grow with that slot's elevation (the assumption is ``beam_power``'s);
- delivery: the message reaches the addressee's terminal (or comes back to the sender when
  nobody owns the address) after the sender's uplink and the receiver's downlink one-way
  delays from the emulated link plus the ground centre's processing; each family shows it in
  its own protocol, so terminals of different protocols exchange messages.
"""
from __future__ import annotations

import math
import time
from abc import abstractmethod
from dataclasses import dataclass

from ntnstack.terminals.modem import VirtualModule

BDS2_LEVEL_BITS = {1: 110, 2: 408, 3: 628, 4: 848}
BDS3_LEVEL_BITS = {1: 560, 2: 14_000}
BEAMS = 10
SEND_QUALITY_MIN = 40
"""BDS-3: sending needs a beam with quality above 40 (docs/reference.md 5)."""
CENTRE_PROCESSING_S = 1.0
"""Ground-centre store-and-forward time added to the two satellite hops (assumed)."""
DEFAULT_FREQ_POINT = 2
"""BDS-3 frequency point shown for a message from a protocol that has none (the driver's
default, at_bridge/dialects/beidou-bds3.yaml)."""


@dataclass(frozen=True)
class ShortMessage:
    """A short message on the emulated network: addresses as card numbers, the coding name
    (chinese | code | mixed), the content as hex digits, express or normal, the BDS-3
    frequency point and the sender's emulated unix time of sending (s)."""

    sender: str
    dest: str
    coding: str
    content_hex: str
    express: bool = False
    freq_point: int = DEFAULT_FREQ_POINT
    sent_unix_s: float = 0.0

    @property
    def data(self) -> bytes:
        """The content as bytes (an odd count of code digits gets a trailing 0)."""
        return bytes.fromhex(self.content_hex + "0" * (len(self.content_hex) % 2))


def payload_bits(coding: str, content_hex: str) -> int | None:
    """Bits of a payload given as hex, or None when it is not valid for the coding."""
    if coding == "code":
        return 4 * len(content_hex) if all(c in "0123456789abcdefABCDEF"
                                           for c in content_hex) else None
    try:
        raw = bytes.fromhex(content_hex)
    except ValueError:
        return None
    if coding == "chinese":
        try:
            return 14 * len(raw.decode("gb2312"))
        except UnicodeDecodeError:
            return None
    return 8 * len(raw) if coding == "mixed" else None


def beam_power(elevation_deg: float, min_elevation_deg: float) -> tuple[int, int]:
    """(BDS-2 power level 0-4, BDS-3 quality 0-60) of a beam from its GEO's elevation.
    Below the minimum elevation: (0, 0); above it the level steps every 15 deg and the
    quality is 35 + 20 sin(elevation), so a GEO below about 14.5 deg cannot send (<= 40)."""
    if not elevation_deg >= min_elevation_deg:
        return 0, 0
    level = min(4, 1 + int((elevation_deg - min_elevation_deg) // 15))
    return level, min(60, round(35 + 20 * math.sin(math.radians(elevation_deg))))


class RdssTerminal(VirtualModule):
    """A BeiDou RDSS terminal: card, rate limit, beams, status streams and the network side
    of short messages. Subclasses speak the interface protocol."""

    level_bits: dict[int, int] = BDS2_LEVEL_BITS
    streams_at_boot: dict[str, float] = {}
    """Status streams running after power-on: name -> period (s)."""

    def __init__(self, spec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.address = self.identity.beidou_address
        self.level = int(spec.card["level"])
        self.interval_s = float(spec.card["interval_s"])
        self.network.register(self, self.address)

    def reset_state(self) -> None:
        self.last_send_s = -math.inf
        self.streams: dict[str, float] = {}
        self._stream_tokens: dict[str, int] = {}

    def on_ready(self) -> None:
        for name, period_s in self.streams_at_boot.items():
            self.set_stream(name, period_s)

    @staticmethod
    def utc_of(unix_s: float, fmt: str) -> str:
        """An emulated unix time (s) formatted with time.strftime's ``fmt`` (UTC)."""
        return time.strftime(fmt, time.gmtime(unix_s))

    # -- status streams ---------------------------------------------------------------------
    def set_stream(self, name: str, period_s: float) -> None:
        """Output stream ``name`` now and every ``period_s`` s after (no drift); 0 stops it."""
        self.streams[name] = period_s
        token = self._stream_tokens[name] = self._stream_tokens.get(name, 0) + 1
        if period_s > 0:
            self._stream_tick(name, token, self.now())

    def _stream_tick(self, name: str, token: int, due_s: float) -> None:
        if self._stream_tokens.get(name) != token:
            return
        self.emit_stream(name)
        due_s += self.streams[name]
        self.later(max(0.0, due_s - self.now()), lambda: self._stream_tick(name, token, due_s))

    @abstractmethod
    def emit_stream(self, name: str) -> None:
        """Output one status report of stream ``name``."""

    # -- sending ----------------------------------------------------------------------------
    def beams(self) -> list[tuple[int, int]]:
        els = self.link_sample().beam_elevations_deg
        return [beam_power(els[i % len(els)], self.link.min_elevation_deg) for i in range(BEAMS)]

    def beam_usable(self) -> bool:
        """A beam strong enough to send on (BDS-2: any power level above 0)."""
        return max(level for level, _ in self.beams()) > 0

    def refusal(self, coding: str | None, content_hex: str) -> tuple[str | None, int]:
        """(None | "rate" | "permission" | "power", seconds to wait or 0) for a send now:
        the rate limit first, then the card level's length, then the beams."""
        remaining = self.interval_s - (self.now() - self.last_send_s)
        if remaining > 0:
            return "rate", math.ceil(remaining)
        bits = payload_bits(coding, content_hex) if coding else None
        limit = self.level_bits.get(self.level, 0)
        if bits is None or bits > limit:
            self.log("event", f"message refused: {bits} bits, level {self.level} allows {limit}")
            return "permission", 0
        if not self.beam_usable():
            return "power", 0
        return None, 0

    def send_message(self, msg: ShortMessage) -> None:
        """Start the interval and deliver ``msg`` through the emulated network."""
        self.last_send_s = self.now()
        peer = self.network.lookup(msg.dest) or self
        sent = ShortMessage(**{**msg.__dict__, "sent_unix_s": self.unix_now_s()})
        self.log("event", f"short message to {msg.dest}")
        self.network.deliver(self, peer, lambda: peer.later(
            CENTRE_PROCESSING_S, lambda: peer.show_message(sent)))

    @abstractmethod
    def show_message(self, msg: ShortMessage) -> None:
        """Output a received short message in the family's protocol."""

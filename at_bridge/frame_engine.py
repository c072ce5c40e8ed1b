"""The BeiDou 4.0 frame engine: the sentence engine's matching and queues over binary frames.

Each frame received (at_bridge.rdss_frame) is routed as its text form (``FKXX,Y,0,TXSQ,0``),
so the dialect's patterns and the BeiDou driver serve protocol 4.0 as they serve the sentence
families; each body sent (``TXSQ,...``) goes out as its frame, from the user address the last
``$ICXX`` reported. ``$FKXX`` answers the pending command it names; a flag that names no
command (2 signal, 3 power, 4 interval, 5 encryption) answers the pending send. A frame with a
bad length or checksum, or cut short (no byte for FRAME_GAP_S on the engine's time base, seen
when the next bytes come), is rejected as the sentence engine rejects a bad sentence.
"""
from __future__ import annotations

from at_bridge import rdss_frame as rf
from at_bridge.sentence_engine import SentenceEngine, _Pending

FRAME_GAP_S = 1.0
"""Seconds without a byte after which a partial frame is refused as truncated."""


class FrameEngine(SentenceEngine):
    feedback_id = "FKXX"

    def __init__(self, channel, **kw) -> None:
        super().__init__(channel, **kw)
        self.decoder = rf.FrameDecoder(rf.TERMINAL_FRAMES)
        self.address = 0
        self._last_rx_s: float | None = None

    def encode(self, body: str) -> bytes:
        return rf.text_frame(body, self.address).encode()

    def feed(self, data: bytes) -> None:
        with self._state:
            now = self.timebase.now()
            if self._last_rx_s is not None and now - self._last_rx_s > FRAME_GAP_S:
                self._refuse(self.decoder.expire())
            self._last_rx_s = now
            garbage = self.decoder.garbage
            for item in self.decoder.feed(data):
                self._item(item)
            self.stats["garbage_bytes"] += self.decoder.garbage - garbage

    def _item(self, item: rf.Frame | rf.FrameError) -> None:
        if isinstance(item, rf.FrameError):
            self._refuse(item)
            return
        try:
            text = rf.frame_text(item)
        except rf.FrameError as exc:
            self._refuse(exc)
            return
        if item.command == "ICXX":
            self.address = item.address
        self.stats["sentences"] += 1
        self._route(text)

    def _refuse(self, error: rf.FrameError | None) -> None:
        if error is not None:
            self._reject(b"", str(error))

    def _answers(self, p: _Pending, sid: str, body: str) -> bool:
        if sid == self.feedback_id and p.fki:
            named = body.split(",")[3]
            return named in (p.fki, "")
        return super()._answers(p, sid, body)

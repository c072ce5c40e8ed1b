"""BeiDou RDSS short-message driver: protocol 2.1 and BDS-3 on the sentence engine, protocol
4.0 on the frame engine (its frames in text form, at_bridge/rdss_frame.py).

Message content encodings (the numbers per protocol come from ``sentences.encodings``):

- ``chinese``: the text as GB2312 bytes, sent as upper-case hex;
- ``code``: raw bytes (``bytes``, or a hex / BCD digit string), sent as hex;
- ``mixed``: a leading 0xA4 marker octet then the text as GB2312 (ASCII stays one byte,
  Chinese takes two) - (check) the marker against the terminal's manual.
"""
from __future__ import annotations

from typing import Any

from at_bridge.dialect import Dialect, Step
from at_bridge.drivers.base import (
    CardInfo,
    Driver,
    Feedback,
    ProcedureRunner,
    ShortMessage,
    format_template,
)
from at_bridge.errors import NotSupported, ProtocolError, Timeout
from at_bridge.frame_engine import FrameEngine
from at_bridge.sentence_engine import SentenceEngine
from at_bridge.transport import Transport

MIXED_MARKER = b"\xa4"


def encode_content(message: str | bytes, encoding: str) -> str:
    """Message -> hex content field for the given encoding name."""
    if encoding == "chinese":
        return _gb2312(message).hex().upper()
    if encoding == "code":
        if isinstance(message, bytes):
            return message.hex().upper()
        if not all(c in "0123456789abcdefABCDEF" for c in message) or len(message) % 2:
            raise ValueError(f"code message {message!r}: expected bytes or an even count of "
                             f"hex/BCD digits")
        return message.upper()
    if encoding == "mixed":
        return (MIXED_MARKER + _gb2312(message)).hex().upper()
    raise ValueError(f"encoding {encoding!r}: expected chinese, code or mixed")


def decode_content(content_hex: str, encoding: str) -> tuple[str, bytes]:
    """Hex content field -> (text, raw bytes); code messages give their hex digits as text."""
    try:
        data = bytes.fromhex(content_hex)
    except ValueError:
        raise ProtocolError(f"message content {content_hex!r} is not hex") from None
    if encoding == "code":
        return data.hex().upper(), data
    body = data[1:] if encoding == "mixed" and data.startswith(MIXED_MARKER) else data
    return body.decode("gb2312", errors="replace"), data


def _gb2312(message: str | bytes) -> bytes:
    if isinstance(message, bytes):
        return message
    try:
        return message.encode("gb2312")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{message[exc.start:exc.end]!r} has no GB2312 code") from None


class BeiDouDriver(Driver, ProcedureRunner):
    """A BeiDou RDSS terminal on ``transport`` (dialect kind ``sentence`` or ``frame``)."""

    def __init__(self, transport: Transport, dialect: Dialect):
        ProcedureRunner.__init__(self, dialect)
        self.transport = transport
        engine = FrameEngine if dialect.kind == "frame" else SentenceEngine
        self.engine = engine.from_dialect(transport, dialect,
                                          name=f"{dialect.family} {transport.url}")

    def close(self) -> None:
        self.transport.close()

    def engine_for(self, role: str) -> SentenceEngine:
        return self.engine

    def urc(self, name: str | None = None, timeout_s: float = 0.0):
        """The next queued sentence or frame (by id, e.g. ``BDTXR``, ``TXXX``); Timeout after
        ``timeout_s``."""
        return self.engine.urcs.get(name, timeout_s)

    def execute(self, step: Step, fields: dict[str, Any]) -> dict[str, str]:
        cmd = self.dialect.command(step.target)
        body = format_template(self.dialect, cmd.name, cmd.send, {**step.args, **fields})
        for attempt in range(cmd.retries + 1):
            try:
                answer = self.engine.send(body, reply=cmd.reply, fki=cmd.fki,
                                          timeout_s=cmd.timeout_s)
                break
            except Timeout:
                if attempt == cmd.retries:
                    raise
                self.engine.timebase.sleep(cmd.retry_delay_s)
        if answer is None or cmd.response is None:
            return {}
        m = cmd.response.search(answer)
        if m is None:
            raise ProtocolError(f"{self.engine.name}: ${body}: answer {answer!r} does not match "
                                f"commands.{cmd.name}.response in {self.dialect.source}")
        return m.groupdict(default="")

    def power_on(self) -> None:
        self.run("power_on")

    def card_info(self) -> CardInfo:
        r = self.run("card_info")
        return CardInfo(int(r["address"]), _int(r.get("interval_s")), _int(r.get("level")),
                        {k: v for k, v in r.items() if isinstance(v, str)})

    def send_short_message(self, dest: str, message: str | bytes,
                           encoding: str = "chinese") -> Feedback:
        codes = self.dialect.sentences.encodings
        fields = {"dest": dest, "coding": codes.get(encoding, encoding),
                  "content": encode_content(message, encoding)}
        r = self.run("send_short_message", fields)
        plain = {k: v for k, v in r.items() if isinstance(v, str)}
        return Feedback(r.get("ok") == "Y", _int(r.get("wait_s")), r.get("reason", ""), plain)

    def receive_short_message(self, timeout_s: float | None = None) -> ShortMessage:
        r = self.run("receive_short_message", timeout_s=timeout_s)
        names = {v: k for k, v in self.dialect.sentences.encodings.items()}
        coding = _int(r.get("coding"))
        if coding not in names:
            raise ProtocolError(f"{self.family}: message coding {r.get('coding')!r} is none of "
                                f"{self.dialect.sentences.encodings}")
        text, data = decode_content(r.get("content", ""), names[coding])
        plain = {k: v for k, v in r.items() if isinstance(v, str)}
        return ShortMessage(r.get("sender", ""), text, names[coding], data, plain)

    def status(self) -> dict[str, dict[str, str]]:
        """Latest status-stream sentences ($BDBSI / $BDPWI, 4.0: $ZJXX / $SJXX) by id: their
        parsed fields."""
        return {sid: dict(u.fields, line=u.line) for sid, u in self.engine.latest.items()}

    def reset(self) -> None:
        raise NotSupported(f"{self.family}: reset is not supported (no sentence for it)")


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None

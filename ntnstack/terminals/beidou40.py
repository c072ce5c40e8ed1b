"""BeiDou RDSS terminal speaking the binary interface protocol 4.0 (at_bridge.rdss_frame).

Host frames answered: ``$ICJC`` -> ``$ICXX`` (card); ``$TXSQ`` -> ``$FKXX`` then the message
through the shared RDSS service (rdss.py); ``$XTZJ`` -> ``$ZJXX`` (self test, repeated every
period s, 0 = once); ``$SJSC`` -> ``$SJXX`` (time, repeated every period s, 0 = once). Received
messages come out as ``$TXXX``. Refusals, as ``$FKXX`` flags: a bad checksum 6 (CRC error,
with the command name), a bad length field, a field layout that does not parse or a frame
cut short (no byte for FRAME_GAP_S) 1 (failure, with the command name), a send within the
service interval 4 (byte 0: seconds to wait), a message too long for the card level 1, no
beam to send on 2 (signal not locked). Sentences of the text protocols are not frames: they
are skipped as line noise.

ZJXX reports IC status 0 and hardware status 0 (normal), battery 100 and inbound status
0x80 (sending allowed) while a beam has power, else 0 (check: the status encodings beyond the
field order are not in the public sources); beams 1-6 carry the power levels 0-4 of rdss.py.
"""
from __future__ import annotations

from at_bridge import rdss_frame as rf
from ntnstack.terminals.rdss import RdssTerminal, ShortMessage

FRAME_GAP_S = 1.0
"""Emulated seconds without a byte after which a partial frame is refused as truncated."""
BATTERY_PERCENT = 100
INBOUND_ALLOWED = 0x80
"""ZJXX inbound status: bit 7 set = sending allowed (file 4075864705 reads bit 7 so)."""
BEAMS_4_0 = 6
"""Beams a ZJXX frame reports."""


class Beidou40Module(RdssTerminal):
    def reset_state(self) -> None:
        super().reset_state()
        self.decoder = rf.FrameDecoder(rf.HOST_COMMANDS)
        self.bad_checksums = 0
        self._rx_count = 0

    @property
    def card_address(self) -> int:
        return int(self.address)

    # -- output ---------------------------------------------------------------------------
    def emit(self, frame: rf.Frame) -> None:
        self.log("event", "out " + rf.frame_text(frame))
        self.write(frame.encode())

    def feedback(self, flag: int, command: str = "", wait_s: int = 0) -> None:
        self.emit(rf.fkxx(self.card_address, flag, command, wait_s))

    def emit_stream(self, name: str) -> None:
        self.emit(self.zjxx() if name == "ZJXX" else self.sjxx())

    def zjxx(self) -> rf.Frame:
        powers = [level for level, _ in self.beams()][:BEAMS_4_0]
        return rf.zjxx(self.card_address, ic=0, hardware=0, battery=BATTERY_PERCENT,
                       inbound=INBOUND_ALLOWED if any(powers) else 0, powers=powers)

    def sjxx(self) -> rf.Frame:
        y, mo, d, h, mi, s = (int(x) for x in self.utc("%Y %m %d %H %M %S").split())
        return rf.sjxx(self.card_address, y, mo, d, h, mi, s)

    # -- input ----------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        self._rx_count += 1
        for item in self.decoder.feed(data):
            self._item(item)
        if self.decoder.pending:
            count = self._rx_count
            self.later(FRAME_GAP_S, lambda: self._gap(count))

    def _gap(self, count: int) -> None:
        if count == self._rx_count:
            error = self.decoder.expire()
            if error is not None:
                self._item(error)

    def _item(self, item: rf.Frame | rf.FrameError) -> None:
        if isinstance(item, rf.FrameError):
            self.log("event", f"frame refused: {item}")
            if item.reason == "checksum":
                self.bad_checksums += 1
            self.feedback(rf.FLAG_CRC if item.reason == "checksum" else rf.FLAG_FAILED,
                          item.command)
            return
        if self.faults.reboot_now():
            self.log("event", "fault reboot during a frame")
            self.boot()
            return
        handler = {"ICJC": self.icjc, "TXSQ": self.txsq, "XTZJ": self.periodic,
                   "SJSC": self.periodic}[item.command]
        try:
            handler(item)
        except rf.FrameError as exc:
            self.log("event", f"frame refused: {exc}")
            self.feedback(rf.FLAG_FAILED, item.command)

    def icjc(self, f: rf.Frame) -> None:
        self.emit(rf.icxx(self.card_address, interval_s=int(self.interval_s), level=self.level,
                          frame_no=rf.period(f)))

    def periodic(self, f: rf.Frame) -> None:
        """XTZJ / SJSC: the report now, then every period s (0: once)."""
        name = "ZJXX" if f.command == "XTZJ" else "SJXX"
        period_s = rf.period(f)
        if period_s:
            self.set_stream(name, float(period_s))
        else:
            self.set_stream(name, 0.0)
            self.emit_stream(name)

    def txsq(self, f: rf.Frame) -> None:
        req = rf.parse_txsq(f)
        content = req.message.data.hex().upper()
        reason, wait = self.refusal(req.message.coding, content)
        if reason is not None:
            flag = {"rate": rf.FLAG_INTERVAL, "permission": rf.FLAG_FAILED,
                    "power": rf.FLAG_NO_SIGNAL}[reason]
            self.feedback(flag, "TXSQ", wait)
            return
        self.feedback(rf.FLAG_OK, "TXSQ")
        self.send_message(ShortMessage(self.address, f"{req.dest:07d}", req.message.coding,
                                       content, express=req.express))

    def show_message(self, msg: ShortMessage) -> None:
        hour, minute = (int(x) for x in self.utc_of(msg.sent_unix_s, "%H %M").split())
        self.emit(rf.txxx(self.card_address, int(msg.sender),
                          rf.RdssMessage(msg.coding, msg.data), hour, minute))

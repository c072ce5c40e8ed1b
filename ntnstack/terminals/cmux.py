"""3GPP TS 27.010 basic-option framing, the module (responder) side.

Frame: F9 | address | control | length (1 or 2 octets) | information | FCS | F9 (5.2.1).
Address: EA bit 0, C/R bit 1, DLCI bits 2-7. Control: SABM 0x2F, UA 0x63, DM 0x0F, DISC 0x43,
UIH 0xEF (P/F bit 0x10). FCS: reflected CRC-8, x^8 + x^2 + x + 1, over address, control and
length (UIH: header only, 5.2.1.6), sent as 0xFF minus the remainder (annex B).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

FLAG = 0xF9
SABM, UA, DM, DISC, UIH, UI = 0x2F, 0x63, 0x0F, 0x43, 0xEF, 0x03
PF = 0x10
# Control-channel (DLCI 0) message types with EA = 1 and C/R = 1 (5.4.6.3).
MSG_CLD, MSG_MSC, MSG_TEST, MSG_PSC = 0xC3, 0xE3, 0x23, 0x43
CR_BIT = 0x02


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0xE0 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC = _crc_table()


def fcs(data: bytes) -> int:
    """The FCS octet of ``data`` (annex B.3.3)."""
    crc = 0xFF
    for b in data:
        crc = _CRC[crc ^ b]
    return 0xFF - crc


def fcs_ok(data: bytes, received: int) -> bool:
    """Receiver check (annex B.3.4): the CRC over data + FCS is 0xCF."""
    crc = 0xFF
    for b in data + bytes([received]):
        crc = _CRC[crc ^ b]
    return crc == 0xCF


class Frame(NamedTuple):
    dlci: int
    control: int      # without the P/F bit
    cr: bool
    info: bytes


def encode(dlci: int, control: int, info: bytes = b"", *, cr: bool, pf: bool = False) -> bytes:
    """One frame; ``cr`` is the C/R bit of the address (responder commands carry 0)."""
    addr = (dlci << 2) | (CR_BIT if cr else 0) | 0x01
    ctrl = control | (PF if pf else 0)
    n = len(info)
    length = bytes([(n << 1) | 1]) if n < 128 else bytes([(n << 1) & 0xFE, n >> 7])
    header = bytes([addr, ctrl]) + length
    return bytes([FLAG]) + header + info + bytes([fcs(header), FLAG])


class Deframer:
    """Bytes in, frames out. A frame is accepted only with a valid address (EA set), a known
    control field, a length within ``n1`` and a good FCS; otherwise the opening flag is
    dropped and the search resumes at the next flag, so garbage never hides a later frame."""

    KNOWN = (SABM, UA, DM, DISC, UIH, UI)

    def __init__(self, n1: int = 1600) -> None:
        self._buf = bytearray()
        self.n1 = n1
        self.bad_frames = 0

    def feed(self, data: bytes) -> Iterator[Frame]:
        self._buf += data
        while True:
            start = self._buf.find(FLAG)
            if start < 0:
                self._buf.clear()
                return
            del self._buf[:start]
            while len(self._buf) > 1 and self._buf[1] == FLAG:
                del self._buf[0]  # adjacent flags: the closing one opens the next frame
            shape = self._shape()
            if shape is None:
                return
            if shape is False:
                self._resync()
                continue
            hlen, n = shape
            end = 1 + hlen + n + 1
            header = bytes(self._buf[1:1 + hlen])
            info = bytes(self._buf[1 + hlen:1 + hlen + n])
            if self._buf[end] != FLAG or not fcs_ok(header, self._buf[end - 1]):
                self._resync()
                continue
            del self._buf[:end]
            yield Frame(header[0] >> 2, header[1] & ~PF, bool(header[0] & CR_BIT), info)

    def _shape(self):
        """(header length, info length) of the frame at the buffer start; None: need more
        bytes; False: not a frame."""
        if len(self._buf) < 4:
            return None
        addr, ctrl, l1 = self._buf[1], self._buf[2], self._buf[3]
        if not addr & 0x01 or ctrl & ~PF not in self.KNOWN:
            return False
        if l1 & 1:
            n, hlen = l1 >> 1, 3
        elif len(self._buf) < 5:
            return None
        else:
            n, hlen = (l1 >> 1) | (self._buf[4] << 7), 4
        if n > self.n1:
            return False
        return (hlen, n) if len(self._buf) >= 1 + hlen + n + 2 else None

    def _resync(self) -> None:
        self.bad_frames += 1
        del self._buf[0]

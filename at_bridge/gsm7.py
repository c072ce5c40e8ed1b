"""GSM 7-bit default alphabet (TS 23.038 6.2.1), its extension table (6.2.1.1) and the packing
of septets LSB first into octets (6.1.2.1.1), for SMS user data and alphanumeric addresses."""
from __future__ import annotations

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[",
                  0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}
_BASIC_INDEX = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != 0x1B}
_EXT_INDEX = {ch: code for code, ch in GSM7_EXTENSION.items()}
ESCAPE = 0x1B
assert len(GSM7_BASIC) == 128


def gsm7_encodable(text: str) -> bool:
    """True when every character is in the default alphabet or its extension table."""
    return all(ch in _BASIC_INDEX or ch in _EXT_INDEX for ch in text)


def gsm7_septets(text: str) -> list[int]:
    """Characters -> septet values (extension characters take ESC + code)."""
    out: list[int] = []
    for ch in text:
        if ch in _BASIC_INDEX:
            out.append(_BASIC_INDEX[ch])
        elif ch in _EXT_INDEX:
            out += [ESCAPE, _EXT_INDEX[ch]]
        else:
            raise ValueError(f"character {ch!r} is not in the GSM 7-bit alphabet (TS 23.038 6.2.1)")
    return out


def gsm7_text(septets: list[int]) -> str:
    """Septet values -> characters (ESC + unknown code gives the basic character, 6.2.1.1)."""
    out, escape = [], False
    for s in septets:
        if escape:
            out.append(GSM7_EXTENSION.get(s, GSM7_BASIC[s] if s != ESCAPE else " "))
            escape = False
        elif s == ESCAPE:
            escape = True
        else:
            out.append(GSM7_BASIC[s])
    return "".join(out)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack 7-bit values LSB first (TS 23.038 6.1.2.1.1) after ``fill_bits`` zero bits."""
    acc, nbits, out = 0, fill_bits, bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int) -> list[int]:
    """The first ``count`` septets of packed ``data``."""
    value = int.from_bytes(data, "little")
    if count * 7 > len(data) * 8:
        raise ValueError(f"{count} septets need {(count * 7 + 7) // 8} octets, got {len(data)}")
    return [(value >> (7 * i)) & 0x7F for i in range(count)]

"""The TE character set of +CSCS (TS 27.007 5.5) for text-mode SMS: what the host types and
reads, converted to and from the message's characters.

"IRA" is ASCII, typed as it is ('?' for what it cannot show); "GSM" the codes of the 7-bit
default alphabet, one byte each (TS 23.038 6.2.1; ESC + code for the extension table);
"UCS2" hex of UTF-16, four hex digits a character.
"""
from __future__ import annotations

from at_bridge.sms_pdu import gsm7_encodable, gsm7_septets, gsm7_text

CHARSETS = ("IRA", "GSM", "UCS2")
"""+CSCS character sets a client may choose: SMS text and text-mode addresses are typed and
shown in it."""


def from_te(cscs: str, typed: str) -> str:
    """Text typed in ``cscs``; ValueError when it is not text of that set."""
    if cscs == "UCS2":
        return bytes.fromhex(typed).decode("utf-16-be")
    if cscs == "GSM":
        codes = typed.encode("latin-1")
        if max(codes, default=0) > 0x7F:
            raise ValueError("not a GSM 7-bit code")
        return gsm7_text(list(codes))
    return typed


def to_te(cscs: str, text: str) -> str:
    """``text`` in ``cscs``, '?' for what the set cannot show."""
    if cscs == "UCS2":
        return text.encode("utf-16-be").hex().upper()
    if cscs == "GSM":
        codes = [c for ch in text
                 for c in (gsm7_septets(ch) if gsm7_encodable(ch) else [ord("?")])]
        return bytes(codes).decode("latin-1")
    return text.encode("ascii", "replace").decode("ascii")


def te_number(cscs: str, param: str) -> str:
    """A phone number given in ``cscs`` (TS 27.005 3.1 <da>: "converted to characters of the
    currently selected TE character set"); a number typed in plain digits under "UCS2" is
    taken as typed, as hosts that do not convert it expect."""
    try:
        number = from_te(cscs, param)
    except ValueError:
        return param
    return number if number.lstrip("+").isdigit() else param

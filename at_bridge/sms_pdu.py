"""SMS PDU codec: TS 23.040 SMS-SUBMIT and SMS-DELIVER, TS 23.038 alphabets.

- GSM 7-bit default alphabet and its extension table (TS 23.038 6.2.1 / 6.2.1.1), septets
  packed LSB first into octets (TS 23.038 6.1.2.1.1);
- UCS2 (DCS 0x08, TS 23.038 4), big-endian 16-bit units;
- addresses (TS 23.040 9.1.2.5): digits as swapped semi-octets with 'F' padding, type of
  address 0x91 (international, leading '+') or 0x81; alphanumeric (TON 101) decoded as 7-bit;
- SCTS (9.2.3.11): seven swapped semi-octets, time zone in quarter hours, sign in bit 3.

The PDU given to ``AT+CMGS`` in PDU mode (TS 27.005 3.5.1) is the SMSC address (``00`` = the
default SMSC) followed by the TPDU; ``AT+CMGS=<length>`` counts the TPDU octets only.
One part carries 160 septets or 140 octets (TS 23.040 9.2.3.24); longer text goes out as
concatenated parts (:func:`submit_pdus`, :func:`deliver_pdus`) with a user data header holding
IEI 0x00 (8-bit reference, part count, part number; 9.2.3.24.1); 7-bit parts align their first
septet after the header with fill bits (9.2.3.24). Decoders report ``concat`` =
(reference, total, sequence) for such parts (IEI 0x00 or 0x08).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from at_bridge.errors import ProtocolError
from at_bridge.gsm7 import (
    ESCAPE,
    GSM7_BASIC,
    GSM7_EXTENSION,
    gsm7_encodable,
    gsm7_septets,
    gsm7_text,
    pack_septets,
    unpack_septets,
)

__all__ = ["DCS_GSM7", "DCS_UCS2", "ESCAPE", "GSM7_BASIC", "GSM7_EXTENSION", "MAX_OCTETS",
           "MAX_SEPTETS", "Deliver", "PduError", "Submit", "concat_udh", "decode_address",
           "decode_deliver", "decode_submit", "deliver_pdu", "deliver_pdus", "encode_address",
           "encode_deliver", "encode_scts", "encode_submit", "gsm7_encodable", "gsm7_septets",
           "gsm7_text", "pack_septets", "split_text", "submit_pdu", "submit_pdus",
           "unpack_septets"]

DCS_GSM7, DCS_UCS2 = 0x00, 0x08
MAX_SEPTETS, MAX_OCTETS = 160, 140


class PduError(ProtocolError):
    """A PDU that does not decode; the message names the TPDU type, the field and the octet
    (counted from 1 over the hex given, SMSC address included)."""


def _octets(pdu: bytes | str, kind: str) -> bytes:
    if not isinstance(pdu, str):
        return bytes(pdu)
    try:
        return bytes.fromhex(pdu.strip())
    except ValueError:
        raise PduError(f"{kind}: {pdu[:60]!r} is not an even number of hex digits") from None


def _need(data: bytes, start: int, n: int, kind: str, what: str) -> None:
    if start + n > len(data):
        raise PduError(f"{kind} {data.hex().upper()}: {what} at octet {start + 1} needs {n} "
                       f"octet(s), the PDU ends after {len(data)}")


def _semi_octets(digits: str) -> bytes:
    padded = digits + ("F" if len(digits) % 2 else "")
    return bytes.fromhex("".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2)))


def _digits(data: bytes, count: int) -> str:
    text = "".join(f"{b:02X}"[::-1] for b in data)
    return text[:count]


def encode_address(number: str) -> bytes:
    """TP-DA / TP-OA: length (useful semi-octets), type of address, digits (at most 20,
    TS 23.040 9.1.2.5: the field is 2-12 octets)."""
    international = number.startswith("+")
    digits = number[1:] if international else number
    if not 0 < len(digits) <= 20 or not all(c in "0123456789*#" for c in digits):
        raise ValueError(f"address {number!r}: expected 1-20 digits (or * #) with an optional "
                         f"leading '+' (TS 23.040 9.1.2.5)")
    swapped = digits.replace("*", "A").replace("#", "B")
    return bytes([len(digits), 0x91 if international else 0x81]) + _semi_octets(swapped)


def decode_address(data: bytes, offset: int, kind: str = "PDU") -> tuple[str, int]:
    """(address, offset after it) for an address field at ``offset``; PduError when the
    field runs past the end of ``data``."""
    _need(data, offset, 2, kind, "address length and type")
    count, toa = data[offset], data[offset + 1]
    n = (count + 1) // 2
    _need(data, offset + 2, n, kind, f"address of {count} semi-octets")
    raw = data[offset + 2:offset + 2 + n]
    if (toa >> 4) & 0x7 == 0x5:  # alphanumeric, 7-bit packed (9.1.2.5)
        text = gsm7_text(unpack_septets(raw, count * 4 // 7))
        return text, offset + 2 + n
    digits = _digits(raw, count).translate(_BCD_EXTRA)
    return ("+" if (toa >> 4) & 0x7 == 0x1 else "") + digits, offset + 2 + n


_BCD_EXTRA = str.maketrans("ABC", "*#a")   # TS 23.040 9.1.2.3: 1010 '*', 1011 '#', 1100 'a'


def _user_data(text: str, ucs2: bool | None, udh: bytes = b"") -> tuple[int, int, bytes]:
    """(DCS, UDL, UD): 7-bit when every character allows it, else UCS2; ``udh`` (without its
    length octet) goes first."""
    if ucs2 is None:
        ucs2 = not gsm7_encodable(text)
    header = bytes([len(udh)]) + udh if udh else b""
    if ucs2:
        ud = header + text.encode("utf-16-be")
        if len(ud) > MAX_OCTETS:
            raise ValueError(f"UCS2 user data of {len(ud)} octets exceeds {MAX_OCTETS} "
                             f"(9.2.3.24); use submit_pdus for concatenated parts")
        return DCS_UCS2, len(ud), ud
    fill = (7 - len(header) * 8 % 7) % 7
    septets = gsm7_septets(text)
    udl = (len(header) * 8 + fill) // 7 + len(septets)
    if udl > MAX_SEPTETS:
        raise ValueError(f"7-bit user data of {udl} septets exceeds {MAX_SEPTETS} (9.2.3.24); "
                         f"use submit_pdus for concatenated parts")
    return DCS_GSM7, udl, header + pack_septets(septets, fill)


def _concat(ud: bytes) -> tuple[int, tuple[int, int, int] | None]:
    """(header length in octets incl. UDHL, (ref, total, seq) or None) of a UDH."""
    udhl, i, concat = ud[0], 1, None
    if 1 + udhl > len(ud):
        raise PduError(f"user data header length {udhl} exceeds the {len(ud) - 1} octets after it")
    while i + 1 < 1 + udhl:
        iei, n = ud[i], ud[i + 1]
        data = ud[i + 2:i + 2 + n]
        if iei == 0x00 and n == 3:
            concat = (data[0], data[1], data[2])
        elif iei == 0x08 and n == 4:
            concat = (data[0] << 8 | data[1], data[2], data[3])
        i += 2 + n
    return 1 + udhl, concat


def _ud_octets(dcs: int, udl: int) -> int:
    """Octets that UDL announces (TS 23.040 9.2.3.16: septets for 7-bit, else octets)."""
    return (udl * 7 + 7) // 8 if _alphabet(dcs) == 0 else udl


def _decode_ud(dcs: int, udl: int, ud: bytes, udhi: bool) -> tuple[str, tuple | None]:
    """(text, concat) from the user data; the header is skipped (and read) when UDHI is set."""
    if len(ud) < _ud_octets(dcs, udl):
        raise PduError(f"TP-UDL {udl} (DCS 0x{dcs:02X}) needs {_ud_octets(dcs, udl)} octets of "
                       f"user data, the PDU has {len(ud)}")
    if not udhi:
        return _decode_text(dcs, udl, ud), None
    if not ud:
        raise PduError("TP-UDHI set but the user data is empty")
    hlen, concat = _concat(ud)
    if _alphabet(dcs) == 0:
        skip = (hlen * 8 + 6) // 7
        return gsm7_text(unpack_septets(ud, udl)[skip:]), concat
    return _decode_text(dcs, udl - hlen, ud[hlen:]), concat


def _alphabet(dcs: int) -> int:
    """0 GSM 7-bit, 1 8-bit data, 2 UCS2 (TS 23.038 4; reserved codings read as 7-bit)."""
    group = dcs >> 4
    if group <= 0x7:  # 00xx general data coding, 01xx the same marked for automatic deletion
        if dcs & 0x20:
            raise PduError(f"DCS 0x{dcs:02X}: compressed text (TS 23.038 4, bit 5) is not "
                           f"supported")
        return (dcs >> 2) & 0x03 if (dcs >> 2) & 0x03 != 3 else 0
    if group == 0xE:  # message waiting indication group, store message, UCS2
        return 2
    if group == 0xF:  # data coding / message class: bit 2 = 8-bit data
        return 1 if dcs & 0x04 else 0
    return 0          # 1100 / 1101 (7-bit) and the reserved groups 1000..1011


def _decode_text(dcs: int, udl: int, ud: bytes) -> str:
    alphabet = _alphabet(dcs)
    if alphabet == 2:
        return ud[:udl].decode("utf-16-be", errors="replace")
    if alphabet == 1:
        return ud[:udl].decode("latin-1")
    return gsm7_text(unpack_septets(ud, udl))


@dataclass(frozen=True)
class Submit:
    """A decoded SMS-SUBMIT (TS 23.040 9.2.2.2)."""

    destination: str
    text: str
    mr: int
    dcs: int
    pid: int = 0
    validity: int | None = None
    concat: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Deliver:
    """A decoded SMS-DELIVER (TS 23.040 9.2.2.1); ``scts`` is timezone-aware."""

    sender: str
    text: str
    scts: datetime
    dcs: int
    pid: int = 0
    smsc: str = ""
    concat: tuple[int, int, int] | None = None


def encode_submit(destination: str, text: str, *, mr: int = 0, validity: int | None = None,
                  ucs2: bool | None = None, udh: bytes = b"") -> bytes:
    """The SMS-SUBMIT TPDU. ``validity`` is a relative TP-VP octet (9.2.3.12.1) or None;
    ``udh`` a user data header (sets TP-UDHI)."""
    if validity is not None and not 0 <= validity <= 255:
        raise ValueError(f"TP-VP {validity}: a relative validity is one octet, 0..255 "
                         f"(TS 23.040 9.2.3.12.1)")
    first = 0x01 | (0x10 if validity is not None else 0x00) | (0x40 if udh else 0x00)
    dcs, udl, ud = _user_data(text, ucs2, udh)
    vp = bytes([validity]) if validity is not None else b""
    return bytes([first, mr & 0xFF]) + encode_address(destination) + bytes([0x00, dcs]) + vp + \
        bytes([udl]) + ud


def submit_pdu(destination: str, text: str, **kwargs) -> tuple[str, int]:
    """(hex for ``AT+CMGS`` with the default SMSC ``00``, TPDU length in octets)."""
    tpdu = encode_submit(destination, text, **kwargs)
    return "00" + tpdu.hex().upper(), len(tpdu)


def _skip_smsc(pdu: bytes, with_smsc: bool, kind: str) -> tuple[str, int]:
    """(SMSC address, offset of the TPDU): the RP-SC address of 27.005 3.1 / 24.011 8.2.5.1,
    whose length octet counts the type-of-address octet and the semi-octet pairs."""
    if not with_smsc:
        return "", 0
    _need(pdu, 0, 1, kind, "SMSC address length")
    n = pdu[0]
    if n == 0:
        return "", 1
    _need(pdu, 1, n, kind, "SMSC address")
    toa, digits = pdu[1], _digits(pdu[2:1 + n], 2 * (n - 1)).rstrip("F")
    return ("+" if (toa >> 4) & 0x7 == 0x1 else "") + digits.translate(_BCD_EXTRA), 1 + n


def _tpdu(pdu: bytes | str, with_smsc: bool, kind: str, mti: int) -> tuple[bytes, str, int]:
    """(octets, SMSC address, index of the TPDU's first octet), TP-MTI checked (9.2.3.1)."""
    data = _octets(pdu, kind)
    smsc, i = _skip_smsc(data, with_smsc, kind)
    _need(data, i, 1, kind, "first octet")
    if data[i] & 0x03 != mti:
        raise PduError(f"TP-MTI {data[i] & 3} is not {kind} ({mti}) in {data.hex().upper()}")
    return data, smsc, i


def decode_submit(pdu: bytes | str, *, with_smsc: bool = True) -> Submit:
    """Decode an SMS-SUBMIT (hex or bytes; with the SMSC prefix as +CMGS carries it).
    PduError names the field that is missing or wrong."""
    kind = "SMS-SUBMIT"
    data, _, i = _tpdu(pdu, with_smsc, kind, 0x01)
    _need(data, i, 2, kind, "first octet and TP-MR")
    first, mr = data[i], data[i + 1]
    destination, i = decode_address(data, i + 2, kind)
    vpf = (first >> 3) & 0x03
    vp_len = {0: 0, 2: 1}.get(vpf, 7)   # 9.2.3.3: none, relative 1, enhanced / absolute 7
    _need(data, i, 3 + vp_len, kind, "TP-PID, TP-DCS, TP-VP and TP-UDL")
    pid, dcs = data[i], data[i + 1]
    validity = data[i + 2] if vpf == 2 else None
    i += 2 + vp_len
    text, concat = _decode_ud(dcs, data[i], data[i + 1:], bool(first & 0x40))
    return Submit(destination, text, mr, dcs, pid, validity, concat)


def _scts(data: bytes) -> datetime:
    """TP-SCTS (9.2.3.11): YY MM DD hh mm ss as swapped semi-octets, then the time zone in
    quarter hours with its sign in bit 3."""
    d = [int(f"{b:02X}"[::-1], 10) for b in data[:6]]
    tz_octet = data[6]
    quarters = int(f"{tz_octet & 0xF7:02X}"[::-1], 10)
    sign = -1 if tz_octet & 0x08 else 1
    tz = timezone(timedelta(minutes=15 * quarters * sign))
    century = 2000 if d[0] < 70 else 1900  # two-digit year: 70..99 read as 19yy (convention)
    return datetime(century + d[0], d[1], d[2], d[3], d[4], d[5], tzinfo=tz)


def encode_scts(when: datetime) -> bytes:
    """TP-SCTS (TS 23.040 9.2.3.11): 7 octets, semi-octet date and time, quarter-hour zone."""
    offset = when.utcoffset() or timedelta(0)
    quarters = int(abs(offset.total_seconds()) // 900)
    fields = [when.year % 100, when.month, when.day, when.hour, when.minute, when.second]
    body = bytes(int(f"{v:02d}"[::-1], 16) for v in fields)
    tz = int(f"{quarters:02d}"[::-1], 16) | (0x08 if offset < timedelta(0) else 0)
    return body + bytes([tz])


def encode_deliver(sender: str, text: str, scts: datetime, *, ucs2: bool | None = None,
                   more_messages: bool = False, udh: bytes = b"") -> bytes:
    """The SMS-DELIVER TPDU (TP-MTI 00; TP-MMS set when no more messages wait)."""
    first = (0x00 if more_messages else 0x04) | (0x40 if udh else 0x00)
    dcs, udl, ud = _user_data(text, ucs2, udh)
    return bytes([first]) + encode_address(sender) + bytes([0x00, dcs]) + encode_scts(scts) + \
        bytes([udl]) + ud


def deliver_pdu(sender: str, text: str, scts: datetime, **kwargs) -> tuple[str, int]:
    """(hex with the empty SMSC ``00`` as in ``+CMT: ,<length>``, TPDU length in octets)."""
    tpdu = encode_deliver(sender, text, scts, **kwargs)
    return "00" + tpdu.hex().upper(), len(tpdu)


def decode_deliver(pdu: bytes | str, *, with_smsc: bool = True) -> Deliver:
    """Decode an SMS-DELIVER (hex or bytes, with the SMSC prefix as +CMT / +CMGR carry it).
    PduError names the field that is missing or wrong."""
    kind = "SMS-DELIVER"
    data, smsc, i = _tpdu(pdu, with_smsc, kind, 0x00)
    first = data[i]
    sender, i = decode_address(data, i + 1, kind)
    _need(data, i, 10, kind, "TP-PID, TP-DCS, TP-SCTS and TP-UDL")
    pid, dcs = data[i], data[i + 1]
    try:
        scts = _scts(data[i + 2:i + 9])
    except ValueError as exc:
        raise PduError(f"{kind}: TP-SCTS {data[i + 2:i + 9].hex().upper()} at octet {i + 3} "
                       f"is not a time stamp ({exc})") from None
    text, concat = _decode_ud(dcs, data[i + 9], data[i + 10:], bool(first & 0x40))
    return Deliver(sender, text, scts, dcs, pid, smsc, concat)


def split_text(text: str, ucs2: bool | None = None) -> list[str]:
    """Text -> parts that each fit one concatenated PDU (153 septets or 134 octets after the
    6-octet header), never splitting an escape pair or a UTF-16 surrogate pair."""
    if ucs2 is None:
        ucs2 = not gsm7_encodable(text)
    parts, current, used = [], "", 0
    for ch in text:
        cost = len(ch.encode("utf-16-be")) if ucs2 else len(gsm7_septets(ch))
        if used + cost > (134 if ucs2 else 153):
            parts.append(current)
            current, used = "", 0
        current, used = current + ch, used + cost
    return [*parts, current]


def _fits_one(text: str, ucs2: bool | None) -> bool:
    try:
        _user_data(text, ucs2)
    except ValueError:
        return False
    return True


def concat_udh(ref: int, total: int, seq: int) -> bytes:
    """User data header with IEI 0x00: 8-bit reference, part count, part number (1-based)."""
    return bytes([0x00, 0x03, ref & 0xFF, total, seq])


def submit_pdus(destination: str, text: str, *, ref: int = 0, ucs2: bool | None = None,
                **kwargs) -> list[tuple[str, int]]:
    """(hex for AT+CMGS, TPDU length) per part: one part when the text fits, else
    concatenated parts with reference ``ref``."""
    if _fits_one(text, ucs2):
        return [submit_pdu(destination, text, ucs2=ucs2, **kwargs)]
    chunks = split_text(text, ucs2)
    return [submit_pdu(destination, chunk, ucs2=ucs2 if ucs2 is not None else
                       not gsm7_encodable(text), udh=concat_udh(ref, len(chunks), n), **kwargs)
            for n, chunk in enumerate(chunks, 1)]


def deliver_pdus(sender: str, text: str, scts: datetime, *, ref: int = 0,
                 ucs2: bool | None = None) -> list[tuple[str, int]]:
    """(hex for +CMT, TPDU length) per part, as :func:`submit_pdus` splits them."""
    if _fits_one(text, ucs2):
        return [deliver_pdu(sender, text, scts, ucs2=ucs2)]
    chunks = split_text(text, ucs2)
    whole_ucs2 = ucs2 if ucs2 is not None else not gsm7_encodable(text)
    return [deliver_pdu(sender, chunk, scts, ucs2=whole_ucs2,
                        udh=concat_udh(ref, len(chunks), n), more_messages=n < len(chunks))
            for n, chunk in enumerate(chunks, 1)]

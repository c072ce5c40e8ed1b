"""What the module side needs of TS 23.040 PDUs: read an SMS-SUBMIT, write an SMS-DELIVER.

The user data (DCS, UDL, UD with any header) passes through unchanged from the submit to the
deliver, so no alphabet is unpacked here; text mode (sms_commands) reads the DCS for the
alphabet and shows some octets of a stored SMS-DELIVER as they are (deliver_octets).
PDUs as typed after AT+CMGS=<len> start with the SMSC address (27.005 3.1 <pdu>); <len> counts
the TPDU octets only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from ntnstack.terminals.at_engine import CmsError

TP_MTI_DELIVER = 0x00
TP_MTI_SUBMIT = 0x01
TP_UDHI = 0x40
TP_MMS = 0x04          # more messages to send (0 here: set = no more), TS 23.040 9.2.3.2
_VPF_LEN = {0: 0, 1: 7, 2: 1, 3: 7}  # TS 23.040 9.2.3.3: none, enhanced, relative, absolute
GSM7, OCTETS, UCS2 = 0, 1, 2
"""Alphabets of a DCS (TS 23.038 4): GSM 7-bit default, 8-bit data, UCS2."""
MAX_UD_OCTETS, MAX_UD_SEPTETS = 140, 160
"""TP-User-Data of one SMS (TS 23.040 9.2.3.24)."""


@dataclass(frozen=True)
class Submit:
    mr: int            # TP-Message-Reference
    dest: str          # TP-Destination-Address digits ("+" when international)
    pid: int
    dcs: int
    udhi: bool
    udl: int           # TP-User-Data-Length (septets or octets per the DCS)
    ud: bytes          # TP-User-Data as sent


def _semi_octets(data: bytes, ndigits: int) -> str:
    digits = "".join(f"{b & 0x0F:x}{b >> 4:x}" for b in data)
    return digits[:ndigits].replace("a", "*").replace("b", "#")


def decode_address(pdu: bytes, i: int) -> tuple[str, int]:
    """TS 23.040 9.1.2.5 address at ``pdu[i]`` -> (number, index after it)."""
    ndigits, toa = pdu[i], pdu[i + 1]
    nbytes = (ndigits + 1) // 2
    raw = pdu[i + 2:i + 2 + nbytes]
    if len(raw) < nbytes:
        raise CmsError(304)
    number = _semi_octets(raw, ndigits)
    return ("+" + number if (toa & 0x70) == 0x10 else number), i + 2 + nbytes


def encode_address(number: str) -> bytes:
    digits = number.lstrip("+")
    toa = 0x91 if number.startswith("+") else 0x81
    padded = digits + ("F" if len(digits) % 2 else "")
    body = bytes(int(padded[k + 1] + padded[k], 16) for k in range(0, len(padded), 2))
    return bytes([len(digits), toa]) + body


def parse_submit(hex_text: str, tpdu_len: int) -> Submit:
    """The hex typed at the prompt (SMSC + TPDU) -> Submit; CmsError 304 when malformed."""
    try:
        pdu = bytes.fromhex(hex_text.strip())
        smsc_len = pdu[0]
        tpdu = pdu[1 + smsc_len:]
        if len(tpdu) != tpdu_len or tpdu[0] & 0x03 != TP_MTI_SUBMIT:
            raise CmsError(304)
        first, mr = tpdu[0], tpdu[1]
        dest, i = decode_address(tpdu, 2)
        pid, dcs = tpdu[i], tpdu[i + 1]
        i += 2 + _VPF_LEN[(first >> 3) & 0x03]
        udl, ud = tpdu[i], tpdu[i + 1:]
    except (ValueError, IndexError):
        raise CmsError(304) from None
    return Submit(mr, dest, pid, dcs, bool(first & TP_UDHI), udl, bytes(ud))


def dcs_alphabet(dcs: int) -> int:
    """GSM7, OCTETS or UCS2 of a TP-DCS (TS 23.038 4): general data coding groups 00xx and
    01xx (bits 3-2; 11 reserved, read as 7-bit), 1110 UCS2, 1111 bit 2; other groups 7-bit."""
    if dcs >> 6 in (0, 1):
        coding = (dcs >> 2) & 0x03
        return GSM7 if coding == 3 else coding
    if dcs >> 4 == 0xE:
        return UCS2
    if dcs >> 4 == 0xF:
        return OCTETS if dcs & 0x04 else GSM7
    return GSM7


def as_ucs2(dcs: int) -> int:
    """The DCS for UCS2 user data in place of ``dcs`` (7-bit): a general data coding keeps
    its class and compression bits with the alphabet bits set to 10, any other group becomes
    0x08 (TS 23.038 4)."""
    return (dcs & 0xF3) | 0x08 if dcs >> 6 in (0, 1) else 0x08


def checked_ud(dcs: int, ud: bytes, udl: int | None = None) -> tuple[int, int, bytes]:
    """(DCS, UDL, UD) with UDL ``udl`` (septets) or len(ud) (octets); CmsError 305 when one
    SMS cannot carry it (TS 23.040 9.2.3.24)."""
    udl = len(ud) if udl is None else udl
    if udl > (MAX_UD_SEPTETS if dcs_alphabet(dcs) == GSM7 else MAX_UD_OCTETS):
        raise CmsError(305)
    return dcs, udl, ud


@dataclass(frozen=True)
class DeliverOctets:
    """The octets of a stored SMS-DELIVER that text mode shows as they are (TS 23.040
    9.2.2.1): first octet, TP-OA type of address, TP-DCS, TP-UD; SMSC type of address."""

    fo: int
    tooa: int
    dcs: int
    ud: bytes
    tosca: int


def deliver_octets(pdu_hex: str) -> DeliverOctets:
    """The fields of an SMS-DELIVER (hex with the SMSC prefix, as build_deliver writes it)."""
    raw = bytes.fromhex(pdu_hex)
    tpdu = raw[1 + raw[0]:]
    oa_end = 2 + 1 + (tpdu[1] + 1) // 2           # TP-OA: digit count, type, BCD octets
    dcs = tpdu[oa_end + 1]
    ud_start = oa_end + 2 + 7 + 1                  # PID, DCS, SCTS (9.2.3.11), UDL
    return DeliverOctets(tpdu[0], tpdu[2], dcs, tpdu[ud_start:], raw[1] if raw[0] else 129)


def scts(t_unix_s: float) -> bytes:
    """TS 23.040 9.2.3.11 service-centre time stamp of ``t_unix_s`` (UTC, swapped
    semi-octets)."""
    tm = time.gmtime(t_unix_s)
    fields = (tm.tm_year % 100, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, 0)
    return bytes(int(f"{v:02d}"[::-1], 16) for v in fields)


def build_deliver(origin: str, pid: int, dcs: int, udl: int, ud: bytes, udhi: bool,
                  smsc: str = "+8613800000000", *, scts_unix_s: float) -> tuple[str, int]:
    """SMS-DELIVER with the SMSC prefix -> (hex, TPDU length in octets) for +CMT / +CMGR;
    ``scts_unix_s``: the emulated time the SMSC stamps it with."""
    first = TP_MTI_DELIVER | TP_MMS | (TP_UDHI if udhi else 0)
    tpdu = bytes([first]) + encode_address(origin) + bytes([pid, dcs]) + scts(scts_unix_s) + \
        bytes([udl]) + ud
    sca = encode_address(smsc)
    sca = bytes([len(sca) - 1]) + sca[1:]  # SMSC length counts octets, not digits
    return (sca + tpdu).hex().upper(), len(tpdu)



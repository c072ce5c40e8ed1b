"""The UE an MME hears from: the EPS mobile identity of TS 24.301 9.9.3.12 read back."""
from __future__ import annotations

from collections.abc import Callable

from ntnstack.errors import InputError

__all__ = ["attach_request_identity", "imsi_from_identity"]

IDENTITY_IMSI = 0b001
IDENTITY_GUTI = 0b110
GUTI_OCTETS = 11        # type octet, PLMN (3), MMEGI (2), MMEC (1), M-TMSI (4)
IDENTITY_OFFSET = 3     # ATTACH REQUEST (TS 24.301 8.2.4): PD, type, attach type/KSI, then LV


def attach_request_identity(plain: bytes) -> bytes:
    """The EPS mobile identity value of a plain ATTACH REQUEST (its first LV field)."""
    if len(plain) <= IDENTITY_OFFSET or len(plain) < IDENTITY_OFFSET + 1 + plain[3]:
        raise InputError(f"ATTACH REQUEST of {len(plain)} octets: no EPS mobile identity")
    return plain[IDENTITY_OFFSET + 1:IDENTITY_OFFSET + 1 + plain[IDENTITY_OFFSET]]


def imsi_from_identity(value: bytes, imsi_of_m_tmsi: Callable[[int], str]) -> str:
    """The IMSI of an EPS mobile identity value: its digits (type 001), or the UE that
    holds the GUTI's M-TMSI (type 110) as ``imsi_of_m_tmsi`` says. InputError otherwise."""
    if not value:
        raise InputError("EPS mobile identity: empty")
    kind = value[0] & 0x07
    if kind == IDENTITY_GUTI and len(value) == GUTI_OCTETS:
        return imsi_of_m_tmsi(int.from_bytes(value[7:11], "big"))
    if kind != IDENTITY_IMSI:
        raise InputError(f"EPS mobile identity: type {kind:03b} is neither IMSI nor GUTI")
    digits = [value[0] >> 4]
    for octet in value[1:]:
        digits += [octet & 0x0F, octet >> 4]
    odd = value[0] >> 3 & 1
    digits = digits if odd else digits[:-1]        # even: the last high nibble is 1111
    if any(d > 9 for d in digits):
        raise InputError(f"EPS mobile identity: IMSI {value.hex()} has a non-decimal digit")
    return "".join(map(str, digits))

"""The Luhn check digit of IMEIs (3GPP TS 23.003 annex B) and ICCIDs (ITU-T E.118)."""
from __future__ import annotations


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits`` (IMEI: the 14 digits TAC + SNR)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)

"""UPER messages whose only varying field is a final unconstrained OCTET STRING (the NAS
container of ULInformationTransfer-NB, DLInformationTransfer-NB, RRCConnectionSetupComplete-NB
at a given transaction identifier): the bits before it are fixed, so the message is those
bits, the length determinant, the octets and zero padding to the next octet (ITU-T X.691
11.9.3.6 (unaligned: no alignment before the length), 11.9.4.2 (8-bit length below 128,
16-bit '10' + 14 bits below 16 384), 11.1 (trailing padding of a complete encoding)).

``OctetTail.learn(encode)`` reads the fixed prefix off two encodings made by the ASN.1
compiler (an empty and a one-octet 0xFF string) and checks itself against a third; a string
of 16 384 octets or more (fragmented, X.691 11.9.3.8) goes back to the compiler.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OctetTail"]

FRAGMENT_OCTETS = 16384     # X.691 11.9.3.8: from here the length is fragmented
SHORT_LENGTH_OCTETS = 128   # X.691 11.9.3.6 a): below it one octet '0' + 7 bits
ONE_OCTET_MARK = "0000000111111111"    # length 1 then the octet 0xFF


def _bits(data: bytes) -> str:
    return "".join(f"{octet:08b}" for octet in data)


@dataclass(frozen=True)
class OctetTail:
    """The fixed prefix (``prefix`` as an integer of ``prefix_bits`` bits) of a message ending
    in one unconstrained OCTET STRING, and the compiler's encoder for the fallback."""

    prefix: int
    prefix_bits: int
    encode_with: Callable[[bytes], bytes]

    @classmethod
    def learn(cls, encode_with: Callable[[bytes], bytes]) -> OctetTail:
        """The template of ``encode_with`` (octets -> UPER bytes); ValueError when the message
        does not end in an unconstrained OCTET STRING."""
        empty, one = _bits(encode_with(b"")), _bits(encode_with(b"\xff"))
        n = one.rfind(ONE_OCTET_MARK)
        if n < 0 or empty[:n] != one[:n] or empty[n:].strip("0") or \
                one[n + len(ONE_OCTET_MARK):].strip("0"):
            raise ValueError("the encoding does not end in an unconstrained OCTET STRING")
        template = cls(int(one[:n] or "0", 2), n, encode_with)
        probe = bytes(range(SHORT_LENGTH_OCTETS + 3))
        if template.encode(probe) != encode_with(probe):
            raise ValueError("the encoding does not end in an unconstrained OCTET STRING")
        return template

    def encode(self, octets: bytes) -> bytes:
        """The message carrying ``octets`` (UPER), equal to the compiler's encoding."""
        n = len(octets)
        if n >= FRAGMENT_OCTETS:
            return self.encode_with(octets)
        length, length_bits = (n, 8) if n < SHORT_LENGTH_OCTETS else (0x8000 | n, 16)
        bits = self.prefix_bits + length_bits + 8 * n
        value = (((self.prefix << length_bits) | length) << 8 * n) | \
            int.from_bytes(octets, "big")
        pad = -bits % 8
        return (value << pad).to_bytes((bits + pad) // 8, "big")

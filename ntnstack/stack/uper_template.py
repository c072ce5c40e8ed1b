"""UPER templates for the messages the stack sends per UE, so that asn1tools encodes each
shape once instead of once per message; every template is learnt from the compiler's own
encodings and checks itself against one more before use.

- ``OctetTail``: a message whose only varying field is a final unconstrained OCTET STRING
  (the NAS container of UL/DLInformationTransfer-NB and RRCConnectionSetupComplete-NB at one
  transaction identifier): the fixed bits before it, the length determinant, the octets and
  zero padding to the next octet (ITU-T X.691 11.9.3.6 (unaligned: no alignment before the
  length), 11.9.4.2 (8-bit length below 128, '10' + 14 bits below 16 384), 11.1 (trailing
  padding of a complete encoding)); 16 384 octets or more (fragmented, X.691 11.9.3.8) go
  back to the compiler.
- ``BitField``: a message whose only varying field is a fixed-size BIT STRING (the 40-bit
  randomValue of RRCConnectionRequest-NB at one establishment cause): a fixed size has no
  length determinant (X.691 clause 16), so the value's bits sit at one place in fixed bits.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BitField", "OctetTail"]

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


@dataclass(frozen=True)
class BitField:
    """The fixed octets (``base``, as an integer of ``octets`` octets) of a message whose only
    varying field is a ``width``-bit BIT STRING whose last bit is ``shift`` bits from the
    end of the message."""

    base: int
    octets: int
    width: int
    shift: int

    @classmethod
    def learn(cls, encode_with: Callable[[int], bytes], width: int) -> BitField:
        """The template of ``encode_with`` (the field's value as an integer -> UPER bytes);
        ValueError when the field is not ``width`` contiguous bits in fixed surroundings."""
        zeros, ones = encode_with(0), encode_with((1 << width) - 1)
        base = int.from_bytes(zeros, "big")
        diff = base ^ int.from_bytes(ones, "big")
        shift = (diff & -diff).bit_length() - 1
        template = cls(base, len(zeros), width, shift)
        probe = 0xA5A5A5A5A5A5A5A5 & ((1 << width) - 1)
        if len(ones) != len(zeros) or diff != ((1 << width) - 1) << shift or \
                template.encode(probe) != encode_with(probe):
            raise ValueError(f"the encoding does not hold a {width}-bit field in fixed bits")
        return template

    def encode(self, value: int) -> bytes:
        """The message with the field set to ``value`` (0 <= value < 2**width)."""
        if not 0 <= value < 1 << self.width:
            raise ValueError(f"{value} does not fit {self.width} bits")
        return (self.base | value << self.shift).to_bytes(self.octets, "big")

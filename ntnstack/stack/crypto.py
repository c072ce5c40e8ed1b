"""EPS security algorithms used by the emulated NAS (AES from the ``cryptography`` package).

- Milenage f1..f5 and OPc (3GPP TS 35.206 V17 clause 4; test sets in TS 35.208);
- the key derivation function and the EPS key hierarchy: K_ASME from CK || IK with the
  serving network identity and SQN xor AK (TS 33.401 A.2), K_NASint / K_NASenc (A.7);
- 128-EIA2 (AES-CMAC, 32-bit MAC; TS 33.401 B.2.3) and 128-EEA2 (AES-128-CTR;
  TS 33.401 B.1.3), test data in TS 33.401 Annex C.

Keys, RAND, SQN etc. are ``bytes`` of the lengths the specifications give; COUNT is an
unsigned 32-bit integer, BEARER 5 bits, DIRECTION 0 uplink / 1 downlink.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from ntnstack.errors import InputError

__all__ = ["AuthVector", "MilenageOutput", "auth_vector", "eea2", "eia2", "kdf", "k_asme",
           "k_nas", "milenage", "opc_from_op"]

ALG_DISTINGUISHER_NAS_ENC = 0x01   # TS 33.401 A.7 Table A.7-1
ALG_DISTINGUISHER_NAS_INT = 0x02
FC_K_ASME = 0x10                   # TS 33.401 A.2
FC_ALGORITHM_KEY = 0x15            # TS 33.401 A.7


def _need(value: bytes, n: int, name: str) -> bytes:
    value = bytes(value)
    if len(value) != n:
        raise InputError(f"{name}: expected {n} octets, got {len(value)}")
    return value


def _aes(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    if len(a) != len(b):
        raise ValueError(f"xor of {len(a)} and {len(b)} octets")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _rot(x: bytes, r_bits: int) -> bytes:
    """Cyclic left rotation of a 128-bit block by r bits (TS 35.206 4.1)."""
    v = int.from_bytes(x, "big")
    v = ((v << r_bits) | (v >> (128 - r_bits))) & ((1 << 128) - 1)
    return v.to_bytes(16, "big")


def opc_from_op(k: bytes, op: bytes) -> bytes:
    """OPc = OP xor E_K(OP) (TS 35.206 4.1)."""
    k, op = _need(k, 16, "K"), _need(op, 16, "OP")
    return _xor(op, _aes(k, op))


class MilenageOutput(NamedTuple):
    """The outputs of f1, f1*, f2, f3, f4, f5, f5* (TS 35.206 4.1)."""

    mac_a: bytes   # f1, 8 octets
    mac_s: bytes   # f1*, 8 octets
    res: bytes     # f2, 8 octets
    ck: bytes      # f3, 16 octets
    ik: bytes      # f4, 16 octets
    ak: bytes      # f5, 6 octets
    ak_star: bytes  # f5*, 6 octets


# Constants c1..c5 and r1..r5 of TS 35.206 4.1 (c_i: 128-bit blocks, r_i: rotations in bits)
_C = [bytes(16), bytes(15) + b"\x01", bytes(15) + b"\x02", bytes(15) + b"\x04",
      bytes(15) + b"\x08"]
_R = [64, 0, 32, 64, 96]


def milenage(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes) -> MilenageOutput:
    """Milenage f1, f1*, f2, f3, f4, f5, f5* (TS 35.206 4.1)."""
    k, opc = _need(k, 16, "K"), _need(opc, 16, "OPc")
    rand, sqn, amf = _need(rand, 16, "RAND"), _need(sqn, 6, "SQN"), _need(amf, 2, "AMF")
    aes = Cipher(algorithms.AES(k), modes.ECB()).encryptor().update   # one key, six blocks
    temp = aes(_xor(rand, opc))
    in1 = sqn + amf + sqn + amf
    out1 = _xor(aes(_xor(temp, _xor(_rot(_xor(in1, opc), _R[0]), _C[0]))), opc)
    outs = [_xor(aes(_xor(_rot(_xor(temp, opc), _R[i]), _C[i])), opc) for i in (1, 2, 3, 4)]
    out2, out3, out4, out5 = outs
    return MilenageOutput(out1[:8], out1[8:], out2[8:], out3, out4, out2[:6], out5[:6])


def kdf(key: bytes, fc: int, *params: bytes) -> bytes:
    """KDF of TS 33.220 B.2: HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 ...)."""
    s = bytes([fc]) + b"".join(p + len(p).to_bytes(2, "big") for p in params)
    return hmac.new(bytes(key), s, hashlib.sha256).digest()


def k_asme(ck: bytes, ik: bytes, serving_network_id: bytes, sqn_xor_ak: bytes) -> bytes:
    """K_ASME (32 octets) from CK || IK, the PLMN identity (3 octets, TS 24.301 coding) and
    SQN xor AK (TS 33.401 A.2)."""
    return kdf(_need(ck, 16, "CK") + _need(ik, 16, "IK"), FC_K_ASME,
               _need(serving_network_id, 3, "serving network id"),
               _need(sqn_xor_ak, 6, "SQN xor AK"))


def k_nas(kasme: bytes, distinguisher: int, algorithm_id: int) -> bytes:
    """K_NASenc (distinguisher 1) / K_NASint (2): the 128 least significant bits of the KDF
    output (TS 33.401 A.7)."""
    out = kdf(_need(kasme, 32, "K_ASME"), FC_ALGORITHM_KEY, bytes([distinguisher]),
              bytes([algorithm_id]))
    return out[16:]


def _count_block(count: int, bearer: int, direction: int) -> bytes:
    if not (0 <= count < 1 << 32 and 0 <= bearer < 32 and direction in (0, 1)):
        raise InputError(f"COUNT {count}, BEARER {bearer}, DIRECTION {direction} out of range")
    return count.to_bytes(4, "big") + bytes([(bearer << 3) | (direction << 2), 0, 0, 0])


def eia2(key: bytes, count: int, bearer: int, direction: int, message: bytes,
         length_bits: int | None = None) -> bytes:
    """128-EIA2 MAC-I (4 octets): AES-CMAC over COUNT || BEARER || DIRECTION || 0^26 ||
    MESSAGE, truncated to 32 bits (TS 33.401 B.2.3). ``length_bits``: the message's length
    in bits (default: every octet of ``message``); a message that ends inside an octet is
    MACed as the bit string it is (NIST SP 800-38B, as the Annex C test sets require)."""
    key = _need(key, 16, "K_NASint")
    n = 8 * len(message) if length_bits is None else length_bits
    if not 0 <= n <= 8 * len(message):
        raise InputError(f"EIA2: LENGTH {n} bits does not fit a {len(message)}-octet message")
    if n % 8 == 0:
        mac = CMAC(algorithms.AES(key))
        mac.update(_count_block(count, bearer, direction) + bytes(message[:n // 8]))
        return mac.finalize()[:4]
    return _aes_cmac_bits(key, _count_block(count, bearer, direction) + bytes(message), 64 + n)[:4]


def _aes_cmac_bits(key: bytes, data: bytes, n_bits: int) -> bytes:
    """AES-CMAC (NIST SP 800-38B 6.2) of the first ``n_bits`` bits of ``data``, which do not
    end on an octet boundary: the last block is padded with 1 then 0s and XORed with K2."""
    aes = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    k2 = _cmac_double(_cmac_double(aes.update(bytes(16))))
    blocks = -(-n_bits // 128)
    last_bits = n_bits - 128 * (blocks - 1)
    last = int.from_bytes(data[16 * (blocks - 1):16 * blocks].ljust(16, b"\0"), "big")
    last = ((last >> (128 - last_bits)) << 1 | 1) << (127 - last_bits)
    x = bytes(16)
    for i in range(blocks - 1):
        x = aes.update(_xor(x, data[16 * i:16 * i + 16]))
    return aes.update(_xor(x, _xor(last.to_bytes(16, "big"), k2)))


def _cmac_double(block: bytes) -> bytes:
    """Multiplication by x in GF(2^128) (the CMAC subkey step, R_128 = 0x87)."""
    v = int.from_bytes(block, "big") << 1
    if v >> 128:
        v = (v & ((1 << 128) - 1)) ^ 0x87
    return v.to_bytes(16, "big")



def eea2(key: bytes, count: int, bearer: int, direction: int, data: bytes,
         length_bits: int | None = None) -> bytes:
    """128-EEA2: AES-128-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64
    (TS 33.401 B.1.3). Encryption and decryption are the same operation; bits beyond
    ``length_bits`` in the last octet are zeroed as the specification's test data shows."""
    iv = _count_block(count, bearer, direction) + bytes(8)
    enc = Cipher(algorithms.AES(_need(key, 16, "K_NASenc")), modes.CTR(iv)).encryptor()
    out = bytearray(enc.update(bytes(data)) + enc.finalize())
    if length_bits is not None and length_bits % 8 and out:
        out[-1] &= (0xFF << (8 - length_bits % 8)) & 0xFF
    return bytes(out)


class AuthVector(NamedTuple):
    """An EPS authentication vector (TS 33.401 6.1.1): RAND, XRES, AUTN, K_ASME."""

    rand: bytes
    xres: bytes
    autn: bytes
    kasme: bytes


def auth_vector(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes,
                serving_network_id: bytes) -> AuthVector:
    """The HSS side: AUTN = SQN xor AK || AMF || MAC-A and K_ASME (TS 33.102 6.3.2)."""
    out = milenage(k, opc, rand, sqn, amf)
    sqn_ak = _xor(sqn, out.ak)
    return AuthVector(rand, out.res, sqn_ak + amf + out.mac_a,
                      k_asme(out.ck, out.ik, serving_network_id, sqn_ak))

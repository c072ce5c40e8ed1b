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

import functools
import hmac
import threading
from collections.abc import Callable
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ntnstack.errors import InputError

__all__ = ["AuthVector", "MilenageOutput", "auth_vector", "eea2", "eia2", "kdf", "k_asme",
           "k_nas", "milenage", "milenage_ak", "opc_from_op"]

ALG_DISTINGUISHER_NAS_ENC = 0x01   # TS 33.401 A.7 Table A.7-1
ALG_DISTINGUISHER_NAS_INT = 0x02
FC_K_ASME = 0x10                   # TS 33.401 A.2
FC_ALGORITHM_KEY = 0x15            # TS 33.401 A.7
BLOCK_MASK = (1 << 128) - 1        # one AES block as an integer
KEPT_RESULTS = 64                  # Milenage, KDF and CMAC results kept by their inputs: the
                                   # emulated UE and network derive the same keys and MAC the
                                   # same messages (the receiver checks what the sender MACed),
                                   # so half the calls of an attach repeat a recent one


def _need(value: bytes, n: int, name: str) -> bytes:
    if type(value) is bytes and len(value) == n:     # the common case: no copy
        return value
    value = bytes(value)
    if len(value) != n:
        raise InputError(f"{name}: expected {n} octets, got {len(value)}")
    return value


@functools.lru_cache(maxsize=4096)
def _ecb_of_thread(key: bytes, thread: int) -> Callable[[bytes], bytes]:
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor().update


def _ecb(key: bytes) -> Callable[[bytes], bytes]:
    """AES-128 ECB encryption under ``key`` (whole 16-octet blocks), its key schedule kept
    (one cipher context per key and thread: the UEs of a load run share K, and each UE uses
    its K_NASint / K_NASenc for every message)."""
    return _ecb_of_thread(key, threading.get_ident())


def _aes(key: bytes, block: bytes) -> bytes:
    return _ecb(key)(block)


def _aes_int(aes: Callable[[bytes], bytes], block: int) -> int:
    """E_K of a 128-bit block held as an integer (big endian); ``aes``: ``_ecb(K)``."""
    return int.from_bytes(aes(block.to_bytes(16, "big")), "big")


def _xor(a: bytes, b: bytes) -> bytes:
    if len(a) != len(b):
        raise ValueError(f"xor of {len(a)} and {len(b)} octets")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _rot(v: int, r_bits: int) -> int:
    """Cyclic left rotation of a 128-bit block (an integer) by r bits (TS 35.206 4.1)."""
    return ((v << r_bits) | (v >> (128 - r_bits))) & BLOCK_MASK


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
_C = [0, 1, 2, 4, 8]
_R = [64, 0, 32, 64, 96]


def milenage(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes) -> MilenageOutput:
    """Milenage f1, f1*, f2, f3, f4, f5, f5* (TS 35.206 4.1); blocks as 128-bit integers."""
    return _milenage(_need(k, 16, "K"), _need(opc, 16, "OPc"), _need(rand, 16, "RAND"),
                     _need(sqn, 6, "SQN"), _need(amf, 2, "AMF"))


@functools.lru_cache(maxsize=KEPT_RESULTS)
def _milenage(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes) -> MilenageOutput:
    aes, op_c, temp = _milenage_temp(k, opc, rand)
    in1 = int.from_bytes(sqn + amf + sqn + amf, "big")
    out1 = (_aes_int(aes, temp ^ _rot(in1 ^ op_c, _R[0]) ^ _C[0]) ^ op_c).to_bytes(16, "big")
    out2, out3, out4, out5 = (_milenage_out(aes, op_c, temp, i) for i in (1, 2, 3, 4))
    return MilenageOutput(out1[:8], out1[8:], out2[8:], out3, out4, out2[:6], out5[:6])


def milenage_ak(k: bytes, opc: bytes, rand: bytes) -> bytes:
    """f5 alone: AK (6 octets), what a USIM needs to recover SQN from AUTN (TS 35.206 4.1)."""
    aes, op_c, temp = _milenage_temp(_need(k, 16, "K"), _need(opc, 16, "OPc"),
                                     _need(rand, 16, "RAND"))
    return _milenage_out(aes, op_c, temp, 1)[:6]


def _milenage_temp(k: bytes, opc: bytes, rand: bytes) -> tuple[Callable, int, int]:
    """(E_K, OPc, TEMP = E_K(RAND xor OPc)) as integers (TS 35.206 4.1)."""
    op_c, aes = int.from_bytes(opc, "big"), _ecb(k)
    return aes, op_c, _aes_int(aes, int.from_bytes(rand, "big") ^ op_c)


def _milenage_out(aes: Callable, op_c: int, temp: int, i: int) -> bytes:
    """OUT2..OUT5 (i = 1..4): E_K(rot(TEMP xor OPc, r_i) xor c_i) xor OPc (TS 35.206 4.1)."""
    return (_aes_int(aes, _rot(temp ^ op_c, _R[i]) ^ _C[i]) ^ op_c).to_bytes(16, "big")


def kdf(key: bytes, fc: int, *params: bytes) -> bytes:
    """KDF of TS 33.220 B.2: HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 ...)."""
    return _kdf(bytes(key), bytes([fc]) + b"".join(p + len(p).to_bytes(2, "big")
                                                   for p in params))


@functools.lru_cache(maxsize=KEPT_RESULTS)
def _kdf(key: bytes, s: bytes) -> bytes:
    return hmac.digest(key, s, "sha256")


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
    return _aes_cmac(key, _count_block(count, bearer, direction) + bytes(message), 64 + n)[:4]


@functools.lru_cache(maxsize=4096)
def _cmac_subkeys(key: bytes) -> tuple[int, int]:
    """K1, K2 of AES-CMAC (NIST SP 800-38B 6.1) as 128-bit integers."""
    k1 = _cmac_double(_aes_int(_ecb(key), 0))
    return k1, _cmac_double(k1)


@functools.lru_cache(maxsize=KEPT_RESULTS)
def _aes_cmac(key: bytes, data: bytes, n_bits: int) -> bytes:
    """AES-CMAC (NIST SP 800-38B 6.2) of the first ``n_bits`` bits of ``data`` (n_bits > 0):
    a complete last block is XORed with K1, a partial one padded with 1 then 0s and XORed
    with K2."""
    k1, k2 = _cmac_subkeys(key)
    aes = _ecb(key)
    blocks = -(-n_bits // 128)
    last_bits = n_bits - 128 * (blocks - 1)
    last = int.from_bytes(data[16 * (blocks - 1):16 * blocks].ljust(16, b"\0"), "big")
    if last_bits == 128:
        last ^= k1
    else:
        last = (((last >> (128 - last_bits)) << 1 | 1) << (127 - last_bits)) ^ k2
    x = 0
    for i in range(blocks - 1):
        x = _aes_int(aes, x ^ int.from_bytes(data[16 * i:16 * i + 16], "big"))
    return _aes_int(aes, x ^ last).to_bytes(16, "big")


def _cmac_double(block: int) -> int:
    """Multiplication by x in GF(2^128) (the CMAC subkey step, R_128 = 0x87)."""
    v = block << 1
    return (v & BLOCK_MASK) ^ 0x87 if v >> 128 else v


def eea2(key: bytes, count: int, bearer: int, direction: int, data: bytes,
         length_bits: int | None = None) -> bytes:
    """128-EEA2: AES-128-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64, the
    counter block incremented as a 128-bit integer (TS 33.401 B.1.3, NIST SP 800-38A). Encryption
    and decryption are the same operation; bits beyond ``length_bits`` in the last octet are
    zeroed as the specification's test data shows."""
    key = _need(key, 16, "K_NASenc")
    data = bytes(data)
    head = _count_block(count, bearer, direction)    # T1's upper 64 bits; its lower 64 are 0,
    blocks = -(-len(data) // 16)                      # so T1 + i never carries into them
    counters = b"".join([head + i.to_bytes(8, "big") for i in range(blocks)])
    keystream = _ecb(key)(counters)[:len(data)]
    out = bytearray(_xor(data, keystream))
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

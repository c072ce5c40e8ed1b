"""EPS security algorithms against the specifications' test data."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from ntnstack.errors import InputError
from ntnstack.stack import crypto
from tests.stack.vectors_security import EEA2, EIA2, MILENAGE

h = bytes.fromhex

MILENAGE_OUTPUTS = ("mac_a", "mac_s", "res", "ck", "ik", "ak", "ak_star")
SET1 = {k: h(v) for k, v in MILENAGE[1].items()}


@pytest.mark.parametrize("number", sorted(MILENAGE))
def test_opc_of_every_test_set(number):
    v = MILENAGE[number]
    assert crypto.opc_from_op(h(v["k"]), h(v["op"])).hex() == v["opc"]


@pytest.mark.parametrize("number", sorted(MILENAGE))
def test_milenage_every_test_set(number):
    v = MILENAGE[number]
    out = crypto.milenage(h(v["k"]), h(v["opc"]), h(v["rand"]), h(v["sqn"]), h(v["amf"]))
    checked = [name for name in MILENAGE_OUTPUTS if name in v]
    assert len(checked) >= 4      # set 6: f1, f1*, f4, f5* (its OPc is checked above)
    assert {n: getattr(out, n).hex() for n in checked} == {n: v[n] for n in checked}


@pytest.mark.parametrize("number", sorted(EIA2))
def test_eia2_every_annex_c_test_set(number):
    v = EIA2[number]
    mac = crypto.eia2(h(v.key), v.count, v.bearer, v.direction, h(v.data), v.length_bits)
    assert mac.hex() == v.expected


@pytest.mark.parametrize("number", sorted(EEA2))
def test_eea2_every_annex_c_test_set(number):
    v = EEA2[number]
    out = crypto.eea2(h(v.key), v.count, v.bearer, v.direction, h(v.data), v.length_bits)
    assert out.hex() == v.expected


def test_eia2_bit_length_matters():
    """The MAC of test set 1 (58 bits) differs from the MAC of the same 8 octets (64 bits):
    the bit length is part of the input."""
    v = EIA2[1]
    whole = crypto.eia2(h(v.key), v.count, v.bearer, v.direction, h(v.data))
    assert whole.hex() != v.expected
    with pytest.raises(InputError, match="LENGTH"):
        crypto.eia2(h(v.key), v.count, v.bearer, v.direction, h(v.data), 65)


def test_eea2_is_its_own_inverse():
    key, data = bytes(range(16)), b"control-plane data over NAS"
    assert crypto.eea2(key, 7, 0, 0, crypto.eea2(key, 7, 0, 0, data)) == data


def test_k_asme_input_string_is_that_of_ts_33_401_a2():
    # S = FC 0x10 || SN id || 0x00 0x03 || SQN^AK || 0x00 0x06, key CK||IK (TS 33.401 A.2)
    ck, ik, sn, sqn_ak = bytes(16), bytes(range(16)), h("00f110"), h("112233445566")
    s = b"\x10" + sn + b"\x00\x03" + sqn_ak + b"\x00\x06"
    assert crypto.k_asme(ck, ik, sn, sqn_ak) == hmac.new(ck + ik, s, hashlib.sha256).digest()


def test_k_nas_takes_the_128_least_significant_bits():
    # TS 33.401 A.7: FC 0x15, P0 algorithm type distinguisher, P1 algorithm identity
    kasme = bytes(range(32))
    s = b"\x15" + b"\x02\x00\x01" + b"\x02\x00\x01"
    full = hmac.new(kasme, s, hashlib.sha256).digest()
    assert crypto.k_nas(kasme, crypto.ALG_DISTINGUISHER_NAS_INT, 2) == full[16:]


def test_auth_vector_autn_carries_sqn_xor_ak_amf_and_mac():
    opc = crypto.opc_from_op(SET1["k"], SET1["op"])
    vec = crypto.auth_vector(SET1["k"], opc, SET1["rand"], SET1["sqn"], SET1["amf"], h("00f110"))
    out = crypto.milenage(SET1["k"], opc, SET1["rand"], SET1["sqn"], SET1["amf"])
    sqn_xor_ak = bytes(a ^ b for a, b in zip(SET1["sqn"], out.ak, strict=True))
    assert vec.autn == sqn_xor_ak + SET1["amf"] + out.mac_a
    assert vec.xres == out.res


def test_wrong_key_length_is_named():
    with pytest.raises(InputError, match="K: expected 16 octets"):
        crypto.milenage(b"\x00" * 15, bytes(16), bytes(16), bytes(6), bytes(2))


def test_eia2_and_eea2_equal_openssl_cmac_and_ctr_for_every_length():
    """Our CMAC / CTR over cached AES key schedules against OpenSSL's AES-CMAC and AES-CTR
    (through ``cryptography``), for random keys, COUNTs and messages of 0..80 octets (one to
    six blocks, complete and partial last blocks)."""
    import random

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.cmac import CMAC

    rng = random.Random(16)
    for n in range(81):
        key, message = rng.randbytes(16), rng.randbytes(n)
        count, bearer, direction = rng.getrandbits(32), rng.getrandbits(5), rng.getrandbits(1)
        block = count.to_bytes(4, "big") + bytes([bearer << 3 | direction << 2, 0, 0, 0])
        mac = CMAC(algorithms.AES(key))
        mac.update(block + message)
        assert crypto.eia2(key, count, bearer, direction, message) == mac.finalize()[:4]
        ctr = Cipher(algorithms.AES(key), modes.CTR(block + bytes(8))).encryptor()
        assert crypto.eea2(key, count, bearer, direction, message) == ctr.update(message)


@pytest.mark.parametrize("number", sorted(n for n, v in MILENAGE.items() if "ak" in v))
def test_f5_alone_is_the_ak_of_every_test_set(number):
    """milenage_ak (the USIM's first step) gives f5 of TS 35.208's test sets."""
    v = MILENAGE[number]
    assert crypto.milenage_ak(h(v["k"]), h(v["opc"]), h(v["rand"])).hex() == v["ak"]

"""EPS security algorithms against the specifications' test data."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from ntnstack.errors import InputError
from ntnstack.stack import crypto

h = bytes.fromhex

# TS 35.208 V17 clause 4.3, Test Set 1 (Milenage).
SET1 = dict(k=h("465b5ce8b199b49faa5f0a2ee238a6bc"), rand=h("23553cbe9637a89d218ae64dae47bf35"),
            sqn=h("ff9bb4d0b607"), amf=h("b9b9"), op=h("cdc202d5123e20f62b6d676ac72cb318"))
SET1_OUT = dict(opc="cd63cb71954a9f4e48a5994e37a02baf", mac_a="4a9ffac354dfafb3",
                mac_s="01cfaf9ec4e871e9", res="a54211d5e3ba50bf",
                ck="b40ba9a3c58b2a05bbf0d987b21bf8cb", ik="f769bcd751044604127672711c6d3441",
                ak="aa689c648370", ak_star="451e8beca43b")


def test_opc_of_test_set_1():
    assert crypto.opc_from_op(SET1["k"], SET1["op"]).hex() == SET1_OUT["opc"]


@pytest.mark.parametrize("name", ["mac_a", "mac_s", "res", "ck", "ik", "ak", "ak_star"])
def test_milenage_test_set_1(name):
    opc = crypto.opc_from_op(SET1["k"], SET1["op"])
    out = crypto.milenage(SET1["k"], opc, SET1["rand"], SET1["sqn"], SET1["amf"])
    assert getattr(out, name).hex() == SET1_OUT[name]


def test_eia2_test_set_2():
    # TS 33.401 Annex C.2, 128-EIA2 Test Set 2 (byte aligned, 64 bits)
    mac = crypto.eia2(h("d3c5d592327fb11c4035c6680af8c6d1"), 0x398A59B4, 0x1A, 1,
                      h("484583d5afe082ae"))
    assert mac.hex() == "b93787e6"


def test_eea2_test_set_1():
    # TS 33.401 Annex C.1, 128-EEA2 Test Set 1 (253 bits)
    plain = h("981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0")
    out = crypto.eea2(h("d3c5d592327fb11c4035c6680af8c6d1"), 0x398A59B4, 0x15, 1, plain, 253)
    assert out.hex() == "e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78"


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

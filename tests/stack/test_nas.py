"""NAS codec: octet layouts of TS 24.301 / 24.011, round trips, security protection."""
from __future__ import annotations

import pytest

from ntnstack.stack import nas as n

IMSI = "001010000000001"


def test_attach_request_header_and_ies():
    msg = n.attach_request(IMSI, "non-ip")
    # 07 = plain EMM (9.3.1), 41 = ATTACH REQUEST (9.8), 72 = KSI 7 no key | combined
    # EPS/IMSI attach (2), as a UE asking for SMS without CS services does (5.5.1.2.2)
    assert msg[:3] == bytes([0x07, 0x41, 0x72])
    # EPS mobile identity: length 8, odd IMSI digit 0 | odd flag | type 1 (9.9.3.12)
    assert msg[3:5] == bytes([0x08, 0x09])
    parsed = n.parse(msg)
    esm = n.parse(parsed.ies["esm"])
    assert (parsed.message, esm.message) == ("attach-request", "pdn-connectivity-request")
    assert parsed.ies["esm"][3] == (n.PDN_TYPES["non-ip"] << 4) | 1
    # additional update type (9.9.3.0B): IEI F, PNB-CIoT 01 (control plane CIoT), SAF 0, AUTV 1
    assert msg[-1] == 0xF5
    assert parsed.ies["sms_only"]


def test_attach_request_without_sms_is_an_eps_attach():
    msg = n.attach_request(IMSI, "non-ip", sms=False)
    # 71 = KSI 7 | EPS attach (1); F4 = PNB-CIoT 01 "control plane CIoT", SAF 0, AUTV 0
    assert (msg[2], msg[-1]) == (0x71, 0xF4)
    assert not n.parse(msg).ies["sms_only"]


def test_attach_accept_grants_sms_only():
    esm = n.activate_default_bearer_request(5, 1, "non-ip", "ntn.iot", b"")
    guti = (n.plmn_octets("001", "01"), 0x8001, 1, 0x12345678)
    granted = n.attach_accept(guti, 1, esm, sms_only=True)
    # EPS attach result 2 = combined EPS/IMSI attach (9.9.3.10); F2 = additional update
    # result "SMS only" (9.9.3.0A), the last IE
    assert granted[2] & 0x7 == 2 and granted[-1] == 0xF2
    assert n.parse(granted).ies["sms_only"]
    plain = n.attach_accept(guti, 1, esm)
    assert plain[2] & 0x7 == 1 and not n.parse(plain).ies["sms_only"]


@pytest.mark.parametrize("pdn_type", list(n.PDN_TYPES))
def test_pdn_type_is_coded_per_9_9_4_10(pdn_type):
    esm = n.pdn_connectivity_request(pdn_type)
    assert esm[3] >> 4 == n.PDN_TYPES[pdn_type]


def test_plmn_coding_two_digit_mnc():
    # TS 24.008 10.5.1.13: MCC 001 MNC 01 -> 00 f1 10
    assert n.plmn_octets("001", "01") == bytes([0x00, 0xF1, 0x10])


def test_authentication_request_round_trip():
    rand, autn = bytes(range(16)), bytes(range(16, 32))
    parsed = n.parse(n.authentication_request(0, rand, autn))
    assert parsed.ies == {"ksi": 0, "rand": rand, "autn": autn}


def test_esm_data_transport_round_trip():
    parsed = n.parse(n.esm_data_transport(5, b"\x01\x02payload"))
    assert (parsed.message, parsed.ies["ebi"], parsed.ies["data"]) == \
        ("esm-data-transport", 5, b"\x01\x02payload")


def test_sms_cp_data_carries_rp_data():
    cp = n.cp_data(0, n.rp_data_mo(7, "+8613800000000", b"\x01\x07"), allocator=True)
    parsed = n.parse(n.uplink_nas_transport(cp))
    inner = n.parse(parsed.ies["container"])
    assert inner.message == "cp-data" and inner.ies["rpdu"][:2] == bytes([n.RP_DATA_MS_N, 7])


@pytest.mark.parametrize("eea, header_type", [("eea2", 2), ("eea0", 2), ("eea2", 1)])
def test_protect_unprotect_round_trip(eea, header_type):
    ue = n.NasSecurityContext(bytes(range(16)), bytes(range(16, 32)), eea, "eia2")
    mme = n.NasSecurityContext(bytes(range(16)), bytes(range(16, 32)), eea, "eia2")
    plain = n.esm_data_transport(5, b"hello")
    for _ in range(3):
        protected = n.protect(ue, plain, uplink=True, header_type=header_type)
        assert protected[0] == header_type << 4 | 0x7
        assert (protected[6:] == plain) is (header_type == 1 or eea == "eea0")
        assert n.unprotect(mme, protected, uplink=True) == plain
    assert ue.ul_count == mme.ul_count == 3


def test_tampered_message_fails_the_mac_check():
    ue = n.NasSecurityContext(bytes(16), bytes(16))
    mme = n.NasSecurityContext(bytes(16), bytes(16))
    protected = bytearray(n.protect(ue, n.attach_complete(5), uplink=True, header_type=2))
    protected[-1] ^= 0x01
    with pytest.raises(n.NasCodecError, match="MAC check failed"):
        n.unprotect(mme, bytes(protected), uplink=True)


def test_unknown_message_type_is_named():
    with pytest.raises(n.NasCodecError, match="0x99"):
        n.parse(bytes([0x07, 0x99]))


@pytest.mark.parametrize("octets, where", [
    ("075200", "authentication-request: RAND at octet 4"),          # 8.2.7: RAND V 16
    ("0741", "attach-request: EPS attach type and NAS KSI at octet 3"),
    ("0201", "ESM message: message type at octet 3"),
    ("090105", "cp-data: RP-User data at octet 4"),                  # TS 24.011 7.2.1
    ("076209", "downlink-nas-transport: NAS message container at octet 4"),
    ("074d0078ff", "ESM message container length at octet 5"),     # 8.2.33: IEI 78 TLV-E
])
def test_truncated_message_names_message_ie_and_octet(octets, where):
    with pytest.raises(n.NasCodecError, match=where):
        n.parse(bytes.fromhex(octets))


def test_protected_header_of_other_types_is_refused():
    ctx = n.NasSecurityContext(bytes(16), bytes(16))
    # header type 12 = SERVICE REQUEST (24.301 9.3.1): not one of the protected types 1-4
    with pytest.raises(n.NasCodecError, match="security header type 12"):
        n.unprotect(ctx, bytes([0xC7, 0, 0, 0, 0, 0, 0x42]), uplink=True)


def test_nas_count_estimate_crosses_the_sqn_wrap():
    # TS 24.301 4.4.3.1: the receiver keeps the overflow counter; SQN 255 -> 0 adds 0x100
    ue = n.NasSecurityContext(bytes(range(16)), bytes(16), "eea0", "eia2", ul_count=0xFF)
    mme = n.NasSecurityContext(bytes(range(16)), bytes(16), "eea0", "eia2", ul_count=0xFF)
    for _ in range(2):
        n.unprotect(mme, n.protect(ue, n.security_mode_complete(), True, 1), uplink=True)
    assert mme.ul_count == ue.ul_count == 0x101


def test_attach_accept_feature_support_and_t3412_octets():
    accept = n.attach_accept((n.plmn_octets("001", "01"), 1, 1, 1), 1, b"")
    # EPS network feature support IEI 64, length 2, octet 3 bit 8 = CP CIoT (9.9.3.12A)
    assert accept[-4:] == bytes([0x64, 0x02, 0x80, 0x00])
    # T3412 (TS 24.008 10.5.7.3): unit 010 decihours, value 9 = 54 min (24.301 10.2 default)
    assert accept[3] == 0b010_01001


def test_non_ip_pdn_address_has_four_spare_octets():
    # TS 24.301 9.9.4.9: LV 6-14; non-IP: octets 4-7 spare, coded zero
    msg = n.activate_default_bearer_request(5, 1, "non-ip", "ntn")
    assert n.parse(msg).ies["pdn_address"] == bytes([n.PDN_TYPES["non-ip"], 0, 0, 0, 0])

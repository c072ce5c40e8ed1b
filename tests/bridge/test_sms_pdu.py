"""SMS PDU codec: TS 23.040 SMS-SUBMIT / SMS-DELIVER, TS 23.038 GSM 7-bit and UCS2."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from at_bridge.sms_pdu import (
    GSM7_BASIC,
    PduError,
    GSM7_EXTENSION,
    decode_deliver,
    decode_submit,
    deliver_pdu,
    deliver_pdus,
    encode_submit,
    gsm7_septets,
    pack_septets,
    submit_pdu,
    submit_pdus,
    unpack_septets,
)

# The classic example of TS 23.038 6.1.2.1.1 packing, printed in the widely copied "SMS and
# the PDU format" tutorial (dreamfabric.com / Lars Pettersson): "hellohello" packs into
# E8329BFD4697D9EC37. Its SMS-SUBMIT to +46708251358 with relative validity 0xAA is
# 0011000B916407281553F80000AA0AE8329BFD4697D9EC37 ("00" = default SMSC, 0x11 = SUBMIT with
# VPF relative), and its SMS-DELIVER from 27838890001 via SMSC +27381000015, time stamp
# 99-03-29 15:16:59 +2 h, is 07917283010010F5040BC87238880900F10000993092516195800A...
HELLO_PACKED = "E8329BFD4697D9EC37"
SUBMIT_EXAMPLE = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
DELIVER_EXAMPLE = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"


def test_hellohello_packing():
    assert pack_septets(gsm7_septets("hellohello")).hex().upper() == HELLO_PACKED
    assert unpack_septets(bytes.fromhex(HELLO_PACKED), 10) == gsm7_septets("hellohello")


def test_submit_vector_both_ways():
    tpdu = encode_submit("+46708251358", "hellohello", mr=0, validity=0xAA)
    assert "00" + tpdu.hex().upper() == SUBMIT_EXAMPLE
    s = decode_submit(SUBMIT_EXAMPLE)
    assert (s.destination, s.text, s.validity, s.dcs) == ("+46708251358", "hellohello", 0xAA, 0)


def test_deliver_vector():
    d = decode_deliver(DELIVER_EXAMPLE)
    assert d.smsc == "+27381000015" and d.sender == "27838890001" and d.text == "hellohello"
    assert d.scts == datetime(1999, 3, 29, 15, 16, 59, tzinfo=timezone(timedelta(hours=2)))


def test_extension_table_costs_two_septets():
    # TS 23.038 6.2.1.1: '€' is ESC 0x65, '[' is ESC 0x3C.
    assert gsm7_septets("€[") == [0x1B, 0x65, 0x1B, 0x3C]


def test_ucs2_for_chinese_and_length_limits():
    pdu, n = submit_pdu("+8613800138000", "你好")
    s = decode_submit(pdu)
    assert s.dcs == 0x08 and s.text == "你好" and n == len(bytes.fromhex(pdu)) - 1
    with pytest.raises(ValueError, match="160"):
        submit_pdu("123", "a" * 161)
    with pytest.raises(ValueError, match="140"):
        submit_pdu("123", "你" * 71)


GSM7_TEXT = st.text(alphabet=st.sampled_from([c for i, c in enumerate(GSM7_BASIC) if i != 0x1B]
                                             + list(GSM7_EXTENSION.values())), max_size=70)
NUMBER = st.from_regex(r"\A\+?[0-9]{3,15}\Z", fullmatch=True)
WHEN = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2069, 12, 31),
                    timezones=st.sampled_from([timezone(timedelta(minutes=15 * q))
                                               for q in range(-48, 57)]))


@settings(max_examples=200, deadline=None)
@given(number=NUMBER, text=st.one_of(GSM7_TEXT, st.text(max_size=60).filter(
    lambda t: all(ord(c) < 0x10000 and not 0xD800 <= ord(c) < 0xE000 for c in t))), when=WHEN)
def test_round_trips(number, text, when):
    when = when.replace(microsecond=0)
    assert decode_submit(submit_pdu(number, text)[0]).text == text
    d = decode_deliver(deliver_pdu(number, text, when)[0])
    assert (d.sender, d.text, d.scts) == (number, text, when)


def test_8bit_data_coding_group_f():
    # TS 23.038 4, coding group 1111 with bit 2 set (DCS 0xF4): 8-bit data, UDL in octets.
    # Address / SCTS octets reused from the vectors above.
    tpdu = bytes.fromhex("04" "0B916407281553F8" "00" "F4" "99309251619580" "03" "414243")
    d = decode_deliver(tpdu, with_smsc=False)
    assert (d.sender, d.text, d.dcs) == ("+46708251358", "ABC", 0xF4)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(GSM7_TEXT.map(lambda t: t * 6), st.text(min_size=60, max_size=300).filter(
    lambda t: all(ord(c) < 0x10000 and not 0xD800 <= ord(c) < 0xE000 for c in t))),
    ref=st.integers(0, 255), when=WHEN)
def test_concatenated_round_trips(text, ref, when):
    """Any length splits into parts that each fit one PDU (TS 23.040 9.2.3.24: 140 octets)
    and join back to the text, with (ref, total, seq) in every part's header."""
    when = when.replace(microsecond=0)
    # TPDU octets before the user data for "+123": SUBMIT first, MR, DA (4), PID, DCS, UDL = 9;
    # DELIVER first, OA (4), PID, DCS, SCTS (7), UDL = 15 (TS 23.040 9.2.2.1 / 9.2.2.2)
    for pdus, decode, header in ((submit_pdus("+123", text, ref=ref), decode_submit, 9),
                                 (deliver_pdus("+123", text, when, ref=ref), decode_deliver, 15)):
        parts = [decode(h) for h, _ in pdus]
        assert all(n - header <= 140 for _, n in pdus)
        assert "".join(p.text for p in parts) == text
        if len(parts) > 1:
            assert [p.concat for p in parts] == \
                [(ref, len(parts), k + 1) for k in range(len(parts))]


def test_concatenated_7bit_header_fill_bits():
    # 6-octet UDH (UDHL + IEI 00) = 48 bits -> 1 fill bit so text starts on a septet boundary
    # (TS 23.040 9.2.3.24): UDL counts 7 header septets + 153 text septets = 160.
    pdus = submit_pdus("+123", "a" * 200, ref=5)
    first = bytes.fromhex(pdus[0][0])
    udl_index = 9   # 00 SMSC | first, MR | DA length, TOA, 2 digit octets | PID, DCS | UDL
    assert first[udl_index] == 160 and first[udl_index + 1:udl_index + 7].hex() == "050003050201"
    # the first text septet 'a' (0x61) after 1 fill bit: 0x61 << 1 = 0xC2; the next octet holds
    # the second 'a' in bits 1-7 and bit 1 of the third 'a' in bit 8: 0x61 | 0x80 = 0xE1
    assert first[udl_index + 7:udl_index + 9].hex() == "c2e1"


def test_concat_16bit_reference_iei_08():
    # TS 23.040 9.2.3.24.8: IEI 08, length 4, reference 0x1234, 3 parts, part 2; UCS2 "A"
    tpdu = bytes.fromhex("44" "0B916407281553F8" "00" "08" "99309251619580" "09"
                         "0608041234" "0302" "0041")
    d = decode_deliver(tpdu, with_smsc=False)
    assert (d.text, d.concat) == ("A", (0x1234, 3, 2))


@pytest.mark.parametrize("dcs, body, text", [
    ("48", "024F60", "你"),      # 01xx automatic deletion group, bits 3-2 = 10: UCS2
    ("E0", "024F60", "你"),      # 1110: message waiting, store message, UCS2
    ("C0", "03C16010", "AAA"),   # 1100: message waiting, discard, GSM 7-bit ("A" = 0x41)
])
def test_dcs_coding_groups_of_ts_23_038_4(dcs, body, text):
    tpdu = bytes.fromhex("04" "0B916407281553F8" "00" + dcs + "99309251619580" + body)
    assert decode_deliver(tpdu, with_smsc=False).text == text


@pytest.mark.parametrize("pdu, where", [
    ("0011000B91640728", "address of 11 semi-octets at octet 6"),
    ("0011000B916407281553F800", "TP-PID, TP-DCS, TP-VP and TP-UDL at octet 12"),
    ("0011000B916407281553F80000AA0AE832", "TP-UDL 10 .* needs 9 octets"),
    ("0011000B916407281553F80000AA0AE8329BFD4697D9EC3", "not an even number of hex digits"),
    ("07917283", "SMSC address at octet 2"),
    ("0011000B916407281553F80020AA0AE8329BFD4697D9EC37", "compressed"),   # DCS 0x20
    ("0051000B916407281553F80000AA0A20E8329BFD4697D9EC37", "header length 32"),
])
def test_malformed_submit_names_the_field(pdu, where):
    with pytest.raises(PduError, match=where):
        decode_submit(pdu)


def test_bad_time_stamp_names_scts():
    # month 13 in TP-SCTS (TS 23.040 9.2.3.11); octets: SMSC 1-8, first 9, OA 10-17 (11 digits),
    # PID 18, DCS 19, SCTS from 20
    bad = DELIVER_EXAMPLE.replace("9930925161958", "9931925161958")
    with pytest.raises(PduError, match="TP-SCTS .* at octet 20"):
        decode_deliver(bad)


def test_smsc_type_of_number_decides_the_plus():
    # TS 24.008 10.5.4.7 TON: 0x91 international -> '+', 0xA1 national -> no '+'
    assert decode_deliver("07A17283010010F5" + DELIVER_EXAMPLE[16:]).smsc == "27381000015"


@pytest.mark.parametrize("kwargs, match", [
    ({"destination": "+" + "1" * 21}, "1-20 digits"),      # TS 23.040 9.1.2.5: 2-12 octets
    ({"destination": "++123"}, "1-20 digits"),
    ({"destination": "+123", "validity": 256}, "TP-VP 256"),  # 9.2.3.12.1: one octet
])
def test_bad_submit_arguments_are_named(kwargs, match):
    args = {"destination": "+123", "text": "x", **kwargs}
    with pytest.raises(ValueError, match=match):
        encode_submit(args.pop("destination"), args.pop("text"), **args)


def test_alphanumeric_originator():
    # TS 23.040 9.1.2.5: TON 101 (TOA 0xD0), length = useful semi-octets (4 septets = 28 bits
    # = 7); "Test" packs to D4 F2 9C 0E (TS 23.038 6.1.2.1.1, worked by hand: 0x54 | 0x65 << 7
    # | 0x73 << 14 | 0x74 << 21, little-endian octets)
    tpdu = bytes.fromhex("04" "07D0D4F29C0E" "00" "00" "99309251619580" "01" "31")
    d = decode_deliver(tpdu, with_smsc=False)
    assert (d.sender, d.text) == ("Test", "1")

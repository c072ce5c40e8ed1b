"""SMS PDU codec: TS 23.040 SMS-SUBMIT / SMS-DELIVER, TS 23.038 GSM 7-bit and UCS2."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from at_bridge.sms_pdu import (
    GSM7_BASIC,
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

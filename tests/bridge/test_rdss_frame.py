"""BeiDou RDSS protocol 4.0 frames: the published example frames byte for byte, the refusals
(bad length, bad checksum, truncated), chunking, and the frame engine's answer matching."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from at_bridge import rdss_frame as rf
from at_bridge.dialect import load_dialect
from at_bridge.frame_engine import FrameEngine
from tests.bridge.conftest import FakeChannel

# Example frames printed in comments of public C drivers of 4.0 terminals (code index file ids:
# A = 11511014003 and B = 44721609661 print ICJC, ICXX, TXSQ and TXXX; C = 47882776676 prints
# a session with ICXX, XTZJ, ZJXX and FKXX; D = 37744231595 prints SJSC and an XTZJ).
PUBLISHED = {
    "ICJC (A, B)": "24 49 43 4A 43 00 0C 00 00 00 00 2B",
    "ICXX (A, B)": "24 49 43 58 58 00 16 02 AD F7 00 00 00 0B 06 00 3C 03 00 00 00 52",
    "ICXX (C)": "24 49 43 58 58 00 16 02 2A C4 00 1D 77 14 06 00 3C 04 00 00 00 94",
    "TXSQ (A, B)": "24 54 58 53 51 00 18 02 AD F7 44 02 AD F7 00 30 00 CE D2 B0 AE C4 E3 63",
    "TXXX (A, B)": "24 54 58 58 58 00 1A 02 AD F7 40 02 AD F7 00 00 00 30 CE D2 B0 AE C4 E3 00 67",
    "XTZJ (C)": "24 58 54 5A 4A 00 0D 02 2A C4 00 00 D9",
    "ZJXX (C)": "24 5A 4A 58 58 00 15 02 2A C4 01 00 64 02 02 04 02 00 04 02 A8",
    "FKXX (C)": "24 46 4B 58 58 00 10 02 2A C4 00 54 58 53 51 DB",
    "SJSC (D)": "24 53 4A 53 43 00 0D 00 00 00 00 01 21",
}
ME = 0x02ADF7        # 175607, the user address of the examples of A and B
TEXT = "我爱你"       # the Chinese message of the TXSQ / TXXX examples (6 GB2312 bytes, 48 bits)


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_frames_decode_and_encode_back(name):
    raw = bytes.fromhex(PUBLISHED[name])
    frame = rf.decode(raw)
    assert frame.command == name[:4] and frame.encode() == raw


def test_our_encoders_build_the_published_frames():
    msg = rf.RdssMessage("chinese", TEXT.encode("gb2312"))
    assert rf.txsq(ME, ME, msg).encode() == bytes.fromhex(PUBLISHED["TXSQ (A, B)"])
    assert rf.txxx(ME, ME, msg, 0, 0).encode() == bytes.fromhex(PUBLISHED["TXXX (A, B)"])
    assert rf.icxx(ME, interval_s=60, level=3, broadcast=11, feature=6).encode() == \
        bytes.fromhex(PUBLISHED["ICXX (A, B)"])
    assert rf.fkxx(0x022AC4, rf.FLAG_OK, "TXSQ").encode() == bytes.fromhex(PUBLISHED["FKXX (C)"])
    assert rf.zjxx(0x022AC4, ic=1, hardware=0, battery=100, inbound=2,
                   powers=[2, 4, 2, 0, 4, 2]).encode() == bytes.fromhex(PUBLISHED["ZJXX (C)"])
    assert rf.text_frame("ICJC,0", 0).encode() == bytes.fromhex(PUBLISHED["ICJC (A, B)"])
    assert rf.text_frame("SJSC,1", 0).encode() == bytes.fromhex(PUBLISHED["SJSC (D)"])


def test_published_frames_in_text_form():
    def text(name):
        return rf.frame_text(rf.decode(bytes.fromhex(PUBLISHED[name])))
    assert text("ICXX (A, B)") == "ICXX,175607,0,11,6,60,3,0,0"      # 60 s interval, level 3
    assert text("TXXX (A, B)") == "TXXX,175607,0,0000,CED2B0AEC4E3,0"
    assert text("FKXX (C)") == "FKXX,Y,0,TXSQ,0"
    assert text("ZJXX (C)") == "ZJXX,1,0,100,2,2,4,2,0,4,2"
    req = rf.parse_txsq(rf.decode(bytes.fromhex(PUBLISHED["TXSQ (A, B)"])))
    assert (req.dest, req.message.data.decode("gb2312"), req.express, req.ack) == \
        (ME, TEXT, False, False)


def test_code_mixed_and_express_categories():
    mixed = rf.RdssMessage("mixed", b"\xa4" + "hi北斗".encode("gb2312"))
    req = rf.parse_txsq(rf.txsq(1, 2, mixed, express=True))
    assert (req.message, req.express) == (mixed, True)
    got = rf.parse_txxx(rf.txxx(2, 1, rf.RdssMessage("code", b"\x01\x02"), 12, 34))
    assert (got.sender, got.message.coding, got.hour, got.minute) == (1, "code", 12, 34)


def test_bad_checksum_is_refused():
    raw = bytearray(bytes.fromhex(PUBLISHED["ICJC (A, B)"]))
    raw[-1] ^= 0x01
    with pytest.raises(rf.FrameError) as info:
        rf.decode(bytes(raw))
    assert (info.value.command, info.value.reason) == ("ICJC", "checksum")


@pytest.mark.parametrize("name,length,why", [("ICJC (A, B)", 13, "$ICJC has 12"),
                                             ("TXSQ (A, B)", 17, "outside 18..1024")])
def test_bad_length_field_is_refused(name, length, why):
    raw = bytearray(bytes.fromhex(PUBLISHED[name]))
    raw[5:7] = length.to_bytes(2, "big")
    items = rf.FrameDecoder().feed(bytes(raw))
    assert isinstance(items[0], rf.FrameError) and items[0].reason == "length"
    assert why in str(items[0])


def test_message_bits_must_match_the_bytes():
    raw = bytearray(bytes.fromhex(PUBLISHED["TXSQ (A, B)"]))
    raw[15] = 0x38                          # 56 bits announced, 48 follow
    raw[-1] = rf.checksum(bytes(raw[:-1]))
    with pytest.raises(rf.FrameError, match="56 bits, 6 bytes follow"):
        rf.parse_txsq(rf.decode(bytes(raw)))


def test_truncated_frame_waits_then_expires():
    d = rf.FrameDecoder()
    raw = bytes.fromhex(PUBLISHED["TXSQ (A, B)"])
    assert d.feed(raw[:15]) == [] and d.pending
    error = d.expire()
    assert (error.command, error.reason) == ("TXSQ", "truncated")
    assert d.feed(raw) == [rf.decode(raw)]


def test_text_sentences_are_line_noise_to_a_4_0_decoder():
    d = rf.FrameDecoder(rf.HOST_COMMANDS)
    icjc = bytes.fromhex(PUBLISHED["ICJC (A, B)"])
    assert d.feed(b"$CCTXA,0240001,1,1,A1*7F\r\n" + icjc) == [rf.decode(icjc)]
    assert d.garbage > 0


@given(st.binary(max_size=40), st.lists(st.integers(1, 60), max_size=4))
def test_garbage_and_splits_never_lose_a_good_frame(junk, cuts):
    good = bytes.fromhex(PUBLISHED["TXXX (A, B)"])
    data = junk.replace(b"$", b"") + good
    d, got, at = rf.FrameDecoder(rf.TERMINAL_FRAMES), [], 0
    for cut in [*sorted(cuts), len(data)]:
        got += d.feed(data[at:cut])
        at = max(at, cut)
    assert got[-1] == rf.decode(good)


def test_frame_engine_matches_fkxx_to_the_send_and_queues_txxx():
    me = 240001
    card = rf.icxx(me, interval_s=60, level=3).encode()
    txxx = rf.txxx(me, 240002, rf.RdssMessage("code", b"\xc0\xde"), 9, 5).encode()

    def module(data: bytes) -> list[bytes]:
        frame = rf.decode(data)
        if frame.command == "ICJC":
            return [card]
        assert frame.command == "TXSQ" and frame.address == me   # sent from the card's address
        return [txxx, rf.fkxx(me, rf.FLAG_INTERVAL, wait_s=42).encode()]

    engine = FrameEngine.from_dialect(FakeChannel(module), load_dialect("beidou-4.0"))
    assert engine.send("ICJC,0", reply="ICXX", timeout_s=1).startswith("ICXX,240001,")
    assert engine.send("TXSQ,240002,1,1,C0DE,0", fki="TXSQ", timeout_s=1) == "FKXX,N,4,,42"
    urc = engine.urcs.get("TXXX", 0)
    assert (urc.fields["sender"], urc.fields["content"], urc.fields["time"]) == \
        ("240002", "C0DE", "0905")


def test_frame_engine_rejects_a_bad_checksum():
    engine = FrameEngine.from_dialect(FakeChannel(), load_dialect("beidou-4.0"))
    raw = bytearray(rf.fkxx(1, rf.FLAG_OK, "TXSQ").encode())
    raw[-1] ^= 0xFF
    engine.feed(bytes(raw))
    assert engine.stats["bad_checksum"] == 1 and not engine.urcs.drain()


@pytest.mark.parametrize("body,named", [("TXSQ,99999999999,1,1,AB,0", "int too big"),
                                        ("TXSQ,12,1,1,ZZ,0", "non-hexadecimal"),
                                        ("DWSQ,1", "expected TXSQ, ICJC, XTZJ or SJSC")])
def test_a_bad_body_is_one_protocol_error_naming_it(body, named):
    from at_bridge.errors import ProtocolError
    with pytest.raises(ProtocolError, match=named) as info:
        rf.text_frame(body, 1)
    assert body in str(info.value)

"""BeiDou sentence engine: NMEA-style checksum, rejections, $BDFKI matching, streams."""
from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from at_bridge.dialect import load_dialect
from at_bridge.errors import ProtocolError, Timeout
from at_bridge.sentence_engine import SentenceEngine, checksum, make_sentence, parse_sentence
from tests.bridge.conftest import FakeChannel

BDS21 = load_dialect("beidou-2.1")
BDS3 = load_dialect("beidou-bds3")


@pytest.mark.parametrize("body,expected", [
    # NMEA 0183 examples as printed in public NMEA references (e.g. the Wikipedia NMEA 0183
    # article): $GPGLL,...*28 and $GPGGA,092750.000,...*76.
    ("GPGLL,5300.97914,N,00259.98174,E,125926,A", "28"),
    ("GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,", "76"),
    # BeiDou card query as printed in RDSS terminal manuals; XOR worked by hand = 0x7B.
    ("CCICA,0,00", "7B"),
])
def test_checksum_vectors(body, expected):
    assert checksum(body) == expected
    assert make_sentence(body) == f"${body}*{expected}\r\n".encode()
    assert parse_sentence(make_sentence(body)) == body


def test_bad_checksum_is_rejected_counted_and_visible():
    ch = FakeChannel()
    engine = SentenceEngine.from_dialect(ch, BDS21)
    ch.feed(b"$BDBSI,01,02,4,4,3,0,0,0,0,0,0,0*00\r\n")
    assert engine.stats["bad_checksum"] == 1
    line, why = engine.rejected[-1]
    assert b"BDBSI" in line and "computed" in why
    assert len(engine.urcs) == 0
    with pytest.raises(ProtocolError, match="bad checksum"):
        parse_sentence(b"$CCICA,0,00*7C")


def test_fki_matched_to_its_command_other_sentences_queued():
    fki = make_sentence("BDFKI,TXA,Y,Y,0,0000")
    def script(data):
        if data.startswith(b"$CCTXA"):
            return [make_sentence("BDFKI,ICA,Y,Y,0,0000"),
                    make_sentence("BDTXR,1,0245678,1,1230,A1B2"), fki[:7], fki[7:]]
        return []
    ch = FakeChannel(script)
    engine = SentenceEngine.from_dialect(ch, BDS21)
    assert engine.send("CCTXA,0245678,1,1,A1B2", fki="TXA") == "BDFKI,TXA,Y,Y,0,0000"
    assert [u.name for u in engine.urcs.drain()] == ["BDFKI", "BDTXR"]


def test_bds3_fki_names_the_command_in_field_1():
    def script(data):
        return [make_sentence("BDFKI,120000,TCQ,N,1,45")] if data.startswith(b"$CCTCQ") else []
    engine = SentenceEngine.from_dialect(FakeChannel(script), BDS3)
    assert engine.send("CCTCQ,1,2,1,1,A1,0", fki="TCQ") == "BDFKI,120000,TCQ,N,1,45"


def test_status_streams_keep_latest_and_queue():
    ch = FakeChannel()
    engine = SentenceEngine.from_dialect(ch, BDS3)
    ch.feed(make_sentence("BDPWI,000000.00,0") + make_sentence("BDPWI,120001.00,2,1,45,2,30"))
    assert engine.latest["BDPWI"].fields["time"] == "120001.00"
    assert len(engine.urcs) == 2


def test_no_answer_times_out():
    engine = SentenceEngine.from_dialect(FakeChannel(), BDS21)
    with pytest.raises(Timeout, match="BDICI"):
        engine.send("CCICA,0,00", reply="BDICI", timeout_s=0.05)


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(max_size=200), cuts=st.lists(st.integers(0, 10**6), max_size=10))
def test_garbage_and_splits_never_crash_and_good_sentences_survive(garbage, cuts):
    ch = FakeChannel()
    engine = SentenceEngine.from_dialect(ch, BDS21)
    good = make_sentence("BDTXR,1,0245678,1,1230,A1B2")
    stream = garbage + b"\r\n" + good
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    for a, b in pairwise(points):
        ch.feed(stream[a:b])
    assert [u.line for u in engine.urcs.drain() if u.name == "BDTXR"][-1:] == \
        ["BDTXR,1,0245678,1,1230,A1B2"]


def test_urc_wait_fails_with_portgone_when_the_port_goes():
    """As the AT engine's (test_alignment.py): a BeiDou terminal unplugged while the driver
    waits for a message fails the wait at once, not at its timeout."""
    from at_bridge.errors import PortGone

    ch = FakeChannel()
    engine = SentenceEngine.from_dialect(ch, BDS3)
    for listener in ch.listeners:
        listener("gone")
    with pytest.raises(PortGone, match="vanished"):
        engine.urcs.get("BDTCI", timeout_s=30.0)
    for listener in ch.listeners:
        listener("back")
    ch.feed(make_sentence("BDTCI,0240001,0240002,2,120000,1,C0DE"))
    assert engine.urcs.get("BDTCI", timeout_s=1.0).name == "BDTCI"

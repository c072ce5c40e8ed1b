"""BeiDou protocol 4.0 terminals over a pty: binary frames with checked checksums, the card,
short messages between two 4.0 terminals and between a 4.0 and a BDS-3 terminal through the
emulated network, the service interval, refusals of bad frames with $FKXX, self test, time,
and the driver against the virtual module (at_bridge/rdss_frame.py names the sources)."""
from __future__ import annotations

import time

import pytest

from at_bridge import rdss_frame as rf
from ntnstack.terminals.beidou40 import BEAMS_4_0, FRAME_GAP_S
from ntnstack.terminals.families import family_spec
from ntnstack.terminals.rdss import BDS2_LEVEL_BITS
from tests.terminals.conftest import REAL_TIMEOUT_S, TEST_SPEED, Client
from tests.terminals.test_beidou import client as sentence_client
from tests.terminals.test_beidou import geo_link

CARD = family_spec("beidou-4.0").card


class FrameClient:
    """Writes frames, reads frames (each decoded, so every checksum is checked)."""

    def __init__(self, path: str, clock) -> None:
        self.port = Client(path, clock)
        self.decoder = rf.FrameDecoder(rf.TERMINAL_FRAMES)
        self.frames: list[rf.Frame] = []

    def send(self, data: bytes | rf.Frame) -> None:
        self.port.raw(data.encode() if isinstance(data, rf.Frame) else data)

    def wait(self, command: str, timeout_s: float = REAL_TIMEOUT_S) -> rf.Frame:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for i, f in enumerate(self.frames):
                if f.command == command:
                    del self.frames[:i + 1]
                    return f
            for item in self.decoder.feed(self.port.read_some()):
                assert isinstance(item, rf.Frame), f"the module sent a bad frame: {item}"
                self.frames.append(item)
        raise AssertionError(f"no ${command}; saw {self.frames[-5:]}")

    def close(self) -> None:
        self.port.close()


def frame_client(rig, m) -> FrameClient:
    rig.ready(m)
    c = FrameClient(m.path, rig.host.clock)
    rig.clients.append(c)
    return c


def feedback(f: rf.Frame) -> tuple[int, bytes]:
    assert f.command == "FKXX"
    return f.info[0], f.info[1:5]


def chinese(text: str) -> rf.RdssMessage:
    return rf.RdssMessage("chinese", text.encode("gb2312"))


def test_card_4_0(rig):
    m = rig.module("beidou-4.0", geo_link())
    rig.start()
    c = frame_client(rig, m)
    c.send(rf.text_frame("ICJC,0", 0))
    card = c.wait("ICXX")
    assert rf.frame_text(card) == f"ICXX,{int(m.address)},0,0,0,{CARD['interval_s']}," \
                                  f"{CARD['level']},0,0"


def test_message_between_4_0_terminals_and_the_rate_limit(rig):
    a, b = rig.module("beidou-4.0", geo_link()), rig.module("beidou-4.0", geo_link())
    rig.start()
    ca, cb = frame_client(rig, a), frame_client(rig, b)
    me, peer = int(a.address), int(b.address)
    ca.send(rf.txsq(me, peer, chinese("北斗四点零")))
    assert feedback(ca.wait("FKXX")) == (rf.FLAG_OK, b"TXSQ")
    got = rf.parse_txxx(cb.wait("TXXX"))
    assert (got.sender, got.message.data.decode("gb2312"), got.crc_flag) == \
        (me, "北斗四点零", 0)
    ca.send(rf.txsq(me, peer, chinese("再")))
    flag, extra = feedback(ca.wait("FKXX"))
    assert flag == rf.FLAG_INTERVAL and 0 < extra[0] <= CARD["interval_s"]
    time.sleep((extra[0] + 1) / TEST_SPEED + 0.05)
    ca.send(rf.txsq(me, peer, chinese("再")))
    assert feedback(ca.wait("FKXX")) == (rf.FLAG_OK, b"TXSQ")


def test_message_longer_than_the_card_level_is_refused(rig):
    a = rig.module("beidou-4.0", geo_link())
    rig.start()
    ca = frame_client(rig, a)
    limit = BDS2_LEVEL_BITS[CARD["level"]]
    too_long = rf.RdssMessage("code", b"\x11" * (limit // 8 + 1))
    ca.send(rf.txsq(int(a.address), int(a.address), too_long))
    assert feedback(ca.wait("FKXX")) == (rf.FLAG_FAILED, b"TXSQ")


@pytest.mark.parametrize("sender,receiver", [("beidou-4.0", "beidou-bds3"),
                                             ("beidou-bds3", "beidou-4.0")])
def test_message_between_4_0_and_bds3(rig, sender, receiver):
    a, b = rig.module(sender, geo_link()), rig.module(receiver, geo_link())
    rig.start()
    text = "跨协议".encode("gb2312").hex().upper()
    if sender == "beidou-4.0":
        ca, cb = frame_client(rig, a), sentence_client(rig, b)
        ca.send(rf.txsq(int(a.address), int(b.address), chinese("跨协议")))
        assert feedback(ca.wait("FKXX"))[0] == rf.FLAG_OK
        got = cb.wait(r"^BDTCI,(\d+),(\d+),\d,\d{6},(\d),([0-9A-F]+)$")
        chinese_code = str(family_spec("beidou-bds3").encodings["chinese"])
        assert got.groups() == (a.address, b.address, chinese_code, text)
    else:
        ca, cb = sentence_client(rig, a), frame_client(rig, b)
        ca.send(f"CCTCQ,{b.address},2,1,1,{text},0")
        ca.wait(r"^BDFKI,\d{6},TCQ,Y,0,0$")
        got = rf.parse_txxx(cb.wait("TXXX"))
        assert (got.sender, got.message.coding, got.message.data.hex().upper()) == \
            (int(a.address), "chinese", text)


def test_bad_checksum_bad_length_and_truncated_frames_are_refused(rig):
    m = rig.module("beidou-4.0", geo_link())
    rig.start()
    c = frame_client(rig, m)
    icjc = bytearray(rf.text_frame("ICJC,0", 0).encode())
    bad_sum = bytes(icjc[:-1]) + bytes([icjc[-1] ^ 0x5A])
    c.send(bad_sum)
    assert feedback(c.wait("FKXX")) == (rf.FLAG_CRC, b"ICJC")
    assert m.bad_checksums == 1
    bad_length = bytearray(icjc)
    bad_length[6] = 13
    c.send(bytes(bad_length))
    assert feedback(c.wait("FKXX")) == (rf.FLAG_FAILED, b"ICJC")
    txsq = rf.txsq(int(m.address), int(m.address), chinese("断")).encode()
    c.send(txsq[:12])                             # and then nothing for FRAME_GAP_S
    assert feedback(c.wait("FKXX", REAL_TIMEOUT_S + FRAME_GAP_S)) == (rf.FLAG_FAILED, b"TXSQ")
    c.send(bytes(icjc))                           # the next good frame is answered
    assert c.wait("ICXX").address == int(m.address)


def test_text_sentences_get_no_answer_from_a_4_0_terminal(rig):
    m = rig.module("beidou-4.0", geo_link())
    rig.start()
    c = frame_client(rig, m)
    c.send(b"$CCICA,0,00*7B\r\n$CCTXA,0240001,1,1,A1*7F\r\n")
    c.send(rf.text_frame("ICJC,0", 0))
    c.wait("ICXX")
    assert not c.frames and not m.events("out FKXX")


def test_self_test_once_and_time_every_period(virtual_rig):
    rig, link = virtual_rig, geo_link()
    m = rig.module("beidou-4.0", link)
    rig.start()
    c = frame_client(rig, m)
    c.send(rf.text_frame("XTZJ,0", int(m.address)))
    z = c.wait("ZJXX").info
    from ntnstack.terminals.rdss import beam_power
    els = link.elevations_deg
    assert list(z[4:]) == [beam_power(els[i % 3], link.min_elevation_deg)[0]
                           for i in range(BEAMS_4_0)]
    c.send(rf.text_frame("SJSC,2", int(m.address)))
    first = c.wait("SJXX")
    c.wait("SJXX")
    assert int.from_bytes(first.info[:2], "big") >= 2026
    (t1, _), (t2, _) = m.events("out SJXX")[:2]
    assert t2 - t1 == pytest.approx(2.0, abs=1e-6)              # emulated seconds apart
    c.send(rf.text_frame("SJSC,0", int(m.address)))            # one more, then none
    c.wait("SJXX")
    sent = len(m.events("out SJXX"))
    rig.wait(5)
    assert len(m.events("out SJXX")) == sent


def test_driver_against_the_virtual_4_0_module(rig, tmp_path):
    from at_bridge.drivers import open_module
    a, b = rig.module("beidou-4.0", geo_link()), rig.module("beidou-4.0", geo_link())
    rig.start()
    rig.ready(a)
    rig.ready(b)
    with open_module(a.path, "beidou-4.0", log_path=tmp_path / "a.log") as da, \
            open_module(b.path, "beidou-4.0", log_path=tmp_path / "b.log") as db:
        for d, m in ((da, a), (db, b)):
            d.power_on()
            card = d.card_info()
            assert (card.address, card.interval_s, card.level) == \
                (int(m.address), CARD["interval_s"], CARD["level"])
        fb = da.send_short_message(b.address, "四点零 mixed", "mixed")
        assert fb.accepted and fb.fields["command"] == "TXSQ"
        got = db.receive_short_message(timeout_s=20)
        assert (int(got.sender), got.text, got.encoding) == \
            (int(a.address), "四点零 mixed", "mixed")
        again = da.send_short_message(b.address, "0102", "code")
        assert not again.accepted and 0 < again.wait_s <= CARD["interval_s"]
        assert again.fields["reason"] == str(rf.FLAG_INTERVAL)


def test_two_4_0_modules_through_ntnstack_module_serve(tmp_path):
    from at_bridge.drivers import open_module
    from tests.terminals.test_cli import serve
    proc = serve("--family", "beidou-4.0", "--count", "2", "--speed", "100")
    try:
        paths = [proc.stdout.readline().strip() for _ in range(2)]
        with open_module(paths[0], "beidou-4.0", log_path=tmp_path / "a.log") as da, \
                open_module(paths[1], "beidou-4.0", log_path=tmp_path / "b.log") as db:
            cards = [d.card_info() for d in (da, db)]
            assert [c.address for c in cards] == [240000, 240001]   # Identity.for_serial(0, 1)
            assert da.send_short_message("0240001", "C0DE", "code").accepted
            got = db.receive_short_message(timeout_s=20)
            assert (got.sender, got.text, got.encoding) == ("240000", "C0DE", "code")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def answers_a_card_query(rig, m) -> None:
    """After anything (the fuzz test's garbage), a 4.0 module still answers $ICJC."""
    c = frame_client(rig, m)
    c.port.pause(2 * FRAME_GAP_S)              # a partial frame in the garbage expires
    c.send(rf.text_frame("ICJC,0", 0))
    assert c.wait("ICXX").address == int(m.address)

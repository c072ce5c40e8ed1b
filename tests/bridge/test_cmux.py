"""TS 27.010 basic mode: frame vectors, FCS, round trips, deframer fuzzing, DLCI sessions."""
from __future__ import annotations

import threading
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from at_bridge.at_engine import AtEngine
from at_bridge.cmux import (
    CLD_CMD,
    CLOSE_DOWN,
    DISC,
    SABM,
    UA,
    UI,
    UIH,
    Deframer,
    Frame,
    Mux,
    fcs,
    fcs_ok,
)
from at_bridge.timebase import REALTIME

# Vectors derived by hand from TS 27.010 5.2.1 (address = DLCI<<2 | C/R<<1 | EA, control with
# P/F = 0x10, length octet = n<<1 | EA) and the FCS of 5.2.1.6 / annex B (reflected CRC-8
# x^8+x^2+x+1, init 0xFF, sent as 0xFF - register). They are also the frames seen in public
# Linux n_gsm traces when a multiplexer opens DLCI 0.
VECTORS = [
    (Frame(0, SABM, cr=True, pf=True), "f9033f011cf9"),   # open DLCI 0 (initiator)
    (Frame(0, UA, cr=True, pf=True), "f9037301d7f9"),     # UA from the responder
    (Frame(0, DISC, cr=True, pf=True), "f9035301fdf9"),   # close DLCI 0
]


@pytest.mark.parametrize("frame,wire", VECTORS)
def test_known_frames(frame, wire):
    assert frame.encode().hex() == wire
    assert Deframer().feed(bytes.fromhex(wire)) == [frame]


LINKTYPE_MUX27010 = 236   # tcpdump.org link-layer header types
MUX27010_TO_MODULE = b"\x00\x00"   # Wireshark mux27010: extended header size 0, direction
#                                     0 = application => module, then the frame from its flag


def test_close_down_is_the_cld_tshark_reads(tmp_path):
    """The close-down written to a module left multiplexed: hand-derived from 27.010 5.2.1 and
    5.4.6.3.3 (address 0x03: DLCI 0, C/R 1, EA 1; UIH 0xEF; length 2 -> 0x05; CLD type 0xC3,
    length 0 -> 0x01; FCS over 03 EF 05 = 0xF2), and Wireshark's mux27010 dissector (not ours)
    reads it as Multiplexer Close Down on DLCI 0 with a correct checksum."""
    import shutil
    import subprocess

    from scapy.utils import PcapWriter
    assert bytes.fromhex("f903ef05c301f2f9") == CLOSE_DOWN
    assert Frame(0, UIH, info=bytes([CLD_CMD, 0x01])).encode() == CLOSE_DOWN
    tshark = shutil.which("tshark")
    assert tshark, "tshark (Wireshark) is needed to check the frame independently"
    pcap = tmp_path / "cld.pcap"
    with PcapWriter(str(pcap), linktype=LINKTYPE_MUX27010) as writer:
        writer.write(MUX27010_TO_MODULE + CLOSE_DOWN)
    out = subprocess.run([tshark, "-r", str(pcap), "-T", "fields", "-E", "separator=|",
                          "-e", "mux27010.address.dlciaddress", "-e", "mux27010.control",
                          "-e", "mux27010.controlchannel.frametype.command",
                          "-e", "mux27010.checksum_correct"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0|0xef|0x30|1"]   # 0x30: CLD type (5.4.6.3.3)


def test_fcs_receiver_check_ends_at_0xcf():
    header = bytes([0x03, 0x3F, 0x01])
    assert fcs(header) == 0x1C and fcs_ok(header, 0x1C) and not fcs_ok(header, 0x1D)


def test_uih_fcs_excludes_information_and_ui_includes_it():
    a = Frame(1, UIH, info=b"AT\r").encode()
    b = Frame(1, UIH, info=b"XY\r").encode()
    assert a[-2] == b[-2]
    assert Frame(1, UI, info=b"AT\r").encode()[-2] != Frame(1, UI, info=b"XY\r").encode()[-2]


def test_two_octet_length_round_trip():
    frame = Frame(3, UIH, cr=False, info=bytes(range(256)) * 2)  # 512 > 127 octets (5.2.1.5)
    wire = frame.encode()
    assert wire[3] & 1 == 0 and Deframer(n1=1600).feed(wire) == [frame]


@settings(max_examples=200, deadline=None)
@given(frames=st.lists(st.builds(Frame, st.integers(0, 61),
                                 st.sampled_from([SABM, UA, DISC, UIH]), st.booleans(),
                                 st.booleans(), st.binary(max_size=300)), max_size=6),
       garbage=st.lists(st.binary(max_size=20).map(lambda b: b[:1] and bytes([b[0] & 0xFE])
                                                    + b[1:]), max_size=7),
       cuts=st.lists(st.integers(0, 10**6), max_size=30))
def test_deframer_fuzz_garbage_and_splits(frames, garbage, cuts):
    """Frames separated by garbage without flags and split anywhere all come out, in order.
    The garbage's first octet (the one after the previous frame's closing flag, the only
    place a frame can start: the garbage has no flag) has EA 0, so it is no address octet
    (27.010 5.2.1.2); the rest is arbitrary. Garbage that happens to be a whole frame (an
    address with EA 1, a length, the right FCS and a flag where the length ends, which
    hypothesis found) is a frame to any deframer, not a fault of this one."""
    frames = [f if f.control == UIH else Frame(f.dlci, f.control, f.cr, f.pf) for f in frames]
    parts = []
    for i, f in enumerate(frames):
        junk = garbage[i].replace(b"\xf9", b"") if i < len(garbage) else b""
        parts += [junk, f.encode()]
    wire = b"".join(parts)
    points = sorted({c % (len(wire) + 1) for c in cuts} | {0, len(wire)})
    d = Deframer()
    out = [fr for a, b in pairwise(points) for fr in d.feed(wire[a:b])]
    assert out == frames


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400))
def test_deframer_survives_any_bytes(data):
    d = Deframer()
    d.feed(data)
    assert d.feed(Frame(1, UIH, info=b"OK").encode())[-1:] == [Frame(1, UIH, info=b"OK")]


def test_bad_fcs_is_dropped_and_counted():
    wire = bytearray(Frame(2, UIH, info=b"AT\r").encode())
    wire[-2] ^= 0xFF
    d = Deframer()
    assert d.feed(bytes(wire) + Frame(2, UIH, info=b"ok").encode()) == [Frame(2, UIH, info=b"ok")]
    assert d.stats["bad_fcs"] == 1


class Wire:
    """Two in-process ends of a byte pipe (transport stand-ins for two Mux objects)."""

    timebase = REALTIME

    def __init__(self):
        self.peer: Wire | None = None
        self.receiver = lambda data: None
        self.log = bytearray()

    def write(self, data: bytes) -> None:
        self.log += data
        threading.Thread(target=self.peer.receiver, args=(data,), daemon=True).start()

    def set_receiver(self, receiver):
        self.receiver = receiver

    def add_state_listener(self, listener):
        pass


def test_mux_session_open_engine_per_channel_and_close():
    host, module = Wire(), Wire()
    host.peer, module.peer = module, host
    initiator, responder = Mux(host), Mux(module, initiator=False)
    answered = []

    def answer(data: bytes, dlci: int) -> None:
        answered.append(dlci)
        responder.channel(dlci).write(f"\r\n+DLCI: {dlci}\r\n\r\nOK\r\n".encode())

    for dlci in (1, 2):
        responder.channel(dlci).set_receiver(lambda data, d=dlci: answer(data, d))
    initiator.open([1, 2], timeout_s=2.0)
    assert host.log.startswith(bytes.fromhex("f9033f011cf9"))
    engines = {d: AtEngine(initiator.channel(d)) for d in (1, 2)}
    assert engines[2].command("AT+X", timeout_s=2.0).lines == ("+DLCI: 2",)
    assert engines[1].command("AT+X", timeout_s=2.0).lines == ("+DLCI: 1",)
    initiator.close(timeout_s=2.0)
    assert CLOSE_DOWN in bytes(host.log)
    assert not responder.channel(1).open.is_set()


def test_sabm_refused_with_dm_or_unanswered_is_named():
    from at_bridge.cmux import DM
    from at_bridge.errors import ProtocolError, Timeout
    from tests.bridge.conftest import FakeChannel

    def refuse(data: bytes) -> list[bytes]:
        frame = Deframer().feed(data)[0]
        return [Frame(frame.dlci, DM, cr=True, pf=True).encode()] if frame.dlci == 3 else \
            [Frame(frame.dlci, UA, cr=True, pf=True).encode()]

    with pytest.raises(ProtocolError, match="SABM on DLCI 3 refused with DM"):
        Mux(FakeChannel(refuse)).open([3], timeout_s=1.0)
    with pytest.raises(Timeout, match="SABM on DLCI 0: no UA/DM within 0.05 s"):
        Mux(FakeChannel()).open([1], timeout_s=0.05)


def test_a_failing_channel_receiver_does_not_lose_the_next_frames():
    from tests.bridge.conftest import FakeChannel
    mux = Mux(FakeChannel(), initiator=False)
    got = []

    def broken(data: bytes) -> None:
        raise RuntimeError("receiver bug")

    mux.channel(1).set_receiver(broken)
    mux.channel(2).set_receiver(got.append)
    mux.feed(Frame(1, UIH, info=b"x").encode() + Frame(2, UIH, info=b"y").encode())
    assert got == [b"y"]

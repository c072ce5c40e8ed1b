"""BeiDou RDSS terminals (protocol 2.1 and BDS-3) over a pty: sentences with correct
checksums, card info, short messages between two terminals, the service-interval countdown,
message-length limits by card level, beams from the GEO elevations (docs/reference.md 4 and 5)."""
from __future__ import annotations

import math
import re
import time

import pytest

from ntnstack.terminals.beidou import (BDS2_LEVEL_BITS, BDS3_LEVEL_BITS, SEND_QUALITY_MIN,
                                       TIME_FIX_S, beam_power, checksum)
from ntnstack.terminals.families import family_spec
from ntnstack.terminals.link_view import FixedGeometryLink, GeoSlotsLink
from ntnstack.terminals.orbit_link import BEIDOU_GEO_LONS_DEG
from tests.terminals.conftest import REAL_TIMEOUT_S, TEST_SPEED, Client
from tests.terminals.test_registration import GEO_ALT_M

BEIJING = (39.9042, 116.4074, 50.0)
SENTENCE = re.compile(r"^\$([^*]*)\*([0-9A-F]{2})$")


class SentenceClient:
    """Writes $-sentences with their checksum, reads bodies and checks every checksum."""

    def __init__(self, path: str, clock=None) -> None:
        self.port = Client(path, clock)   # its byte accounting on the modules' clock
        self.buf = b""
        self.bodies: list[str] = []

    def send(self, body: str, csum: str | None = None) -> None:
        self.port.raw(f"${body}*{csum or checksum(body)}\r\n".encode("latin-1"))

    def pump(self) -> None:
        self.buf += self.port.read_some()
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.strip().decode("latin-1")
            m = SENTENCE.match(line)
            assert m, f"not a sentence: {line!r}"
            assert checksum(m.group(1)) == m.group(2), f"bad checksum from the module: {line}"
            self.bodies.append(m.group(1))

    def wait(self, pattern: str, timeout_s: float = REAL_TIMEOUT_S) -> re.Match:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for i, body in enumerate(self.bodies):
                m = rx.search(body)
                if m:
                    del self.bodies[:i + 1]
                    return m
            self.pump()
        raise AssertionError(f"no sentence matching {pattern!r}; saw {self.bodies[-5:]}")

    def close(self) -> None:
        self.port.close()


def geo_link():
    return GeoSlotsLink(BEIDOU_GEO_LONS_DEG, *BEIJING)


def client(rig, m) -> SentenceClient:
    rig.ready(m)
    c = SentenceClient(m.path, rig.host.clock)
    rig.clients.append(c)
    return c


def test_checksum_of_the_nmea_gll_example():
    # The GLL example of the NMEA 0183 sentence format as documented by gpsd: *31.
    assert checksum("GPGLL,4916.45,N,12311.12,W,225444,A") == "31"


def test_card_info_2_1(rig):
    m = rig.module("beidou-2.1", geo_link())
    rig.start()
    c = client(rig, m)
    c.send("CCICA,0,00")
    got = c.wait(r"^BDICI,(\d+),\d*,\d*,\d*,(\d+),(\d+),[EN],\d*$")
    card = family_spec("beidou-2.1").card
    assert got.groups() == (m.address, str(card["interval_s"]), str(card["level"]))


def test_short_message_2_1_between_terminals_and_rate_countdown(rig):
    a, b = rig.module("beidou-2.1", geo_link()), rig.module("beidou-2.1", geo_link())
    rig.start()
    ca, cb = client(rig, a), client(rig, b)
    text = "北斗短报文".encode("gb2312").hex().upper()
    ca.send(f"CCTXA,{b.address},1,0,{text}")
    assert ca.wait(r"^BDFKI,TXA,([YN]),([YN]),(\d),(\d+)$").groups() == ("Y", "Y", "0", "0000")
    got = cb.wait(r"^BDTXR,1,(\d+),(\d),\d*,([0-9A-F]+)$")
    assert got.groups() == (a.address, "0", text)
    ca.send(f"CCTXA,{b.address},1,0,{text}")
    first = ca.wait(r"^BDFKI,TXA,N,N,0,(\d+)$")
    interval = family_spec("beidou-2.1").card["interval_s"]
    wait1 = int(first.group(1))
    assert 0 < wait1 <= interval
    time.sleep(20 / TEST_SPEED)                # 20 emulated s
    ca.send(f"CCTXA,{b.address},1,0,{text}")
    wait2 = int(ca.wait(r"^BDFKI,TXA,N,N,0,(\d+)$").group(1))
    assert wait2 < wait1                       # the countdown runs
    time.sleep(wait2 / TEST_SPEED + 0.05)
    ca.send(f"CCTXA,{b.address},1,0,{text}")
    ca.wait(r"^BDFKI,TXA,Y,Y,0,0000$")


@pytest.mark.parametrize("coding,unit_bits,unit",
                         [("1", 4, "A"), ("0", 14, "中".encode("gb2312").hex())])
def test_length_limit_of_the_card_level_2_1(rig, coding, unit_bits, unit):
    limit = BDS2_LEVEL_BITS[family_spec("beidou-2.1").card["level"]]
    a, b = rig.module("beidou-2.1", geo_link()), rig.module("beidou-2.1", geo_link())
    rig.start()
    ca = client(rig, a)
    fits = limit // unit_bits
    ca.send(f"CCTXA,{b.address},1,{coding},{unit * (fits + 1)}")
    ca.wait(r"^BDFKI,TXA,N,Y,0,0000$")
    ca.send(f"CCTXA,{b.address},1,{coding},{unit * fits}")
    ca.wait(r"^BDFKI,TXA,Y,Y,0,0000$")


def test_beam_levels_from_the_geo_elevations_2_1(rig):
    link = geo_link()
    m = rig.module("beidou-2.1", link)
    rig.start()
    c = client(rig, m)
    c.send("CCRMO,BSI,2,1")
    got = c.wait(r"^BDBSI,(\d+),(\d+),((?:[0-4],){9}[0-4])$")
    levels = [int(x) for x in got.group(3).split(",")]
    els = link.elevations_deg
    assert levels == [beam_power(els[i % 3], link.min_elevation_deg)[0] for i in range(10)]
    assert int(got.group(1)) == levels.index(max(levels)) + 1
    c.send("CCRMO,BSI,1,0")


def test_bds3_pwi_time_then_card_and_message(virtual_rig):
    # the virtual clock: whether a $BDPWI falls before the time fix (5 s after power-on)
    # must not depend on how busy the machine is
    rig = virtual_rig
    a, b = rig.module("beidou-bds3", geo_link()), rig.module("beidou-bds3", geo_link())
    rig.start()
    ca, cb = client(rig, a), client(rig, b)
    ca.wait(r"^BDPWI,(?!000000\.00)\d{6}\.\d{2},(\d+)((?:,\d+,\d+)*)$")
    # Before the client opened the port: no time yet (the journal has every sentence).
    early = a.events("out BDPWI,000000.00")
    (boot_s, _), *_ = a.events("boot")
    assert early and all(t - boot_s < TIME_FIX_S for t, _ in early)
    ca.send("CCICR,0,00")
    assert ca.wait(r"^BDICP,(\d+),").group(1) == a.address
    ca.send(f"CCTCQ,{b.address},2,1,2,C0DE,0")
    ca.wait(r"^BDFKI,\d{6},TCQ,Y,0,0$")
    got = cb.wait(r"^BDTCI,(\d+),(\d+),(\d),(\d{6}),(\d),([0-9A-F]*)$")
    assert (got.group(1), got.group(2), got.group(5), got.group(6)) == \
        (a.address, b.address, "2", "C0DE")
    ca.send(f"CCTCQ,{b.address},2,1,2,C0DE,0")
    reason, wait = ca.wait(r"^BDFKI,\d{6},TCQ,N,(\d),(\d+)$").groups()
    assert reason == "1" and 0 < int(wait) <= family_spec("beidou-bds3").card["interval_s"]


def test_bds3_needs_a_beam_above_40(rig):
    low = FixedGeometryLink(GEO_ALT_M, 12.0)   # visible (>= 10 deg) but quality <= 40
    assert 0 < beam_power(12.0, 10.0)[1] <= SEND_QUALITY_MIN
    a = rig.module("beidou-bds3", low)
    rig.start()
    ca = client(rig, a)
    ca.send(f"CCTCQ,{a.address},2,1,2,AB,0")
    assert ca.wait(r"^BDFKI,\d{6},TCQ,N,(\d),(\d+)$").groups() == ("4", "0")


def test_bds3_global_card_limit_is_560_bits(rig):
    a = rig.module("beidou-bds3", geo_link())
    a.level = 1                                             # global service card
    rig.start()
    ca = client(rig, a)
    chars = "测" * (BDS3_LEVEL_BITS[1] // 14 + 1)          # 41 characters x 14 bits > 560
    ca.send(f"CCTCQ,{a.address},2,1,1,{chars.encode('gb2312').hex()},0")
    assert ca.wait(r"^BDFKI,\d{6},TCQ,N,(\d),")[1] == "6"
    ca.send(f"CCTCQ,{a.address},2,1,1,{chars[:-1].encode('gb2312').hex()},0")
    ca.wait(r"^BDFKI,\d{6},TCQ,Y,")


def test_bad_checksum_is_ignored(rig):
    m = rig.module("beidou-2.1", geo_link())
    rig.start()
    c = client(rig, m)
    good = checksum("CCICA,0,00")
    c.send("CCICA,0,00", csum=f"{int(good, 16) ^ 0xFF:02X}")
    c.send("CCICA,0,00")
    c.wait(r"^BDICI,")
    assert m.bad_checksums == 1
    assert not [b for b in c.bodies if b.startswith("BDICI")]


def test_beam_power_is_zero_below_the_mask():
    assert beam_power(math.nan, 10.0) == (0, 0)
    assert beam_power(9.9, 10.0) == (0, 0)


@pytest.mark.parametrize("family,foreign", [("beidou-bds3", "CCTXA,{dest},1,1,A1"),
                                            ("beidou-2.1", "CCTCQ,{dest},2,1,2,A1,0"),
                                            ("beidou-2.1", "CCICR,0,00")])
def test_each_protocol_ignores_the_other_protocols_sentences(rig, family, foreign):
    m = rig.module(family, geo_link())
    rig.start()
    c = client(rig, m)
    c.send(foreign.format(dest=m.address))
    c.send("CCICA,0,00" if family == "beidou-2.1" else "CCICR,0,00")
    c.wait(r"^BDIC[IP],")                      # answered in order, after the foreign one
    assert not m.events("out BDFKI") and len(m.events("out BDIC")) == 1
    assert m.events(f"unsupported sentence {foreign[:5]}")


@pytest.mark.parametrize("kind,info_type", [("0", "2"), ("1", "1")])
def test_express_and_normal_2_1_messages_keep_their_type(rig, kind, info_type):
    # $BDTXR type 1 normal, 2 express, time empty for both (docs/rigs.md: the $BDTXR table).
    a, b = rig.module("beidou-2.1", geo_link()), rig.module("beidou-2.1", geo_link())
    rig.start()
    ca, cb = client(rig, a), client(rig, b)
    ca.send(f"CCTXA,{b.address},{kind},1,C0DE")
    ca.wait(r"^BDFKI,TXA,Y,Y,0,0000$")
    got = cb.wait(r"^BDTXR,(\d),(\d+),(\d),(\d*),([0-9A-F]+)$")
    assert got.groups() == (info_type, a.address, "1", "", "C0DE")


def test_rmo_period_0_stops_the_stream(virtual_rig):
    rig = virtual_rig
    m = rig.module("beidou-2.1", geo_link())
    rig.start()
    c = client(rig, m)
    c.send("CCRMO,BSI,2,1")
    c.wait(r"^BDBSI,")
    c.send("CCRMO,BSI,2,0")
    c.send("CCICA,0,00")
    c.wait(r"^BDICI,")                         # the $CCRMO before it has been handled
    sent = len(m.events("out BDBSI"))
    rig.wait(10)
    assert len(m.events("out BDBSI")) == sent


@pytest.mark.parametrize("body", ["CCTCQ,{dest},2,1,2,C0DE", "CCTCQ,{dest},9,1,2,C0DE,0",
                                  "CCTCQ,{dest},2,1,7,C0DE,0", "CCTCQ,abc,2,1,2,C0DE,0"])
def test_malformed_tcq_is_a_format_error(rig, body):
    # Reason 11 "check error" of the public BDS-3 bridge document (transcripts/beidou-bds3_*).
    m = rig.module("beidou-bds3", geo_link())
    rig.start()
    c = client(rig, m)
    c.send(body.format(dest=m.address))
    assert c.wait(r"^BDFKI,\d{6},TCQ,N,(\d+),(\d+)$").groups() == ("11", "0")

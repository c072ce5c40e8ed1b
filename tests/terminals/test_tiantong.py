"""Tiantong: ^SIMST boot URC, +CREG with the GEO slot, AT+CMUX then 27.010 channels, and a
call between two virtual modules (RING, +CLIP, ATA, ATH -> NO CARRIER) inside the mux.
The client side of the mux is at_bridge.cmux, an independent implementation of 27.010."""
from __future__ import annotations

import re
import time

import pytest

from at_bridge import cmux as bridge_cmux
from ntnstack.terminals.link_view import FixedGeometryLink
from ntnstack.terminals.tiantong_calls import RING_PERIOD_S
from tests.terminals.conftest import FINAL, REAL_TIMEOUT_S, Client
from tests.terminals.test_registration import GEO_ALT_M

CONTROL, VOICE, SMS = 1, 2, 3   # channel plan of at_bridge/dialects/tiantong.yaml
CALL_URC = re.compile(r"^(RING|\+CRING: |\+CLIP: |\^(ORIG|CONF|CONN|CEND):)")
"""Unsolicited lines of a call (the URC table of tiantong.yaml), not part of a response."""


class MuxClient:
    """27.010 initiator over pyserial: one line buffer per DLCI."""

    def __init__(self, path: str, clock=None) -> None:
        self.port = Client(path, clock)   # its byte accounting on the modules' clock
        self.deframer = bridge_cmux.Deframer(1600)
        self.bufs: dict[int, bytes] = {}
        self.lines: dict[int, list[str]] = {}
        self.acks: list[tuple[int, int]] = []

    def send(self, dlci: int, control: int, info: bytes = b"", pf: bool = False) -> None:
        self.port.raw(bridge_cmux.Frame(dlci, control, cr=True, pf=pf, info=info).encode())

    def pump(self) -> None:
        for f in self.deframer.feed(self.port.read_some()):
            if f.control == bridge_cmux.UIH:
                buf = self.bufs.get(f.dlci, b"") + f.info
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    line = raw.strip().decode("latin-1")
                    if line:
                        self.lines.setdefault(f.dlci, []).append(line)
                self.bufs[f.dlci] = buf
            else:
                self.acks.append((f.dlci, f.control))

    def open(self, dlci: int) -> None:
        self.send(dlci, bridge_cmux.SABM, pf=True)
        self._until(lambda: (dlci, bridge_cmux.UA) in self.acks, f"UA for DLCI {dlci}")

    def _until(self, cond, what: str):
        deadline = time.monotonic() + REAL_TIMEOUT_S
        while time.monotonic() < deadline:
            got = cond()
            if got:
                return got
            self.pump()
        raise AssertionError(f"no {what}; lines {self.lines}")

    def cmd(self, dlci: int, text: str):
        self.lines[dlci] = []
        self.send(dlci, bridge_cmux.UIH, text.encode() + b"\r")

        def final():
            lines = self.lines.get(dlci, [])
            for i, line in enumerate(lines):
                if FINAL.match(line):
                    out = [x for x in lines[:i] if x != text and not CALL_URC.match(x)]
                    del lines[:i + 1]
                    return out, line
            return None
        return self._until(final, f"final result for {text} on DLCI {dlci}")

    def wait(self, dlci: int, pattern: str) -> re.Match:
        rx = re.compile(pattern)

        def match():
            lines = self.lines.get(dlci, [])
            for i, line in enumerate(lines):
                m = rx.search(line)
                if m:
                    del lines[:i + 1]
                    return m
            return None
        return self._until(match, f"{pattern} on DLCI {dlci}")


def wait_registered(c) -> None:
    """Poll +CREG? (the URC may come before the client enabled it after a boot)."""
    deadline = time.monotonic() + REAL_TIMEOUT_S
    while not c.cmd("AT+CREG?")[0][0].startswith("+CREG: 2,1,"):
        assert time.monotonic() < deadline, "no registration"
        c.pause(2.0)


def registered(rig, m):
    c = rig.client(m)
    assert c.cmd("AT+CREG=2")[1] == "OK"
    wait_registered(c)
    return c


def into_mux(c, m) -> MuxClient:
    assert c.cmd("AT+CMUX=0,0,5,1600") == ([], "OK")
    c.close()
    mux = MuxClient(m.path)
    for dlci in (0, CONTROL, VOICE, SMS):
        mux.open(dlci)
    for dlci in (CONTROL, VOICE, SMS):
        mux.cmd(dlci, "ATE0")
    return mux


def test_boot_urc_and_registration_with_the_geo_slot(rig):
    m = rig.module("tiantong")
    rig.start()
    c = registered(rig, m)
    assert c.cmd("AT+CFUN=1,1")[1] == "OK"
    c.wait(r"^\^SIMST: 1$")                                   # docs/reference.md 5
    assert c.cmd("AT+CREG?")[0] == ["+CREG: 0,2"]            # after boot: still searching
    c.cmd("AT+CREG=2")
    wait_registered(c)


def test_no_registration_when_the_geo_slot_is_below_the_mask(rig):
    m = rig.module("tiantong", FixedGeometryLink(GEO_ALT_M, 5.0))
    rig.start()
    c = rig.client(m)
    time.sleep(0.3)   # 30 emulated s at TEST_SPEED: longer than search + location update
    creg = [line for line in c.cmd("AT+CREG?")[0] if line.startswith("+CREG")]
    assert creg == ["+CREG: 0,2"]                            # the boot URC may arrive here too
    assert c.cmd("AT+CSQ")[0] == ["+CSQ: 99,99"]             # 27.007 8.5: not detectable


def test_tetype_applies_after_reboot(rig):
    m = rig.module("tiantong")
    rig.start()
    c = rig.client(m)
    before = c.cmd("AT^TETYPE?")[0]
    c.cmd("AT^TETYPE=2")
    assert c.cmd("AT^TETYPE?")[0] == before
    c.cmd("AT+CFUN=1,1")
    c.wait(r"^\^SIMST: 1$")
    assert c.cmd("AT^TETYPE?")[0] == ["^TETYPE: 2"]


def test_huawei_settings_are_kept(rig):
    m = rig.module("tiantong")
    rig.start()
    c = rig.client(m)
    assert c.cmd("AT^VOICEMODE=1")[1] == "OK"
    assert c.cmd("AT^VOICEMODE?")[0] == ["^VOICEMODE: 1"]
    assert c.cmd("AT^BAUD?")[0] == ["^BAUD: 115200"]


def test_channels_are_separate_inside_the_mux(rig):
    m = rig.module("tiantong")
    rig.start()
    mux = into_mux(registered(rig, m), m)
    assert mux.cmd(CONTROL, "AT+CGMI")[1] == "OK"
    mux.cmd(VOICE, "ATE1")
    mux.cmd(VOICE, "AT")
    mux.lines[CONTROL] = []
    mux.cmd(CONTROL, "AT")
    assert "AT" not in mux.lines[CONTROL]          # echo is per channel
    lines, final = mux.cmd(SMS, "AT+CSQ")
    assert final == "OK" and lines[0].startswith("+CSQ: ")


def test_call_between_two_modules_in_the_mux(rig):
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    ma, mb = into_mux(registered(rig, a), a), into_mux(registered(rig, b), b)
    mb.cmd(VOICE, "AT+CLIP=1")
    assert ma.cmd(VOICE, f"ATD{b.identity.msisdn};") == ([], "OK")
    ma.wait(VOICE, r"^\^ORIG:1,0$")
    mb.wait(VOICE, r"^RING$")
    clip = mb.wait(VOICE, r'^\+CLIP: "([^"]+)",145')
    assert clip.group(1) == a.identity.msisdn
    ma.wait(VOICE, r"^\^CONF:1$")
    assert ma.cmd(VOICE, "AT+CLCC")[0] == [f'+CLCC: 1,0,3,0,0,"{b.identity.msisdn}",145']
    assert mb.cmd(VOICE, "AT+CLCC")[0] == [f'+CLCC: 1,1,4,0,0,"{a.identity.msisdn}",145']
    assert mb.cmd(VOICE, "ATA") == ([], "OK")
    mb.wait(VOICE, r"^\^CONN:1,0$")
    ma.wait(VOICE, r"^\^CONN:1,0$")
    assert ma.cmd(VOICE, "AT+CLCC")[0][0].startswith("+CLCC: 1,0,0,")   # 27.007 7.18: active
    assert mb.cmd(VOICE, "ATH") == ([], "OK")
    ma.wait(VOICE, r"^\^CEND:1,\d+,\d+,\d+$")
    ma.wait(VOICE, r"^NO CARRIER$")
    assert ma.cmd(VOICE, "AT+CLCC") == ([], "OK")


def test_call_control_commands_of_27007(rig):
    """+CRC=1: +CRING: VOICE instead of RING (TS 27.007 6.11); +CHUP=? answers OK and leaves
    the call up (6.5); +VTS only in an active call (C.11; else +CME ERROR: 3); +CVHU=1: ATH
    is ignored with OK, +CHUP still ends the call (6.20)."""
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    ca, cb = registered(rig, a), registered(rig, b)
    for c in (ca, cb):
        c.cmd("AT+CMEE=1")
    assert ca.cmd("AT+VTS=1") == ([], "+CME ERROR: 3")
    assert cb.cmd("AT+CRC=1")[1] == "OK" and cb.cmd("AT+CRC?")[0] == ["+CRC: 1"]
    ca.cmd(f"ATD{b.identity.msisdn};")
    cb.wait(r"^\+CRING: VOICE$")
    assert "RING" not in cb.lines
    cb.cmd("ATA")
    ca.wait(r"^\^CONN:1,0$")
    assert ca.cmd("AT+CHUP=?") == ([], "OK")
    assert ca.cmd("AT+CLCC")[0][0].startswith("+CLCC: 1,0,0,")       # still active
    assert ca.cmd("AT+VTS=1") == ([], "OK") and ca.cmd('AT+VTS="#"') == ([], "OK")
    assert [x for _, x in a.events("dtmf")] == ["dtmf 1", "dtmf #"]
    assert ca.cmd("AT+VTS=X")[1] == "+CME ERROR: 50"
    assert ca.cmd("AT+CVHU=?")[0] == ["+CVHU: (0-2)"] and ca.cmd("AT+CVHU=1")[1] == "OK"
    assert ca.cmd("ATH") == ([], "OK")
    assert ca.cmd("AT+CLCC")[0][0].startswith("+CLCC: 1,0,0,")       # ATH ignored
    body, final = ca.cmd("AT+CHUP")
    assert final == "OK" and re.fullmatch(r"\^CEND:1,\d+,104,16", body[0])  # 16 normal clearing
    cb.wait(r"^NO CARRIER$")
    assert ca.cmd("AT+CLCC") == ([], "OK")


def test_call_to_a_busy_or_unknown_number(rig):
    a, b, c = rig.module("tiantong"), rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    ca, cb, cc = registered(rig, a), registered(rig, b), registered(rig, c)
    ca.cmd(f"ATD{b.identity.msisdn};")
    cb.wait("^RING$")
    cc.cmd(f"ATD{b.identity.msisdn};")
    cc.wait("^BUSY$")
    ca.cmd("ATH")
    cc.cmd("ATD+8610000000000;")
    cc.wait("^NO CARRIER$")


def test_call_to_a_module_without_voice_calls(virtual_rig):
    """An NB-IoT module has an MSISDN but no voice calls: the call ends as one to an unknown
    number (^CEND cause 1, unassigned number, TS 24.008 10.5.4.11; then NO CARRIER) and the
    NB-IoT module goes on answering."""
    a, b = virtual_rig.module("tiantong"), virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = registered(virtual_rig, a)
    assert ca.cmd(f"ATD{b.identity.msisdn};") == ([], "OK")
    ca.wait(r"^\^CEND:1,0,104,1$")
    ca.wait("^NO CARRIER$")
    assert virtual_rig.client(b).cmd("AT")[1] == "OK"


def test_a_call_to_its_own_number_is_busy(virtual_rig):
    """Dialling its own number: the callee is this module, busy with the call (^CEND cause
    17, user busy, TS 24.008 10.5.4.11; then BUSY), not an unassigned number."""
    a = virtual_rig.module("tiantong")
    virtual_rig.start()
    ca = registered(virtual_rig, a)
    assert ca.cmd(f"ATD{a.identity.msisdn};") == ([], "OK")
    ca.wait(r"^\^CEND:1,0,104,17$")
    ca.wait("^BUSY$")


def test_caller_hangs_up_before_the_call_arrives(virtual_rig):
    """ATH in the same write as ATD, so in the same emulated instant, before the set-up
    crossed the GEO hop: the caller's call ends (^CEND cause 16, normal clearing, TS 24.008
    10.5.4.11) and the callee never rings."""
    a, b = virtual_rig.module("tiantong"), virtual_rig.module("tiantong")
    virtual_rig.start()
    ca, cb = registered(virtual_rig, a), registered(virtual_rig, b)
    ca.raw(f"ATD{b.identity.msisdn};\rATH\r".encode())
    ca.wait(r"^\^CEND:1,0,104,16$")
    virtual_rig.wait(2 * RING_PERIOD_S)
    assert cb.cmd("AT+CLCC") == ([], "OK")
    assert not [line for line in cb.lines if CALL_URC.match(line)]


def test_sms_urc_goes_to_the_sms_channel(rig):
    from at_bridge import sms_pdu
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    ca = registered(rig, a)
    mb = into_mux(registered(rig, b), b)
    mb.cmd(SMS, "AT+CMGF=0")
    mb.cmd(SMS, "AT+CNMI=2,2,0,0,0")
    pdu, n = sms_pdu.submit_pdu(b.identity.msisdn, "天通")
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    mb.wait(SMS, r"^\+CMT: ,\d+$")
    assert sms_pdu.decode_deliver(mb.wait(SMS, "^[0-9A-F]+$").group(0)).text == "天通"


def test_registration_follows_the_slot_visibility(virtual_rig):
    from ntnstack.terminals.link_view import PassSchedule
    link = FixedGeometryLink(GEO_ALT_M, 30.0, passes=PassSchedule(600.0, 300.0, 100.0))
    m = virtual_rig.module("tiantong", link)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CREG=1")
    c.wait(r"^\+CREG: 1$")
    c.wait(r"^\+CREG: 2$")
    assert [t for t, x in m.events("satellite set")][0] == 400.0     # rise 100 + visible 300
    c.wait(r"^\+CREG: 1$")


def _network(rig, fn) -> None:
    """Run a network-side action on the module host thread."""
    rig.host.call_soon_threadsafe(fn)


def test_dual_mode_phone_falls_back_to_the_satellite_with_the_same_sim(virtual_rig):
    """Terrestrial cell first (+CREG with AcT 7, TS 27.007 7.3), then the cell goes: +CREG: 2
    after T310 and +CREG: 1 on the GEO beam (no AcT) after the beam search plus the
    location-update round trips, with the same IMSI and number."""
    from ntnstack.terminals import tiantong

    link = FixedGeometryLink(GEO_ALT_M, 30.0)
    m = virtual_rig.module("tiantong", link)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CREG=2")
    _network(virtual_rig, lambda: m.set_terrestrial_coverage(True))
    c.wait(r'^\+CREG: 1,"2B01","0A1B2C01",7$')               # tiantong.TERRESTRIAL_CELL
    assert c.cmd("AT+COPS?")[0] == ['+COPS: 0,2,"00101",7']
    ground = c.cmd("AT+CIMI")[0], c.cmd("AT+CNUM")[0]
    _network(virtual_rig, lambda: m.set_terrestrial_coverage(False))
    c.wait(r"^\+CREG: 2$")
    c.wait(r'^\+CREG: 1,"0001","01A2D001"$')                  # the GEO beam: no AcT
    assert (c.cmd("AT+CIMI")[0], c.cmd("AT+CNUM")[0]) == ground
    t_drop = m.events("network: terrestrial coverage off")[0][0]
    t_lost = m.events("registration 2")[-1][0]
    t_sky = m.events("registration 1")[-1][0]
    assert t_lost - t_drop == pytest.approx(tiantong.RADIO_LINK_FAILURE_S)
    rtt_s = link.sample(t_sky).rtt_s
    assert t_sky - t_lost == pytest.approx(
        m.search_s + tiantong.LOCATION_UPDATE_ROUND_TRIPS * rtt_s)


def test_no_sms_for_a_phone_that_lost_its_network(virtual_rig):
    """Terrestrial cell gone and no satellite fallback possible (slot below the mask): the
    phone is not registered, an SMS to its number is not delivered (no +CMT)."""
    from at_bridge import sms_pdu
    a = virtual_rig.module("tiantong")
    b = virtual_rig.module("tiantong", FixedGeometryLink(GEO_ALT_M, 5.0))  # below 10 deg
    virtual_rig.start()
    ca, cb = registered(virtual_rig, a), virtual_rig.client(b)
    cb.cmd("AT+CREG=2")
    cb.cmd("AT+CNMI=2,2,0,0,0")
    _network(virtual_rig, lambda: b.set_terrestrial_coverage(True))
    cb.wait(r'^\+CREG: 1,"2B01","0A1B2C01",7$')
    _network(virtual_rig, lambda: b.set_terrestrial_coverage(False))
    cb.wait(r"^\+CREG: 2$")
    pdu, n = sms_pdu.submit_pdu(b.identity.msisdn, "lost")
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    ca.wait(r"^\+CMGS: \d+$")
    virtual_rig.wait(5.0)
    assert b.events("network: sms from")[0][1].endswith("not delivered (not registered)")
    assert not b.events("urc +CMT") and not any(x.startswith("+CMT") for x in cb.lines)


def test_driver_packet_data_over_the_data_channel(rig, tmp_path):
    """at_bridge's Tiantong driver on the virtual module's pty: ^IPINIT / ^IPOPEN /
    ^IPSENDEX on DLCI 4, the echo back as ^IPDATA on DLCI 4; between two modules by IP."""
    from at_bridge.drivers import open_module
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    rig.ready(a)
    rig.ready(b)
    with open_module(a.path, "tiantong", log_path=tmp_path / "a.log") as da, \
            open_module(b.path, "tiantong") as db:
        da.power_on()
        db.power_on()
        assert da.attach(timeout_s=REAL_TIMEOUT_S).registered
        db.attach(timeout_s=REAL_TIMEOUT_S)
        payload = bytes(range(256))                 # every byte value survives the hex form
        da.send_data(payload)
        assert da.receive_data(timeout_s=REAL_TIMEOUT_S) == payload
        db.send_data(b"warm-up")                    # opens b's link (echo server)
        assert db.receive_data(timeout_s=REAL_TIMEOUT_S) == b"warm-up"
        data = da.engine_for("data")                # a's link 1 re-opened toward b's address
        assert data.command("AT^IPCLOSE=1").final == "OK"
        assert data.command(f'AT^IPOPEN=1,"UDP","{b.identity.ip}",7').final == "OK"
        da.send_data(b"to the peer")
        assert db.receive_data(timeout_s=REAL_TIMEOUT_S) == b"to the peer"
    sent = [x for t, k, x in a.journal if k == "event" and x.startswith("udp sent")]
    assert sent[-1] == f"udp sent 11 bytes to {b.identity.ip}:7"
    assert any(x.startswith("dlci 4 open") for t, k, x in a.journal if k == "event")


def test_driver_reads_an_sms_the_module_stored(rig):
    """AT+CNMI=2,1 (TS 27.005 3.4.1 <mt>=1): the module stores the SMS and sends +CMTI: "ME",
    <index> on the SMS channel; the driver reads it (+CMGR) and deletes it (+CMGD)."""
    import yaml

    from at_bridge import sms_pdu
    from at_bridge.dialect import load_dialect, parse_dialect
    from at_bridge.drivers import open_module
    with open(load_dialect("tiantong").source, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["commands"]["cnmi"]["send"] = "AT+CNMI=2,1,0,0,0"
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    ca = registered(rig, a)
    rig.ready(b)
    with open_module(b.path, "tiantong", dialect=parse_dialect(data, "cnmi-stores")) as db:
        db.power_on()
        db.attach(timeout_s=REAL_TIMEOUT_S)
        for text in ("first", "second"):
            pdu, n = sms_pdu.submit_pdu(b.identity.msisdn, text)
            ca.prompt(f"AT+CMGS={n}")
            ca.raw(pdu.encode() + b"\x1a")
            ca.wait(r"^\+CMGS: \d+$")
            sms = db.receive_sms(timeout_s=REAL_TIMEOUT_S)
            assert (sms.sender, sms.text) == (a.identity.msisdn, text)
    assert b.sms_store == {}                               # each read message was deleted
    urcs = [x for t, k, x in b.journal if k == "event" and x.startswith("urc +CMTI")]
    assert urcs == ['urc +CMTI: "ME",0', 'urc +CMTI: "ME",0']   # index 0 free again


def test_both_sides_report_the_call_duration_at_cend(virtual_rig):
    """^CEND:1,<call_duration>,... (HUAWEI MU509 AT specification, call control): the side
    whose far end released reports the duration of the same call too, not 0."""
    a, b = virtual_rig.module("tiantong"), virtual_rig.module("tiantong")
    virtual_rig.start()
    ca, cb = registered(virtual_rig, a), registered(virtual_rig, b)
    ca.cmd(f"ATD{b.identity.msisdn};")
    cb.wait("^RING$")
    cb.cmd("ATA")
    cb.wait(r"^\^CONN:1,0$")
    ca.wait(r"^\^CONN:1,0$")
    virtual_rig.wait(talk_s := 30.0)
    body, _ = cb.cmd("ATH")                          # ^CEND before the OK, as +CHUP's
    cend = [re.fullmatch(r"\^CEND:1,(\d+),104,16", line) for line in body]
    callee_s = int(next(m for m in cend if m).group(1))
    caller_s = int(ca.wait(r"^\^CEND:1,(\d+),104,16$").group(1))
    assert callee_s >= talk_s
    assert caller_s in (callee_s, callee_s + 1)     # the release reaches it one GEO hop later

"""Every driver operation of every family against a scripted module on a real pty.

Command lines and answers in these tables come from the manuals named in each dialect file
(TS 27.007 / 27.005 for the standard ones); they are written here by hand, not generated from
the dialect, so a wrong dialect entry fails the test.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml

from at_bridge.dialect import load_dialect, parse_dialect
from at_bridge.drivers import NotSupported, open_module
from at_bridge.errors import CmeError, CommandError, ModuleRebooted, Timeout
from at_bridge.sms_pdu import concat_udh, decode_submit, deliver_pdu, submit_pdus
from tests.bridge.scripted import AtResponder, MuxModule, SentenceModule

LAT, LON, ALT_M = 39.9042, 116.4074, 50.0   # Beijing: under the Tiantong / BeiDou GEO arc
SCTS = datetime(2026, 11, 22, 3, 0, 5, tzinfo=timezone(timedelta(hours=8)))
CEREG_URC = '+CEREG: 5,"1A2B","01A2B3C4",14'    # 27.007 10.1.22: roaming, AcT 14 (NB-S1 sat)
CEREG_READ = '+CEREG: 2,5,"1A2B","01A2B3C4",14'
NBNTN = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "nbntn-sierra"]
# Quectel GNSS application note, +QGPSLOC=2: UTC, lat, lon (degrees), HDOP, altitude (m), fix...
QGPSLOC = "+QGPSLOC: 030005.0,39.90420,116.40740,1.1,50.0,3,0.0,0.0,0.0,221126,08"
COMMON = {
    "AT": ["OK"], "ATE0": ["OK"], "AT+CMEE=1": ["OK"], "AT+CSCON=1": ["OK"],
    "AT+CGEREP=1": ["OK"], "AT+CRTDCP=1": ["OK"], "AT+CMGF=0": ["OK"],
    "AT+CNMI=2,2,0,0,0": ["OK"], "AT+CIMI": ["001010123456789", "OK"],
    "AT+CGSN": ["352656100367872", "OK"], "AT+CFUN=4": ["OK"], "AT+CFUN=0": ["OK"],
    "AT+CEREG?": lambda r, line: r.send_lines(
        CEREG_READ if "AT+CFUN=1" in r.lines else "+CEREG: 2,2", "OK"),  # 2: searching
    # 27.007 8.69: rsrq 20 -> [-10, -9.5) dB, rsrp 50 -> [-91, -90) dBm
    "AT+CESQ": ["+CESQ: 99,99,255,255,20,50", "OK"],
}


def attach_reply(r: AtResponder, line: str) -> None:
    r.send_lines("OK")
    r.later(0.05, "+CEREG: 2", "+CSCON: 1", CEREG_URC)


def nidd_reply(r: AtResponder, line: str) -> None:
    hexdata = line.split(",")[2].strip('"')
    r.send_lines("OK")
    r.later(0.05, f'+CRTDCP: 0,{len(hexdata) // 2},"{hexdata}"')


def cmgs_prompt(r: AtResponder, line: str) -> None:
    r.write(b"\r\n> ")


def sms_payload(r: AtResponder, pdu_hex: str) -> None:
    """Module takes the PDU, answers +CMGS: <mr>, then delivers the text back (echo peer)."""
    submit = decode_submit(pdu_hex)
    r.submits = [*getattr(r, "submits", []), submit]
    r.send_lines("+CMGS: 3", "OK")
    udh = concat_udh(*submit.concat) if submit.concat else b""
    pdu, n = deliver_pdu(submit.destination, submit.text, SCTS, ucs2=submit.dcs == 0x08, udh=udh)
    r.later(0.05, f"+CMT: ,{n}", pdu)


SCRIPTS = {
    "nbntn-generic": {
        "AT+CEREG=2": ["OK"], "AT+NTNLOCREQ=1": ["OK"],
        # EF_ICCID via +CRSM: nibble-swapped 89860012345678901234 (TS 31.102 4.2 EF_ICCID)
        "AT+CRSM=176,12258,0,0,10": ['+CRSM: 144,0,"98680021436587092143"', "OK"],
        "AT+CGMR": ["GENERIC-NTN-1.0", "OK"],
        'AT+NTNLOC="39.904200","116.407400","50.0",10': ["OK"],
        'AT+CSODCP=1,5,"68656C6C6F"': nidd_reply,
    },
    "nbntn-nordic": {
        "AT%XSYSTEMMODE=0,0,0,0,1": ["OK"], "AT%MDMEV=1": ["OK"], "AT%LOCATION=1": ["OK"],
        "AT%CELLULARPRFL=2,0,4,0": ["OK"], 'AT%XBANDLOCK=2,,"23,255,256"': ["OK"],
        "AT+CEREG=5": ["OK"], "AT%XICCID": ["%XICCID: 89860012345678901234", "OK"],
        "AT+CGMR": ["mfw_nrf9151-ntn_1.0.0", "OK"],
        'AT%LOCATION=2,"39.904200","116.407400","50.0",10,0': ["OK"],
        'AT+CSODCP=0,5,"68656C6C6F"': nidd_reply,
    },
    "nbntn-murata": {
        'AT%RATACT="NBNTN",1': ["OK"], 'AT%NOTIFYEV="SIB31",1': ["OK"], "AT+CEREG=2": ["OK"],
        "AT%CCID": ["%CCID: 89860012345678901234", "OK"], "AT+CGMR": ["RK_03_02_00_00_41563", "OK"],
        'AT%NTNEV="POSREQ",1': ["OK"],
        'AT%NTNCFG="POS","STAT","39.904200","116.407400","50.0"': ["OK"],
        'AT+CSODCP=1,5,"68656C6C6F"': nidd_reply,
    },
    "nbntn-quectel": {
        "AT+CEREG=2": ["OK"], 'AT+QICFG="dataformat",1,1': ["OK"],
        "AT+QCCID": ["+QCCID: 89860012345678901234", "OK"],
        "AT+QGMR": ["BG95S5LAR01A01_01.001.01.001", "OK"],
        'AT+QCFG="nwscanmode",3,1': ["OK"], 'AT+QCFG="iotopmode",3,1': ["OK"],
        'AT+QNWCFG="ntn_locfix",1,39.904200,116.407400,50.0': ["OK"],
        # the stored position applies after a reset: OK, then the boot banner
        "AT+CFUN=1,1": lambda r, line: (r.send_lines("OK"), r.later(0.05, "RDY")),
        "AT+QGPS=1": ["+CME ERROR: 504"],   # session ongoing: optional step
        "AT+QGPSLOC=2": [QGPSLOC, "OK"],
        # Quectel +QCSQ gives dBm / dB directly
        "AT+QCSQ": ['+QCSQ: "NBIoT",-85,-95,60,-11', "OK"],
        'AT+QIOPEN=1,0,"UDP","127.0.0.1",5683,0,0': lambda r, line: (
            r.send_lines("OK"), r.later(0.05, "+QIOPEN: 0,0")),
        # the UDP SERVICE form of +QIRD (remote IP and port after the length) also parses
        "AT+QIRD=0,1500": ['+QIRD: 5,"192.0.2.10",5683', "68656C6C6F", "OK"],
    },
    "nbntn-sierra": {
        "AT+KSRAT=3": ["OK"], 'AT+KNTNCFG="POS","MANUAL",0': ["OK"], "AT+CEREG=2": ["OK"],
        "AT+CCID": ["+CCID: 89860012345678901234", "OK"], "AT+CGMR": ["HL7812.5.7.3.0", "OK"],
        'AT+KNTNCMD="POS","39.904200","116.407400","50.0"': ["OK"],
        'AT+CSODCP=1,5,"68656C6C6F"': nidd_reply,
    },
}
SIGNALS = {"nbntn-quectel": (-95.0, -11.0)}


def nbntn_module(family: str, pty_peer):
    script = {**COMMON, **SCRIPTS[family], "AT+CFUN=1": attach_reply,
              "AT+CMGS=" + str(len(bytes.fromhex(_submit_hex())) - 1): cmgs_prompt}
    peer = pty_peer(raw=True)

    responder = AtResponder(peer.send, script, echo=family in ("nbntn-generic", "nbntn-murata",
                                                               "nbntn-quectel", "nbntn-sierra"),
                            on_payload=sms_payload)
    fixed = FixedLengthSend(responder)
    responder.script["AT+QISEND=0,5"] = fixed.prompt
    peer.handler = lambda p, data, term: fixed.feed(data.encode("latin-1"))
    return peer, responder


class FixedLengthSend:
    """Quectel AT+QISEND=<id>,<len> (TCP/IP Application Note): after "> " the module takes
    exactly <len> bytes of data (2 x <len> hex characters with dataformat 1) and sends them;
    no Ctrl-Z. A byte beyond them is a new command line (a stray Ctrl-Z would show there)."""

    def __init__(self, responder: AtResponder):
        self.responder, self.want, self.data = responder, 0, bytearray()

    def prompt(self, r: AtResponder, line: str) -> None:
        self.want = 2 * int(line.split(",")[1])
        r.write(b"\r\n> ")

    def feed(self, data: bytes) -> None:
        if self.want:
            take = data[:self.want - len(self.data)]
            self.data += take
            data = data[len(take):]
            if len(self.data) == self.want:
                self.responder.lines.append(self.data.decode("latin-1"))
                self.want, self.data = 0, bytearray()
                self.responder.send_lines("SEND OK")
                self.responder.later(0.05, '+QIURC: "recv",0')
        if data:
            self.responder.feed(data)


def _submit_hex() -> str:
    from at_bridge.sms_pdu import submit_pdu
    return submit_pdu("+8613800138000", "hello from orbit")[0]


@pytest.mark.parametrize("family", NBNTN)
def test_nbntn_every_operation(family, pty_peer, tmp_path):
    peer, module = nbntn_module(family, pty_peer)
    with open_module(peer.path, family, log_path=tmp_path / "raw.log") as m:
        m.power_on()
        ident = m.identity()
        assert (ident.imei, ident.imsi, ident.iccid) == ("352656100367872", "001010123456789",
                                                         "89860012345678901234")
        assert ident.firmware
        m.set_location(LAT, LON, ALT_M, 10.0)
        reg = m.attach(timeout_s=5)
        assert reg.registered and reg.act == 14 and reg.tac == "1A2B"
        assert m.registration().stat == 5
        sig = m.signal()
        assert (sig.rsrp_dbm, sig.rsrq_db) == SIGNALS.get(family, (-91.0, -10.0))
        m.send_data(b"hello")
        assert m.receive_data(timeout_s=5) == b"hello"
        assert m.send_sms("+8613800138000", "hello from orbit") == 3
        sms = m.receive_sms(timeout_s=5)
        assert (sms.sender, sms.text, sms.scts) == ("+8613800138000", "hello from orbit", SCTS)
        m.detach()
        with pytest.raises(NotSupported, match="dial"):
            m.dial("123")
        with pytest.raises(NotSupported, match="card_info"):
            m.card_info()
    assert "AT+CFUN=1" in module.lines
    assert (tmp_path / "raw.log").read_text().count(" out ") >= len(module.lines) - 1


def test_quectel_gnss_not_fixed_is_retried_per_dialect(pty_peer):
    """+CME ERROR: 516 (not fixed now) is retried as the table says; the table edit (retry
    delay) is a YAML change, not code."""
    peer, module = nbntn_module("nbntn-quectel", pty_peer)
    answers = iter([["+CME ERROR: 516"], ["+CME ERROR: 516"],
                    [QGPSLOC, "OK"]])
    module.script["AT+QGPSLOC=2"] = lambda r, line: r.send_lines(*next(answers))
    with open(load_dialect("nbntn-quectel").source, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["commands"]["qgpsloc"]["retry_delay_s"] = 0.01
    with open_module(peer.path, "nbntn-quectel", dialect=parse_dialect(data, "edited")) as m:
        assert m.run("gnss_fix")["lat"] == "39.90420"
    module.script["AT+QGPSLOC=2"] = ["+CME ERROR: 516"]
    data["commands"]["qgpsloc"]["retries"] = 1
    with open_module(peer.path, "nbntn-quectel", dialect=parse_dialect(data, "edited")) as m:
        with pytest.raises(CmeError) as e:
            m.run("gnss_fix")
        assert e.value.code == 516


def test_attach_without_registration_times_out_naming_the_urc(pty_peer):
    peer, module = nbntn_module("nbntn-nordic", pty_peer)
    module.script["AT+CFUN=1"] = lambda r, line: (r.send_lines("OK"), r.later(0.02, "+CEREG: 2"))
    with open_module(peer.path, "nbntn-nordic") as m, pytest.raises(Timeout, match="cereg"):
        m.attach(timeout_s=0.3)


# ---- Tiantong: CMUX with control / voice / SMS / data channels ---------------------------
def tiantong_module(pty_peer):
    peer = pty_peer(raw=True)
    control = {**COMMON, "AT+CREG=2": ["OK"], "AT^ICCID?": ["^ICCID: 89860012345678901234", "OK"],
               "AT+CGMR": ["TT-MODULE V1.2.3", "OK"], "AT+CSQ": ["+CSQ: 20,99", "OK"],
               "AT+CREG?": ['+CREG: 2,1,"2A3B","0001C2D3"', "OK"],
               "AT+CFUN=1": lambda r, line: (r.send_lines("OK"),
                                             r.later(0.05, '+CREG: 1,"2A3B","0001C2D3"'))}

    def dial(r, line):
        r.send_lines("OK")
        r.later(0.05, "^ORIG: 1,0", "^CONF: 1", "^CONN: 1,0")

    voice = {"AT": ["OK"], "ATE0": ["OK"], "AT+CLIP=1": ["OK"], "AT^VOICEMODE=1": ["OK"],
             "ATD+8617412345678;": dial, "ATD+8617400000000;": lambda r, line: (
                 r.send_lines("OK"), r.later(0.05, "^CEND: 1,0,104,17", "BUSY")),
             "ATA": ["OK"], "ATH": ["OK"],
             "AT+CLCC": ['+CLCC: 1,0,0,0,0,"+8617412345678",145', "OK"]}
    sms = {"AT": ["OK"], "ATE0": ["OK"], "AT+CMGF=0": ["OK"], "AT+CNMI=2,2,0,0,0": ["OK"],
           "AT+CMGS=" + str(len(bytes.fromhex(_submit_hex())) - 1): cmgs_prompt}
    def ipsendex(r, line):
        """Huawei ^IPSENDEX mode 1: hex characters in; the echo comes back as ^IPDATA."""
        hexdata = line.split(",")[2].strip('"')
        r.send_lines("^IPSENDEX: 1", "OK")
        r.later(0.05, f"^IPDATA: 1,{len(hexdata) // 2},{hexdata}")

    data = {"AT": ["OK"], "ATE0": ["OK"], 'AT^IPINIT=""': ["OK"],
            'AT^IPOPEN=1,"UDP","192.0.2.1",7': ["OK"], 'AT^IPSENDEX=1,1,"0102FF"': ipsendex}
    module = MuxModule(peer, control, {1: control, 2: voice, 3: sms, 4: data}, echo=True)
    peer.handler = module.feed
    return peer, module


def test_tiantong_every_operation_over_cmux(pty_peer, tmp_path):
    peer, module = tiantong_module(pty_peer)
    with open_module(peer.path, "tiantong", log_path=tmp_path / "tt.log") as m:
        peer.send("\r\n^SIMST: 1\r\n")   # late boot URC (REFERENCE 5)
        m.power_on()
        assert module.mux is not None and set(module.responders) == {1, 2, 3, 4}
        module.responders[3].on_payload = sms_payload
        assert m.identity().iccid == "89860012345678901234"
        assert m.attach(timeout_s=5).stat == 1
        assert m.registration().tac == "2A3B"
        assert m.signal().rssi_dbm == -73.0          # 27.007 8.5: -113 + 2*20 dBm
        m.dial("+8617412345678", timeout_s=5)
        assert m.calls()[0]["number"] == "+8617412345678"
        m.hang_up()
        with pytest.raises(CommandError, match="BUSY"):
            m.dial("+8617400000000", timeout_s=5)
        module.responders[2].later(0.05, "RING", '+CLIP: "+8617412345678",145')
        m.answer(timeout_s=5)
        assert m.send_sms("+8613800138000", "hello from orbit") == 3
        assert m.receive_sms(timeout_s=5).text == "hello from orbit"
        m.send_data(b"\x01\x02\xff")
        assert m.receive_data(timeout_s=5) == b"\x01\x02\xff"
        assert module.responders[4].lines[-3:] == [           # data on DLCI 4, link opened once
            'AT^IPINIT=""', 'AT^IPOPEN=1,"UDP","192.0.2.1",7', 'AT^IPSENDEX=1,1,"0102FF"']
        assert "ATD+8617412345678;" in module.responders[2].lines       # voice on DLCI 2
        assert any(line.startswith("AT+CMGS=") for line in module.responders[3].lines)  # SMS
        assert "AT+CSQ" in module.responders[1].lines                   # control on DLCI 1
        module.responders[1].script["AT+CFUN=1,1"] = module.reboot
        m.reset()                                     # through DLCI 1, back to raw AT
        assert m.mux is None
        m.power_on()                                  # multiplexer again
        assert m.signal().rssi_dbm == -73.0


# ---- BeiDou ------------------------------------------------------------------------------
def beidou_module(pty_peer, bds3: bool):
    peer = pty_peer(raw=True)

    def txa(mod, body):
        f = body.split(",")
        return ["BDFKI,TXA,Y,Y,0,0060", f"BDTXR,1,0245678,{f[3]},1230,{f[4]}"]

    def tcq(mod, body):
        f = body.split(",")
        return ["BDFKI,030005,TCQ,Y,0,60", f"BDTCI,0245678,{f[1]},2,030005,{f[4]},{f[5]}"]

    script = {"CCICA": lambda mod, body: ["BDICI,0245678,0000001,0299999,0,60,3,N,0"],
              "CCRMO": lambda mod, body: ["BDBSI,01,02,4,4,3,0,0,0,0,0,0,0"],
              "CCTXA": txa,
              "CCICR": lambda mod, body: ["BDICP,0245678,0000001,0299999,0,60,3"],
              "CCTCQ": tcq}
    module = SentenceModule(peer, script)
    peer.handler = module.feed
    return peer, module


@pytest.mark.parametrize("family", ["beidou-2.1", "beidou-bds3"])
def test_beidou_every_operation(family, pty_peer):
    peer, module = beidou_module(pty_peer, family == "beidou-bds3")
    with open_module(peer.path, family) as m:
        m.power_on()
        card = m.card_info()
        assert (card.address, card.interval_s, card.level) == (245678, 60, 3)
        for encoding, message, text in [("chinese", "北斗短报文", "北斗短报文"),
                                        ("code", b"\x12\x34", "1234"),
                                        ("mixed", "BD3 你好", "BD3 你好")]:
            fb = m.send_short_message("0245678", message, encoding)
            assert fb.accepted and fb.wait_s == 60
            got = m.receive_short_message(timeout_s=5)
            assert (got.sender, got.text, got.encoding) == ("0245678", text, encoding)
        with pytest.raises(NotSupported, match="attach"):
            m.attach()
    if family == "beidou-2.1":
        assert module.bodies[0] == "CCRMO,BSI,2,5"
        assert any(b.startswith("CCTXA,0245678,1,0,B1B1B6B7") for b in module.bodies)  # 北斗 GB2312


# ---- faults ---------------------------------------------------------------------------------
def test_reboot_mid_command_is_reported_then_power_on_resyncs(pty_peer):
    peer, module = nbntn_module("nbntn-nordic", pty_peer)
    module.script["AT+CGSN"] = lambda r, line: r.send_lines("Ready")   # rebooted, no answer
    with open_module(peer.path, "nbntn-nordic") as m:
        with pytest.raises(ModuleRebooted, match="AT\\+CGSN.*re-synced"):
            m.identity()
        assert module.lines[-1].startswith("ATE1E1")     # the driver re-aligned by itself
        module.script["AT+CGSN"] = ["352656100367872", "OK"]
        m.power_on()
        assert m.identity().imei == "352656100367872"
        assert m.urc("banner").line == "Ready"


def test_garbage_between_answers_is_survived_and_logged(pty_peer, tmp_path):
    peer, module = nbntn_module("nbntn-generic", pty_peer)
    noise = b"\x00\xff\xfe\x80garbage\x1b[0m"
    module.script["AT+CESQ"] = lambda r, line: (r.write(noise), r.send_lines(
        "+CESQ: 99,99,255,255,20,50", "OK"))
    with open_module(peer.path, "nbntn-generic", log_path=tmp_path / "raw.log") as m:
        assert m.signal().rsrp_dbm == -91.0
        assert m.engine.stats["garbage_bytes"] > 0
    from at_bridge.transport import read_raw_log
    got = b"".join(d for _, k, d in read_raw_log(tmp_path / "raw.log") if k == "in")
    assert noise in got


def test_port_vanishes_mid_session_and_the_driver_recovers(pty_peer, tmp_path):
    import time as _time
    peer = pty_peer(raw=True, link=tmp_path / "usb-Nordic_Thingy91X-if00")
    module = AtResponder(peer.send, dict(COMMON, **SCRIPTS["nbntn-nordic"],
                                         **{"AT+CEREG?": [CEREG_READ, "OK"]}))
    peer.handler = lambda p, data, term: module.feed(data.encode("latin-1"))
    with open_module(peer.path, "nbntn-nordic") as m:
        m.transport.poll_min_s = m.transport.poll_max_s = 0.02
        assert m.registration().stat == 5
        peer.vanish()
        deadline = _time.monotonic() + 3
        while m.transport.connected and _time.monotonic() < deadline:
            _time.sleep(0.01)
        with pytest.raises(ConnectionError):
            m.registration()
        peer.reappear()
        m.power_on()   # sync waits for the port to return
        assert m.registration().stat == 5


def test_attach_ignores_a_stale_registration_urc(pty_peer):
    """A +CEREG: 5 queued before attach() is not the answer to this CFUN=1 (base.py rule)."""
    import time as _time
    peer, module = nbntn_module("nbntn-nordic", pty_peer)
    module.script["AT+CFUN=1"] = ["OK"]
    with open_module(peer.path, "nbntn-nordic") as m:
        peer.send_lines(CEREG_URC)
        _time.sleep(0.1)
        with pytest.raises(Timeout, match="cereg"):
            m.attach(timeout_s=0.3)
        assert m.urc("cereg").fields["stat"] == "5"   # still queued, not lost


def test_long_sms_goes_as_concatenated_parts_and_comes_back_whole(pty_peer):
    """TS 23.040 9.2.3.24.1: 200 characters of Chinese text -> 3 UCS2 parts of <= 67."""
    text = "卫星短信测试" * 33 + "终"
    peer, module = nbntn_module("nbntn-generic", pty_peer)
    for _, n in submit_pdus("+8613800138000", text, ref=1):
        module.script[f"AT+CMGS={n}"] = cmgs_prompt
    module.on_payload = sms_payload
    with open_module(peer.path, "nbntn-generic") as m:
        m.power_on()
        assert m.send_sms("+8613800138000", text) == 3
        assert m.receive_sms(timeout_s=5).text == text
    assert [s.concat[1:] for s in module.submits] == [(3, 1), (3, 2), (3, 3)]


@pytest.mark.parametrize("length_delta, pdu_cut, match", [
    (1, 0, "announces .* but the TPDU after the SMSC address has"),   # 27.005 3.4.1 <length>
    (0, 4, "does not decode: TP-UDL 5 .* needs 5 octets"),            # PDU line cut short
])
def test_received_sms_that_does_not_add_up_is_a_protocol_error(pty_peer, length_delta,
                                                                pdu_cut, match):
    from at_bridge.errors import ProtocolError
    pdu, n = deliver_pdu("+8613800138000", "hello", SCTS)
    peer, module = nbntn_module("nbntn-generic", pty_peer)
    with open_module(peer.path, "nbntn-generic") as m:
        peer.send_lines(f"+CMT: ,{n + length_delta}", pdu[:len(pdu) - pdu_cut])
        with pytest.raises(ProtocolError, match=match):
            m.receive_sms(timeout_s=5)


def test_attach_returns_the_registration_a_module_already_has(pty_peer):
    """A module that registered by itself after boot (Tiantong does): attach reads +CEREG?
    first and returns that state without waiting for a registration URC that never comes."""
    peer, module = nbntn_module("nbntn-generic", pty_peer)
    module.script["AT+CEREG?"] = [CEREG_READ, "OK"]
    with open_module(peer.path, "nbntn-generic") as m:
        reg = m.attach(timeout_s=1)
        assert reg.registered and reg.act == 14 and reg.tac == "1A2B"
        assert "AT+CFUN=1" not in module.lines


@pytest.mark.parametrize("family", NBNTN)
def test_stored_sms_indication_is_read_and_deleted(family, pty_peer):
    """+CMTI: "SM",3 (TS 27.005 3.4.1, message stored) -> AT+CPMS="SM", AT+CMGR=3 (3.4.3:
    +CMGR: <stat>,[<alpha>],<length> and the PDU) -> AT+CMGD=3 (3.5.4)."""
    pdu, n = deliver_pdu("+8613800138000", "stored on the SIM", SCTS)
    peer, module = nbntn_module(family, pty_peer)
    module.script.update({'AT+CPMS="SM"': ["+CPMS: 1,20,1,20,1,20", "OK"],
                          "AT+CMGR=3": [f"+CMGR: 0,,{n}", pdu, "OK"], "AT+CMGD=3": ["OK"]})
    with open_module(peer.path, family) as m:
        peer.send_lines('+CMTI: "SM",3')
        sms = m.receive_sms(timeout_s=5)
        assert (sms.sender, sms.text, sms.scts) == ("+8613800138000", "stored on the SIM", SCTS)
    assert module.lines[-3:] == ['AT+CPMS="SM"', "AT+CMGR=3", "AT+CMGD=3"]


def test_stored_sms_whose_length_does_not_add_up_is_a_protocol_error(pty_peer):
    from at_bridge.errors import ProtocolError
    pdu, n = deliver_pdu("+8613800138000", "hello", SCTS)
    peer, module = nbntn_module("nbntn-generic", pty_peer)
    module.script.update({'AT+CPMS="ME"': ["+CPMS: 1,20,1,20,1,20", "OK"],
                          "AT+CMGR=0": [f"+CMGR: 0,,{n + 1}", pdu, "OK"], "AT+CMGD=0": ["OK"]})
    with open_module(peer.path, "nbntn-generic") as m:
        peer.send_lines('+CMTI: "ME",0')
        with pytest.raises(ProtocolError, match="AT\\+CMGR after .* announces"):
            m.receive_sms(timeout_s=5)

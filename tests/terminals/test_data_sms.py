"""Non-IP data (+CSODCP / +CRTDCP), vendor sockets and SMS in PDU mode between virtual
modules, through the modules' stack sessions (virtual clock: exact emulated times): uplink
and downlink NAS, paging of an idle module, +CMGS at the RP-ACK, +CMT at the SMS-DELIVER."""
from __future__ import annotations

import time

import pytest

from at_bridge import sms_pdu
from ntnstack.terminals.procedures import NtnTiming
from tests.terminals.conftest import REAL_TIMEOUT_S
from tests.terminals.test_registration import force_time, set_location
from tests.terminals.test_stack_timeline import urc_time
from tests.tolerances import ONE_MICROSECOND


def attached(rig, m, family="nbntn-generic", extra=()):
    c = rig.client(m)
    for cmd in ("AT+CMEE=1", "AT+CEREG=1", "AT+CRTDCP=1", "AT+CMGF=0", *extra):
        assert c.cmd(cmd)[1] == "OK", cmd
    set_location(c, family)
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$", 20)
    return c


def test_csodcp_from_idle_goes_through_the_stack_and_is_echoed_down_the_stack(virtual_rig):
    """From RRC idle the stack sends the data with a CONTROL PLANE SERVICE REQUEST after
    random access (docs/stack.md); the echo leaves the core when the data reached it and goes
    down as ESM DATA TRANSPORT to the still connected module (the inactivity timer restarts at
    the end of the procedure): S1 one way + the UE - eNB one way."""
    m = virtual_rig.module("nbntn-generic", timing=NtnTiming(rrc_inactivity_s=1.0))
    virtual_rig.start()
    c = attached(virtual_rig, m)
    c.cmd("AT+CSCON=1")
    force_time(virtual_rig, virtual_rig.host.now() + 2.0)   # past the 1 s inactivity release
    assert c.cmd("AT+CSCON?")[0][-1] == "+CSCON: 1,0"     # after the +CSCON: 0 URC
    assert [r.name for r in m.stack.session.results][-1] == "release"
    assert c.cmd('AT+CSODCP=1,4,"C0FFEE01"') == ([], "OK")      # OK = local acceptance only
    assert c.wait(r'^\+CRTDCP: 1,4,"C0FFEE01"$')
    session = m.stack.session
    data = [r for r in session.results if r.name == "data"][-1]
    assert data.name == "data" and data.ok
    assert [x.nas for x in data.messages if x.direction == "UL"][-1] == \
        "control-plane-service-request"
    sent = m.events("nidd sent 4 bytes")[-1][0]
    assert m.stack.t_s(data.start_unix_s) == pytest.approx(sent, abs=ONE_MICROSECOND)
    echo = [r for r in session.results if r.name == "data-mt"][-1]
    assert echo.ok and "paging_wait_s" not in echo.details and session.data_received == \
        [bytes.fromhex("C0FFEE01")]
    assert m.stack.t_s(echo.start_unix_s) == pytest.approx(sent + data.details["latency_s"],
                                                           abs=ONE_MICROSECOND)
    t_enb = echo.start_unix_s + session.core_delay_s
    assert echo.details["latency_s"] == pytest.approx(
        session.core_delay_s + session.cell.one_way_s(t_enb, session.ue_ecef),
        abs=ONE_MICROSECOND)
    took = m.events("nidd 4 bytes")[-1][0] - sent
    assert took == pytest.approx(data.details["latency_s"] + echo.details["latency_s"],
                                 abs=ONE_MICROSECOND)
    rtt = m.link_sample().rtt_s
    assert data.details["latency_s"] > 2 * rtt             # RAR + Msg4 round trips first


def test_data_to_an_idle_module_pages_it(virtual_rig):
    """NIDD from a to its idle peer b: b's MME holds the ESM DATA TRANSPORT and pages b
    (Paging-NB at b's paging occasion, TS 36.304 7.1, DRX cycle 2.56 s); b answers with random
    access and a CONTROL PLANE SERVICE REQUEST (mobile terminating), then gets the data:
    +CSCON: 1 at b's RRCConnectionSetup-NB, +CRTDCP when the data reaches b."""
    a = virtual_rig.module("nbntn-generic")
    b = virtual_rig.module("nbntn-nordic", timing=NtnTiming(rrc_inactivity_s=1.0))
    virtual_rig.network.pair(a, b)
    virtual_rig.start()
    ca = attached(virtual_rig, a)
    cb = attached(virtual_rig, b, "nbntn-nordic", extra=("AT+CSCON=1",))
    force_time(virtual_rig, virtual_rig.host.now() + 2.0)   # b released: RRC idle
    assert b.stack.session.rrc_state == "idle"
    ca.cmd('AT+CSODCP=1,3,"414243"')
    cb.wait(r'^\+CRTDCP: 1,3,"414243"$')
    up = [r for r in a.stack.session.results if r.name == "data"][-1]
    down = [r for r in b.stack.session.results if r.name == "data-mt"][-1]
    d = down.details
    assert down.ok and [x.rrc for x in down.messages][0] == "paging-r13"
    assert [x.nas for x in down.messages if x.direction == "UL" and x.nas][0] == \
        "control-plane-service-request"
    # the downlink leaves a's core when the uplink reached it
    assert down.start_unix_s == pytest.approx(up.end_unix_s, abs=ONE_MICROSECOND)
    assert 0 <= d["paging_wait_s"] < d["paging_cycle_s"] == 2.56
    assert b.events("nidd 3 bytes")[-1][0] == pytest.approx(
        b.stack.t_s(down.start_unix_s + d["latency_s"]), abs=ONE_MICROSECOND)
    setup = [x for x in down.messages if x.rrc == "rrcConnectionSetup-r13"][0]
    assert urc_time(b, "+CSCON: 1") == pytest.approx(b.stack.dl_arrival_s(setup.t_unix_s),
                                                     abs=ONE_MICROSECOND)


def test_csodcp_refused_when_not_registered_and_when_length_is_wrong(virtual_rig):
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    assert c.cmd('AT+CSODCP=1,2,"0102"')[1] == "+CME ERROR: 30"  # 27.007 9.2: no service
    assert c.cmd('AT+CSODCP=1,3,"0102"')[1] == "+CME ERROR: 50"  # length != data


def test_nidd_between_paired_modules_goes_to_the_peer(virtual_rig):
    a = virtual_rig.module("nbntn-generic")
    b = virtual_rig.module("nbntn-nordic")
    virtual_rig.network.pair(a, b)
    virtual_rig.start()
    ca = attached(virtual_rig, a)
    cb = attached(virtual_rig, b, "nbntn-nordic")
    ca.cmd('AT+CSODCP=1,3,"414243"')
    cb.wait(r'^\+CRTDCP: 1,3,"414243"$')
    assert not [x for x in ca.pending if x.startswith("+CRTDCP")]


def test_sms_pdu_to_another_module_arrives_as_cmt(virtual_rig):
    """MO SMS from a over its stack (+CMGS when the RP-ACK reaches a), on at the SMSC to b
    over b's stack (+CMT when the CP-DATA(RP-DATA) reaches b); the TPDU at a's SMSC is the
    one the host typed, with the module's TP-MR."""
    a = virtual_rig.module("nbntn-quectel")
    b = virtual_rig.module("nbntn-murata")
    virtual_rig.start()
    ca = attached(virtual_rig, a, "nbntn-quectel")
    cb = attached(virtual_rig, b, "nbntn-murata", extra=("AT+CNMI=2,2,0,0,0",))
    pdu, n = sms_pdu.submit_pdu(b.identity.msisdn, "hello from orbit")
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    mr = int(ca.wait(r"^\+CMGS: (\d+)$").group(1))
    length = int(cb.wait(r"^\+CMT: ,(\d+)$").group(1))
    body = cb.wait(r"^[0-9A-F]+$").group(0)
    got = sms_pdu.decode_deliver(body)
    assert (got.sender, got.text) == (a.identity.msisdn, "hello from orbit")
    assert length == len(bytes.fromhex(body)) - 1 - bytes.fromhex(body)[0]
    mo = [r for r in a.stack.session.results if r.name == "sms"][-1]
    typed = bytes.fromhex(pdu)[1:]
    assert a.stack.session.mme.context(a.identity.imsi).mo_sms[-1] == \
        typed[:1] + bytes([mr]) + typed[2:]
    assert a.events(f"sms rp-ack mr {mr}")[-1][0] == pytest.approx(
        a.stack.t_s(mo.end_unix_s), abs=ONE_MICROSECOND)          # +CMGS written then
    mt = [r for r in b.stack.session.results if r.name == "sms-mt"][-1]
    assert mt.start_unix_s == pytest.approx(mo.details["smsc_rx_unix_s"], abs=ONE_MICROSECOND)
    assert b.events("sms from ")[-1][0] == pytest.approx(          # +CMT written then
        b.stack.t_s(mt.start_unix_s + mt.details["latency_s"]), abs=ONE_MICROSECOND)


def test_sms_from_idle_goes_in_the_control_plane_service_request(virtual_rig):
    """An idle module's MO SMS: random access, then CONTROL PLANE SERVICE REQUEST with the
    CP-DATA(RP-DATA) in its NAS message container (TS 24.301 5.6.1.2.2); +CMGS when the
    RP-ACK arrives, 3 round trips (RAR, Msg4, RP-ACK) after the command."""
    a = virtual_rig.module("nbntn-generic", timing=NtnTiming(rrc_inactivity_s=1.0))
    virtual_rig.start()
    ca = attached(virtual_rig, a, extra=("AT+CNMI=2,2,0,0,0",))
    force_time(virtual_rig, virtual_rig.host.now() + 2.0)
    assert a.stack.session.rrc_state == "idle"
    pdu, n = sms_pdu.submit_pdu("+8610086", "from idle")      # nobody owns it: echoed back
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    ca.wait(r"^\+CMGS: \d+$")
    ca.wait(r"^\+CMT: ,\d+$")
    assert sms_pdu.decode_deliver(ca.wait(r"^[0-9A-F]+$").group(0)).text == "from idle"
    mo = [r for r in a.stack.session.results if r.name == "sms"][-1]
    assert mo.ok and mo.round_trips == 3
    assert [x.nas for x in mo.messages if x.direction == "UL" and x.nas][0] == \
        "control-plane-service-request"
    sent = a.events("sms rp-ack mr ")[-1][0] - mo.details["latency_s"]
    assert a.stack.t_s(mo.start_unix_s) == pytest.approx(sent, abs=ONE_MICROSECOND)


def test_sms_to_a_module_without_service_is_refused(virtual_rig):
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(a)
    c.cmd("AT+CMGF=0")
    pdu, n = sms_pdu.submit_pdu("+8610086", "no service")
    c.prompt(f"AT+CMGS={n}")
    c.raw(pdu.encode() + b"\x1a")
    c.wait(r"^\+CMS ERROR: 331$")                   # TS 27.005 3.2.5: no network service


def test_sms_stored_with_cmti_then_read_listed_deleted(virtual_rig):
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = attached(virtual_rig, a, extra=("AT+CNMI=2,1,0,0,0",))
    pdu, n = sms_pdu.submit_pdu("+8610086", "echo me")  # nobody owns it: echoed back
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    index = ca.wait(r'^\+CMTI: "ME",(\d+)$').group(1)
    lines, final = ca.cmd(f"AT+CMGR={index}")
    assert final == "OK" and lines[0].startswith("+CMGR: 0,,")
    assert sms_pdu.decode_deliver(lines[1]).text == "echo me"
    lines, _ = ca.cmd("AT+CMGL=4")
    assert lines[0].startswith(f"+CMGL: {index},1,,")     # now read (27.005 3.1 <stat> 1)
    assert ca.cmd(f"AT+CMGD={index}") == ([], "OK")
    assert ca.cmd(f"AT+CMGR={index}")[1] == "+CMS ERROR: 321"  # 27.005 3.2.5 invalid index


def test_sms_prompt_escape_cancels(virtual_rig):
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = attached(virtual_rig, a)
    ca.prompt("AT+CMGS=20")
    ca.raw(b"0011\x1b")
    ca.wait("^OK$")
    assert not a.events("sms to")


@pytest.mark.parametrize("service, connect_id, qird", [
    ("UDP", 0, "+QIRD: 3"),
    ("UDP SERVICE", 1, '+QIRD: 3,"192.0.2.7",5683'),
])
def test_quectel_udp_socket_echo(virtual_rig, service, connect_id, qird):
    """A "UDP" socket reads +QIRD: <len> then the data; a "UDP SERVICE" socket
    +QIRD: <len>,"<remoteIP>",<remote_port> (TCP/IP Application Note, AT+QIRD); +QISEND takes
    exactly <len> bytes (hex: dataformat 1,1)."""
    q = virtual_rig.module("nbntn-quectel")
    virtual_rig.start()
    c = attached(virtual_rig, q, "nbntn-quectel", extra=('AT+QICFG="dataformat",1,1',))
    assert c.cmd(f'AT+QIOPEN=1,{connect_id},"{service}","192.0.2.7",5683,0,0')[1] == "OK"
    c.wait(rf"^\+QIOPEN: {connect_id},0$")
    c.prompt(f"AT+QISEND={connect_id},3")
    c.raw(b"616263")
    c.wait("^SEND OK$")
    c.wait(rf'^\+QIURC: "recv",{connect_id}$')
    assert c.cmd(f"AT+QIRD={connect_id},1500") == ([qird, "616263"], "OK")


def test_murata_socket_echo(virtual_rig):
    m = virtual_rig.module("nbntn-murata")
    virtual_rig.start()
    c = attached(virtual_rig, m, "nbntn-murata")
    lines, _ = c.cmd('AT%SOCKETCMD="ALLOCATE",0,"UDP","OPEN","192.0.2.7",5683')
    sid = lines[0].split(":")[1]
    assert c.cmd(f'AT%SOCKETCMD="ACTIVATE",{sid}')[1] == "OK"
    assert c.cmd(f'AT%SOCKETDATA="SEND",{sid},2,"BEEF"')[0] == [f"%SOCKETDATA:{sid},2"]
    c.wait(rf"^%SOCKETEV:1,{sid}$")
    lines, _ = c.cmd(f'AT%SOCKETDATA="RECEIVE",{sid},1500')
    assert lines[0].startswith(f'%SOCKETDATA:{sid},2,0,"BEEF"')


def quectel_udp_socket(rig, extra=()):
    """A registered Quectel module with UDP socket 0 open toward a host nobody owns (each
    datagram is echoed back); its client with echo off."""
    q = rig.module("nbntn-quectel")
    rig.start()
    c = attached(rig, q, "nbntn-quectel", extra=("ATE0", *extra))
    assert c.cmd('AT+QIOPEN=1,0,"UDP","192.0.2.7",5683,0,0')[1] == "OK"
    c.wait(r"^\+QIOPEN: 0,0$")
    return q, c


def quectel_echo(c, payload: bytes) -> None:
    c.prompt(f"AT+QISEND=0,{len(payload)}")
    c.raw(payload)
    c.wait("^SEND OK$")
    c.wait(r'^\+QIURC: "recv",0$')


def test_quectel_qird_query_keeps_the_data_and_read_length_is_honoured(virtual_rig):
    """BG95 TCP/IP Application Note, AT+QIRD: <read_length> 0 queries
    +QIRD: <total_receive_length>,<have_read_length>,<unread_length> and reads nothing (the
    query TinyGSM's BG96/BG95 driver makes for available()); a read returns at most
    <read_length> octets, the rest stays for the next read."""
    q, c = quectel_udp_socket(virtual_rig)
    quectel_echo(c, b"wxyz")
    assert c.cmd("AT+QIRD=0,0") == (["+QIRD: 4,0,4"], "OK")
    assert c.cmd("AT+QIRD=0,0") == (["+QIRD: 4,0,4"], "OK")          # still unread
    assert c.cmd("AT+QIRD=0,3") == (["+QIRD: 3", "wxy"], "OK")
    assert c.cmd("AT+QIRD=0,0") == (["+QIRD: 4,3,1"], "OK")
    assert c.cmd("AT+QIRD=0") == (["+QIRD: 1", "z"], "OK")            # default 1500
    assert c.cmd("AT+QIRD=0,0") == (["+QIRD: 4,4,0"], "OK")
    assert c.cmd("AT+QIRD=0") == (["+QIRD: 0"], "OK")
    c.cmd("AT+CMEE=1")
    assert c.cmd("AT+QIRD=0,1501")[1] == "+CME ERROR: 50"              # range 0-1500


def test_quectel_qird_payload_follows_the_header_after_one_crlf(virtual_rig):
    """AT+QIRD: ``+QIRD: <len><CR><LF><data>`` then OK (TCP/IP Application Note): a reader
    that takes <len> raw octets after the header's LF (TinyGSM's modemRead) gets the
    datagram, binary octets included."""
    q, c = quectel_udp_socket(virtual_rig)
    payload = b"\x00\r\n\xff\x1ab"
    quectel_echo(c, payload)
    answer = c.raw_answer("AT+QIRD=0,1500")
    assert answer == b"\r\n+QIRD: 6\r\n" + payload + b"\r\n\r\nOK\r\n"
    after_header = answer.split(b"+QIRD: ", 1)[1]
    length, rest = after_header.split(b"\n", 1)
    assert rest[:int(length)] == payload


def test_quectel_qisend_query_variable_length_and_maximum(virtual_rig):
    """BG95 TCP/IP Application Note, AT+QISEND: <send_length> 0 queries
    +QISEND: <total_send_length>,<ackedbytes>,<unackedbytes> without a prompt; without
    <send_length> the data ends with Ctrl-Z; <send_length> is 0-1460."""
    q, c = quectel_udp_socket(virtual_rig)
    c.cmd("AT+CMEE=1")
    assert c.cmd("AT+QISEND=0,0") == (["+QISEND: 0,0,0"], "OK")
    assert c.cmd("AT") == ([], "OK")                  # no prompt left open by the query
    assert c.cmd("AT+QISEND=0,1461")[1] == "+CME ERROR: 50"
    assert c.cmd("AT") == ([], "OK")
    c.prompt("AT+QISEND=0")
    c.raw(b"hello\x1a")
    c.wait("^SEND OK$")
    c.wait(r'^\+QIURC: "recv",0$')
    assert c.cmd("AT+QIRD=0") == (["+QIRD: 5", "hello"], "OK")
    assert c.cmd("AT+QISEND=0,0") == (["+QISEND: 5,0,0"], "OK")


def stored_echo(rig):
    """A registered generic module that stores SMS (+CNMI <mt> 1) and holds the echo of one
    it sent to a number nobody owns: (module, client, index)."""
    a = rig.module("nbntn-generic")
    rig.start()
    ca = attached(rig, a, extra=("ATE0", "AT+CNMI=2,1,0,0,0"))
    pdu, n = sms_pdu.submit_pdu("+8610086", "echo me")
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    return a, ca, ca.wait(r'^\+CMTI: "ME",(\d+)$').group(1)


def test_cmgr_and_cmgl_put_the_pdu_one_crlf_after_the_header(virtual_rig):
    """TS 27.005 3.4.3 / 3.4.2 (PDU mode) ``+CMGR: <stat>,[<alpha>],<length><CR><LF><pdu>``
    and ``+CMGL: ...<length><CR><LF><pdu>``; text mode likewise with the text (4.x): no
    empty line between, as +CMT (3.4.1)."""
    a, ca, index = stored_echo(virtual_rig)
    _, pdu, n = a.sms_store[int(index)]
    assert ca.raw_answer(f"AT+CMGR={index}") == \
        f"\r\n+CMGR: 0,,{n}\r\n{pdu}\r\n\r\nOK\r\n".encode()
    assert ca.raw_answer("AT+CMGL=4") == \
        f"\r\n+CMGL: {index},1,,{n}\r\n{pdu}\r\n\r\nOK\r\n".encode()
    ca.cmd("AT+CMGF=1")
    text = ca.raw_answer(f"AT+CMGR={index}")
    assert text.startswith(b'\r\n+CMGR: "REC READ","+')
    assert text.endswith(b'"\r\necho me\r\n\r\nOK\r\n')


def test_no_urc_while_the_client_types_after_the_prompt(virtual_rig):
    """TS 27.005 3.4.1 (+CNMI <mode> 2: result codes buffered while the TA-TE link is
    reserved): the +CMT of an SMS that arrives while a +CMGS entry is open comes after the
    command's final result, never between "> " and the PDU."""
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = attached(virtual_rig, a, extra=("ATE0", "AT+CNMI=2,2,0,0,0"))
    pdu, n = sms_pdu.submit_pdu("+8610086", "first")      # nobody owns it: echoed back
    ca.prompt(f"AT+CMGS={n}")
    ca.raw(pdu.encode() + b"\x1a")
    ca.wait(r"^\+CMGS: \d+$")
    ca.prompt(f"AT+CMGS={n}")
    assert not a.events("sms from")                 # the echo is still on its way
    seen, deadline = ca.buf, time.monotonic() + REAL_TIMEOUT_S
    while not a.events("sms from") and time.monotonic() < deadline:
        seen += ca.read_some()                      # emulated time runs while the test reads
    assert a.events("sms from"), "the echo did not reach the module"
    seen += ca.read_some()
    assert b"+CMT" not in seen
    ca.buf = seen
    ca.raw(pdu.encode() + b"\x1a")
    ca.wait(r"^\+CMGS: \d+$")                       # the entry's result first (at the RP-ACK)
    ca.wait("^OK$")
    ca.wait(r"^\+CMT: ,\d+$")
    assert sms_pdu.decode_deliver(ca.wait(r"^[0-9A-F]+$").group(0)).text == "first"


def test_text_mode_sms_takes_the_csmp_parameters(virtual_rig):
    """TS 27.005 3.3.2: +CSMP <fo>, <vp>, <pid>, <dcs> are used for an SMS sent in text
    mode; with an 8-bit or UCS2 <dcs> the text is hex of the octets (3.5.1). The received
    copy keeps the DCS and PID, decoded by python-gsmmodem's PDU reader as well."""
    gsm_pdu = pytest.importorskip("gsmmodem.pdu")      # a test dependency (pyproject [test])
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = attached(virtual_rig, a, extra=("ATE0", "AT+CNMI=2,1,0,0,0"))
    me = a.identity.msisdn
    sent = [("AT+CSMP=17,167,0,8", "卫星".encode("utf-16-be").hex().upper(), 0x08, "卫星"),
            ("AT+CSMP=49,11,0,16", "class 0", 0x10, "class 0")]
    ca.cmd("AT+CMGF=1")
    for csmp, typed, dcs, text in sent:
        assert ca.cmd(csmp)[1] == "OK"
        ca.prompt(f'AT+CMGS="{me}"')
        ca.raw(typed.encode() + b"\x1a")
        index = ca.wait(r'^\+CMTI: "ME",(\d+)$').group(1)
        _, pdu, _ = a.sms_store[int(index)]
        assert sms_pdu.decode_deliver(pdu).dcs == dcs
        assert gsm_pdu.decodeSmsPdu(pdu)["text"] == text
    sub, tpdu = a.text_submit(me, b"class 0")             # the last +CSMP: 49,11,0,16
    assert tpdu[0] == 49 and (sub.pid, sub.dcs) == (0, 0x10)   # SRR + relative VP (23.040)
    da_octets = 2 + (len(me.lstrip("+")) + 1) // 2        # length, type, BCD digits (9.1.2.5)
    assert tpdu[2 + da_octets + 2] == 11                  # TP-VP after MR, DA, PID, DCS


def test_text_mode_addresses_and_text_in_the_cscs_character_set(virtual_rig):
    """TS 27.005 3.1: <da> / <oa> are "converted to characters of the currently selected TE
    character set" (+CSCS, TS 27.007 5.5): with "UCS2" the number is hex of UTF-16 both ways.
    A 7-bit text shows in the +CSCS set: "GSM" gives the default alphabet's codes (TS 23.038
    6.2.1: Ü 0x5E, ö 0x7C, é 0x05), "IRA" '?' for what it lacks; a UCS2 text shows as hex
    of its octets whatever the set (3.1 <data>)."""
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    ca = attached(virtual_rig, a, extra=("ATE0", "AT+CNMI=2,2,0,0,0", "AT+CMGF=1"))
    ucs2 = lambda text: text.encode("utf-16-be").hex().upper()     # noqa: E731
    me = a.identity.msisdn
    assert ca.cmd('AT+CSCS="UCS2"')[1] == "OK"
    ca.prompt(f'AT+CMGS="{ucs2(me)}"')
    ca.raw(ucs2("Aé").encode() + b"\x1a")
    assert ca.wait(r'^\+CMT: "([0-9A-F]+)",,').group(1) == ucs2(me)
    assert ca.wait(r"^[0-9A-F]+$").group(0) == ucs2("Aé")
    ca.cmd("AT+CNMI=2,1,0,0,0")
    stored = {}
    for text in ("Üöé!", "☺"):                      # 7-bit (23.038 6.2.1), then UCS2
        ca.prompt(f'AT+CMGS="{ucs2(me)}"')
        ca.raw(ucs2(text).encode() + b"\x1a")
        stored[text] = ca.wait(r'^\+CMTI: "ME",(\d+)$').group(1)
    shown = {("GSM", "Üöé!"): b"\x5e\x7c\x05!", ("IRA", "Üöé!"): b"???!",
             ("GSM", "☺"): b"263A", ("IRA", "☺"): b"263A"}
    for (charset, text), data in shown.items():
        assert ca.cmd(f'AT+CSCS="{charset}"')[1] == "OK"
        answer = ca.raw_answer(f"AT+CMGR={stored[text]}")
        assert answer.startswith(b'\r\n+CMGR: "REC ') and f'","{me}",,'.encode() in answer
        assert answer.endswith(b"\r\n" + data + b"\r\n\r\nOK\r\n"), (charset, text, answer)


def test_csdh_shows_the_text_mode_header_details(virtual_rig):
    """TS 27.005 3.3.3 +CSDH=1: +CMGR (3.4.3) adds ,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,
    <length>, a +CMGL entry (3.4.2) ,<tooa>,<length>; +CSDH=0 (the default) shows neither.
    <fo> 4: SMS-DELIVER with TP-MMS set (TS 23.040 9.2.3.2); 145: international number."""
    a, ca, index = stored_echo(virtual_rig)
    ca.cmd("AT+CMGF=1")
    assert ca.cmd("AT+CSDH?")[0] == ["+CSDH: 0"] and ca.cmd("AT+CSDH=?")[0] == ["+CSDH: (0,1)"]
    assert ca.cmd(f"AT+CMGR={index}")[0][0].endswith('+00"')
    assert ca.cmd("AT+CSDH=1")[1] == "OK"
    header = ca.cmd(f"AT+CMGR={index}")[0][0]
    assert header.endswith('+00",145,4,0,0,"+8613800000000",145,7'), header   # "echo me"
    listed = ca.cmd('AT+CMGL="ALL"')[0][0]
    assert listed.endswith('+00",145,7'), listed


def test_quectel_udp_service_sends_to_the_address_given(virtual_rig):
    """TCP/IP Application Note: a "UDP SERVICE" socket opened as its example does (remote
    "127.0.0.1", port 0, local port 3030); AT+QISEND=<id>,<len>,<remoteIP>,<remote_port>
    sends to that address (here an echo, so +QIRD names it)."""
    q = virtual_rig.module("nbntn-quectel")
    virtual_rig.start()
    c = attached(virtual_rig, q, "nbntn-quectel", extra=("ATE0",))
    assert c.cmd('AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,3030,0')[1] == "OK"
    c.wait(r"^\+QIOPEN: 2,0$")
    c.prompt('AT+QISEND=2,2,"192.0.2.9",7')
    c.raw(b"hi")
    c.wait("^SEND OK$")
    c.wait(r'^\+QIURC: "recv",2$')
    assert c.cmd("AT+QIRD=2") == (['+QIRD: 2,"192.0.2.9",7', "hi"], "OK")

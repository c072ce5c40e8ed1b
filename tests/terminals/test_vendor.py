"""Vendor details of the NB-IoT NTN families and engine behaviour over a real pty."""
from __future__ import annotations

import time

from at_bridge import cmux as bridge_cmux
from tests.terminals.test_registration import force_time, set_location
from tests.terminals.test_tiantong import MuxClient


def test_murata_internal_gnss_fix_then_registration(virtual_rig):
    m = virtual_rig.module("nbntn-murata", ue_position=(31.23, 121.47, 10.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd('AT%NOTIFYEV="SIB31",1')
    c.cmd("AT+CEREG=1")
    assert c.cmd("AT%IGNSSACT=1")[1] == "OK"
    fix = c.wait(r'^%IGNSSEVU: "FIX",1,"[\d:]+","[\d/]+","([-\d.]+)","([-\d.]+)","([-\d.]+)"')
    assert tuple(float(x) for x in fix.groups()) == (31.23, 121.47, 10.0)
    c.cmd("AT+CFUN=1")
    c.wait(r'^%NOTIFYEV: "SIB31"$')
    c.wait(r"^\+CEREG: 5$")


def test_murata_atz_boot_event(rig):
    m = rig.module("nbntn-murata")
    rig.start()
    c = rig.client(m)
    assert c.cmd("ATZ")[1] == "OK"
    c.wait(r"^%BOOTEV:0$")


def test_nordic_systemmode_only_at_cfun_0_or_4_and_cfun_45_keeps_registration(virtual_rig):
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    set_location(c, "nbntn-nordic")
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    assert c.cmd("AT%XSYSTEMMODE=0,0,0,0,1")[1] == "+CME ERROR: 3"   # not allowed at CFUN 1
    c.wait(r"^\+CEREG: 5$")
    assert c.cmd("AT+CFUN=45")[1] == "OK"
    assert c.cmd("AT+CEREG?")[0] == ["+CEREG: 1,5"]     # offline, registration kept
    assert c.cmd("AT+CFUN=4")[1] == "OK"
    assert c.cmd("AT%XSYSTEMMODE=0,0,0,0,1")[1] == "OK"
    assert c.cmd("AT%XSYSTEMMODE?")[0] == ["%XSYSTEMMODE: 0,0,0,0,1"]


def test_nordic_default_bearer_is_cid_0(virtual_rig):
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CGEREP=1")
    set_location(c, "nbntn-nordic")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CGEV: ME PDN ACT 0$")          # families.yaml default_cid of nbntn-nordic


def test_nordic_location_validity_expires(virtual_rig):
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd('AT%LOCATION=2,"39.9","116.4","50",10,60')
    assert m.location is not None
    force_time(virtual_rig, virtual_rig.host.now() + 61)
    assert m.location is None


def test_sms_text_mode_end_to_end(virtual_rig):
    """TS 27.005 text mode: +CMGS="<da>" with the text, +CMT: "<oa>",,"<scts>" then the text
    (3.4.1); with +CSCS="UCS2" the text is typed and shown as hex of UTF-16 (TS 27.007 5.5)."""
    a = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(a)
    set_location(c, "nbntn-generic")
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$")
    c.cmd("AT+CNMI=2,2,0,0,0")
    c.cmd("AT+CMGF=1")
    c.prompt(f'AT+CMGS="{a.identity.msisdn}"')
    c.raw(b"plain text\x1a")
    c.wait(r"^\+CMGS: \d+$")
    header = c.wait(r'^\+CMT: "([^"]+)",,"(\d\d/\d\d/\d\d,\d\d:\d\d:\d\d)\+00"$')
    assert header.group(1) == a.identity.msisdn
    assert c.wait(r"^plain text$")
    assert c.cmd('AT+CSCS="UCS2"')[1] == "OK"
    c.prompt(f'AT+CMGS="{a.identity.msisdn}"')
    c.raw("北斗".encode("utf-16-be").hex().upper().encode() + b"\x1a")
    c.wait(r"^\+CMGS: \d+$")
    c.wait(r'^\+CMT: ')
    assert c.wait(r"^[0-9A-F]+$").group(0) == "北斗".encode("utf-16-be").hex().upper()


def test_numeric_results_with_atv0(rig):
    m = rig.module("nbntn-generic")
    rig.start()
    c = rig.client(m)
    c.cmd("ATE0")
    c.raw(b"ATV0\r")
    c.raw(b"AT+NOSUCH\r")
    c.raw(b"AT\r")
    deadline = time.monotonic() + 5
    while c.buf.count(b"\r") < 3 and time.monotonic() < deadline:
        c.buf += c.read_some()
    assert c.buf.startswith(b"0\r4\r0\r")                 # V.250 Table 1: OK 0, ERROR 4


def test_cmux_close_down_returns_to_plain_at(rig):
    m = rig.module("tiantong")
    rig.start()
    c = rig.client(m)
    c.cmd("AT+CMUX=0,0,5,1600")
    c.close()
    mux = MuxClient(m.path)
    mux.open(0)
    mux.open(1)
    assert mux.cmd(1, "AT")[1] == "OK"
    mux.send(0, bridge_cmux.UIH, bytes([bridge_cmux.CLD_CMD, 0x01]))   # 27.010 5.4.6.3.3
    deadline = time.monotonic() + 5
    while not m.events("mux off") and time.monotonic() < deadline:
        mux.pump()
    mux.port.close()
    c2 = rig.client(m)
    assert c2.cmd("AT")[1] == "OK"

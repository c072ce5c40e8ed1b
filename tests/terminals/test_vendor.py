"""Vendor details of the NB-IoT NTN families and engine behaviour over a real pty.

The command forms and values come from the sources families.yaml names for each command
(docs/rigs.md lists them); the tests write them out by hand, so a wrong table fails here.
"""
from __future__ import annotations

import re
import time

import pytest

from at_bridge import cmux as bridge_cmux
from tests.terminals.test_data_sms import attached
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
    assert c.cmd("AT+CFUN=45")[1] == "+CME ERROR: 3"     # needs two cellular profiles (SDK)
    assert c.cmd("AT%CELLULARPRFL=2,0,4,0")[1] == "OK"   # NTN NB-IoT profile (act bit 4)
    assert c.cmd("AT%CELLULARPRFL=2,1,1,0")[1] == "OK"   # terrestrial LTE-M profile
    assert c.cmd("AT%CELLULARPRFL?")[0] == ["%CELLULARPRFL: 0,4,0", "%CELLULARPRFL: 1,1,0"]
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


# -- the vendor command sets: test form, read form, validated set form -------------------------
TEST_FORMS = {
    "nbntn-nordic": [("AT%XSYSTEMMODE=?", ["%XSYSTEMMODE: (0,1),(0,1),(0,1),(0-4),(0,1)"]),
                     ("AT%MDMEV=?", ["%MDMEV: (0,1)"])],
    "nbntn-quectel": [("AT+QCFG=?", ['+QCFG: "iotopmode",(0-3),(0,1)',
                                     '+QCFG: "nwscanmode",(0,1,3),(0,1)']),
                      ("AT+QENG=?", ['+QENG: ("servingcell")'])],
    "nbntn-murata": [("AT%RATACT=?", ['%RATACT: ("CATM","NBIOT","NBNTN"),(0,1)'])],
    "nbntn-sierra": [("AT+KSRAT=?", ["+KSRAT: (0-3),(0,1)"]),
                     ("AT+KNTNCFG=?", ['+KNTNCFG: "POS",("IGNSS","MANUAL"),(0,1)'])],
}
"""Supported values per family (families.yaml commands, from the sources listed there)."""


def settled_client(rig, m):
    """A client after the family's late banner lines (Quectel "APP RDY", families.yaml), so
    that no banner falls between a command and its answer (virtual clock)."""
    c = rig.client(m)
    for line, after_s in m.spec.banner:
        if after_s > 0:
            c.wait("^" + re.escape(line) + "$")
    return c


@pytest.mark.parametrize("family", sorted(TEST_FORMS))
def test_vendor_test_forms_list_the_supported_values(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = settled_client(virtual_rig, m)
    for line, expected in TEST_FORMS[family]:
        assert c.cmd(line) == (expected, "OK"), line


BAD_SETS = {
    "nbntn-nordic": ("AT%XSYSTEMMODE=0,0,0,0,2", "AT%XSYSTEMMODE?",
                     "%XSYSTEMMODE: 0,0,0,0,1"),
    "nbntn-quectel": ('AT+QCFG="iotopmode",7,1', 'AT+QCFG="iotopmode"', '+QCFG: "iotopmode",3'),
    "nbntn-murata": ('AT%RATACT="FOO"', "AT%RATACT?", '%RATACT: "NBNTN"'),
    "nbntn-sierra": ("AT+KSRAT=9", "AT+KSRAT?", "+KSRAT: 3"),
}
"""A value outside the supported ones, the read form, and what it still reads."""


@pytest.mark.parametrize("family", sorted(BAD_SETS))
def test_vendor_set_forms_are_validated(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = settled_client(virtual_rig, m)
    c.cmd("AT+CMEE=1")
    bad, read, stays = BAD_SETS[family]
    assert c.cmd(bad)[1] == "+CME ERROR: 50"              # TS 27.007 9.2.1 incorrect parameters
    assert c.cmd(read) == ([stays], "OK")


def test_quectel_query_reads_without_overwriting(virtual_rig):
    m = virtual_rig.module("nbntn-quectel")
    virtual_rig.start()
    c = settled_client(virtual_rig, m)
    assert c.cmd('AT+QCFG="nwscanmode",0,1')[1] == "OK"
    assert c.cmd('AT+QCFG="nwscanmode"') == (['+QCFG: "nwscanmode",0'], "OK")
    assert c.cmd('AT+QCFG="nwscanmode"') == (['+QCFG: "nwscanmode",0'], "OK")
    assert c.cmd('AT+QCFG="iotopmode"') == (['+QCFG: "iotopmode",3'], "OK")
    assert c.cmd("AT+QGPS=?")[1] == "OK"                  # was +CME ERROR: 504
    assert c.cmd("AT+QGPS?") == (["+QGPS: 0"], "OK")


@pytest.mark.parametrize("family,line", [
    ("nbntn-murata", "AT%RATACT=?"),
    ("nbntn-quectel", 'AT+QIOPEN=1,0,"UDP","h",abc'),
    ("nbntn-murata", 'AT%SOCKETCMD="ALLOCATE",1,"UDP","OPEN","h",abc'),
    ("nbntn-sierra", 'AT+KNTNCMD="POS","91","0","0"'),
])
def test_vendor_lines_end_in_one_final_result(virtual_rig, family, line):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = settled_client(virtual_rig, m)
    c.cmd("AT+CMEE=1")
    _, final = c.cmd(line)
    assert final in ("OK", "+CME ERROR: 50")
    assert c.cmd("AT") == ([], "OK")                     # nothing late from the line before


# -- no registration without the module's NTN radio settings -----------------------------------
EXCLUDE_NTN = {"nbntn-nordic": "AT%XSYSTEMMODE=1,0,0,0,0",
               "nbntn-quectel": 'AT+QCFG="iotopmode",0,1',
               "nbntn-murata": 'AT%RATACT="CATM"', "nbntn-sierra": "AT+KSRAT=0"}
"""A radio setting without NTN NB-IoT (LTE-M only / eMTC / CAT-M1), per the sources."""


@pytest.mark.parametrize("family", sorted(EXCLUDE_NTN))
def test_no_search_without_the_ntn_radio_setting(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd(EXCLUDE_NTN[family])[1] == "OK"
    m.location = m.ue_position                           # located: only the RAT is missing
    c.cmd("AT+CFUN=1")
    force_time(virtual_rig, virtual_rig.host.now() + 300.0)   # > 120 s GEO attach (ref. 5)
    assert not m.registered
    assert m.events("attach waits: the vendor radio settings exclude NTN")


# -- each family's position request ------------------------------------------------------------
REQUESTS = {
    "nbntn-generic": (["AT+NTNLOCREQ=1"], r"^\+NTNLOCREQ: 100$",
                      'AT+NTNLOC="31.23","121.47","10",10'),
    "nbntn-nordic": (["AT%LOCATION=1"], r"^%LOCATION: 100$",
                     'AT%LOCATION=2,"31.23","121.47","10",10,0'),
    "nbntn-murata": (['AT%NTNEV="POSREQ",1'], r'^%NTNEV: "POSREQ"$',
                     'AT%NTNCFG="POS","STAT","31.23","121.47","10"'),
    "nbntn-sierra": ([], r'^\+KNTNEV: "POSREQ"$',
                     'AT+KNTNCMD="POS","31.23","121.47","10"'),
}
"""Subscription, the module's request, the host's answer (families.yaml / docs/rigs.md)."""


@pytest.mark.parametrize("family", sorted(REQUESTS))
def test_module_asks_for_a_position_and_registers_once_given(virtual_rig, family):
    m = virtual_rig.module(family, ue_position=(31.23, 121.47, 10.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    subscribe, request, answer = REQUESTS[family]
    for line in subscribe:
        assert c.cmd(line)[1] == "OK"
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    c.wait(request)
    force_time(virtual_rig, virtual_rig.host.now() + 300.0)
    assert not m.registered                              # no position, no registration
    assert c.cmd(answer)[1] == "OK"
    c.wait(r"^\+CEREG: 5$")
    assert m.location == (31.23, 121.47, 10.0)


def test_nordic_asks_again_when_the_position_expires(virtual_rig):
    """ntn.c: validity > 0 makes the position expire; the modem asks again while on."""
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT%LOCATION=1")
    c.cmd('AT%LOCATION=2,"39.9","116.4","50",10,60')
    c.cmd("AT+CFUN=1")
    c.wait(r"^%LOCATION: 100$", timeout_s=20)
    assert m.location is None
    assert c.cmd('AT%LOCATION=2,"91","0","0",10,0')[1] == "ERROR"   # latitude out of range


def test_sierra_ignss_provider_needs_no_host_position(virtual_rig):
    m = virtual_rig.module("nbntn-sierra", ue_position=(22.54, 114.06, 20.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd('AT+KNTNCFG="POS","IGNSS",0')[1] == "OK"
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$")
    assert m.location == m.ue_position                   # its own GNSS fix
    c.cmd("AT+CMEE=1")
    assert c.cmd('AT+KNTNCMD="POS","1","2","3"')[1] == "+CME ERROR: 3"   # not MANUAL


# -- Quectel: ntn_locfix taken after a reset; +QENG="servingcell" --------------------------------
def test_quectel_ntn_locfix_applies_after_reset(virtual_rig):
    m = virtual_rig.module("nbntn-quectel", ue_position=(22.54, 114.06, 20.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    assert c.cmd('AT+QNWCFG="ntn_locfix",1')[1] == "+CME ERROR: 50"      # mode 1 needs a fix
    assert c.cmd('AT+QNWCFG="ntn_locfix",1,22.54,114.06,20')[1] == "OK"
    assert m.location is None                            # stored, not yet used
    assert c.cmd('AT+QENG="servingcell"') == (['+QENG: "servingcell","SEARCH"'], "OK")
    c.cmd("AT+CFUN=1,1")
    c.wait(r"^RDY$")                                     # the boot banner: commands answered
    c.cmd("AT+CMEE=1")
    assert c.cmd('AT+QNWCFG="ntn_locfix"') == (['+QNWCFG: "ntn_locfix",1,22.54,114.06,20'], "OK")
    assert m.location == (22.54, 114.06, 20.0)
    assert c.cmd("AT+CFUN?")[0] == ["+CFUN: 1"]       # TS 27.007 8.2: back at <fun> 1
    c.cmd("AT+CEREG=1")
    c.wait(r"^\+CEREG: 5$")                            # no AT+CFUN=1 needed
    lines, _ = c.cmd('AT+QENG="servingcell"')
    fields = lines[0].split(",")
    assert fields[1:4] == ['"NOCONN"', '"NTN NBIoT"', '"FDD"'] or fields[1] == '"CONNECT"'
    assert fields[4:6] == ["1", "1"]                     # MCC 001, MNC 01 (test PLMN)
    assert fields[9] == "256"                            # band 256 (docs/reference.md 4)
    assert int(fields[13]) == round(m.signal().rsrp_dbm)      # dBm, as +QCSQ


def test_quectel_qgpsloc_modes(virtual_rig):
    """GNSS Application Note, AT+QGPSLOC=<mode>: 0 ddmm.mmmmN/S,dddmm.mmmmE/W (the default),
    1 ddmm.mmmmmm,N/S,dddmm.mmmmmm,E/W, 2 (-)dd.ddddd,(-)ddd.ddddd; 30.6 N = 30 deg 36 min,
    114.3 E = 114 deg 18 min, 33.5 S = 33 deg 30 min, 70.25 W = 70 deg 15 min."""
    m = virtual_rig.module("nbntn-quectel", ue_position=(30.6, 114.3, 30.0))
    s = virtual_rig.module("nbntn-quectel", ue_position=(-33.5, -70.25, 500.0))
    virtual_rig.start()
    north, south = virtual_rig.client(m), virtual_rig.client(s)
    for c in (north, south):
        c.wait("^APP RDY$")                              # the late banner line
        c.cmd("AT+CMEE=1")
        assert c.cmd("AT+QGPS=1")[1] == "OK"
    force_time(virtual_rig, virtual_rig.host.now() + m.timing.gnss_ttff_s + 1)
    want = {(north, 0): "3036.0000N,11418.0000E", (north, 1): "3036.000000,N,11418.000000,E",
            (north, 2): "30.60000,114.30000", (south, 0): "3330.0000S,07015.0000W",
            (south, 1): "3330.000000,S,07015.000000,W", (south, 2): "-33.50000,-70.25000"}
    for (c, mode), position in want.items():
        lines, final = c.cmd(f"AT+QGPSLOC={mode}")
        assert final == "OK" and lines[-1].split(",", 1)[1].startswith(position + ",1.0,")
    assert north.cmd("AT+QGPSLOC")[0][-1].split(",", 1)[1].startswith("3036.0000N,")
    assert north.cmd("AT+QGPSLOC=3")[1] == "+CME ERROR: 50"     # 3-5: periodic, not one-shot


def test_quectel_qcsq_sinr_is_quectels_code(virtual_rig):
    """BG95 AT manual +QCSQ <lte_sinr>: 1/5 dB steps, 0-250 for -20..+30 dB; the same code
    +QENG="servingcell" gives as <SINR> on the same module."""
    m = virtual_rig.module("nbntn-quectel")
    virtual_rig.start()
    c = attached(virtual_rig, m, "nbntn-quectel")
    sinr = int(c.cmd("AT+QCSQ")[0][0].split(",")[3])
    assert sinr == max(0, min(250, round((m.signal().snr_db + 20) * 5)))
    assert sinr == int(c.cmd('AT+QENG="servingcell"')[0][0].split(",")[16])


def test_vendor_command_table_errors_name_the_entry():
    from ntnstack.errors import InputError
    from ntnstack.terminals.vendor_commands import parse_commands
    with pytest.raises(InputError, match=r"families\.yaml fam\.commands\.%FOO: expected params"):
        parse_commands("fam", {"%FOO": {"source": "s", "params": ["0-x"]}})
    with pytest.raises(InputError, match=r"fam\.commands\.\+BAR\.keys\.k: .*default"):
        parse_commands("fam", {"+BAR": {"source": "s", "keys": {"k": {"params": ["0,1"],
                                                                      "default": "2"}}}})
    with pytest.raises(InputError, match="with a source"):
        parse_commands("fam", {"%BAZ": {"params": ["0,1"]}})

"""Generic V.250 / TS 27.007 / TS 27.005 conformance of every AT family, driven by the
settings table (ntnstack.terminals.settings): each setting's test form lists its values, its
read form shows what was set, and its set form refuses a value outside the list. Then the
single deviations of issue 13, each with its clause."""
from __future__ import annotations

import pytest

from ntnstack.terminals.settings import SETTINGS, STATUS_READ
from tests.terminals.test_registration import set_location

AT_FAMILIES = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "tiantong"]
NB_FAMILIES = AT_FAMILIES[:4]


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_every_setting_lists_reads_and_validates(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    installed = [s for name, s in SETTINGS.items() if name in m.handlers]
    assert {"+CMEE", "+CGEREP", "+CGATT", "+CMGF", "+CNMI", "+CSMP", "+CSMS"} <= \
        {s.name for s in installed}
    for s in installed:
        c.cmd("AT+CMEE=1")
        assert c.cmd(f"AT{s.name}=?") == ([s.test_line()], "OK"), s.name
        outside = max(max(v) for v in s.values) + 1
        lines, final = c.cmd(f"AT{s.name}={outside}")
        assert final == (f"+CMS ERROR: {s.error}" if s.sms else f"+CME ERROR: {s.error}"), s.name
        chosen = [v[-1] for v in s.values]
        if s.name == "+CGATT" or s.name == "+CMEE":
            continue          # a detach is not emulated (CME 4); +CMEE=2 would change errors
        assert c.cmd(f"AT{s.name}=" + ",".join(map(str, chosen)))[1] == "OK", s.name
        if s.name not in STATUS_READ:
            read = c.cmd(f"AT{s.name}?")[0]
            assert read[0].startswith(f"{s.name}: " + ",".join(map(str, chosen))), (s.name, read)


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_test_forms_and_sms_errors(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    assert c.cmd("AT+CNUM=?") == ([], "OK")                  # TS 27.007 7.1: test form OK
    assert c.cmd("AT+CMGR=?") == ([], "OK")                  # TS 27.005 3.4.3
    assert c.cmd("AT+CGATT=?") == (["+CGATT: (0,1)"], "OK")  # TS 27.007 10.1.9
    assert c.cmd("AT+WS46=?")[0] == (["+WS46: (28)"] if m.spec.act else [])  # 27.007 5.9
    # TS 27.005 3.2.5: SMS commands answer +CMS ERROR whatever +CMEE says
    assert c.cmd("AT+CNMI=9,9") == ([], "+CMS ERROR: 303")
    assert c.cmd("AT+CNMI?")[0] == ["+CNMI: 0,0,0,0,0"]
    assert c.cmd('AT+CPMS="SM"') == ([], "+CMS ERROR: 302")  # only "ME" is listed
    assert c.cmd("AT+CPMS?")[0][0].startswith('+CPMS: "ME"')
    assert c.cmd("AT+CMGR=7") == ([], "+CMS ERROR: 321")     # invalid memory index
    assert c.cmd("AT+CMGS=abc") == ([], "+CMS ERROR: 304")   # PDU mode parameter
    c.cmd("AT+CMGF=1")
    assert c.cmd("AT+CMGL=FOO") == ([], "+CMS ERROR: 305")   # an invalid <stat>: text mode
    c.cmd("AT+CMGF=0")
    assert c.cmd("AT+CMGL=5") == ([], "+CMS ERROR: 304")     # <stat> 0-4 in PDU mode
    c.cmd("AT+CMGF=1")
    assert c.cmd('AT+CSCA="12AB"') == ([], "+CMS ERROR: 305")  # text mode parameter
    assert c.cmd('AT+CSCA="+8613900000000"')[1] == "OK"
    assert c.cmd("AT+CSCA?")[0] == ['+CSCA: "+8613900000000",145']


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_atq1_suppresses_result_codes(virtual_rig, family):
    """V.250 6.2.5: Q1 result codes are not transmitted (information text still is); Q0
    brings them back."""
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("ATE0")
    seen = len(c.lines)
    c.raw(b"ATQ1\r")
    c.raw(b"AT+CGMI\r")
    c.wait(f"^{m.spec.identity['manufacturer']}$")
    assert c.cmd("ATQ0") == ([], "OK")
    assert "OK" not in c.lines[seen:-1]


@pytest.mark.parametrize("family", NB_FAMILIES)
def test_ath_without_a_call_is_ok(virtual_rig, family):
    """V.250 6.3.6: H0 with no call hangs up nothing and answers OK."""
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd("ATH")[1] == "OK" and c.cmd("ATH0")[1] == "OK"


@pytest.mark.parametrize("family", NB_FAMILIES)
def test_cops_format_and_cmgl_marks_read(virtual_rig, family):
    """+COPS=3,<format> chooses how +COPS? names the operator (TS 27.007 7.3: 0 long, 1
    short, 2 numeric); +CMGL lists a received unread message once as unread (TS 27.005
    3.4.2: listing changes REC UNREAD to REC READ)."""
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=1")
    set_location(c, family)
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: [15]$", timeout_s=30)
    act = m.spec.act
    for fmt, name in ((0, "NTNSTACK"), (1, "NTN"), (2, "00101")):
        assert c.cmd(f"AT+COPS=3,{fmt}")[1] == "OK"
        assert c.cmd("AT+COPS?")[0] == [f'+COPS: 0,{fmt},"{name}",{act}']
    assert c.cmd("AT+COPS=3,7")[1] != "OK"
    c.cmd("AT+CNMI=2,1")
    c.cmd("AT+CMGF=1")
    c.prompt(f'AT+CMGS="{m.identity.msisdn}"')
    c.raw(b"to myself\x1a")
    c.wait(r"^\+CMGS: \d+$")
    c.wait(r'^\+CMTI: "ME",0$', timeout_s=30)
    assert c.cmd('AT+CMGL="REC UNREAD"')[0][1] == "to myself"
    assert c.cmd('AT+CMGL="REC UNREAD"')[0] == []
    assert c.cmd('AT+CMGL="REC READ"')[0][0].startswith('+CMGL: 0,"REC READ",')


@pytest.mark.parametrize("family", ["nbntn-generic", "nbntn-quectel", "tiantong"])
def test_atz_restores_the_settings(virtual_rig, family):
    """V.250 6.1.1: Z sets the parameters back to the profile (the defaults here), with OK
    and no reboot."""
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    for line in ("AT+CMEE=1", "AT+CMGF=1", "AT+CNMI=2,1", 'AT+CSCS="UCS2"', "AT+COPS=3,0",
                 "AT+CREG=2", "AT+CEREG=2", "AT+CSCON=1"):
        assert c.cmd(line)[1] == "OK"
    assert c.cmd("ATZ")[1] == "OK"
    assert c.cmd("AT+CMGF?")[0] == ["+CMGF: 0"] and c.cmd("AT+CNMI?")[0] == ["+CNMI: 0,0,0,0,0"]
    assert c.cmd('AT+CSCS?')[0] == ['+CSCS: "IRA"'] and c.cmd("AT+CMEE?")[0] == ["+CMEE: 0"]
    for name in ("+CREG", "+CEREG", "+CSCON"):          # the URC levels too (docs/rigs.md)
        assert c.cmd(f"AT{name}?")[0][0].startswith(f"{name}: 0,"), name
    assert m.boot_count == 1 and m.cops_format == 2


def test_cops_modes_read_back_and_the_test_form_before_registration(virtual_rig):
    """TS 27.007 7.3: the test form lists the supported <mode>s (0, 1, 3, 4: no deregistration
    here) and a seen PLMN with <stat> 1 available (2 current only once registered) and its
    <AcT>; the read form gives the <mode> set last."""
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    c.cmd("AT+CFUN=1")                          # searching, no location yet: not registered
    assert c.cmd("AT+COPS=?")[0] == [f'+COPS: (1,"NTNSTACK","NTN","00101",{m.spec.act}),,'
                                     "(0,1,3,4),(0-2)"]
    assert c.cmd("AT+COPS=2") == ([], "+CME ERROR: 4")
    assert c.cmd('AT+COPS=1,2,"00101"')[1] == "OK"
    assert c.cmd("AT+COPS?")[0] == ["+COPS: 1"]
    c.cmd("AT+CEREG=1")
    set_location(c, "nbntn-generic")
    c.wait(r"^\+CEREG: 5$")
    assert c.cmd("AT+COPS?")[0] == [f'+COPS: 1,2,"00101",{m.spec.act}']
    assert c.cmd("AT+COPS=?")[0][0].startswith('+COPS: (2,"NTNSTACK"')
    assert c.cmd("AT+COPS=0")[1] == "OK" and c.cmd("AT+COPS?")[0][0].startswith("+COPS: 0,")


def test_s3_s4_other_than_cr_lf_are_refused(virtual_rig):
    """V.250 6.2.1 / 6.2.2: S3 ends command lines, S4 formats responses; the channel uses CR
    and LF only, so another value is refused (+CME ERROR: 4) rather than kept and ignored."""
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CMEE=1")
    assert c.cmd("ATS3=10") == ([], "+CME ERROR: 4")
    assert c.cmd("ATS4=13") == ([], "+CME ERROR: 4")
    assert c.cmd("ATS3=13") == ([], "OK") and c.cmd("ATS4=10") == ([], "OK")
    assert c.cmd("ATS3?")[0] == ["013"] and c.cmd("ATS4?")[0] == ["010"]


@pytest.mark.parametrize("fun", [1, 4, 0])
def test_cfun_reset_comes_back_at_the_level_asked_and_keeps_stored_sms(virtual_rig, fun):
    """TS 27.007 8.2: +CFUN=<fun>,1 resets the MT "before setting it to <fun> power level";
    the "ME" message store is non-volatile (TS 27.005 3.2.2 <mem>) and survives the reset."""
    m = virtual_rig.module("nbntn-generic")
    virtual_rig.start()
    c = virtual_rig.client(m)
    m.sms_store[0] = ("REC UNREAD", "00", 1)                 # as sms_arrived stores one
    c.cmd("AT+CFUN=1")
    assert c.cmd(f"AT+CFUN={fun},1")[1] == "OK"
    virtual_rig.wait(m.spec.boot_s + 1)
    assert m.boot_count == 2
    assert c.cmd("AT+CFUN?")[0] == [f"+CFUN: {fun}"]
    stat = c.cmd("AT+CEREG?")[0][0]
    assert stat == ("+CEREG: 0,2" if fun == 1 else "+CEREG: 0,0")   # searching only at 1
    assert c.cmd("AT+CPMS?")[0] == ['+CPMS: "ME",1,20,"ME",1,20,"ME",1,20']


def test_a_bad_act_in_the_family_table_is_named(monkeypatch):
    from ntnstack.errors import InputError
    from ntnstack.terminals import families
    table = {"nbntn-generic": {**families._table()["nbntn-generic"], "act": "fourteen"}}
    monkeypatch.setattr(families, "_table", lambda: table)
    with pytest.raises(InputError, match=r"^families.yaml nbntn-generic.act: expected an "
                                         r"<AcT> 0-16 \(TS 27.007 7.3\) or null, got 'fourteen'$"):
        families.family_spec("nbntn-generic")

"""Each AT family over a real pty opened with pyserial: identity, echo default, boot banner."""
from __future__ import annotations

import re

import pytest

from ntnstack.terminals.families import FAMILIES, family_spec, luhn_digit

AT_FAMILIES = [f for f in FAMILIES if family_spec(f).kind != "beidou"]
ICCID_COMMAND = {"nbntn-generic": ("AT+CCID", "+CCID: "),
                 "nbntn-nordic": ("AT%XICCID", "%XICCID: "),
                 "nbntn-murata": ("AT%CCID", "%CCID: "), "nbntn-quectel": ("AT+QCCID", "+QCCID: "),
                 "nbntn-sierra": ("AT+CCID", "+CCID: "),
                 "tiantong": ("AT^ICCID?", "^ICCID: ")}
"""The ICCID command of each family, as in at_bridge/dialects/<family>.yaml."""


def test_family_names_are_the_agreed_ones():
    assert FAMILIES == ("nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel",
                        "tiantong", "beidou-2.1", "beidou-bds3", "beidou-4.0",
                        "nbntn-sierra")


def test_one_family_registry_with_a_dialect_and_a_module_for_each():
    """at_bridge.families is the one list: each name has its dialect file and its entry in
    families.yaml, and no other source file spells the list out again."""
    from pathlib import Path

    import yaml

    import at_bridge
    import ntnstack
    from at_bridge.dialect import DIALECT_DIR
    from at_bridge.families import FAMILIES as REGISTRY

    assert FAMILIES is REGISTRY
    assert {p.stem for p in DIALECT_DIR.glob("*.yaml")} == set(REGISTRY)
    table = Path(ntnstack.__file__).parent / "terminals" / "families.yaml"
    assert set(yaml.safe_load(table.read_text())) == set(REGISTRY)
    spelled = re.compile(r'"nbntn-generic",\s*"nbntn-nordic"')
    roots = (Path(at_bridge.__file__).parent, Path(ntnstack.__file__).parent)
    again = [str(p) for root in roots for p in root.rglob("*.py")
             if p.name != "families.py" and spelled.search(p.read_text())]
    assert again == []


def test_luhn_check_digit():
    # TS 23.003 annex B worked example: IMEI 49015420323751 -> check digit 8.
    assert luhn_digit("49015420323751") == "8"


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_identity(rig, family):
    m = rig.module(family, serial=7)
    rig.start()
    c = rig.client(m)
    spec = family_spec(family)
    assert c.cmd("AT+CGMI") == ([spec.identity["manufacturer"]], "OK")
    assert c.cmd("AT+CGMM") == ([spec.identity["model"]], "OK")
    assert c.cmd("AT+CGMR") == ([spec.identity["revision"]], "OK")
    imei, final = c.cmd("AT+CGSN")
    assert final == "OK" and len(imei[0]) == 15 and luhn_digit(imei[0][:14]) == imei[0][14]
    assert c.cmd("AT+CIMI")[0][0].startswith("00101")      # TS 23.003 test PLMN 001-01
    cmd, prefix = ICCID_COMMAND[family]
    lines, final = c.cmd(cmd)
    assert final == "OK" and lines[0] == prefix + m.identity.iccid
    lines, _ = c.cmd("ATI")
    assert spec.identity["model"] in " ".join(lines)


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_echo_default_and_ate(rig, family):
    m = rig.module(family)
    rig.start()
    c = rig.client(m)
    c.cmd("AT")
    assert ("AT" in c.lines) == family_spec(family).echo
    c.cmd("ATE1")
    c.cmd("AT+CSQ")
    assert "AT+CSQ" in c.lines
    c.cmd("ATE0")
    c.lines.clear()
    c.cmd("AT+CSQ")
    assert "AT+CSQ" not in c.lines


RESET_COMMAND = {"nbntn-generic": "AT+CFUN=1,1", "nbntn-nordic": "AT#XRESET",
                 "nbntn-murata": "ATZ", "nbntn-quectel": "AT+CFUN=1,1", "tiantong": "AT+CFUN=1,1",
                 "nbntn-sierra": "AT+CFUN=1,1"}
"""The reset command of each family's dialect (at_bridge/dialects)."""


@pytest.mark.parametrize("family", [f for f in AT_FAMILIES if family_spec(f).banner])
def test_boot_banner_after_reset(rig, family):
    m = rig.module(family)
    rig.start()
    c = rig.client(m)
    assert c.cmd(RESET_COMMAND[family])[1] == "OK"
    for line, _ in family_spec(family).banner:
        c.wait("^" + re.escape(line) + "$")
    assert m.boot_count == 2


def test_quectel_app_rdy_comes_late(virtual_rig):
    """Commands are answered from RDY on; APP RDY follows later (a late banner)."""
    m = virtual_rig.module("nbntn-quectel")
    virtual_rig.start()
    c = virtual_rig.client(m)           # ready = RDY printed (before the client opened)
    assert c.cmd("AT")[1] == "OK"
    c.wait("^APP RDY$")
    [(t_rdy, _)], [(t_app, _)] = m.events("urc RDY"), m.events("urc APP RDY")
    assert t_app - t_rdy == family_spec("nbntn-quectel").banner[1][1]   # families.yaml gap


def test_unknown_command_is_error_or_cme_per_cmee(rig):
    m = rig.module("nbntn-generic")
    rig.start()
    c = rig.client(m)
    assert c.cmd("AT+NOSUCH")[1] == "ERROR"
    c.cmd("AT+CMEE=1")
    assert c.cmd("AT+NOSUCH")[1] == "+CME ERROR: 100"  # 27.007 9.2.1: 100 unknown


def test_generic_iccid_through_crsm_is_nibble_swapped(rig):
    m = rig.module("nbntn-generic")
    rig.start()
    c = rig.client(m)
    lines, _ = c.cmd("AT+CRSM=176,12258,0,0,10")
    swapped = lines[0].split('"')[1]
    digits = "".join(swapped[i + 1] + swapped[i] for i in range(0, 20, 2)).rstrip("F")
    assert digits == m.identity.iccid

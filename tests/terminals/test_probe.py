"""What generic modem software sends on connect gets the answers a real module gives:
the ModemManager probe and init sequence (mm-port-probe.c, mm-broadband-modem.c) and the SMS
tools' set-up (gammu, smstools: PDU mode, SMSC, storage). Shapes per TS 27.007 / 27.005."""
from __future__ import annotations

import re

import pytest

from ntnstack.terminals.families import FAMILIES, family_spec

PROBE = [
    ("AT", []), ("ATE0", []), ("ATV1", []), ("AT+CMEE=1", []), ("ATX4", []), ("AT&C1", []),
    ("ATI", [r".+"]),
    ("AT+GCAP", [r"^\+GCAP: \+CGSM"]),                       # V.250 6.1.9; 3GPP capable
    ("AT+CGMI", [r"^\S.*$"]), ("AT+CGMM", [r"^\S.*$"]), ("AT+CGMR", [r"^\S.*$"]),
    ("AT+CGSN", [r"^\d{15}$"]),                               # 27.007 5.4: IMEI
    ("AT+CIMI", [r"^\d{6,15}$"]),                             # 27.007 5.6
    ("AT+CPIN?", [r"^\+CPIN: READY$"]),                       # 27.007 8.3
    ("AT+CFUN?", [r"^\+CFUN: \d+$"]),                         # 27.007 8.2
    ("AT+CSQ", [r"^\+CSQ: \d+,\d+$"]),                        # 27.007 8.5
    ("AT+CESQ", [r"^\+CESQ: (\d+,){5}\d+$"]),                 # 27.007 8.69
    ("AT+COPS=3,2", []),
    ("AT+COPS?", [r'^\+COPS: \d(,\d,"[^"]*"(,\d+)?)?$']),     # 27.007 7.3
    ("AT+CREG=2", []), ("AT+CGREG=2", []), ("AT+CEREG=2", []),
    ("AT+CREG?", [r"^\+CREG: 2,\d"]), ("AT+CGREG?", [r"^\+CGREG: 2,\d"]),
    ("AT+CEREG?", [r"^\+CEREG: 2,\d"]),                      # 27.007 10.1.22
    ("AT+CGDCONT?", [r'^\+CGDCONT: \d+,"[^"]*"']),            # 27.007 10.1.1
    ("AT+CPMS?", [r'^\+CPMS: "\w+",\d+,\d+,"\w+",\d+,\d+,"\w+",\d+,\d+$']),  # 27.005 3.2.2
    ("AT+CNMI=?", [r"^\+CNMI: \(.*\),\(.*\),\(.*\),\(.*\),\(.*\)$"]),        # 27.005 3.4.1
    ("AT+CMGF=0", []),                                        # 27.005 3.2.3: PDU mode
    ("AT+CSCA?", [r'^\+CSCA: "\+?\d+",\d+$']),                # 27.005 3.3.1
    ("AT+CSMS?", [r"^\+CSMS: \d,\d,\d,\d$"]),                 # 27.005 3.2.1
    ("AT+CNMI=2,1,0,0,0", []),
    ("AT+CMGL=4", []),
]


@pytest.mark.parametrize("family", [f for f in FAMILIES if family_spec(f).kind != "beidou"])
def test_modemmanager_style_probe(rig, family):
    m = rig.module(family)
    rig.start()
    c = rig.client(m)
    for command, shapes in PROBE:
        lines, final = c.cmd(command)
        lines = [x for x in lines if not re.match(r"^(\+CEREG: \d|\+CREG: \d|\^SIMST)", x)
                 or x.startswith(("+CEREG: 2,", "+CREG: 2,"))]
        assert final == "OK", f"{family} {command}: {final}"
        assert len(lines) >= len(shapes), f"{family} {command}: {lines}"
        for shape, line in zip(shapes, lines[:len(shapes)], strict=True):
            assert re.match(shape, line), f"{family} {command}: {line!r} !~ {shape}"

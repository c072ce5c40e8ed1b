"""+CPSMS (TS 27.007 7.38) and +CEDRXS (7.40) on every NB-IoT NTN family: test forms list the
supported values, set forms are validated and kept, read forms report what was set."""
from __future__ import annotations

import pytest

NB_FAMILIES = ["nbntn-generic", "nbntn-murata", "nbntn-nordic", "nbntn-quectel"]


@pytest.mark.parametrize("family", NB_FAMILIES)
def test_psm_request_is_validated_and_kept(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd("AT+CPSMS=?")[0][0].startswith("+CPSMS: (0-2)")
    # T3412 extended "00100100" = 4 x 1 h (GPRS timer 3, TS 24.008 10.5.7.4a: unit 001 = 1 h),
    # T3324 "00000101" = 5 x 2 s (GPRS timer 2, 10.5.7.3: unit 000 = 2 s)
    assert c.cmd('AT+CPSMS=1,,,"00100100","00000101"')[1] == "OK"
    assert c.cmd("AT+CPSMS?")[0] == ['+CPSMS: 1,,,"00100100","00000101"']
    assert c.cmd('AT+CPSMS=1,,,"0010010","00000101"')[1].startswith(("+CME ERROR", "ERROR"))
    assert c.cmd("AT+CPSMS=2")[1] == "OK"          # disable and discard the parameters
    assert c.cmd("AT+CPSMS?")[0] == ["+CPSMS: 0,,,,"]


@pytest.mark.parametrize("family", NB_FAMILIES)
def test_edrx_request_is_validated_and_kept(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    assert c.cmd("AT+CEDRXS=?")[0] == ['+CEDRXS: (0-3),(5),("0000"-"1111")']   # 5: NB-S1
    assert c.cmd("AT+CEDRXS?")[0] == []                # nothing requested yet
    assert c.cmd('AT+CEDRXS=1,5,"0101"')[1] == "OK"   # 81.92 s (TS 24.008 Table 10.5.5.32)
    assert c.cmd("AT+CEDRXS?")[0] == ['+CEDRXS: 5,"0101"']
    assert c.cmd('AT+CEDRXS=1,4,"0101"')[1].startswith(("+CME ERROR", "ERROR"))  # not NB-S1
    assert c.cmd("AT+CEDRXS=3")[1] == "OK"            # disable, reset to defaults
    assert c.cmd("AT+CEDRXS?")[0] == []

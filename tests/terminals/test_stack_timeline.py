"""The NB-IoT NTN modules' URC timeline is the ntnstack.stack session's timeline (docs/stack.md,
"API for the virtual modules"): searching until the search time is over, cell found when
SIB31-NB is decoded, +CSCON: 1 when RRCConnectionSetup-NB reaches the UE, +CGEV and +CEREG
with AcT 14 when Attach Accept reaches it, +CSCON: 0 when RRCConnectionRelease-NB does."""
from __future__ import annotations

import subprocess

import pytest

from ntnstack.terminals.procedures import NtnTiming
from tests.terminals.test_registration import NTN_FAMILIES, force_time, set_location
from tests.tolerances import ONE_MICROSECOND


def urc_time(m, line: str) -> float:
    return [t for t, x in m.events(f"urc {line}")][-1]


@pytest.mark.parametrize("family", NTN_FAMILIES)
def test_urcs_follow_the_stack_session(virtual_rig, family):
    m = virtual_rig.module(family, timing=NtnTiming(rrc_inactivity_s=5.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    for cmd in ("AT+CEREG=2", "AT+CSCON=1", "AT+CGEREP=1"):
        c.cmd(cmd)
    set_location(c, family)
    c.cmd("AT+CFUN=1")
    c.wait(r'^\+CEREG: 5,"[0-9A-F]+","[0-9A-F]+",14$', 10)
    force_time(virtual_rig, virtual_rig.host.now() + 10.0)      # past the inactivity release
    s = m.stack
    attach = [r for r in s.session.results if r.name == "attach"][-1]
    assert attach.ok and attach.round_trips == 5
    # the search starts once searching (+CEREG: 2) with a location (Quectel: after the TTFF)
    search_from = max(urc_time(m, "+CEREG: 2"), m.events("location ")[-1][0])
    assert s.t_s(attach.start_unix_s) == pytest.approx(search_from + NtnTiming().search_s,
                                                       abs=ONE_MICROSECOND)
    sib = [t for t, kind, _ in s.session.events if kind == "sib31-nb acquired"][-1]
    assert m.events("cell found")[-1][0] == pytest.approx(s.t_s(sib), abs=ONE_MICROSECOND)
    setup = [x for x in attach.messages if x.rrc == "rrcConnectionSetup-r13"][0]
    assert urc_time(m, "+CSCON: 1") == pytest.approx(s.dl_arrival_s(setup.t_unix_s),
                                                     abs=ONE_MICROSECOND)
    accept_s = s.t_s(attach.details["attach_accept_rx_unix_s"])
    assert urc_time(m, "+CGEV: ME PDN ACT ") == pytest.approx(accept_s, abs=ONE_MICROSECOND)
    assert urc_time(m, "+CEREG: 5,") == pytest.approx(accept_s, abs=ONE_MICROSECOND)
    release = [r for r in s.session.results if r.name == "release"][-1]
    assert urc_time(m, "+CSCON: 0") == pytest.approx(s.t_s(release.end_unix_s),
                                                     abs=ONE_MICROSECOND)
    assert s.t_s(release.start_unix_s) == pytest.approx(accept_s + 5.0, abs=ONE_MICROSECOND)


def test_the_module_capture_is_the_stack_messages(virtual_rig, tmp_path, require_tool):
    """A module given a pcap path writes its session's RRC / NAS there, dissected by tshark
    with no malformed packet (docs/stack.md "What tshark shows")."""
    tshark = require_tool("tshark")
    pcap = tmp_path / "module.pcap"
    m = virtual_rig.module("nbntn-nordic", stack_pcap=str(pcap),
                           timing=NtnTiming(rrc_inactivity_s=2.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=2")
    c.cmd("AT+CRTDCP=1")
    set_location(c, "nbntn-nordic")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: [15],", 10)
    c.cmd('AT+CSODCP=0,3,"414243"')
    c.wait(r'^\+CRTDCP: 0,3,"414243"$')
    force_time(virtual_rig, virtual_rig.host.now() + 5.0)
    m.stack.close()
    out = subprocess.run([tshark, "-r", str(pcap)], capture_output=True, text=True,
                         check=True).stdout
    assert "Malformed" not in out
    for name in ("SystemInformation-NB", "RRCConnectionSetup-NB", "Attach request",
                 "Authentication request", "Security mode command", "Attach accept",
                 "ESM data transport", "RRCConnectionRelease-NB"):
        assert name in out, name


def test_a_location_far_from_the_truth_fails_random_access(virtual_rig):
    """The location the host gives is the UE's GNSS estimate: 1 deg of latitude (~111 km)
    off, the TA pre-compensation misses the GEO cell's NPRACH cyclic prefix (266.7 us, TS
    36.211 Table 10.1.6.1-1), no RAR comes, the module stays searching and tries again."""
    m = virtual_rig.module("nbntn-generic")              # truth: Beijing 39.9042 N 116.4074 E
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=1")
    assert c.cmd('AT+NTNLOC="40.9042","116.4074","50",10')[1] == "OK"
    c.cmd("AT+CFUN=1")
    force_time(virtual_rig, 2 * NtnTiming().search_s + 30.0)
    assert c.cmd("AT+CEREG?")[0][-1] == "+CEREG: 1,2"
    failed = [r for r in m.stack.session.results if r.name == "attach"]
    assert len(failed) >= 2 and not any(r.ok for r in failed)
    assert abs(failed[0].details["ta_error_s"]) > failed[0].details["tolerance_s"]
    assert m.events("attach failed: ")

"""The NB-IoT NTN modules' URC timeline is the ntnstack.stack session's timeline (docs/stack.md,
"API for the virtual modules"): searching until the search time is over, cell found when
SIB31-NB is decoded, +CSCON: 1 when RRCConnectionSetup-NB reaches the UE, +CGEV and +CEREG
with AcT 14 when Attach Accept reaches it, +CSCON: 0 when RRCConnectionRelease-NB does."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

import phy_ffi
from at_bridge import sms_pdu
from ntnstack.terminals.procedures import NtnTiming
from tests.terminals.test_registration import NTN_FAMILIES, force_time, set_location
from tests.tolerances import ONE_MICROSECOND, ONE_NANOSECOND


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
    with no malformed packet and no expert error (docs/stack.md "What tshark shows"): the
    attach, data, and an SMS sent from RRC idle (in the CONTROL PLANE SERVICE REQUEST) to a
    number nobody owns, which the SMSC echoes back (MT SMS, acknowledged)."""
    tshark = require_tool("tshark")
    pcap = tmp_path / "module.pcap"
    m = virtual_rig.module("nbntn-nordic", stack_pcap=str(pcap),
                           timing=NtnTiming(rrc_inactivity_s=2.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    for cmd in ("AT+CEREG=2", "AT+CRTDCP=1", "AT+CMGF=0", "AT+CNMI=2,2,0,0,0"):
        c.cmd(cmd)
    set_location(c, "nbntn-nordic")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: [15],", 10)
    c.cmd('AT+CSODCP=0,3,"414243"')
    c.wait(r'^\+CRTDCP: 0,3,"414243"$')
    force_time(virtual_rig, virtual_rig.host.now() + 5.0)       # released: RRC idle
    pdu, n = sms_pdu.submit_pdu("+8610086", "over the stack")
    c.prompt(f"AT+CMGS={n}")
    c.raw(pdu.encode() + b"\x1a")
    c.wait(r"^\+CMGS: \d+$")
    c.wait(r"^\+CMT: ,\d+$")
    force_time(virtual_rig, virtual_rig.host.now() + 5.0)
    m.stack.close()
    out = subprocess.run([tshark, "-r", str(pcap)], capture_output=True, text=True,
                         check=True).stdout
    assert "Malformed" not in out
    for name in ("SystemInformation-NB", "RRCConnectionSetup-NB", "Attach request",
                 "Authentication request", "Security mode command", "Attach accept",
                 "ESM data transport", "RRCConnectionRelease-NB",
                 "Control plane service request(DTAP) (SMS) CP-DATA (RP) RP-DATA (MS to Network)",
                 "Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK (Network to MS)",
                 "Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-DATA (Network to MS)",
                 "Uplink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK (MS to Network)"):
        assert name in out, name
    severities = subprocess.run([tshark, "-r", str(pcap), "-T", "fields", "-e",
                                 "_ws.expert.severity"], capture_output=True, text=True,
                                check=True).stdout
    assert "8388608" not in severities           # no expert error (PI_ERROR, 0x00800000)


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


def _gnss_ta_error_s(session, gnss_deg_m) -> float:
    """2 (|sat - UE| - |sat - UE_gnss|) / c: the TA the UE computes from its position estimate
    falls short of the true UE - satellite round trip by this much (docs/stack.md)."""
    t = session.sib.epoch_unix_s
    sat = session.cell.source.states(np.array([t]))[0][0]
    gnss = np.asarray(phy_ffi.geodetic_to_ecef(*gnss_deg_m).ecef_m[0], dtype=float)
    return 2 * (np.linalg.norm(sat - session.ue_ecef) - np.linalg.norm(sat - gnss)) / \
        phy_ffi.CONST.SPEED_OF_LIGHT_MPS


@pytest.mark.parametrize("lat_deg, attaches", [(39.9, True), (40.9042, False)])
def test_nordic_location_is_the_gnss_estimate_of_the_random_access(virtual_rig, lat_deg,
                                                                   attaches):
    """%LOCATION (Nordic) is the UE's GNSS estimate: the preamble arrival error at the eNB is
    2 (|sat - UE| - |sat - UE_gnss|) / c. 0.0042 deg (470 m) off: well inside the NPRACH CP
    (format 1, 8192 T_s = 266.7 us, TS 36.211 Table 10.1.6.1-1), the attach succeeds; 1 deg
    (111 km) off: beyond it, no RAR after preamble_trans_max preambles, the attach fails."""
    m = virtual_rig.module("nbntn-nordic")             # truth: Beijing 39.9042 N 116.4074 E
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=1")
    assert c.cmd(f'AT%LOCATION=2,"{lat_deg}","116.4074","50",0,0')[1] == "OK"
    c.cmd("AT+CFUN=1")
    force_time(virtual_rig, NtnTiming().search_s + 30.0)
    attach = [r for r in m.stack.session.results if r.name == "attach"][0]
    d = attach.details
    expected = _gnss_ta_error_s(m.stack.session, (lat_deg, 116.4074, 50.0))
    assert d["ta_error_s"] == pytest.approx(expected, abs=ONE_MICROSECOND)
    assert d["tolerance_s"] == pytest.approx(8192 / (15000 * 2048), abs=ONE_NANOSECOND)
    assert attach.ok is attaches is bool(abs(expected) <= d["tolerance_s"])
    if not attaches:
        assert d["attempts"] == m.stack.session.ue.preamble_trans_max
        assert c.cmd("AT+CEREG?")[0][-1] == "+CEREG: 1,2"


@pytest.mark.parametrize("fun, idle_first", [(0, False), (4, True)])
def test_cfun_off_sends_a_switch_off_detach(virtual_rig, fun, idle_first):
    """AT+CFUN=0 / 4 while attached: DETACH REQUEST with switch-off through the stack (from
    RRC_CONNECTED after a scheduling request, from idle after random access; no DETACH
    ACCEPT, TS 24.301 5.5.2.2.2); the MME forgets the UE; CFUN=1 attaches anew."""
    m = virtual_rig.module("nbntn-generic", timing=NtnTiming(rrc_inactivity_s=1.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=1")
    set_location(c, "nbntn-generic")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$", 20)
    if idle_first:
        force_time(virtual_rig, virtual_rig.host.now() + 2.0)
    s = m.stack.session
    assert s.rrc_state == ("idle" if idle_first else "connected")
    assert c.cmd(f"AT+CFUN={fun}")[1] == "OK"
    detach = s.results[-1]
    assert detach.name == "detach" and detach.ok
    assert [x.nas for x in detach.messages if x.nas] == ["detach-request"]
    assert detach.round_trips == (2 if idle_first else 1)   # RAR + Msg4, or the SR
    assert not s.attached and m.events("stack detach ok=True")
    with pytest.raises(KeyError):
        s.mme.context(s.ue.imsi)
    assert c.cmd("AT+CEREG?")[0][-1] == "+CEREG: 1,0"
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$", 20)
    assert [r.name for r in s.results if r.ok][-1] == "attach"

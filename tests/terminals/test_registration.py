"""NB-IoT NTN registration over the emulated link (docs/reference.md 5): only while the
satellite is visible and a location is known; every delay from the link's RTT; loss when the
satellite sets and regain on the next pass. Timing checks run on the virtual clock, where
emulated times are exact, and read the module's journal of emulated event times."""
from __future__ import annotations

import math

import pytest

from ntnstack.terminals.link_view import FixedGeometryLink, PassSchedule
from ntnstack.terminals.procedures import NtnTiming
from tests.tolerances import ONE_MICROSECOND, TENTH_DB

NTN_FAMILIES = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "nbntn-sierra"]
C_MPS = 299_792_458.0          # speed of light (docs/reference.md 1)
R_EARTH_M = 6_371_000.0        # TR 38.811 spherical Earth
GEO_ALT_M = 35_786_000.0       # TR 38.821 GEO altitude
LEO_ALT_M = 600_000.0          # TR 38.821 LEO-600


def slant_range_m(alt_m: float, el_deg: float) -> float:
    """TR 38.811 6.6: d = sqrt(R^2 sin^2 a + h^2 + 2 h R) - R sin a (independent of phy_ffi)."""
    s = math.sin(math.radians(el_deg))
    return math.sqrt(R_EARTH_M**2 * s**2 + alt_m**2 + 2 * alt_m * R_EARTH_M) - R_EARTH_M * s


def set_location(c, family: str) -> None:
    """Each family's way to give the module a position (at_bridge dialects)."""
    if family == "nbntn-generic":
        assert c.cmd('AT+NTNLOC="39.9","116.4","50",10')[1] == "OK"
    elif family == "nbntn-nordic":
        assert c.cmd('AT%LOCATION=2,"39.9","116.4","50",10,0')[1] == "OK"
    elif family == "nbntn-murata":
        assert c.cmd('AT%IGNSSCFG="SET","POS","39.9","116.4","50",10')[1] == "OK"
    elif family == "nbntn-sierra":
        assert c.cmd('AT+KNTNCMD="POS","39.9","116.4","50"')[1] == "OK"
    else:
        assert c.cmd("AT+QGPS=1")[1] == "OK"    # the fix follows after the GNSS TTFF


def force_time(rig, t_s: float) -> None:
    """Virtual clock: let emulated time reach t_s while the modules act."""
    rig.wait(t_s - rig.host.now())
    assert rig.host.now() >= t_s


def reg_time(m, stat: str = "5") -> float:
    return [t for t, x in m.events("registration ") if x.endswith(stat)][-1]


@pytest.mark.parametrize("family", NTN_FAMILIES)
def test_registers_with_satellite_act_when_visible_and_located(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    c.cmd("AT+CEREG=2")
    c.cmd("AT+CSCON=1")
    set_location(c, family)
    c.cmd("AT+CFUN=1")
    c.wait(r'^\+CEREG: 2$')
    c.wait(r"^\+CSCON: 1$")
    reg = c.wait(r'^\+CEREG: (\d),"[0-9A-F]+","[0-9A-F]+",(\d+)$')
    assert reg.group(1) == "5" and reg.group(2) == "14"   # 27.007 7.3: AcT 14 = NB-S1 satellite
    lines, _ = c.cmd("AT+COPS?")
    assert lines == ['+COPS: 0,2,"00101",14']


@pytest.mark.parametrize("family", ["nbntn-generic", "nbntn-nordic"])
def test_no_registration_without_a_location(virtual_rig, family):
    m = virtual_rig.module(family)
    virtual_rig.start()
    c = virtual_rig.client(m)
    if family == "nbntn-nordic":
        c.cmd("AT%LOCATION=1")
    c.cmd("AT+CFUN=1")
    if family == "nbntn-nordic":
        c.wait(r"^%LOCATION: \d+$")        # the modem asks the host for a fix
    force_time(virtual_rig, 1000.0)        # far past the 54 s a located GEO attach takes
    assert c.cmd("AT+CEREG?")[0] == ["+CEREG: 0,2"]
    set_location(c, family)
    force_time(virtual_rig, virtual_rig.host.now() + 120.0)   # docs/reference.md 5: <= 120 s
    assert c.cmd("AT+CEREG?")[0] == ["+CEREG: 0,5"]


def test_no_registration_below_the_minimum_elevation(virtual_rig):
    low = FixedGeometryLink(GEO_ALT_M, 5.0)     # TR 38.821 minimum elevation is 10 deg
    m = virtual_rig.module("nbntn-generic", low)
    virtual_rig.start()
    c = virtual_rig.client(m)
    set_location(c, "nbntn-generic")
    c.cmd("AT+CFUN=1")
    force_time(virtual_rig, 3600.0)        # an hour: a fixed geometry never rises
    assert c.cmd("AT+CEREG?")[0] == ["+CEREG: 0,2"]
    assert c.cmd("AT+CESQ")[0] == ["+CESQ: 99,99,255,255,255,255"]   # 27.007 8.69: unknown


def stack_attach(m):
    """The module's stack attach (ntnstack.stack ProcedureResult) that registered it."""
    return [r for r in m.stack.session.results if r.name == "attach" and r.ok][-1]


def test_attach_time_is_the_stack_procedure_over_the_rtt(virtual_rig):
    """No search time: registration comes exactly when the stack's Attach Accept reaches the
    UE; the stack counted 5 round trips over this geometry's RTT (docs/stack.md)."""
    bare = NtnTiming(search_s=0.0)
    geometries = [(GEO_ALT_M, 10.0), (GEO_ALT_M, 90.0), (LEO_ALT_M, 30.0)]
    mods = [virtual_rig.module("nbntn-generic", FixedGeometryLink(a, e), timing=bare)
            for a, e in geometries]
    virtual_rig.start()
    for m in mods:
        c = virtual_rig.client(m)
        set_location(c, "nbntn-generic")
        c.cmd("AT+CEREG=1")
        c.cmd("AT+CFUN=1")
        c.wait(r"^\+CEREG: 5$")
    took = []
    for m, (alt, el) in zip(mods, geometries, strict=True):
        rtt = 4 * slant_range_m(alt, el) / C_MPS        # transparent: UE-sat-gateway, both ways
        attach = stack_attach(m)
        assert attach.details["rtt_s"] == pytest.approx(rtt, abs=ONE_MICROSECOND)
        assert attach.round_trips == 5
        accept = m.stack.t_s(attach.details["attach_accept_rx_unix_s"])
        assert reg_time(m) == pytest.approx(accept, abs=ONE_MICROSECOND)
        sib = [t for t, kind, _ in m.stack.session.events if kind == "sib31-nb acquired"][0]
        took.append(accept - m.stack.t_s(sib))          # after the broadcast schedule
    assert took[0] > took[1] > took[2]
    # 5 round trips of the RTT difference, give or take NPRACH occasions (80 ms period)
    geo_minus_leo_s = 5 * 4 * (slant_range_m(GEO_ALT_M, 10.0) - slant_range_m(LEO_ALT_M, 30.0)
                               ) / C_MPS
    assert took[0] - took[2] == pytest.approx(geo_minus_leo_s, abs=0.1)


def test_default_geo_attach_is_within_the_typical_50_to_120_s(virtual_rig):
    m = virtual_rig.module("nbntn-generic", FixedGeometryLink(GEO_ALT_M, 10.0))
    virtual_rig.start()
    c = virtual_rig.client(m)
    set_location(c, "nbntn-generic")
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$")
    started = m.events("cfun 1")[-1][0]
    took = reg_time(m) - started
    attach = stack_attach(m)
    assert m.stack.t_s(attach.start_unix_s) == pytest.approx(started + NtnTiming().search_s,
                                                             abs=ONE_MICROSECOND)
    assert took == pytest.approx(NtnTiming().search_s + attach.duration_s, abs=ONE_MICROSECOND)
    assert 50.0 <= took <= 120.0                          # docs/reference.md 5 (GEO)


def _passing_module(virtual_rig, period_s: float):
    """A generic module on a LEO-600 link visible 300 s of every ``period_s``, RRC kept
    (no inactivity release), +CEREG and +CSCON URCs on, registering on the first pass."""
    link = FixedGeometryLink(LEO_ALT_M, 30.0, passes=PassSchedule(period_s=period_s,
                                                                  visible_s=300.0))
    m = virtual_rig.module("nbntn-generic", link, timing=NtnTiming(rrc_inactivity_s=1e4))
    virtual_rig.start()
    c = virtual_rig.client(m)
    set_location(c, "nbntn-generic")
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CSCON=1")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 5$")
    c.wait(r"^\+CSCON: 0$")      # the satellite sets: RRC gone, then
    c.wait(r"^\+CEREG: 2$")      # searching
    assert [t for t, x in m.events("satellite set")][0] == pytest.approx(300.0)
    return m, c


def test_loses_registration_when_the_satellite_sets_and_regains_next_pass(virtual_rig):
    """A gap of 300 s, within T3412 (54 min): the UE stays EMM-REGISTERED with its GUTI and
    has nothing to send when the satellite is back (TS 24.301 5.3.5): registered again when
    the cell's SIBs are read, no new attach, no RRC connection."""
    m, c = _passing_module(virtual_rig, 600.0)
    c.wait(r"^\+CEREG: 5$")
    rise = [t for t, x in m.events("satellite rose")][0]
    assert rise == pytest.approx(600.0)
    back = [r for r in m.stack.session.results if r.name == "return-to-coverage"][0]
    assert back.ok and not back.details["t3412_expired"] and back.round_trips == 0
    assert reg_time(m) == pytest.approx(m.stack.t_s(back.details["in_service_rx_unix_s"]),
                                        abs=ONE_MICROSECOND)
    assert reg_time(m) > rise + NtnTiming().search_s
    assert len([r for r in m.stack.session.results if r.name == "attach"]) == 1
    assert [t for t, _ in m.events("rrc 1") if t > rise] == []


def test_periodic_tau_with_the_guti_after_a_gap_longer_than_t3412(virtual_rig):
    """A gap of 3,700 s, beyond T3412 (9 decihours = 3,240 s, the ATTACH ACCEPT's): back in
    coverage the UE sends a periodic TRACKING AREA UPDATE REQUEST with its GUTI and KSI
    (TS 24.301 5.3.5, 5.5.3.2.2), not a new ATTACH REQUEST with its IMSI; registered when
    the TAU ACCEPT reaches it, with the same GUTI and no new authentication."""
    m, c = _passing_module(virtual_rig, 4000.0)
    session = m.stack.session
    guti, ksi = session.guti, session.security.ksi
    c.wait(r"^\+CSCON: 1$")       # the TAU's RRC connection
    c.wait(r"^\+CEREG: 5$")
    back = [r for r in session.results if r.name == "return-to-coverage"][0]
    assert back.ok and back.details["t3412_expired"]
    assert [x.nas for x in back.messages if x.nas] == ["tracking-area-update-request",
                                                       "tracking-area-update-accept"]
    assert reg_time(m) == pytest.approx(m.stack.t_s(back.details["in_service_rx_unix_s"]),
                                        abs=ONE_MICROSECOND)
    assert (session.guti, session.security.ksi) == (guti, ksi)
    assert len([r for r in session.results if r.name == "attach"]) == 1


def test_signal_reports_follow_the_path_loss(rig):
    near = rig.module("nbntn-generic", FixedGeometryLink(LEO_ALT_M, 90.0))
    far = rig.module("nbntn-generic", FixedGeometryLink(LEO_ALT_M, 10.0))
    rig.start()
    rsrp_index = []
    for m in (near, far):
        c = rig.client(m)
        c.cmd("AT+CFUN=1")
        rsrp_index.append(int(c.cmd("AT+CESQ")[0][0].split(",")[5]))
    # Zenith, independently: FSPL (TR 38.811 eq. 6.6-2) + scintillation 6.22 / f_GHz^1.5
    # (docs/reference.md 1); LEO-600 S band EIRP density 34 dBW/MHz (TR 38.821 Table 6.1.1.1-1)
    # over 15 kHz, 3 dB polarisation loss, 0 dBi antenna (the budget of signal.py).
    f_ghz = 2.185
    loss = 32.45 + 20 * math.log10(f_ghz) + 20 * math.log10(LEO_ALT_M) + 6.22 / f_ghz**1.5
    rsrp_dbm = 34 + 30 + 10 * math.log10(0.015) - 3 - loss
    # +CESQ rsrp n: -141 + n <= RSRP < -140 + n (27.007 8.69); at zenith in the rural
    # environment the mean clutter (1 - P_LOS) CL and the gases add less than a tenth of a dB
    # at S band (TR 38.811 Table 6.6.1-1: P_LOS 99.8 % at 90 deg).
    assert -141 + rsrp_index[0] == pytest.approx(rsrp_dbm - 0.5, abs=0.5 + TENTH_DB)
    far_loss, near_loss = far.link_sample().pathloss_db, near.link_sample().pathloss_db
    assert rsrp_index[0] - rsrp_index[1] == pytest.approx(far_loss - near_loss, abs=1.0)

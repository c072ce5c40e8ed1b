"""The modules' link views: fixed reference geometry, GEO slots, and OrbitLink over
ntnstack.orbit + ntnstack.link (a TR 38.821 LEO-600 pass over the reference UE)."""
from __future__ import annotations

import math

import pytest

from ntnstack.link.terminals import ground_point
from ntnstack.orbit.presets import REFERENCE_UE
from ntnstack.orbit.spec import parse_orbit_specs
from ntnstack.terminals.link_view import FixedGeometryLink, PassSchedule
from ntnstack.link.passes import passes
from ntnstack.terminals.orbit_link import STEP_S, OrbitLink
from ntnstack.terminals.signal import signal_report
from tests.terminals.test_registration import (C_MPS, GEO_ALT_M, force_time,
                                               set_location, slant_range_m)
from tests.tolerances import ONE_MICROSECOND

CULMINATION_S = 600.0   # preset tr38821-leo600: overhead REFERENCE_UE at start + 600 s


def leo_link(epoch: float) -> OrbitLink:
    return OrbitLink(parse_orbit_specs("preset:tr38821-leo600", epoch),
                     ground_point(*REFERENCE_UE), epoch)


def test_fixed_geometry_rtt_is_the_tr38811_slant_range():
    link = FixedGeometryLink(GEO_ALT_M, 10.0)
    s = link.sample(0.0)
    assert s.visible and s.rtt_s == pytest.approx(4 * slant_range_m(GEO_ALT_M, 10.0) / C_MPS,
                                                  abs=ONE_MICROSECOND)


def test_pass_schedule_next_change():
    p = PassSchedule(period_s=100.0, visible_s=30.0, first_rise_s=10.0)
    assert [p.next_change_s(t) for t in (0.0, 10.0, 39.9, 40.0, 110.0)] == \
        [10.0, 40.0, 40.0, 110.0, 140.0]


def test_orbit_link_leo_pass_over_the_reference_ue():
    link = leo_link(1.8e9)
    assert not link.sample(0.0).visible
    rise = link.next_change_s(0.0)
    assert 0.0 < rise < CULMINATION_S
    top = link.sample(CULMINATION_S)
    assert top.visible and top.elevation_deg > 85.0
    sets = link.next_change_s(CULMINATION_S)
    # Against the link layer's own pass finder (bisection); OrbitLink samples every STEP_S.
    ref = passes(link.sources[0], link.ue, link.epoch, 2 * CULMINATION_S)[0]
    assert rise == pytest.approx(ref.rise_unix_s - link.epoch, abs=STEP_S)
    assert sets == pytest.approx(ref.set_unix_s - link.epoch, abs=STEP_S)
    assert signal_report(top.pathloss_db, "leo").cesq_rsrp > \
        signal_report(link.sample(rise + 1).pathloss_db, "leo").cesq_rsrp


def test_module_registers_during_the_leo_pass_and_loses_it_at_set(virtual_rig):
    link = leo_link(virtual_rig.host.clock.epoch_unix_s)
    m = virtual_rig.module("nbntn-generic", link)
    virtual_rig.start()
    c = virtual_rig.client(m)
    set_location(c, "nbntn-generic")
    c.cmd("AT+CEREG=1")
    c.cmd("AT+CFUN=1")
    c.wait(r"^\+CEREG: 2$")
    c.wait(r"^\+CEREG: 5$")
    c.wait(r"^\+CEREG: 2$")
    rise, set_ = link.next_change_s(0.0), link.next_change_s(CULMINATION_S)
    registered = [t for t, x in m.events("registration 5")][0]
    lost = [t for t, x in m.events("satellite set")][0]
    assert rise < registered < set_
    assert lost == pytest.approx(set_)
    force_time(virtual_rig, set_ + 10)
    assert math.isnan(m.link_sample().elevation_deg)

"""Example: how a module vendor writes its own regression tests with the ntnstack plugin.

Run on virtual modules (default) or on a rig, unchanged::

    pytest tests/runner/test_vendor_example.py
    pytest tests/runner/test_vendor_example.py --ntn-testbed testbeds/my-rig.yaml

``ntn_terminal(name)`` opens a terminal of the scenario (here the default scenario: see
ntnstack/configs/scenarios/default.yaml for the names) and returns its at_bridge driver; the markers
let a suite pick families and orbits (``pytest -m "nbntn and geo"``). Limits come from
docs/reference.md 5 (NB-IoT NTN attach over GEO 50-120 s) and TS 27.007 10.1.22
(+CEREG stat 1 home / 5 roaming, AcT 14 = satellite E-UTRAN NB-S1).
"""
from __future__ import annotations

import pytest

GEO_ATTACH_LIMIT_S = 120.0
SATELLITE_NB_S1 = 14


@pytest.mark.ntn_family("nbntn-nordic")
@pytest.mark.ntn_orbit("geo")
def test_attach_over_geo_and_echo(ntn_terminal, ntn_bench):
    m = ntn_terminal("nb-geo")
    m.power_on()
    pos = ntn_bench.scenario.terminals["nb-geo"].position
    m.set_location(pos.lat_deg, pos.lon_deg, pos.alt_m)
    t0 = ntn_bench.t()
    reg = m.attach(timeout_s=60)  # real seconds; emulated time runs ahead on virtual modules
    assert reg.registered and reg.act == SATELLITE_NB_S1
    assert ntn_bench.t() - t0 <= GEO_ATTACH_LIMIT_S
    m.send_data(b"vendor regression")
    assert m.receive_data(timeout_s=30) == b"vendor regression"


@pytest.mark.ntn_family("tiantong")
@pytest.mark.ntn_orbit("geo")
def test_tiantong_sms_between_two_terminals(ntn_terminal, ntn_bench):
    a, b = ntn_terminal("tt-chengdu"), ntn_terminal("tt-lhasa")
    for m in (a, b):
        m.power_on()
        # Tiantong modules register by themselves once booted; attach only when not yet
        assert m.registration().registered or m.attach(timeout_s=60).registered
    a.send_sms(ntn_bench.number("tt-lhasa"), "regression SMS")
    assert b.receive_sms(timeout_s=60).text == "regression SMS"


@pytest.mark.ntn_hardware
@pytest.mark.ntn_family("beidou-bds3")
def test_card_present_on_the_rig(ntn_terminal):
    m = ntn_terminal("bd-sanya")
    m.power_on()
    assert m.card_info().address != 0  # BDS-3 $BDICP field 1: 0 = no card

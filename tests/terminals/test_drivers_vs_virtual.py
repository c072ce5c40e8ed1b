"""Every at_bridge driver operation of every family against its virtual module, over a pty
with the driver's own transport (pyserial), dialect and engines: the two halves of issue 4
checked against each other."""
from __future__ import annotations

import pytest

import threading

from at_bridge.drivers.factory import open_module
from at_bridge.errors import Timeout
from tests.terminals.test_registration import GEO_ALT_M

NTN_FAMILIES = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "nbntn-sierra"]
ACT_NB_S1 = 14          # TS 27.007 7.3: satellite E-UTRAN (NB-S1)
POS = (39.9042, 116.4074, 50.0)


@pytest.fixture
def drivers(tmp_path):
    opened = []

    def open_(m, **kw):
        d = open_module(m.path, m.family, log_path=tmp_path / f"{m.family}-{len(opened)}.log",
                        **kw)
        opened.append(d)
        return d
    yield open_
    for d in opened:
        d.close()


@pytest.mark.parametrize("family", NTN_FAMILIES)
def test_nbntn_driver_operations(rig, drivers, family):
    m = rig.module(family, ue_position=POS)
    rig.start()
    rig.ready(m)
    d = drivers(m)
    d.power_on()
    ident = d.identity()
    assert (ident.imei, ident.imsi, ident.iccid) == (m.identity.imei, m.identity.imsi,
                                                     m.identity.iccid)
    assert ident.firmware
    d.set_location(*POS)
    reg = d.attach(timeout_s=20)
    assert reg.registered and reg.act == ACT_NB_S1
    now = d.registration()
    assert now.registered and now.act == ACT_NB_S1
    sig = d.signal()
    assert sig.rsrp_dbm == pytest.approx(m.signal().rsrp_dbm, abs=1.0)   # CESQ: 1 dB steps
    d.send_data(b"\x01\x02ntn")
    assert d.receive_data(timeout_s=20) == b"\x01\x02ntn"                # echoed by the core
    d.send_sms(m.identity.msisdn, "SMS over NTN")
    sms = d.receive_sms(timeout_s=20)
    assert (sms.sender, sms.text) == (m.identity.msisdn, "SMS over NTN")
    d.detach()
    assert not d.registration().registered


@pytest.mark.parametrize("family", NTN_FAMILIES)
def test_nbntn_driver_reset(rig, drivers, family):
    m = rig.module(family)
    rig.start()
    rig.ready(m)
    d = drivers(m)
    d.power_on()
    d.reset()
    assert m.boot_count == 2
    assert d.identity().imei == m.identity.imei


def test_nbntn_data_between_two_modules(rig, drivers):
    a, b = rig.module("nbntn-generic"), rig.module("nbntn-murata")
    rig.network.pair(a, b)
    rig.start()
    rig.ready(a)
    rig.ready(b)
    da, db = drivers(a), drivers(b)
    for d in (da, db):
        d.power_on()
        d.set_location(*POS)
        d.attach(timeout_s=20)
    da.send_data(b"to murata")
    assert db.receive_data(timeout_s=20) == b"to murata"
    db.send_data(b"to generic")
    assert da.receive_data(timeout_s=20) == b"to generic"


def test_tiantong_driver_call_and_sms(rig, drivers):
    a, b = rig.module("tiantong"), rig.module("tiantong")
    rig.start()
    rig.ready(a)
    rig.ready(b)
    da, db = drivers(a), drivers(b)
    for d, m in ((da, a), (db, b)):
        d.power_on()                                   # AT+CMUX and the four channels
        assert d.identity().imei == m.identity.imei
        # The module registers by itself after boot (+CFUN: 1 is its default); the dialect's
        # attach waits for a +CREG URC after AT+CFUN=1, so detach first to see one.
        d.detach()
        assert d.attach(timeout_s=20).registered
        assert d.signal().rssi_dbm is not None
    dialled = threading.Thread(target=da.dial, args=(b.identity.msisdn,),
                               kwargs={"timeout_s": 20})
    dialled.start()
    ring = db.answer(timeout_s=20)
    dialled.join(20)
    assert not dialled.is_alive()
    assert ring is not None
    calls = da.calls()
    assert calls and calls[0]["call_state"] == "0"      # 27.007 7.18: active
    db.hang_up()
    da.urc("no_carrier", timeout_s=20, channel="voice")
    da.send_sms(b.identity.msisdn, "天通短信")
    sms = db.receive_sms(timeout_s=20)
    assert (sms.sender, sms.text) == (a.identity.msisdn, "天通短信")


@pytest.mark.parametrize("family", ["beidou-2.1", "beidou-bds3", "beidou-4.0"])
def test_beidou_driver_card_and_short_messages(rig, drivers, family):
    from ntnstack.terminals.link_view import GeoSlotsLink
    from ntnstack.terminals.orbit_link import BEIDOU_GEO_LONS_DEG
    link = GeoSlotsLink(BEIDOU_GEO_LONS_DEG, *POS)
    a, b = rig.module(family, link), rig.module(family, link)
    rig.start()
    rig.ready(a)
    rig.ready(b)
    da, db = drivers(a), drivers(b)
    for d, m in ((da, a), (db, b)):
        d.power_on()
        card = d.card_info()
        assert (str(card.address).zfill(7), card.interval_s) == (m.address, 60)  # yaml card
    assert da.send_short_message(b.address, "北斗", "chinese").accepted
    got = db.receive_short_message(timeout_s=20)
    assert (got.sender.zfill(7), got.text, got.encoding) == (a.address, "北斗", "chinese")
    again = da.send_short_message(b.address, "0102", "code")     # inside the 60 s interval
    assert not again.accepted and 0 < again.wait_s <= 60


def test_tiantong_registration_needs_the_geo_slot(rig, drivers):
    from ntnstack.terminals.link_view import FixedGeometryLink
    m = rig.module("tiantong", FixedGeometryLink(GEO_ALT_M, 5.0))
    rig.start()
    rig.ready(m)
    d = drivers(m)
    d.power_on()
    assert not d.registration().registered


ASKING = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-sierra"]
"""Families whose module asks for the UE position (their dialect's location.requests)."""
UE = (22.54, 114.06, 20.0)
"""The emulated UE position (configs/scenarios/default.yaml nb-shenzhen)."""


@pytest.mark.parametrize("family", ASKING)
def test_driver_answers_position_requests_from_the_ue_position(rig, drivers, family):
    """No set_location: the module asks during the attach and the driver answers with the
    run's UE position, the one the module's cell and SIB residuals are computed for."""
    m = rig.module(family, ue_position=UE)
    rig.start()
    rig.ready(m)
    d = drivers(m, ue_position=lambda: UE)
    d.power_on()
    assert d.attach(timeout_s=200).registered
    assert m.location == pytest.approx(m.ue_position, abs=1e-6)   # 6 decimals on the wire
    assert any("location" in x for _, x in m.events("location"))


def test_driver_without_a_position_leaves_the_module_unregistered(rig, drivers):
    m = rig.module("nbntn-nordic", ue_position=UE)
    rig.start()
    rig.ready(m)
    d = drivers(m)
    d.power_on()
    with pytest.raises(Timeout):
        d.attach(timeout_s=3.0)   # real s: 300 emulated s at the rig speed, > 120 s (ref. 5)
    assert m.location is None and not m.registered


def test_quectel_driver_stores_the_position_and_resets(rig, drivers):
    """Quectel ntn_locfix is taken at the next boot: set_location resets the module and
    the driver configures it again (power_on) before the attach."""
    m = rig.module("nbntn-quectel", ue_position=UE)
    rig.start()
    rig.ready(m)
    d = drivers(m)
    d.power_on()
    d.set_location(*UE)
    assert m.boot_count == 2 and m.location == pytest.approx(UE)
    assert m.channel.echo is False              # power_on ran again after the reset
    assert d.attach(timeout_s=200).registered

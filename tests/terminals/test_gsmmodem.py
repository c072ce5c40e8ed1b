"""A real client we did not write against the virtual modules: python-gsmmodem-new connects
(ATZ, ATE0, +CFUN?, +CMEE, +CPIN?, identity, +CSCS=?, +CNMI, ...), reads identity and
signal, waits for network coverage (+CREG? registered and +CSQ non-zero), sends SMS in text
and in PDU mode, receives them through its callback (+CMTI, then +CMGR) and lists stored
ones (+CMGL), on every AT family whose real module behaves as V.250 says at ATZ.

The client keeps its own real-time timeouts and has no part in the virtual clock's agreement
(docs/time.md), so the modules run on a scaled clock here. nbntn-murata is left out: the Altair
firmware reboots on ATZ (docs/reference.md 5), and python-gsmmodem's connect() times out on
the module's boot just as it would on the real one."""
from __future__ import annotations

import time

import pytest

from tests.terminals.conftest import Rig

gsmmodem = pytest.importorskip("gsmmodem.modem")   # a test dependency (pyproject [test])

SPEED = 50.0
"""Emulated seconds per real second: a 54 s GEO attach takes about 1 s."""
COVERAGE_TIMEOUT_S = 30.0
"""Real seconds python-gsmmodem may wait for coverage (attach and search included)."""
SMS_TIMEOUT_S = 20.0
"""Real seconds for an SMS to come back through the emulated network."""
LOCATION = {"nbntn-generic": 'AT+NTNLOC="39.9","116.4","50",10',
            "nbntn-nordic": 'AT%LOCATION=2,"39.9","116.4","50",10,0',
            "nbntn-quectel": "AT+QGPS=1", "nbntn-sierra": 'AT+KNTNCMD="POS","39.9","116.4","50"',
            "tiantong": None}
"""How a host gives each family its position (no NB-IoT NTN registration without one)."""


@pytest.fixture(params=sorted(LOCATION))
def pair(request):
    """Two modules of one family, each opened by python-gsmmodem; b collects SMS."""
    rig = Rig(speed=SPEED)
    a, b = rig.module(request.param), rig.module(request.param)
    rig.start()
    rig.ready(a)
    rig.ready(b)
    received: list = []
    ma = gsmmodem.GsmModem(a.path, 115200)
    mb = gsmmodem.GsmModem(b.path, 115200, smsReceivedCallbackFunc=received.append)
    try:
        for m in (ma, mb):
            m.connect()
            if LOCATION[request.param]:
                m.write(LOCATION[request.param])
            m.write("AT+CFUN=1")
        yield request.param, (a, ma), (b, mb), received
    finally:
        for m in (ma, mb):
            m.close()
        rig.close()


def _until(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def test_connect_identity_signal_and_coverage(pair):
    family, (a, ma), _, _ = pair
    assert ma.imei == a.identity.imei and ma.imsi == a.identity.imsi
    assert ma.manufacturer and ma.model
    assert ma.waitForNetworkCoverage(timeout=COVERAGE_TIMEOUT_S) > 0
    assert 0 < ma.signalStrength <= 31                 # +CSQ <rssi> of a visible satellite
    assert ma.networkName == "NTNSTACK"   # +COPS=3,0 then +COPS?: the long name (27.007 7.3)


@pytest.mark.parametrize("text_mode", [True, False], ids=["text", "pdu"])
def test_sms_both_ways(pair, text_mode):
    family, (a, ma), (b, mb), received = pair
    for m in (ma, mb):
        m.waitForNetworkCoverage(timeout=COVERAGE_TIMEOUT_S)
    ma.smsTextMode = text_mode
    text = f"hello in {'text' if text_mode else 'PDU'} mode"
    ma.sendSms(b.identity.msisdn, text)
    assert _until(lambda: received, SMS_TIMEOUT_S), f"{family}: no SMS arrived"
    assert (received[0].number, received[0].text) == (a.identity.msisdn, text)
    assert mb.listStoredSms() == []                     # read and deleted by the callback


@pytest.mark.parametrize("text_mode", [True, False], ids=["text", "pdu"])
def test_stored_sms_listed_unread_then_read(text_mode):
    """With +CNMI <mt> 0 (AT_CNMI, TS 27.005 3.4.1: store, no indication) an SMS to the
    module's own number stays in the store; listStoredSms (+CMGL) shows it unread once, then
    read (TS 27.005 3.4.2)."""
    rig = Rig(speed=SPEED)
    a = rig.module("nbntn-generic")
    rig.start()
    rig.ready(a)
    ma = gsmmodem.GsmModem(a.path, 115200, AT_CNMI="2,0,0,0")
    try:
        ma.connect()
        ma.write(LOCATION["nbntn-generic"])
        ma.write("AT+CFUN=1")
        ma.waitForNetworkCoverage(timeout=COVERAGE_TIMEOUT_S)
        ma.smsTextMode = text_mode
        ma.sendSms(a.identity.msisdn, "kept in the store")
        assert _until(lambda: a.sms_store, SMS_TIMEOUT_S), "the SMS did not come back"
        unread, read = gsmmodem.Sms.STATUS_RECEIVED_UNREAD, gsmmodem.Sms.STATUS_RECEIVED_READ
        assert [(s.number, s.text) for s in ma.listStoredSms(status=unread)] == \
            [(a.identity.msisdn, "kept in the store")]
        assert ma.listStoredSms(status=unread) == []
        assert [s.text for s in ma.listStoredSms(status=read)] == ["kept in the store"]
    finally:
        ma.close()
        rig.close()

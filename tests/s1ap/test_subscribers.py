"""The subscriber file's one device / one identity / one number: an IMSI bound to an IMEI
attaches only from that device (the MME asks for the IMEISV in SECURITY MODE COMMAND,
TS 24.301 5.4.3.2; a stranger's gets ATTACH REJECT #6 "Illegal ME", 5.5.1.2.5, and its S1
connection is released); the MSISDN is the originator of the subscriber's MO SMS; a
subscriber's own PDN policy (IPv6 only) narrows its PDN. The NAS is read back by pycrate."""
from __future__ import annotations

import dataclasses

import pytest

from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.s1ap.loopback import Loopback
from ntnstack.s1ap.subscribers import load_subscribers
from ntnstack.stack.imei import luhn_digit
from ntnstack.s1ap.ue_load import SMS_DESTINATION, SMS_TEXT, emulated_imsi
from ntnstack.stack import UeConfig, geo_cell
from ntnstack.stack import nas as n
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.session import StackSession
from tests.s1ap.conftest import T0_UNIX_S

pytest.importorskip("pycrate_mobile")        # a test dependency (pyproject [test])
from pycrate_mobile.NAS import parse_NAS_MO, parse_NAS_MT  # noqa: E402

PORTS = (45412, 44412)                # a loopback of its own
UE = dataclasses.replace(UeConfig(), imsi=emulated_imsi(0), seed=0)
OWN_IMEI = UE.imeisv[:14] + luhn_digit(UE.imeisv[:14])
OTHER_IMEI = "490154203237518"        # the IMEI example with a valid check digit (TS 23.003 B.2)
MSISDN = "+8613912340000"


def test_luhn_check_digit_as_python_stdnum_computes_it():
    """python-stdnum's Luhn (not ours) on the known IMEI and on 200 pseudo-random TAC+SNR."""
    stdnum_luhn = pytest.importorskip("stdnum.luhn")        # a test dependency (pyproject)
    assert luhn_digit(OTHER_IMEI[:14]) == OTHER_IMEI[14]
    for i in range(200):
        digits = f"{(i * 7919 + 35349006) * 104729 % 10**14:014d}"
        assert luhn_digit(digits) == stdnum_luhn.calc_check_digit(digits), digits


def test_file_with_imei_msisdn_and_pdn_policy(tmp_path):
    path = tmp_path / "subs.csv"
    key = UE.k.hex()
    path.write_text(f"{UE.imsi},{key},{key},{OTHER_IMEI},{MSISDN},ipv6-only\n"
                    f"001010000000001,{key},{key},,,\n")
    bound, plain = load_subscribers(path)
    assert (bound.imei, bound.msisdn, bound.pdn_policy) == (OTHER_IMEI[:14], MSISDN, "ipv6-only")
    assert (plain.imei, plain.msisdn, plain.pdn_policy) == (None, None, None)


@pytest.mark.parametrize("fields, named", [
    ("490154203237519,,", "IMEI '490154203237519'"),      # check digit 8, not 9
    (",8613912340000,", "MSISDN '8613912340000'"),         # no +
    (",,ipv5-only", "PDN policy 'ipv5-only'")])
def test_bad_fields_are_named_with_file_and_line(tmp_path, fields, named):
    path = tmp_path / "subs.csv"
    key = UE.k.hex()
    path.write_text(f"# comment\n{UE.imsi},{key},{key},{fields}\n")
    with pytest.raises(InputError, match=f"subs.csv:2: {named}"):
        load_subscribers(path)


def _attach_over_s1ap(imei: str | None):
    mme = Mme()
    mme.add(Subscriber(UE.imsi, UE.k, UE.opc, imei=imei))
    cell = geo_cell(T0_UNIX_S)
    loop = Loopback(mme, cell, "nbiot-geo", ports=PORTS)
    session = StackSession([cell], UE, loop.enb, Clock("virtual", start_unix_s=T0_UNIX_S))
    try:
        result = session.attach()
        loop.carrier.drain()
        return result, loop
    finally:
        session.close()
        loop.close()


def test_bound_imsi_attaches_from_its_own_device():
    result, loop = _attach_over_s1ap(OWN_IMEI[:14])
    assert result.ok
    assert loop.mme.mme.context(UE.imsi).state == "registered"     # ATTACH COMPLETE came


def test_bound_imsi_from_another_device_gets_illegal_me():
    result, loop = _attach_over_s1ap(OTHER_IMEI[:14])
    assert not result.ok
    assert result.reason == "attach reject: EMM cause #6"     # TS 24.301 9.9.3.9 "Illegal ME"
    assert loop.enb.seen["UEContextReleaseCommand"] == 1       # the S1 connection released
    assert loop.enb.connected(UE.imsi) is False


def test_imeisv_request_and_imeisv_and_illegal_me_as_pycrate_reads_them():
    smc = n.security_mode_command(0, "eea2", "eia2", imeisv_request=True)
    complete = n.security_mode_complete(UE.imeisv)
    reject = n.attach_reject(n.EMM_CAUSE_ILLEGAL_ME)
    for octets, parse in ((smc, parse_NAS_MT), (complete, parse_NAS_MO), (reject, parse_NAS_MT)):
        msg, err = parse(octets)
        assert err == 0 and msg.to_bytes() == octets
    msg, _ = parse_NAS_MT(smc)
    assert msg["IMEISVReq"]["IMEISVReq"]["Value"].get_val() == 1        # IMEISV requested
    msg, _ = parse_NAS_MO(complete)
    assert msg["IMEISV"][2].decode() == (3, UE.imeisv)       # T, L, ID: type 3 is IMEISV
    msg, _ = parse_NAS_MT(reject)
    assert msg["EMMCause"].get_val() == [6]                  # pycrate: "Illegal ME"


def _session(mme: Mme, subscriber: Subscriber, ue: UeConfig) -> StackSession:
    mme.add(subscriber)
    return StackSession([geo_cell(T0_UNIX_S)], ue, mme, Clock("virtual", start_unix_s=T0_UNIX_S))


def test_msisdn_is_the_originator_of_the_mo_sms():
    mme = Mme()
    session = _session(mme, Subscriber(UE.imsi, UE.k, UE.opc, msisdn=MSISDN), UE)
    try:
        assert session.attach().ok and session.send_sms(SMS_DESTINATION, SMS_TEXT).ok
    finally:
        session.close()
    ((originator, tpdu),) = mme.smsc_inbox
    assert originator == MSISDN and tpdu == mme.context(UE.imsi).mo_sms[-1]


@pytest.mark.parametrize("policy, granted, esm_cause", [
    ("ipv6-only", "ipv6", 51),      # TS 24.301 9.9.4.4: #51 "PDN type IPv6 only allowed"
    (None, "ipv4v6", None)])        # the MME's own policy: dual-stack
def test_subscriber_pdn_policy(policy, granted, esm_cause):
    ue = dataclasses.replace(UE, pdn_type="ipv4v6")
    mme = Mme()
    session = _session(mme, Subscriber(UE.imsi, UE.k, UE.opc, pdn_policy=policy), ue)
    try:
        assert session.attach().ok
    finally:
        session.close()
    assert n.decode_pdn_address(session.pdn_address).pdn_type == granted
    assert mme.context(UE.imsi).pdn_type == granted

"""MO SMS between two subscribers of ``ntnstack mme``, through S1AP in one process: UE A's
SMS to UE B's MSISDN reaches B as an SMS-DELIVER from A's MSISDN (connected: DOWNLINK NAS
TRANSPORT; idle: PAGING, then the service request), A gets the RP-ACK; pycrate (its own
TS 23.040 codec) reads the SMS-DELIVER; an unknown number or a detached recipient gets an
RP-ERROR with its cause (TS 24.011 8.2.5.4)."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from at_bridge.sms_pdu import encode_submit
from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.s1ap.loopback import Loopback
from ntnstack.stack.sms_relay import submit_destination, submit_to_deliver
from ntnstack.s1ap.ue_load import emulated_imsi
from ntnstack.stack import UeConfig, geo_cell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.session import StackSession
from tests.s1ap.conftest import T0_UNIX_S

PORTS = (47512, 49512)          # a loopback of its own
MSISDN_A, MSISDN_B = "+8613900000001", "+8613900000002"
TEXT = "to B over S1AP"


@pytest.fixture
def two_ues():
    """UEs A and B (MSISDNs above) attached through one eNB and ntnstack's MME; the SMS-DELIVER
    TPDUs the MME hands to S1AP are recorded (IMSI, TPDU)."""
    cell, mme = geo_cell(T0_UNIX_S), Mme()
    ues = [dataclasses.replace(UeConfig(), imsi=emulated_imsi(i), seed=i) for i in range(3)]
    for ue, msisdn in zip(ues, (MSISDN_A, MSISDN_B, "+8613900000003"), strict=True):
        mme.add(Subscriber(ue.imsi, ue.k, ue.opc, msisdn=msisdn))
    loop = Loopback(mme, cell, "nbiot-geo", ports=PORTS)
    handed = []
    relay = loop.mme.deliver_sms
    loop.mme.deliver_sms = lambda imsi, tpdu: (handed.append((imsi, tpdu)), relay(imsi, tpdu))
    sessions = [StackSession([cell], ue, loop.enb, Clock("virtual", start_unix_s=T0_UNIX_S))
                for ue in ues[:2]]
    try:
        for session in sessions:
            assert session.attach().ok
        loop.carrier.drain()                    # the ATTACH COMPLETEs reach the MME
        yield loop, *sessions, handed
    finally:
        for session in sessions:
            session.close()
        loop.close()


def _pycrate_deliver(tpdu: bytes):
    from pycrate_mobile.TS23040_SMS import SMS_DELIVER

    pdu = SMS_DELIVER()
    pdu.from_bytes(tpdu)
    assert pdu.to_bytes() == tpdu
    return pdu


def _check_delivered(loop, a, b, handed) -> None:
    ((imsi, tpdu),) = handed
    assert imsi == b.ue.imsi
    pdu = _pycrate_deliver(tpdu)
    assert pdu["TP_MTI"].get_val() == 0                          # SMS-DELIVER
    assert "+" + pdu["TP_OA"]["Num"].decode() == MSISDN_A      # from A's number
    assert pdu["TP_OA"]["Type"].get_val() == 1                   # international
    assert pdu["TP_UD"]["UD"].decode() == TEXT
    assert [(m.sender, m.text) for m in b.sms_received] == [(MSISDN_A, TEXT)]
    loop.carrier.drain()                           # B's CP-ACK / RP-ACK reach the MME
    assert loop.mme.mme.context(b.ue.imsi).mt_sms_acked == [1]   # the MME's first MR to B
    assert loop.mme.errors == []


def test_sms_to_a_connected_subscriber_is_delivered_from_the_senders_msisdn(two_ues):
    loop, a, b, handed = two_ues
    sent = a.send_sms(MSISDN_B, TEXT)
    assert sent.ok, sent.reason                    # A has the RP-ACK
    assert b.receive_sms("", tpdu=b"").ok       # what the MME sends B on its own
    _check_delivered(loop, a, b, handed)
    assert loop.enb.paged == []


def test_sms_to_an_idle_subscriber_pages_it_first(two_ues):
    loop, a, b, handed = two_ues
    b.release()
    loop.enb.release(b.ue.imsi)                   # UE CONTEXT RELEASE: B has no S1 link
    loop.carrier.drain()
    loop.enb.s_tmsi[b.ue.imsi] = b.s_tmsi
    assert a.send_sms(MSISDN_B, TEXT).ok
    assert loop.mme.seen["InitialUEMessage"] == 2          # the two attaches so far
    assert b.receive_sms("", tpdu=b"").ok                 # PAGING, then its service request
    assert loop.mme.seen["InitialUEMessage"] == 3
    _check_delivered(loop, a, b, handed)


@pytest.mark.parametrize("destination, policy, reason", [
    ("+8613912345678", "reject", "RP-ERROR cause #1 from the SMSC"),      # unassigned number
    ("+8613900000003", "accept", "RP-ERROR cause #27 from the SMSC"),     # not attached
])
def test_sms_refused_with_its_rp_cause(two_ues, destination, policy, reason):
    loop, a, _, handed = two_ues
    loop.mme.sms_to_others = policy
    result = a.send_sms(destination, TEXT)
    assert not result.ok and result.reason == reason
    assert handed == [] and loop.mme.mme.smsc_inbox == []


def test_sms_to_another_network_is_accepted_by_default(two_ues):
    loop, a, _, handed = two_ues
    assert a.send_sms("+8613912345678", TEXT).ok       # the SC's acceptance, RP-ACK
    assert handed == [] and [o for o, _ in loop.mme.mme.smsc_inbox] == [MSISDN_A]


def test_submit_to_deliver_keeps_pid_dcs_and_user_data():
    submit = encode_submit(MSISDN_B, "ü and a header", mr=9, validity=167,
                           udh=bytes.fromhex("0003010201"))
    destination, after_da = submit_destination(submit)
    assert destination == MSISDN_B
    scts = datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC)
    pdu = _pycrate_deliver(submit_to_deliver(submit, MSISDN_A, scts))
    assert pdu["TP_UDHI"].get_val() == 1 and "+" + pdu["TP_OA"]["Num"].decode() == MSISDN_A
    # TS 23.040 9.2.2.2: TP-PID, TP-DCS, TP-VP (1 octet, relative), TP-UDL, TP-UD
    assert pdu["TP_PID"].to_bytes() + pdu["TP_DCS"].to_bytes() == \
        submit[after_da:after_da + 2]
    assert pdu["TP_UD"].to_bytes() == submit[after_da + 3:]
    # TS 23.040 9.2.3.11: 26-01-01 12:30:05 +0, each octet's two digits swapped
    assert pdu["TP_SCTS"].to_bytes() == bytes.fromhex("62101021035000")
    with pytest.raises(InputError, match="is not an SMS-SUBMIT"):
        submit_to_deliver(b"\x00\x00", MSISDN_A, scts)


def test_bad_sms_policy_is_one_line(capsys, tmp_path):
    from tests.cli.test_bad_input import one_line_error

    path = tmp_path / "subscribers.csv"
    path.write_text(f"001010000000001,{'00' * 16},{'00' * 16}\n")
    one_line_error(capsys, ["mme", "--listen", "127.0.0.1:0", "--sctp", "usrsctp",
                            "--subscribers", str(path), "--sms-to-others", "drop"],
                   "--sms-to-others 'drop': one of accept, reject")


@pytest.mark.parametrize("typed", ["+8613900000002", "8613900000002"])
def test_a_number_without_plus_reaches_the_same_subscriber(typed):
    """A module's ``AT+CMGS="8613900000002"`` sends the number as type 129 (unknown), which
    the SMS-SUBMIT carries without "+"; the subscriber file has +8613900000002: one
    subscriber, found either way (before, the SMS was acknowledged and silently dropped)."""
    mme = Mme()
    ue = UeConfig()
    mme.add(Subscriber(ue.imsi, ue.k, ue.opc, msisdn=MSISDN_B))
    destination = submit_destination(encode_submit(typed, TEXT))[0]
    assert mme.imsi_of_msisdn(destination) == ue.imsi


def test_rp_error_and_rp_smma_from_a_ue_and_a_cut_rp_data(two_ues):
    """What a UE may send besides RP-DATA and RP-ACK (TS 24.011 7.3, 8.2.2): an RP-ERROR
    refusing an MT SMS (cause #22, memory capacity exceeded) is acknowledged with CP-ACK and
    recorded; an RP-SMMA gets CP-ACK and RP-ACK; an RP-DATA cut short gets CP-ACK and an
    RP-ERROR (#96), where each used to raise and answer nothing (so the UE repeated CP-DATA)."""
    from ntnstack.stack import nas as n

    loop, a, _b, _handed = two_ues
    mme = loop.mme.mme
    imsi = a.ue.imsi

    def send(rpdu: bytes) -> list[bytes]:
        return mme._sms(imsi, n.parse(n.cp_data(0, rpdu, allocator=False)))

    assert len(send(bytes([0x04, 7, 1, 22]))) == 1                  # RP-ERROR MS->N: CP-ACK
    assert mme.context(imsi).mt_sms_refused == [(7, 22)]
    assert len(send(bytes([0x06, 8]))) == 2                         # RP-SMMA: CP-ACK, RP-ACK
    assert len(send(bytes([0x00, 9, 0, 9, 0x91]))) == 2            # cut RP-DATA: + RP-ERROR
    assert mme.context(imsi).mo_sms == []

"""The emulated NB-IoT NTN cell and ntnstack's MME across S1AP over userspace SCTP.

In one process (in-memory link, no clock in the SCTP path): 50 UEs attach, send data and
an SMS, and detach with no failure; each procedure's latency includes the satellite round
trips that the project's link model gives (SatelliteCell.one_way_s), and equals the latency
of the same UE with the in-process MME (S1AP carries exactly the NAS of the direct path);
every S1AP
procedure appears as often as the UEs need it; garbage gets an Error Indication and the MME
keeps serving. Between processes (``ntnstack mme`` and ``ntnstack enb`` over UDP on
loopback): the same flow, and the capture is S1AP to tshark with no malformed packet."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from ntnstack.capture.sctp import PPID_S1AP
from ntnstack.clock import Clock
from ntnstack.s1ap.codec import decode_pdu, encode_pdu
from ntnstack.s1ap.loopback import Loopback
from ntnstack.s1ap.messages import initial_ue_message
from ntnstack.s1ap.mme_node import S1apMme
from ntnstack.s1ap.ue_load import (SMS_DESTINATION, SMS_TEXT, UPLINK_PAYLOAD, emulated_imsi,
                                   run_ues)
from ntnstack.sctp.usrsctp import SctpMessage
from ntnstack.stack import UeConfig, geo_cell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.presets import new_session
from ntnstack.stack.session import StackSession
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.processes import cli, mme_then_enb
from tests.tolerances import ONE_MICROSECOND

UES = 50
GEO_SPAN_S = 3600.0           # power-ons spread over an hour, as ``ntnstack stack --ues``
ATTACH_ROUND_TRIPS = 5        # Msg1/Msg2, Msg3/Msg4, then 3 NAS exchanges before the accept
DETACH_ROUND_TRIPS = 2        # scheduling request, then DETACH REQUEST / ACCEPT
OTHER_PORTS = (46412, 48412)  # a second loopback while the module's one is alive
PROCEDURE_CODES = {17, 12, 11, 13, 18, 23}
"""What a run carries: S1 Setup, Initial UE, DL / UL NAS, release request, release
(TS 36.413 9.3.6); no Initial Context Setup (9): the PDNs are for control plane CIoT only."""


def _mme(count: int, eea: str = "eea2") -> Mme:
    mme, ue = Mme(eea=eea), UeConfig()
    for i in range(count):
        mme.add(Subscriber(emulated_imsi(i), ue.k, ue.opc))
    return mme


@pytest.fixture(scope="module")
def run():
    cell = geo_cell(T0_UNIX_S)
    loop = Loopback(_mme(UES), cell, "nbiot-geo")
    try:
        report = run_ues(loop.enb, [cell], UES, T0_UNIX_S, GEO_SPAN_S)
        loop.carrier.drain()            # the last UE's UE CONTEXT RELEASE COMPLETE
        yield cell, report, loop
    finally:
        loop.close()


def test_fifty_ues_attach_send_and_detach_without_failure(run):
    _, report, loop = run
    assert report.failures == []
    assert {name: len(v) for name, v in report.latencies_s.items()} == {
        "attach": UES, "data": UES, "sms": UES, "detach": UES}
    assert loop.enb.errors == [] and loop.mme.errors == []


def test_every_s1ap_procedure_as_often_as_the_ues_need_it(run):
    _, _, loop = run
    # initial: the ATTACH REQUEST, then the CONTROL PLANE SERVICE REQUEST with the SMS
    assert loop.mme.seen == {"S1SetupRequest": 1, "InitialUEMessage": 2 * UES,
                             # authentication, SMC, attach complete, data, CP-ACK, detach
                             "UplinkNASTransport": 6 * UES,
                             "UEContextReleaseRequest": UES,           # idle after the data
                             "UEContextReleaseComplete": 2 * UES}      # and after the detach
    # authentication, SMC, attach accept, CP-ACK, CP-DATA (RP-ACK), detach accept
    assert loop.enb.seen == {"S1SetupResponse": 1, "DownlinkNASTransport": 6 * UES,
                             "UEContextReleaseCommand": 2 * UES}


def test_latencies_include_the_satellite_round_trips(run):
    cell, report, _ = run
    ue_ecef = new_session([cell], T0_UNIX_S).ue_ecef
    for i, attach_s in enumerate(report.latencies_s["attach"]):
        power_on = T0_UNIX_S + i * GEO_SPAN_S / UES
        rtt_s = 2 * cell.one_way_s(power_on, ue_ecef)       # the project's link delay
        assert attach_s > ATTACH_ROUND_TRIPS * rtt_s
        assert report.latencies_s["data"][i] > rtt_s
        assert report.latencies_s["sms"][i] > 3 * rtt_s     # Msg1/2, Msg3/4, CP-DATA/RP-ACK
        assert report.latencies_s["detach"][i] > DETACH_ROUND_TRIPS * rtt_s


def test_latencies_equal_the_in_process_path(run):
    """UE 7 with the MME called directly (ntnstack stack's path): the same durations."""
    cell, report, _ = run
    ue = dataclasses.replace(UeConfig(), imsi=emulated_imsi(7), seed=7)
    session = new_session([cell], T0_UNIX_S, ue=ue,
                          clock=Clock("virtual", start_unix_s=T0_UNIX_S + 7 * GEO_SPAN_S / UES))
    try:
        durations = [session.attach().duration_s, session.send_data(UPLINK_PAYLOAD).duration_s]
        session.release()
        durations += [session.send_sms(SMS_DESTINATION, SMS_TEXT).duration_s,
                      session.detach().duration_s]
    finally:
        session.close()
    assert durations == pytest.approx(
        [report.latencies_s[name][7] for name in ("attach", "data", "sms", "detach")],
        abs=ONE_MICROSECOND)


def test_garbage_gets_an_error_indication_and_service_goes_on(run):
    cell, _, _ = run
    loop = Loopback(_mme(1), cell, "nbiot-geo", ports=OTHER_PORTS)
    try:
        loop.enb.endpoint.send(loop.enb.assoc_id, 0, PPID_S1AP, b"\xff\x00garbage")
        loop.carrier.drain()
        assert loop.mme.errors[0].startswith("S1AP: malformed S1AP-PDU (9 octets)")
        assert loop.enb.errors == ["ErrorIndication from the MME: "
                                   "('protocol', 'abstract-syntax-error-reject')"]
        report = run_ues(loop.enb, [cell], 1, T0_UNIX_S, GEO_SPAN_S)
        assert report.failures == []
    finally:
        loop.close()


class _RecordingEndpoint:
    def __init__(self):
        self.sent = []

    def send(self, assoc_id, stream, ppid, data):
        self.sent.append((stream, decode_pdu(data)))


@pytest.mark.parametrize("nas_pdu", [b"", b"\x07", b"\x07\x41",
                                     bytes.fromhex("17000000000007"),   # protected, no S-TMSI
                                     bytes.fromhex("0741710801")])      # identity cut short
def test_garbage_nas_in_initial_ue_message_gets_an_error_indication(nas_pdu):
    endpoint = _RecordingEndpoint()
    node = S1apMme(_mme(1), endpoint)
    pdu = initial_ue_message(9, nas_pdu, node.mme.plmn, 1, 1)
    node._on_message(SctpMessage(1, 1, PPID_S1AP, encode_pdu(pdu)))
    ((stream, answer),) = endpoint.sent
    assert (stream, answer.message) == (1, "ErrorIndication")     # UE-associated: stream 1
    assert answer.ies == {"eNB-UE-S1AP-ID": 9, "Cause": ("nas", "unspecified")}


def test_enb_and_mme_commands_over_udp(require_tool, tmp_path):
    """Two processes, UDP on loopback; the MME stops on SIGTERM and prints what it saw."""
    tshark = require_tool("tshark")
    count = 5
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(subprocess.run(
        cli("enb", "--ues", str(count), "--print-subscribers"), cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=60).stdout)
    pcap = tmp_path / "enb.pcap"
    done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                             str(subscribers), "--eea", "eea0", "--json", "--sctp", "usrsctp"),
                        "--ues", str(count), "--pcap", str(pcap), "--json", "--sctp", "usrsctp")
    enb, mme_out, mme_err = done.enb, done.mme_out, done.mme_err
    port = done.enb.args[done.enb.args.index("--mme") + 1].rsplit(":", 1)[1]
    assert enb.returncode == 0, enb.stderr
    report = json.loads(enb.stdout)
    assert report["failures"] == []
    assert {name: row["ok"] for name, row in report["procedures"].items()} == {
        "attach": count, "data": count, "sms": count, "detach": count}
    assert done.mme_returncode == 0, mme_err
    assert json.loads(mme_out)["received"]["InitialUEMessage"] == 2 * count   # attach, SMS
    rows = subprocess.run([tshark, "-r", str(pcap), "-d", f"udp.port=={port},sctp", "-T",
                           "fields", "-e", "s1ap.procedureCode", "-e", "_ws.malformed",
                           "-e", "_ws.expert.severity"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    fields = [line.split("\t") for line in rows.splitlines()]
    codes = {int(c) for code, *_ in fields for c in code.split(",") if c}
    assert codes == PROCEDURE_CODES
    assert all(malformed == "" for _, malformed, _ in fields)


def test_mme_restart_mid_run_association_and_s1_setup_again(run):
    """10 UEs, the MME restarts (association shut down, a new MME with the same subscribers,
    no UE context), 10 more UEs: the eNB associates and sets up S1 again, nobody fails."""
    cell, _, _ = run
    loop = Loopback(_mme(20), cell, "nbiot-geo", ports=OTHER_PORTS)
    try:
        first = run_ues(loop.enb, [cell], 10, T0_UNIX_S, GEO_SPAN_S)
        loop.carrier.drain()
        loop.restart_mme(_mme(20))
        assert loop.enb.assoc_id is None                 # the eNB saw the shutdown
        second = run_ues(loop.enb, [cell], 10, T0_UNIX_S + GEO_SPAN_S, GEO_SPAN_S)
        assert first.failures == second.failures == []
        assert loop.enb.associations == 2 and loop.enb.seen["S1SetupResponse"] == 2
        assert loop.mme.seen["S1SetupRequest"] == 1 and loop.mme.seen["InitialUEMessage"] == 20
    finally:
        loop.close()


def test_release_request_then_paging_by_s_tmsi(run):
    """An attached UE's RRC connection ends: UE CONTEXT RELEASE REQUEST, COMMAND, COMPLETE;
    the MME then pages it by the S-TMSI of the GUTI it gave (TS 36.413 8.5) on stream 0."""
    cell, _, _ = run
    loop = Loopback(_mme(1), cell, "nbiot-geo", ports=OTHER_PORTS)
    ue = dataclasses.replace(UeConfig(), imsi=emulated_imsi(0), seed=0)
    session = StackSession([cell], ue, loop.enb, Clock("virtual", start_unix_s=T0_UNIX_S))
    try:
        assert session.attach().ok
        loop.enb.release(ue.imsi)
        assert not loop.enb.connected(ue.imsi)
        loop.carrier.drain()                     # the COMPLETE is still in flight
        assert loop.mme.seen["UEContextReleaseRequest"] == 1
        assert loop.mme.seen["UEContextReleaseComplete"] == 1
        loop.mme.page(ue.imsi)
        loop.carrier.drain()
        (paging,) = loop.enb.paged
        mmec, m_tmsi = session.s_tmsi
        assert paging.ies["UEPagingID"] == ("s-TMSI", {"mMEC": bytes([mmec]),
                                                       "m-TMSI": m_tmsi.to_bytes(4, "big")})
        assert paging.ies["UEIdentityIndexValue"] == (
            (int(ue.imsi) % 1024 << 6).to_bytes(2, "big"), 10)   # TS 36.304 7.1, 10 bits
    finally:
        session.close()
        loop.close()


def test_sms_answers_200_ms_apart_over_udp(tmp_path):
    """The MME (another process) sends the MO SMS's CP-DATA(RP-ACK) 200 ms after its CP-ACK,
    in a datagram of its own: the eNB waits for the answer the SMS procedure is owed (two
    downlink NAS messages, TS 24.011 5.2), not for silence, and every SMS passes."""
    count, gap_s = 2, 0.2          # 200 ms: ten times the 20 ms quiet the eNB once took as "done"
    subscribers = tmp_path / "subscribers.csv"
    ue = UeConfig()
    subscribers.write_text("\n".join(f"{emulated_imsi(i)},{ue.k.hex()},{ue.opc.hex()}"
                                     for i in range(count)))
    done = mme_then_enb([sys.executable, "-m", "tests.s1ap.slow_mme", str(subscribers),
                         str(gap_s)], "--ues", str(count), "--json", "--sctp", "usrsctp")
    enb = done.enb
    assert enb.returncode == 0, enb.stderr + done.mme_err
    report = json.loads(enb.stdout)
    assert report["failures"] == []
    assert report["procedures"]["sms"]["ok"] == count

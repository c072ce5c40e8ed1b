"""Procedures over the emulated GEO and LEO links: what tshark reads, timing, failures."""
from __future__ import annotations

import numpy as np
import pytest

import phy_ffi
from ntnstack.stack import rrc_nb
from ntnstack.stack.cell import MIB_PERIOD_S, SIB1_PERIOD_S, SIB1_REPETITION_S
from ntnstack.stack.presets import geo_cell, leo_cells, new_session
from ntnstack.stack.access import HARQ_K0_MS, NPRACH_CP_S, RAR_K0_MS, UL_GRANT_K0_MS
from ntnstack.stack.session import StackSession, UeConfig
from tests.stack.conftest import LEO_ATTACH_S, START_UNIX_S, tshark_rows
from tests.tolerances import ONE_MICROSECOND, TEN_MICROSECONDS, TENTH_DEGREE

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
LEO_ONE_WAY_BOUND_S = 0.01   # > 1932 km / c: the 600 km orbit's slant range at 10 deg elevation

GEO_SEQUENCE = [
    "MasterInformationBlock-NB",
    "SystemInformationBlockType1-NB",
    "SystemInformation-NB [ SIB2 ]",    # SI windows after SIB1-NB's decoding: see below
    "SystemInformation-NB [ SIB31 ]",
    "RRCConnectionRequest-NB",
    "RRCConnectionSetup-NB",
    "RRCConnectionSetupComplete-NB, Attach request, PDN connectivity request",
    "DLInformationTransfer-NB, Authentication request",
    "ULInformationTransfer-NB, Authentication response",
    "DLInformationTransfer-NB, Security mode command",
    "ULInformationTransfer-NB, Security mode complete",
    "DLInformationTransfer-NB, Attach accept, Activate default EPS bearer context request",
    "ULInformationTransfer-NB, Attach complete, Activate default EPS bearer context accept",
    "ULInformationTransfer-NB, ESM data transport",
    "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-DATA "
    "(MS to Network)",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-ACK",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK "
    "(Network to MS)",
    "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-ACK",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-DATA "
    "(Network to MS)",
    "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-ACK",
    "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK "
    "(MS to Network)",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-ACK",
    "RRCConnectionRelease-NB",
]


def _infos(pcap) -> list[str]:
    return [row[0].strip() for row in tshark_rows(pcap, "_ws.col.Info")]


def test_geo_capture_sequence_as_tshark_reads_it(geo_run):
    assert _infos(geo_run.pcap) == GEO_SEQUENCE


def test_geo_capture_has_no_malformed_packet(geo_run):
    rows = tshark_rows(geo_run.pcap, "frame.number", "_ws.malformed", "_ws.expert.severity")
    assert [r for r in rows if r[1]] == []
    # expert errors (missing mandatory IEs etc.) would show as severity "error" (0x00800000)
    assert [r for r in rows if "8388608" in r[2]] == []


def test_broadcast_follows_the_nb_iot_schedule(geo_run):
    """MIB-NB -> SIB1-NB -> SIB2-NB, SIB31-NB as TS 36.331 5.2.1.2a / 5.2.3a and TS 36.213
    16.4.1.3 place them, read from the capture's eNB times (frames counted from SFN 0 at the
    start)."""
    s, attach = geo_run.session, geo_run.results["attach"]
    cell = s.cell
    sent = {m.rrc: m.t_unix_s for m in attach.messages[:4]}
    sfn0 = cell.config.sfn0_unix_s
    frame = {name: round((t - sfn0) * 1e5) / 1e3 for name, t in sent.items()}   # frames
    # MIB-NB: the first 640 ms TTI the UE can hear from power-on
    d = cell.one_way_s(attach.start_unix_s, s.ue_ecef)
    assert sent["MasterInformationBlock-NB"] == pytest.approx(
        cell.next_mib_s(attach.start_unix_s - d), abs=ONE_MICROSECOND)
    # SIB1-NB: 16 repetitions in 256 frames, PCI 1 odd: repetitions start in frames 1 mod 16
    # (Table 16.4.1.3-4), subframe 4; the first after the MIB-NB
    sib1_frame = frame["systemInformationBlockType1-r13"]
    assert sib1_frame % 16 == pytest.approx(1.4)
    assert 0 < sent["systemInformationBlockType1-r13"] - sent["MasterInformationBlock-NB"] \
        <= SIB1_PERIOD_S / 16
    # SIB31-NB: SI message 2 of SIB1-NB's list, window ms160, offset 1 frame, rf128: frames
    # with SFN mod 128 = 160 / 10 + 1 = 17, subframe 0; the first after SIB1-NB is decoded
    pdu = cell.sib1(sent["systemInformationBlockType1-r13"])
    schedule = rrc_nb.sib1_schedule(pdu.data)
    assert (schedule.position, schedule.window_ms, schedule.radio_frame_offset,
            schedule.periodicity_rf) == (2, 160, 1, 128)
    assert frame["sib31-v1700"] % 128 == pytest.approx(17.0)
    wait = sent["sib31-v1700"] - sent["systemInformationBlockType1-r13"] - SIB1_REPETITION_S
    assert 0 <= wait < schedule.periodicity_rf * 0.01
    # SIB2-NB: SI message 1, x = 0: frames with SFN mod 128 = 0 + 1 = 1; the first after
    # SIB1-NB is decoded (here SIB1-NB in frame 65.4, decoded in 79.5, so SIB2-NB in frame
    # 129, before SIB31-NB in frame 145)
    assert frame["sib2-r13"] % 128 == pytest.approx(1.0)
    wait = sent["sib2-r13"] - sent["systemInformationBlockType1-r13"] - SIB1_REPETITION_S
    assert 0 <= wait < schedule.periodicity_rf * 0.01
    # SIB1-NB broadcasts the PLMN and TAC the MME gives in the TAI list of the Attach Accept
    rows = tshark_rows(geo_run.pcap, "lte-rrc.MCC_MNC_Digit", "lte-rrc.trackingAreaCode_r13",
                       "lte-rrc.schedulingInfoSIB1_r13")
    assert rows[0][2] == "2"            # 16 repetitions of 208 bits (Table 16.4.1.3-3)
    mme = s.mme
    assert rows[1][:2] == [",".join(mme.mcc + mme.mnc), f"{mme.tac:04x}"]


def test_geo_nas_security_headers(geo_run):
    # TS 24.301 9.3.1: plain before AKA, 3 SMC, 4 SMC complete, 2 afterwards
    rows = tshark_rows(geo_run.pcap, "nas_eps.security_header_type")
    headers = [r[0] for r in rows if r[0]]
    assert headers == ["0", "0", "0", "3,0", "4,0", "2,0", "2,0", "2"] + ["2,0"] * 8


def test_geo_attach_round_trips_and_time(geo_run):
    attach = geo_run.results["attach"]
    d = attach.details
    assert attach.ok and d["attempts"] == 1
    # preamble->RAR, Msg3->Msg4, AttachReq->AuthReq, AuthResp->SMC, SMC complete->Accept
    assert attach.round_trips == 5
    rtt = d["rtt_s"]
    assert 0.47 < rtt < 0.56        # TR 38.821 GEO transparent RTT, 10..90 deg: 477-541 ms
    # the rest: SIB acquisition (<= one MIB TTI + the SIB1-NB repetition spacing and length +
    # one SI period + one way), and per
    # exchange the grant wait (K_offset - TA + k0) and processing (UE, eNB, S1 and MME)
    cell = geo_run.session.cell
    sib = geo_run.session.sib
    acquisition = MIB_PERIOD_S + SIB1_PERIOD_S / 16 + SIB1_REPETITION_S + \
        cell.si_periodicity_s + rtt / 2
    s = geo_run.session
    processing = (s.ue.processing_s + s.enb_processing_s + 2 * s.core_delay_s
                  + s.mme_processing_s + 1e-3)     # + 1 ms between two DL messages in a row
    per_exchange = sib.k_offset_s - d["ta_applied_s"] + 1e-3 * RAR_K0_MS + processing
    extra = attach.duration_s - attach.round_trips * rtt
    assert 0 < extra <= acquisition + attach.round_trips * per_exchange


def test_leo_attach_is_faster_than_geo(geo_run, leo_run):
    geo, leo = geo_run.results["attach"], leo_run.results["attach"]
    assert leo.ok and leo.round_trips == geo.round_trips
    assert leo.details["rtt_s"] < 0.03 * geo.details["rtt_s"]
    assert leo.duration_s < geo.duration_s


def test_geo_data_and_sms_latency(geo_run):
    data, sms = geo_run.results["data"], geo_run.results["sms"]
    rtt = geo_run.results["attach"].details["rtt_s"]
    # data: scheduling request round trip + one way; SMS: SR round trip + CP-DATA round trip
    assert data.round_trips == 1 and 1.5 * rtt < data.details["latency_s"] < 2.5 * rtt
    assert sms.round_trips == 2 and 2 * rtt < sms.details["latency_s"] < 3 * rtt
    assert geo_run.session.mme.context(geo_run.session.ue.imsi).uplink_data == \
        [b"temperature=21.5"]


def test_geo_mt_sms_is_delivered_and_acknowledged(geo_run):
    mt = geo_run.results["sms-mt"]
    session = geo_run.session
    assert mt.ok and session.sms_received[-1].text == "hello to GEO"
    assert session.mme.context(session.ue.imsi).mt_sms_acked == [1]
    # SMSC -> UE: S1 one way to the eNB, then the UE-eNB one way from that moment
    t_enb = mt.start_unix_s + session.core_delay_s
    one_way = session.cell.one_way_s(t_enb, session.ue_ecef)
    assert mt.details["latency_s"] == pytest.approx(one_way + session.core_delay_s,
                                                    abs=ONE_MICROSECOND)


@pytest.mark.parametrize("run", ["geo_run", "leo_run"])
def test_harq_ack_arrives_k0_plus_k_offset_after_the_npdsch(run, request):
    # TS 36.213 16.4.2 (Rel-17): the UE sends NPUSCH format 2 at DL subframe n + k0 + K_offset
    # of its own timing, TA early, so the ACK reaches the eNB k0 + K_offset (+ k_mac) after
    # the NPDSCH left it, off only by the UE's TA error
    r = request.getfixturevalue(run)
    sib, d = r.session.sib, r.results["attach"].details
    expected = HARQ_K0_MS * 1e-3 + sib.k_offset_s + sib.k_mac_s
    assert d["harq_ack_delay_s"]            # Msg4 and every DLInformationTransfer
    for delay in d["harq_ack_delay_s"]:
        assert delay == pytest.approx(expected, abs=abs(d["ta_error_s"]) + TEN_MICROSECONDS)


def test_leo_capture_sequence_and_cell_change(leo_run):
    infos = _infos(leo_run.pcap)
    assert not [r for r in tshark_rows(leo_run.pcap, "_ws.malformed") if r[0]]
    # SIB1-NB in frame 1 mod 128 is decoded in frame 15.1 after SIB2-NB's window (frames 1..16)
    # began: SIB31-NB (frame 17) comes first, SIB2-NB in the next period (frame 129)
    broadcast = ["MasterInformationBlock-NB", "SystemInformationBlockType1-NB",
                 "SystemInformation-NB [ SIB31 ]", "SystemInformation-NB [ SIB2 ]"]
    assert infos[:4] == broadcast
    assert infos[-8:] == [
        *broadcast,
        "RRCConnectionRequest-NB", "RRCConnectionSetup-NB",
        "RRCConnectionSetupComplete-NB, Control plane service request, ESM data transport",
        "RRCConnectionRelease-NB"]
    assert leo_run.session.mme.context(leo_run.session.ue.imsi).uplink_data == \
        [b"leo-1", b"leo-2"]


def test_leo_coverage_gap_follows_the_geometry(leo_run):
    change = leo_run.results["cell-change"].details
    session = leo_run.session
    source, target = session.cells
    assert (change["source"], change["target"]) == (source.name, target.name)
    t_lost, gap = change["lost_unix_s"], change["coverage_gap_s"]
    # the source sets through, the target rises through, the minimum elevation (10 deg)
    assert source.elevation_deg(t_lost, session.ue_ecef) == pytest.approx(10.0, abs=TENTH_DEGREE)
    assert target.elevation_deg(t_lost + gap, session.ue_ecef) == \
        pytest.approx(10.0, abs=TENTH_DEGREE)
    # outage: the gap, then at most one MIB-NB TTI + one SI period + the one-way delay (LEO-600
    # at 10 deg: 1932 km slant range, 6.4 ms; 10 ms bounds it)
    assert 0 < gap < change["outage_s"] <= gap + MIB_PERIOD_S + target.si_periodicity_s + \
        LEO_ONE_WAY_BOUND_S


def _geo_session(**ue) -> StackSession:
    return new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, ue=UeConfig(**ue))


def test_gnss_error_beyond_the_cp_fails_random_access():
    error_m = np.array([0.0, 100e3, 0.0])
    session = _geo_session(gnss_error_ecef_m=tuple(error_m))
    result = session.attach()
    sat = session.cell.source.states(np.array([session.sib.epoch_unix_s]))[0][0]
    # the UE's TA is short by twice the range difference between its true and GNSS positions
    expected = 2 * (np.linalg.norm(sat - session.ue_ecef)
                    - np.linalg.norm(sat - session.ue_ecef - error_m)) / C
    assert not result.ok and result.details["attempts"] == session.ue.preamble_trans_max
    assert result.details["ta_error_s"] == pytest.approx(expected, abs=ONE_MICROSECOND)
    assert abs(expected) > NPRACH_CP_S[1]
    assert "beyond the NPRACH CP 266.7 us" in result.reason


def test_stale_ephemeris_fails_random_access_through_the_common_ta():
    # LEO behind a transparent payload: the common TA (feeder RTT) is a quadratic fit over
    # the 20 s validity window; 300 s later its extrapolation is off by hundreds of us
    cells = leo_cells(START_UNIX_S, (600.0,), payload="transparent",
                      gateway_deg_m=(39.0, 117.5, 0.0))
    fresh = new_session(cells, START_UNIX_S + LEO_ATTACH_S).attach()
    # 2 s later: the SIB31-NB 300 s older than the one read must come from a time the
    # gateway already sees the satellite (it rises there about 200 s after the start)
    stale = new_session(cells, START_UNIX_S + LEO_ATTACH_S + 2.0,
                        ue=UeConfig(stale_sib_s=300.0)).attach()
    assert fresh.ok and abs(fresh.details["ta_error_s"]) < NPRACH_CP_S[1] / 100
    d = stale.details
    assert not stale.ok and abs(d["ta_error_s"]) > NPRACH_CP_S[1]
    common_error = d["common_ta_true_s"] - d["common_ta_applied_s"]
    assert d["ta_error_s"] == pytest.approx(common_error, abs=10 * ONE_MICROSECOND)


def test_validity_expiry_rereads_sib31_before_uplink():
    session = new_session([geo_cell(START_UNIX_S, validity_s=5)], START_UNIX_S + 0.3,
                          eea="eea0")
    attach = session.attach()
    session.wait(10.0)
    data = session.send_data(b"after T317")
    assert attach.ok and data.ok and data.details["t317_expiries"] == 1
    assert [e[1] for e in session.events].count("T317 expired") >= 1
    names = [m.rrc for m in data.messages]
    # SIB1-NB stays valid: the UE re-reads SIB31-NB alone, in its next SI window
    assert names[0] == "sib31-v1700" and data.details["sib31_reads"] == 1
    assert data.details["expired_uplinks"] == 0 < data.details["uplink_checks"]
    rtt = attach.details["rtt_s"]
    assert data.details["latency_s"] > 2 * rtt     # the re-acquisition costs time


def test_msg3_and_ul_grant_respect_k_offset(geo_run):
    # K_offset (SIB31-NB k-Offset) must cover the TA: the UE never sends before its grant
    sib = geo_run.session.sib
    ta = geo_run.results["attach"].details["ta_applied_s"]
    assert sib.k_offset_s + 1e-3 * min(RAR_K0_MS, UL_GRANT_K0_MS) > ta


def test_detach_then_release_as_tshark_reads_it(tmp_path):
    pcap = tmp_path / "detach.pcap"
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    assert session.attach().ok
    detach = session.detach()
    session.release()
    session.close()
    assert detach.ok and detach.round_trips == 2 and not session.attached
    assert _infos(pcap)[-3:] == ["ULInformationTransfer-NB, Detach request (EPS detach)",
                                 "DLInformationTransfer-NB, Detach accept",
                                 "RRCConnectionRelease-NB"]


def test_eea2_capture_is_ciphered_yet_well_formed(tmp_path):
    # with 128-EEA2 tshark cannot read past the security header; nothing may be malformed
    pcap = tmp_path / "eea2.pcap"
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea2")
    assert session.attach().ok and session.send_data(b"secret").ok
    session.close()
    rows = tshark_rows(pcap, "_ws.col.Info", "_ws.malformed")
    assert [r for r in rows if r[1]] == []
    assert session.mme.context(session.ue.imsi).uplink_data == [b"secret"]
    assert "ESM data transport" not in rows[-1][0]


@pytest.mark.parametrize("pdn_type", ["ipv4", "ipv6", "ipv4v6", "non-ip"])
def test_data_over_each_pdn_type(pdn_type):
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3,
                          ue=UeConfig(pdn_type=pdn_type))
    assert session.attach().ok and session.send_data(b"x").ok
    received = session.mme.context(session.ue.imsi).uplink_data[0]
    # TS 24.301 9.9.4.9 (LV 6-14): PDN type octet, then IPv4 4 / IPv6 IID 8 / both 12 /
    # non-IP 4 spare zero octets
    assert len(session.pdn_address) == {"ipv4": 5, "ipv6": 9, "ipv4v6": 13, "non-ip": 5}[pdn_type]
    assert received[0] >> 4 == {"ipv4": 4, "ipv6": 6, "ipv4v6": 4, "non-ip": ord("x") >> 4}[
        pdn_type]


@pytest.mark.parametrize("run", ["geo_run", "leo_run"])
def test_ue_never_answers_before_it_has_heard(run, request):
    # at the UE, each message of the attach (on the first cell) is sent or received after
    # the previous one
    session = request.getfixturevalue(run).session
    attach = request.getfixturevalue(run).results["attach"]
    at_ue = [m.t_unix_s + (1 if m.direction == "DL" else -1)
             * session.cells[0].one_way_s(m.t_unix_s, session.ue_ecef) for m in attach.messages]
    assert all(b >= a - ONE_MICROSECOND for a, b in zip(at_ue, at_ue[1:], strict=False))


def test_attach_without_a_satellite_in_view_fails_with_no_cell():
    # LEO600-1 culminates 600 s after the start: at +100 s it is below the horizon
    result = new_session(leo_cells(START_UNIX_S), START_UNIX_S + 100.0).attach()
    assert not result.ok and result.reason.startswith("no cell: LEO600-1 at -")


def test_validity_expiry_with_the_satellite_gone_is_radio_link_failure():
    # connected UE, validity 5 s; LEO600-1 sets (10 deg) about 867 s after the start
    session = new_session(leo_cells(START_UNIX_S, validity_s=5), START_UNIX_S + 840.0)
    assert session.attach().ok
    session.wait(40.0)
    data = session.send_data(b"too late")
    assert not data.ok and data.reason.startswith("T317 expired and SIB31-NB not re-acquired")
    assert session.rrc_state == "idle"
    # re-establishment finds no cell within T311 (tests/stack/test_reestablishment.py)
    assert [e[1] for e in session.events][-3:] == ["T317 expired", "radio link failure",
                                                    "T311 expired"]


@pytest.mark.parametrize("field, value, message", [
    ("imsi", "12ab", "UeConfig.imsi"),
    ("k", bytes(15), "UeConfig.k: 16 octets"),
    ("gnss_error_ecef_m", (float("inf"), 0.0, 0.0), "UeConfig.gnss_error_ecef_m"),
    ("pdn_type", "ipx", "UeConfig.pdn_type"),
    ("nprach_format", 2, "UeConfig.nprach_format"),
    ("preamble_trans_max", 0, "UeConfig.preamble_trans_max"),
    # values SIB2-NB cannot carry (TS 36.331 RadioResourceConfigCommonSIB-NB)
    ("nprach_period_s", 0.05, "UeConfig.nprach_period_s 0.05: a SIB2-NB value, one of 40, "),
    ("preamble_trans_max", 9, "UeConfig.preamble_trans_max 9: a SIB2-NB value"),
    ("nprach_repetitions", 3, "UeConfig.nprach_repetitions 3: a SIB2-NB value"),
])
def test_bad_ue_config_names_the_field(field, value, message):
    from ntnstack.errors import InputError
    with pytest.raises(InputError, match=message):
        UeConfig(**{field: value})


def test_attach_again_after_losing_the_cell_starts_unprotected(tmp_path):
    """A UE that attaches again (a module back on the next pass) sends a plain ATTACH
    REQUEST (security header type 0) and runs EPS AKA anew; the MME takes it although it
    holds the old security context (TS 24.301 4.4.4.3: ATTACH REQUEST may come unprotected)."""
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S, pcap=tmp_path / "again.pcap")
    first = s.attach()
    s.release()
    s.wait(60.0)
    second = s.attach()
    s.close()
    assert first.ok and second.ok and second.round_trips == first.round_trips == 5
    request = [m for m in second.messages if m.nas == "attach-request"]
    assert len(request) == 1
    rows = tshark_rows(tmp_path / "again.pcap", "nas_eps.security_header_type",
                       "nas_eps.nas_msg_emm_type")
    attach_requests = [r for r in rows if "0x41" in r[1].split(",")]
    assert len(attach_requests) == 2 and all(r[0].split(",")[0] == "0" for r in attach_requests)

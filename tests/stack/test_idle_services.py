"""Services of an idle UE over the GEO reference cell: MO SMS in the CONTROL PLANE SERVICE
REQUEST, paging for MT SMS and MT data (TS 36.304 7.1 paging occasions), switch-off detach;
what tshark reads of them, and the latency the DRX cycle and the link give."""
from __future__ import annotations

import pytest

from at_bridge.sms_pdu import encode_submit
from ntnstack.errors import InputError
from ntnstack.stack import nas as n
from ntnstack.stack.access import RAR_K0_MS
from ntnstack.stack.cell import MIB_PERIOD_S, SatelliteCell
from ntnstack.stack.paging import next_paging_occasion_s, paging_frame_offset, paging_ue_id
from ntnstack.stack.presets import geo_cell, leo_cells, new_session
from tests.stack.conftest import LEO_ATTACH_S, START_UNIX_S, Run, tshark_rows
from tests.tolerances import ONE_MICROSECOND

IDLE_S = 40.0                  # idle time before each procedure
MT_ACCESS = "0"                # EstablishmentCause-NB-r13 mt-Access (TS 36.331 6.7.3)
MO_SIGNALLING = "1"            # mo-Signalling
MO_DATA = "2"                  # mo-Data
EXPECTED_INFOS = [
    "RRCConnectionRequest-NB", "RRCConnectionSetup-NB",
    "RRCConnectionSetupComplete-NB, Control plane service request(DTAP) (SMS) CP-DATA (RP) "
    "RP-DATA (MS to Network)",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-ACK",
    "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK "
    "(Network to MS)",
    "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-ACK",
    "RRCConnectionRelease-NB",
    "Paging-NB",
]


@pytest.fixture(scope="module")
def idle_run(tmp_path_factory) -> Run:
    """GEO, EEA0 + EIA2: attach, then from RRC idle each time: MO SMS, MT SMS (paged), MT
    data (paged), switch-off detach."""
    pcap = tmp_path_factory.mktemp("idle") / "idle.pcap"
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    results = {"attach": s.attach()}
    for name, run in (("sms", lambda: s.send_sms("+8613912345678", "from idle")),
                      ("sms-mt", lambda: s.receive_sms("+8613912345678", "to idle")),
                      ("data-mt", lambda: s.receive_data(b"downlink")),
                      ("detach", lambda: s.detach(switch_off=True))):
        s.release()
        s.wait(IDLE_S)
        assert s.rrc_state == "idle"
        results[name] = run()
        if name == "sms":
            mo_sms = list(s.mme.context(s.ue.imsi).mo_sms)     # gone after the detach
    s.close()
    out = Run(s, results, pcap)
    out.mo_sms_at_smsc = mo_sms
    return out


def test_idle_capture_as_tshark_reads_it(idle_run):
    rows = tshark_rows(idle_run.pcap, "_ws.col.Info", "_ws.malformed", "_ws.expert.severity")
    assert [r for r in rows if r[1]] == []
    assert [r for r in rows if "8388608" in r[2]] == []      # expert error: PI_ERROR
    infos = [r[0].strip() for r in rows]
    first = [i for i, info in enumerate(infos) if info == "RRCConnectionRequest-NB"][1]
    assert infos[first:first + len(EXPECTED_INFOS)] == EXPECTED_INFOS
    assert infos.count("Paging-NB") == 2
    paged = infos.index("Paging-NB")
    after = [i for i in infos[paged:] if "NAS" in i or "Control plane" in i]
    assert after[:5] == [
        "RRCConnectionSetupComplete-NB, Control plane service request",
        "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-DATA "
        "(Network to MS)",
        "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-ACK",
        "ULInformationTransfer-NB, Uplink NAS transport(DTAP) (SMS) CP-DATA (RP) RP-ACK "
        "(MS to Network)",
        "DLInformationTransfer-NB, Downlink NAS transport(DTAP) (SMS) CP-ACK"]
    assert "DLInformationTransfer-NB, ESM data transport" in infos
    assert infos[-1] == "RRCConnectionSetupComplete-NB, Detach request (EPS detach / switch-off)"


def test_a_registered_ue_identifies_itself_by_s_tmsi_with_the_right_cause(idle_run):
    # TS 36.331 5.3.3.3: ue-Identity = the S-TMSI from upper layers (the GUTI of the ATTACH
    # ACCEPT); cause from NAS (TS 24.301 Annex D: mo-Data for the CPSR of an MO SMS,
    # mt-Access answering paging, mo-Signalling for the detach)
    rows = tshark_rows(idle_run.pcap, "_ws.col.Info", "lte-rrc.m_TMSI",
                       "lte-rrc.establishmentCause_r13", "nas_eps.emm.m_tmsi")
    requests = [r for r in rows if r[0].strip() == "RRCConnectionRequest-NB"]
    paged = [r[1] for r in rows if r[0].strip() == "Paging-NB"]
    m_tmsi = f"{int([r[3] for r in rows if r[3]][0]):08x}"
    assert requests[0][1] == ""                       # the attach: a random value
    assert {r[1] for r in requests[1:]} == set(paged) == {m_tmsi}
    assert [r[2] for r in requests[1:]] == [MO_DATA, MT_ACCESS, MT_ACCESS, MO_SIGNALLING]


def test_mo_sms_from_idle_rides_in_the_service_request(idle_run):
    sms, rtt = idle_run.results["sms"], idle_run.results["attach"].details["rtt_s"]
    # RAR, Msg4, and CP-ACK / RP-ACK answering the CPSR
    assert sms.ok and sms.round_trips == 3
    assert 3 * rtt < sms.details["latency_s"] < 4 * rtt
    assert idle_run.mo_sms_at_smsc == [encode_submit("+8613912345678", "from idle", mr=1)]


@pytest.mark.parametrize("name", ["sms-mt", "data-mt"])
def test_paging_occasion_follows_ts_36_304(idle_run, name):
    """Paging-NB goes at the UE's first paging occasion after S1 Paging reaches the eNB:
    T = 256 frames (2.56 s), nB = T/4, UE_ID = IMSI mod 4096, PF: SFN mod T =
    (T div N)(UE_ID mod N), PO: subframe 9 (TS 36.304 7.1, Table 7.2-3)."""
    result, s = idle_run.results[name], idle_run.session
    d = result.details
    t_po, sfn0 = d["paging_occasion_unix_s"], s.cell.config.sfn0_unix_s
    frame = int((t_po - sfn0) // 0.01)
    ue_id = int(s.ue.imsi) % 4096
    assert d["paging_cycle_s"] == 2.56 and s.cell.paging_cycle_rf == 256
    assert (frame % 1024) % 256 == (256 // 64) * (ue_id % 64)
    assert t_po - sfn0 - frame * 0.01 == pytest.approx(9e-3, abs=ONE_MICROSECOND)
    s1_at_enb = result.start_unix_s + s.core_delay_s + s.enb_processing_s
    assert 0 <= t_po - s1_at_enb < d["paging_cycle_s"]
    paging = [m for m in result.messages if m.rrc == "paging-r13"]
    assert len(paging) == 1 and paging[0].t_unix_s == t_po


@pytest.mark.parametrize("name, round_trips", [("sms-mt", 4), ("data-mt", 3)])
def test_mt_latency_is_the_paging_wait_plus_the_access(idle_run, name, round_trips):
    """MME to UE: S1 one way, wait for the paging occasion, Paging-NB one way, then three
    round trips (preamble-RAR, Msg3-Msg4, CPSR-downlink NAS) plus the grant waits
    (K_offset - TA + k0), processing, the next NPRACH occasion and, T317 having expired in
    the idle time, one MIB-NB + SIB31-NB read. (The MT SMS has one more round trip after
    it reached the UE: RP-ACK up, CP-ACK down.)"""
    result, s = idle_run.results[name], idle_run.session
    d, rtt = result.details, idle_run.results["attach"].details["rtt_s"]
    assert result.ok and result.round_trips == round_trips
    one_way = s.cell.one_way_s(d["paging_occasion_unix_s"], s.ue_ecef)
    access = d["latency_s"] - d["paging_wait_s"] - s.core_delay_s - one_way
    per_exchange = (s.sib.k_offset_s - idle_run.results["attach"].details["ta_applied_s"]
                    + 1e-3 * RAR_K0_MS + s.ue.processing_s + s.enb_processing_s
                    + 2 * s.core_delay_s + s.mme_processing_s)
    slack = MIB_PERIOD_S + s.cell.si_periodicity_s + rtt / 2 + s.ue.nprach_period_s
    assert 3 * rtt < access <= 3 * rtt + 3 * per_exchange + slack
    assert d["latency_s"] < d["paging_cycle_s"] + 3 * rtt + 3 * per_exchange + slack + 2 * rtt


def test_mt_sms_and_data_reach_the_ue(idle_run):
    s = idle_run.session
    assert [m.text for m in s.sms_received] == ["to idle"]
    assert s.data_received == [b"downlink"]


def test_switch_off_detach_from_idle_has_no_accept(idle_run):
    detach, s = idle_run.results["detach"], idle_run.session
    assert detach.ok and detach.round_trips == 2          # RAR, Msg4; no DETACH ACCEPT
    assert [m.nas for m in detach.messages if m.nas] == ["detach-request"]
    assert not s.attached and s.s_tmsi is None
    with pytest.raises(KeyError):
        s.mme.context(s.ue.imsi)


def test_switch_off_detach_when_connected():
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, eea="eea0")
    assert s.attach().ok
    detach = s.detach(switch_off=True)
    assert detach.ok and detach.round_trips == 1          # the scheduling request only
    assert [m.nas for m in detach.messages] == ["detach-request"]
    assert not s.attached and s.rrc_state == "idle"


def test_mt_to_a_ue_not_attached_fails():
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3)
    assert s.receive_sms("+8613912345678", "nobody").reason == "not attached"
    assert s.receive_data(b"x").reason == "not attached"


def test_paging_frame_arithmetic():
    # TS 36.304 7.1: T = 128, nB = T/4 -> N = 32; UE_ID 4095 -> PF offset 4 * (4095 mod 32)
    assert paging_frame_offset(128, 4095) == 124
    assert paging_frame_offset(1024, 1) == 4
    assert paging_ue_id("001010000000001") == 1010000000001 % 4096
    # PF offset 4 of a 256-frame cycle from SFN 0 at t = 0: frame 4 subframe 9, then 260
    assert next_paging_occasion_s(0.0, 256, 1, 0.0) == pytest.approx(0.049)
    assert next_paging_occasion_s(0.0, 256, 1, 0.05) == pytest.approx(2.609)


def test_bad_paging_cycle_names_the_field():
    cell = geo_cell(START_UNIX_S)
    with pytest.raises(InputError, match="paging_cycle_rf: 100"):
        SatelliteCell(cell.source, cell.config, paging_cycle_rf=100)


def test_control_plane_service_request_containers_round_trip():
    cp = n.cp_data(1, n.rp_data_mo(3, "+8613800000000", b"\x01\x03"), allocator=True)
    sms = n.parse(n.control_plane_service_request(2, nas_container=cp))
    assert sms.ies == {"ksi": 2, "service": "mo", "esm": b"", "container": cp}
    mt = n.parse(n.control_plane_service_request(0, service="mt"))
    assert mt.ies["service"] == "mt" and not mt.ies["container"] and not mt.ies["esm"]
    # 9.9.3.47: service type in bits 1-3 of octet 3 (MT = 001), KSI in bits 5-7
    assert n.control_plane_service_request(2, service="mt")[2] == 0x21
    assert n.rp_data_tpdu(n.rp_data_mo(3, "+8613800000000", b"\x01\x03")) == b"\x01\x03"
    with pytest.raises(n.NasCodecError, match="RP-User data"):
        n.rp_data_tpdu(bytes([0, 1, 0, 2, 0x91]))


def test_detach_request_and_guti_are_parsed():
    off = n.parse(n.detach_request(True, n.imsi_identity("001010000000001"), 0))
    assert off.ies["switch_off"] and not n.parse(
        n.detach_request(False, n.imsi_identity("001010000000001"), 0)).ies["switch_off"]
    accept = n.parse(n.attach_accept((n.plmn_octets("001", "01"), 0x8001, 1, 0xDEADBEEF), 1,
                                     n.esm_data_transport(5, b"")))
    assert accept.ies["guti"] == (n.plmn_octets("001", "01"), 0x8001, 1, 0xDEADBEEF)


def test_paging_unheard_when_the_satellite_has_set():
    # LEO600-1 culminates 600 s after the start and sets (10 deg) about 867 s after it; no
    # other satellite is up at +900 s: the paging occasion finds no cell, the MME drops the
    # held SMS (T3413, TS 24.301 5.6.2.2.1)
    s = new_session(leo_cells(START_UNIX_S, (600.0,)), START_UNIX_S + LEO_ATTACH_S)
    assert s.attach().ok
    s.release()
    s.wait(400.0)
    mt = s.receive_sms("+8613912345678", "too late")
    assert not mt.ok and mt.reason.startswith("no cell: paging not heard, LEO600-1 at ")
    assert s.mme.context(s.ue.imsi).pending_dl == [] and s.sms_received == []


@pytest.mark.parametrize("eea", ["eea2", "eea0"])
def test_idle_sms_and_paging_with_each_ciphering(eea):
    # 128-EEA2: the UE ciphers the CPSR's NAS message container itself (TS 24.301 4.4.5);
    # the MME deciphers it with the NAS COUNT of the CPSR
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, eea=eea)
    assert s.attach().ok
    s.release()
    assert s.send_sms("+8613912345678", "ciphered?").ok
    s.release()
    assert s.receive_data(b"down").ok and s.data_received == [b"down"]
    assert s.mme.context(s.ue.imsi).mo_sms == [encode_submit("+8613912345678", "ciphered?",
                                                             mr=1)]

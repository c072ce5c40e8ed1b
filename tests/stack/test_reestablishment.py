"""Radio link failure and RRC connection re-establishment for the control plane CIoT EPS
optimisation (TS 36.331 5.3.7, TS 33.401 9.5): a GEO UE re-establishes and its data goes
through; a wrong UL NAS MAC is refused and the UE goes idle; tshark reads the messages."""
from __future__ import annotations

import pytest

from ntnstack.stack import rrc_nb as r
from ntnstack.stack.nas_security import NasSecurityContext, reestablishment_mac
from ntnstack.stack.presets import geo_cell, leo_cells, new_session
from ntnstack.stack.reestablishment import T311_S
from tests.stack.conftest import START_UNIX_S, tshark_rows


@pytest.fixture(scope="module")
def reest(tmp_path_factory):
    pcap = tmp_path_factory.mktemp("reest") / "reest.pcap"
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    attach = s.attach()
    s.force_radio_link_failure()
    data = s.send_data(b"after rlf")
    s.release()
    s.close()
    return s, attach, data, pcap


def test_geo_ue_re_establishes_after_rlf_and_the_data_goes_through(reest):
    s, attach, data, _ = reest
    assert attach.ok and data.ok, data.reason
    assert data.details["reestablished"] is True
    assert s.mme.context(s.ue.imsi).uplink_data == [b"after rlf"]
    kinds = [e[1] for e in s.events]
    assert kinds[kinds.index("radio link failure"):].count("rrc connection re-established") == 1
    names = [m.rrc for m in data.messages]
    i = names.index("rrcConnectionReestablishmentRequest-r14")
    assert names[i:i + 3] == ["rrcConnectionReestablishmentRequest-r14",
                              "rrcConnectionReestablishment-r13",
                              "rrcConnectionReestablishmentComplete-r13"]
    assert names[-1] == "ulInformationTransfer-r13"
    # GEO: SIB acquisition again, then preamble-RAR and Msg3-Msg4 round trips (> 1 s of
    # RTTs at 498 ms each) before the data reaches the MME
    assert data.round_trips >= 2 and data.details["latency_s"] > 2 * 0.498


def test_nas_mac_of_the_request_is_the_eia2_one_over_cell_pci_c_rnti(reest):
    s, _, data, _ = reest
    d = data.details
    mme_sec = s.mme.context(s.ue.imsi).security
    ctx = NasSecurityContext(mme_sec.k_nas_int, mme_sec.k_nas_enc, mme_sec.eea, mme_sec.eia)
    assert reestablishment_mac(ctx, d["reestablishment_ul_nas_count"],
                               d["target_cell_identity"], d["source_pci"], d["source_c_rnti"],
                               uplink=True) == d["reestablishment_ul_nas_mac"]
    # another C-RNTI gives another MAC (the inputs bind it)
    assert reestablishment_mac(ctx, d["reestablishment_ul_nas_count"],
                               d["target_cell_identity"], d["source_pci"],
                               d["source_c_rnti"] ^ 1, uplink=True) != \
        d["reestablishment_ul_nas_mac"]


def test_reestablishment_capture_as_tshark_reads_it(reest):
    rows = tshark_rows(reest[3], "_ws.col.Info", "_ws.malformed", "_ws.expert.severity")
    assert [row for row in rows if row[1]] == []
    assert [row for row in rows if "8388608" in row[2]] == []      # expert error: PI_ERROR
    infos = [row[0].strip() for row in rows]
    i = infos.index("RRCConnectionReestablishmentRequest-NB")
    assert infos[i + 1:i + 3] == ["RRCConnectionReestablishment-NB",
                                  "RRCConnectionReestablishmentComplete-NB"]
    assert infos[i + 3] == "ULInformationTransfer-NB, ESM data transport"


def test_wrong_nas_mac_is_refused_and_the_ue_goes_idle(tmp_path):
    pcap = tmp_path / "reject.pcap"
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    assert s.attach().ok
    s.force_radio_link_failure()
    s._reestablishment_mac_error = 0x0001           # one bit of the UL NAS MAC flipped
    data = s.send_data(b"refused")
    s.close()
    assert not data.ok and "RRCConnectionReestablishmentReject" in data.reason
    assert s.rrc_state == "idle"
    assert s.mme.context(s.ue.imsi).uplink_data == []
    assert [m.rrc for m in data.messages][-1] == "rrcConnectionReestablishmentReject-r13"
    rows = tshark_rows(pcap, "_ws.col.Info", "_ws.malformed")
    assert [row for row in rows if row[1]] == []
    assert rows[-1][0].strip() == "RRCConnectionReestablishmentReject"
    # still registered: data from idle goes by a CONTROL PLANE SERVICE REQUEST
    s.pcap = None
    assert s.send_data(b"from idle").ok


def test_no_suitable_cell_within_t311_falls_back_to_idle():
    # connected UE, validity 5 s; LEO600-1 sets (10 deg) about 867 s after the start and
    # LEO600-2 rises 68 s later: nothing in view within T311 (10 s)
    session = new_session(leo_cells(START_UNIX_S, validity_s=5), START_UNIX_S + 840.0)
    assert session.attach().ok
    session.wait(40.0)
    data = session.send_data(b"too late")
    assert not data.ok and data.reason.startswith("T317 expired and SIB31-NB not re-acquired")
    assert f"no suitable cell within T311 ({T311_S:g} s)" in data.reason
    assert session.rrc_state == "idle"
    assert [e[1] for e in session.events][-3:] == ["T317 expired", "radio link failure",
                                                    "T311 expired"]


def test_request_fields_round_trip():
    pdu = r.rrc_connection_reestablishment_request((1, 0x12345678), 0xBEEF, 0x33)
    assert r.reestablishment_request_fields(pdu.data) == ((1, 0x12345678), 0xBEEF, 0x13)
    assert r.reestablishment_dl_nas_mac(r.rrc_connection_reestablishment(2, 0xCAFE).data) == \
        0xCAFE

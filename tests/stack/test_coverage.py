"""A registered UE back in coverage: periodic TRACKING AREA UPDATE when T3412 expired
(TS 24.301 5.3.5, 5.5.3.2), nothing to send otherwise; what tshark reads of it and what the
MME refuses."""
from __future__ import annotations

import pytest

from ntnstack.errors import InputError
from ntnstack.stack import nas as n
from ntnstack.stack.coverage import DEFAULT_T3412_S
from ntnstack.stack.presets import geo_cell, new_session
from tests.stack.conftest import START_UNIX_S, Run, tshark_rows

T3412_S = 9 * 360.0           # the ATTACH ACCEPT's T3412: 9 decihours (TS 24.008 10.5.7.3)
UPDATE_TYPE_PERIODIC = "3"    # EPS update type value 011 (TS 24.301 9.9.3.14)
HEADER_INTEGRITY, HEADER_CIPHERED = "1", "2"   # security header types (9.3.1)


@pytest.fixture(scope="module")
def tau_run(tmp_path_factory) -> Run:
    """GEO, EEA0: attach, release, T3412 + 60 s away, back: periodic TAU."""
    pcap = tmp_path_factory.mktemp("tau") / "tau.pcap"
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    results = {"attach": s.attach(), "release": s.release()}
    s.wait(T3412_S + 60.0)
    results["back"] = s.return_to_coverage()
    s.close()
    return Run(s, results, pcap)


def test_the_attach_accept_gives_t3412():
    assert DEFAULT_T3412_S == T3412_S


def test_periodic_tau_after_t3412_keeps_guti_and_security_context(tau_run):
    s, back = tau_run.session, tau_run.results["back"]
    assert back.ok, back.reason
    assert back.details["t3412_expired"]
    # preamble-RAR, Msg3-Msg4, TAU REQUEST - TAU ACCEPT: no AKA, no security mode
    assert back.round_trips == 3
    assert [m.nas for m in back.messages if m.nas] == ["tracking-area-update-request",
                                                       "tracking-area-update-accept"]
    assert s.attached and s.t3412_s == T3412_S
    assert s.mme.context(s.ue.imsi).m_tmsi == s.guti[3]


def test_tshark_reads_the_tau_request_and_accept(tau_run):
    rows = tshark_rows(tau_run.pcap, "_ws.col.Info", "_ws.malformed",
                       "nas_eps.security_header_type", "nas_eps.emm.update_type_value",
                       "nas_eps.emm.nas_key_set_id", "nas_eps.emm.m_tmsi",
                       "nas_eps.emm.eps_update_result_value", "gsm_a.gm.gmm.gprs_timer_unit",
                       "gsm_a.gm.gmm.gprs_timer_value")
    assert [r for r in rows if r[1]] == []
    request = next(r for r in rows if r[0].endswith("Tracking area update request"))
    accept = next(r for r in rows if r[0].endswith("Tracking area update accept"))
    s = tau_run.session
    assert request[2].split(",")[0] == HEADER_INTEGRITY
    assert request[3:6] == [UPDATE_TYPE_PERIODIC, str(s.security.ksi), str(s.guti[3])]
    assert accept[2].split(",")[0] == HEADER_CIPHERED
    assert accept[6] == "0"                        # EPS update result 000 "TA updated"
    assert accept[7:9] == ["2", "9"]               # T3412: 9 decihours = 54 min


def test_no_tau_while_t3412_runs():
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3)
    s.attach()
    s.release()
    s.wait(T3412_S - 60.0)
    back = s.return_to_coverage()
    assert back.ok and not back.details["t3412_expired"] and back.round_trips == 0
    assert [m.direction for m in back.messages] == ["DL"] * 4   # MIB, SIB1, SIB2, SIB31


def test_an_unregistered_ue_has_nothing_to_update():
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3)
    back = s.return_to_coverage()
    assert not back.ok and back.reason == "not registered: attach instead"


def test_tau_messages_parse_back():
    guti = (n.plmn_octets("001", "01"), 0x8001, 1, 0x1234ABCD)
    request = n.parse(n.tracking_area_update_request(3, guti))
    assert request.ies == {"ksi": 3, "update_type": "periodic-updating",
                           "identity": n.guti_identity(guti)}
    accept = n.parse(n.tracking_area_update_accept(guti[0], 1))
    assert accept.ies == {"result": 0, "t3412_s": T3412_S}


def test_the_mme_takes_a_tau_only_integrity_protected_and_naming_its_guti(tau_run):
    s = tau_run.session
    plain = n.tracking_area_update_request(s.security.ksi, s.guti)
    with pytest.raises(InputError, match="without integrity protection"):
        s.mme.handle(s.ue.imsi, plain)
    other = (*s.guti[:3], s.guti[3] ^ 1)
    wrong = n.protect(s.security, n.tracking_area_update_request(s.security.ksi, other),
                      uplink=True, header_type=1)
    with pytest.raises(InputError, match="names GUTI .* not the one allocated"):
        s.mme.handle(s.ue.imsi, wrong)

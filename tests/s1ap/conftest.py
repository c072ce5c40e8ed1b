"""One PDU of every message of the S1AP subset, built as the eNB and MME build them."""
from __future__ import annotations

import pytest

from ntnstack.s1ap import messages as m
from ntnstack.stack import nas

PLMN = nas.plmn_octets("001", "01")       # test PLMN of TS 23.003 / TS 36.508
IMSI = "001010123456789"
T0_UNIX_S = 1_767_225_600.0               # 2026-01-01T00:00:00Z, the stack tests' epoch


def every_message() -> list[m.S1apPdu]:
    """The 14 messages of the subset, NTN information included, in an attach's order."""
    attach = nas.attach_request(IMSI, "ipv4")
    accept = nas.attach_accept((PLMN, 0x8001, 0x01, 0xC0FFEE01), 0x0101,
                               nas.activate_default_bearer_request(5, 1, "ipv4", "ntn.iot",
                                                                   bytes([10, 45, 0, 2])))
    return [
        m.s1_setup_request(0x1B2C3, PLMN, 0x0101, "ntnstack-enb", 256, rat_type="nbiot-geo"),
        m.s1_setup_response(PLMN, 0x8001, 0x01, "ntnstack-mme"),
        m.s1_setup_failure(("misc", "unspecified")),
        m.initial_ue_message(7, attach, PLMN, 0x0101, 0x1B2C301, ntn_tacs=[0x0101, 0x0102]),
        m.nas_transport(1, 7, nas.security_mode_command(0, "eea2", "eia2"), uplink=False),
        m.nas_transport(1, 7, nas.security_mode_complete(), uplink=True, plmn=PLMN,
                        tac=0x0101, cell_id=0x1B2C301, ntn_tacs=[0x0101]),
        m.initial_context_setup_request(1, 7, bytes(range(32)), bytes([10, 45, 0, 1]), 0x10,
                                        nas.UE_NETWORK_CAPABILITY, nas_pdu=accept),
        m.initial_context_setup_response(1, 7, bytes([10, 45, 0, 2]), {5: 0x20}),
        m.ue_context_release_request(1, 7),
        m.ue_context_release_command(1, 7),
        m.ue_context_release_complete(1, 7),
        m.paging(IMSI, 0x01, 0xC0FFEE01, PLMN, 0x0101),
        m.error_indication(("protocol", "abstract-syntax-error-reject")),
        m.initial_ue_message(8, attach, PLMN, 0x0101, 0x1B2C301, s_tmsi=(0x01, 0xC0FFEE01)),
    ]


@pytest.fixture(scope="session")
def pdus() -> list[m.S1apPdu]:
    return every_message()

"""The eNB against a core that uses S1-U for its UEs (an MME that does not apply Control
Plane CIoT EPS optimisation): the ATTACH ACCEPT comes in INITIAL CONTEXT SETUP REQUEST's
NAS-PDU (TS 23.401 5.3.2.1 step 17); the eNB answers it and passes the NAS-PDU to the UE,
whose ATTACH COMPLETE follows the response (steps 18-22); the request's UE Security
Capabilities are the UE's (TS 36.413 9.2.1.40 from the UE network capability of its ATTACH
REQUEST). S1 SETUP REQUEST's paging DRX for a cell broadcasting rf1024. All as tshark
dissects the SCTP packets the two sides sent (in process, libusrsctp on an in-memory link).
"""
from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from ntnstack.capture.pcap import PcapWriter
from ntnstack.capture.sctp import SctpPcapWriter
from ntnstack.clock import Clock
from ntnstack.s1ap import messages as m
from ntnstack.s1ap.codec import S1apPdu, decode_pdu
from ntnstack.s1ap.loopback import Loopback
from ntnstack.s1ap.mme_node import S1apMme
from ntnstack.s1ap.ue_load import emulated_imsi
from ntnstack.sctp.usrsctp import SctpMessage
from ntnstack.stack import UeConfig, geo_cell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.session import StackSession
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.test_enb_mme import OTHER_PORTS
from tests.s1ap.tshark_s1ap import (ATTACH_ACCEPT, ATTACH_COMPLETE, ATTACH_REQUEST,
                                     INITIAL_CONTEXT_SETUP, INITIATING, S1_SETUP, SUCCESSFUL,
                                     UPLINK_NAS, s1ap_messages)

GATEWAY_IPV4 = bytes([127, 0, 0, 1])


def _ue_network_capability(attach_request: bytes) -> bytes:
    """The UE network capability value of a plain ATTACH REQUEST (TS 24.301 8.2.4: PD,
    type, attach type / KSI, EPS mobile identity LV, then this LV)."""
    at = 3 + 1 + attach_request[3]
    return attach_request[at + 1:at + 1 + attach_request[at]]


class S1uCore(S1apMme):
    """ntnstack's MME as a core that sets up S1-U: the ATTACH ACCEPT in INITIAL CONTEXT SETUP
    REQUEST (the default bearer, the UE's security capabilities) instead of a DOWNLINK NAS
    TRANSPORT; the K_eNB is zeros (the eNB does not check it)."""

    def __init__(self, mme: Mme, endpoint):
        super().__init__(mme, endpoint)
        self.capabilities: dict[int, bytes] = {}     # eNB UE S1AP ID -> UE network capability
        self.responses: list[S1apPdu] = []            # INITIAL CONTEXT SETUP RESPONSEs

    def _on_message(self, message: SctpMessage) -> None:
        pdu = decode_pdu(message.data)
        if pdu.message == "InitialContextSetupResponse":
            self.responses.append(pdu)
            return
        if pdu.message == "InitialUEMessage":
            self.capabilities[pdu.ies["eNB-UE-S1AP-ID"]] = _ue_network_capability(
                pdu.ies["NAS-PDU"])
        super()._on_message(message)

    def _downlink(self, mme_ue_id: int, ctx, answers: list[bytes]) -> None:
        ue = self.mme.context(ctx.imsi) if self._known(ctx.imsi) else None
        if answers and ue is not None and ue.pdn_address and ue.state != "registered":
            self._send(ctx.assoc_id, m.initial_context_setup_request(
                mme_ue_id, ctx.enb_ue_id, bytes(32), GATEWAY_IPV4, mme_ue_id,
                self.capabilities[ctx.enb_ue_id], nas_pdu=answers[0]))
            return
        super()._downlink(mme_ue_id, ctx, answers)


def _attach(tmp_path, node: type[S1apMme], cell) -> tuple[bool, Path, Loopback]:
    """One UE attaches through ``node`` (NAS with EEA0, for tshark): whether it did, the
    capture of the S1AP path, the loopback."""
    pcap = tmp_path / "s1ap.pcap"
    ue = dataclasses.replace(UeConfig(), imsi=emulated_imsi(0), seed=0)
    mme = Mme(eea="eea0")
    mme.add(Subscriber(ue.imsi, ue.k, ue.opc))
    with SctpPcapWriter(pcap) as writer:
        loop = Loopback(mme, cell, "nbiot-geo", ports=OTHER_PORTS, node=node,
                        tap=lambda _token, packet: writer.write_packet(
                            "127.0.0.1", "127.0.0.2", packet, T0_UNIX_S))
        session = StackSession([cell], ue, loop.enb, Clock("virtual", start_unix_s=T0_UNIX_S))
        try:
            ok = session.attach().ok
            loop.carrier.drain()
        finally:
            session.close()
            loop.close()
    return ok, pcap, loop


@pytest.fixture(scope="module")
def s1u_attach(require_tool, tmp_path_factory):
    tshark = require_tool("tshark")
    ok, pcap, loop = _attach(tmp_path_factory.mktemp("s1u"), S1uCore, geo_cell(T0_UNIX_S))
    return ok, s1ap_messages(tshark, pcap), loop


def test_attach_accept_in_initial_context_setup_reaches_the_ue(s1u_attach):
    ok, messages, loop = s1u_attach
    assert ok and loop.enb.errors == [] and loop.mme.errors == []
    (response,) = loop.mme.responses
    assert [b["e-RAB-ID"] for b in response.ies["E-RABSetupListCtxtSURes"]] == [5]
    steps = [(m.kind, m.emm_type) for m in messages if m.kind[1] != S1_SETUP]
    at = steps.index(((INITIATING, INITIAL_CONTEXT_SETUP), ATTACH_ACCEPT))
    # the eNB's response, then the UE's ATTACH COMPLETE (TS 23.401 5.3.2.1 steps 20-22)
    assert steps[at + 1:at + 3] == [((SUCCESSFUL, INITIAL_CONTEXT_SETUP), None),
                                    ((INITIATING, UPLINK_NAS), ATTACH_COMPLETE)]
    assert [s for s in steps if s[1] == ATTACH_ACCEPT] == [steps[at]]    # and nowhere else


def test_ue_security_capabilities_are_the_ues(s1u_attach):
    """tshark's reading of the ATTACH REQUEST's UE network capability and of the INITIAL
    CONTEXT SETUP REQUEST's UE Security Capabilities: the same 128-EEA1..3 / 128-EIA1..3."""
    _, messages, _ = s1u_attach
    attach = next(m for m in messages if m.emm_type == ATTACH_REQUEST)
    setup = next(m for m in messages if m.kind == (INITIATING, INITIAL_CONTEXT_SETUP))
    for algorithm in ("eea", "eia"):
        nas = [attach.first(f"nas_eps.emm.128{algorithm}1"),
               attach.first(f"nas_eps.emm.128{algorithm}2"),
               attach.first(f"nas_eps.emm.{algorithm}3")]
        name = "encryptionAlgorithms" if algorithm == "eea" else "integrityProtectionAlgorithms"
        s1ap = [setup.first(f"s1ap.{name}.{algorithm.upper()}{n}") for n in (1, 2, 3)]
        assert s1ap == nas
        assert nas == ["1", "1", "0"]          # ntnstack's UE: 128-EEA1/2, 128-EIA1/2


@pytest.mark.parametrize(("octet", "expected"), [
    (0x80, 0x0000),       # EEA0 only: no bit (TS 36.413 9.2.1.40 "all bits 0")
    (0xE0, 0xC000),       # EEA0, 128-EEA1, 128-EEA2: first and second bit
    (0x70, 0xE000),       # 128-EEA1..3: the first three bits
    (0x0F, 0x0000),       # EEA4..7 (TS 24.301 9.9.3.34): reserved bits of S1AP stay 0
])
def test_ue_security_capabilities_bits(octet, expected):
    capabilities = m.ue_security_capabilities(bytes([octet, octet]))
    assert capabilities["encryptionAlgorithms"] == (expected.to_bytes(2, "big"), 16)
    assert capabilities["integrityProtectionAlgorithms"] == (expected.to_bytes(2, "big"), 16)


def test_s1_setup_paging_drx_of_a_cell_broadcasting_rf1024(require_tool, tmp_path):
    """A cell whose SIB2-NB broadcasts defaultPagingCycle rf1024 (tshark reads it there):
    NB-IoT Default Paging DRX v1024, Default Paging DRX its longest value v256 (PagingDRX
    has no 1024)."""
    tshark = require_tool("tshark")
    cell = dataclasses.replace(geo_cell(T0_UNIX_S), paging_cycle_rf=1024)
    ue = UeConfig()
    sib2 = cell.sib2(ue.nprach_period_s, ue.nprach_format, ue.preamble_trans_max)
    with PcapWriter(tmp_path / "sib2.pcap") as writer:
        writer.write(sib2.channel, sib2.data, T0_UNIX_S)
    broadcast = subprocess.run([tshark, "-r", str(tmp_path / "sib2.pcap"), "-T", "fields",
                                "-e", "lte-rrc.defaultPagingCycle_r13"], capture_output=True,
                               text=True, check=True, timeout=60).stdout.split()
    assert broadcast == ["3"]                  # rf128, rf256, rf512, rf1024 (TS 36.331)
    ok, pcap, _ = _attach(tmp_path, S1apMme, cell)
    setup = s1ap_messages(tshark, pcap)[0]
    assert ok and setup.kind == (INITIATING, S1_SETUP)
    assert setup.shownames["s1ap.NB_IoT_DefaultPagingDRX"] == ("NB-IoT-DefaultPagingDRX: "
                                                                "v1024 (3)",)
    assert setup.shownames["s1ap.PagingDRX"] == ("PagingDRX: v256 (3)",)


def test_ue_network_capability_without_its_two_algorithm_octets_is_refused():
    with pytest.raises(ValueError, match="UE network capability of 1 octets"):
        m.ue_security_capabilities(b"\xe0")


@pytest.mark.parametrize(("cycle_rf", "nb_iot", "expected"), [
    (64, False, {"DefaultPagingDRX": "v64"}),       # an LTE cell: no NB-IoT IE
    (128, True, {"DefaultPagingDRX": "v128", "NB-IoT-DefaultPagingDRX": "v128"}),
    (512, True, {"DefaultPagingDRX": "v256", "NB-IoT-DefaultPagingDRX": "v512"}),
])
def test_default_paging_drx_ies(cycle_rf, nb_iot, expected):
    assert m.default_paging_drx(cycle_rf, nb_iot) == expected


@pytest.mark.parametrize(("cycle_rf", "nb_iot"), [(1024, False), (64, True), (100, True)])
def test_default_paging_drx_outside_the_ies_values_is_refused(cycle_rf, nb_iot):
    with pytest.raises(ValueError, match=f"default paging cycle {cycle_rf} rf"):
        m.default_paging_drx(cycle_rf, nb_iot)

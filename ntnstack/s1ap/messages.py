"""Builders of the S1AP messages ntnstack sends (TS 36.413 V17.4.0 clause 9.1), and of the
INITIAL CONTEXT SETUP REQUEST a core sends its eNB, from the values an eNB or MME holds.
Each returns an :class:`S1apPdu`; ``encode_pdu`` makes octets.

Identities: ``plmn`` is the 3-octet PLMN identity (TS 24.008 10.5.1.13, as
``ntnstack.stack.nas.plmn_octets`` builds it), ``tac`` an integer (2 octets, 9.2.3.7),
``enb_id`` the 20-bit macro eNB ID and ``cell_id`` the 28-bit E-UTRAN cell identity
(9.2.1.37/38), ``m_tmsi`` 32 bits, ``mmec`` 8 bits, ``mmegi`` 16 bits (TS 23.003 2.8).
NTN (Rel-17): ``rat_type`` is the RAT Type (9.2.1.117: ``nbiot-geo``, ``nbiot-leo``, ...)
of a supported TA in S1 Setup Request; ``ntn_tacs`` the TAC List in LTE NTN of the LTE NTN
TAI Information (9.2.3.56: every TAC broadcast in the cell for the serving PLMN) in Initial
UE Message and Uplink NAS Transport.
"""
from __future__ import annotations

from ntnstack.s1ap.codec import S1apPdu

__all__ = ["NB_IOT_PAGING_DRX_RF", "PAGING_DRX_RF", "RAT_TYPES", "default_paging_drx",
           "error_indication", "eutran_cgi", "initial_context_setup_request",
           "initial_context_setup_response", "initial_ue_message", "nas_transport", "paging",
           "s1_setup_failure", "s1_setup_request", "s1_setup_response",
           "ue_context_release_command", "ue_context_release_complete",
           "ntn_tai_information", "s_tmsi_ie", "tai", "ue_context_release_request",
           "ue_security_capabilities"]

RAT_TYPES = ("nbiot", "nbiot-leo", "nbiot-meo", "nbiot-geo", "nbiot-othersat",
             "eutran-leo", "eutran-meo", "eutran-geo", "eutran-othersat")
"""RAT-Type values of S1AP-IEs (clause 9.3.4), root then Rel-17 extension."""


def _tac(tac: int) -> bytes:
    return tac.to_bytes(2, "big")


def _bits(value: int, n_bits: int) -> tuple[bytes, int]:
    """An asn1tools BIT STRING of ``n_bits`` holding ``value`` (first bit most significant)."""
    n_octets = (n_bits + 7) // 8
    return (value << (8 * n_octets - n_bits)).to_bytes(n_octets, "big"), n_bits


def tai(plmn: bytes, tac: int) -> dict:
    """TAI (9.2.3.16)."""
    return {"pLMNidentity": plmn, "tAC": _tac(tac)}


def eutran_cgi(plmn: bytes, cell_id: int) -> dict:
    """EUTRAN-CGI (9.2.1.38): PLMN and the 28-bit cell identity."""
    return {"pLMNidentity": plmn, "cell-ID": _bits(cell_id, 28)}


def ntn_tai_information(plmn: bytes, ntn_tacs: list[int]) -> dict:
    """LTE-NTN-TAI-Information (Rel-17): the serving PLMN and the TACs of the NTN cell."""
    return {"servingPLMN": plmn, "tACList-In-LTE-NTN": [_tac(t) for t in ntn_tacs]}


PAGING_DRX_RF = (32, 64, 128, 256)             # PagingDRX values (clause 9.3.4), radio frames
NB_IOT_PAGING_DRX_RF = (128, 256, 512, 1024)   # NB-IoT-DefaultPagingDRX values, radio frames


def default_paging_drx(paging_cycle_rf: int, nb_iot: bool) -> dict:
    """The S1 SETUP REQUEST's paging DRX IEs (9.1.8.4) for a cell that broadcasts
    defaultPagingCycle ``paging_cycle_rf`` (radio frames): Default Paging DRX (mandatory,
    PagingDRX: 32..256 rf) and, for an NB-IoT cell, NB-IoT Default Paging DRX (128..1024 rf).
    An NB-IoT cycle of 512 or 1024 rf, which PagingDRX cannot hold, gives Default Paging DRX
    its longest value, 256 rf; the NB-IoT IE carries the cell's own. ValueError when the cycle
    is none of the IE's values."""
    allowed = NB_IOT_PAGING_DRX_RF if nb_iot else PAGING_DRX_RF
    if paging_cycle_rf not in allowed:
        raise ValueError(f"default paging cycle {paging_cycle_rf} rf: one of {allowed}")
    ies = {"DefaultPagingDRX": f"v{min(paging_cycle_rf, PAGING_DRX_RF[-1])}"}
    if nb_iot:
        ies["NB-IoT-DefaultPagingDRX"] = f"v{paging_cycle_rf}"
    return ies


def s1_setup_request(enb_id: int, plmn: bytes, tac: int, name: str, paging_cycle_rf: int,
                     rat_type: str | None = None) -> S1apPdu:
    """S1 SETUP REQUEST (9.1.8.4) for one supported TA, with the cell's default paging
    cycle (``default_paging_drx``; NB-IoT when ``rat_type`` is one of the nbiot values)."""
    item = {"tAC": _tac(tac), "broadcastPLMNs": [plmn]}
    if rat_type is not None:
        item["iE-Extensions"] = {"RAT-Type": rat_type}
    nb_iot = rat_type is not None and rat_type.startswith("nbiot")
    return S1apPdu("S1SetupRequest", {
        "Global-ENB-ID": {"pLMNidentity": plmn, "eNB-ID": ("macroENB-ID", _bits(enb_id, 20))},
        "eNBname": name, "SupportedTAs": [item]} | default_paging_drx(paging_cycle_rf, nb_iot))


def s1_setup_response(plmn: bytes, mmegi: int, mmec: int, name: str,
                      relative_capacity: int = 255) -> S1apPdu:
    """S1 SETUP RESPONSE (9.1.8.5): one served GUMMEI."""
    return S1apPdu("S1SetupResponse", {
        "MMEname": name,
        "ServedGUMMEIs": [{"servedPLMNs": [plmn], "servedGroupIDs": [mmegi.to_bytes(2, "big")],
                           "servedMMECs": [bytes([mmec])]}],
        "RelativeMMECapacity": relative_capacity})


def s1_setup_failure(cause: tuple[str, str], time_to_wait: str = "v10s") -> S1apPdu:
    """S1 SETUP FAILURE (9.1.8.6)."""
    return S1apPdu("S1SetupFailure", {"Cause": cause, "TimeToWait": time_to_wait})


def s_tmsi_ie(mmec: int, m_tmsi: int) -> dict:
    """The S-TMSI IE's value (9.2.3.6): MME code (1 octet) and M-TMSI (4 octets)."""
    return {"mMEC": bytes([mmec]), "m-TMSI": m_tmsi.to_bytes(4, "big")}


def initial_ue_message(enb_ue_id: int, nas_pdu: bytes, plmn: bytes, tac: int, cell_id: int,
                       cause: str = "mo-Signalling",
                       s_tmsi: tuple[int, int] | None = None,
                       ntn_tacs: list[int] | None = None) -> S1apPdu:
    """INITIAL UE MESSAGE (9.1.7.1); ``s_tmsi`` = (MMEC, M-TMSI) when the UE has one."""
    ies = {"eNB-UE-S1AP-ID": enb_ue_id, "NAS-PDU": nas_pdu, "TAI": tai(plmn, tac),
           "EUTRAN-CGI": eutran_cgi(plmn, cell_id), "RRC-Establishment-Cause": cause}
    if s_tmsi is not None:
        ies["S-TMSI"] = s_tmsi_ie(*s_tmsi)
    if ntn_tacs:
        ies["LTE-NTN-TAI-Information"] = ntn_tai_information(plmn, ntn_tacs)
    return S1apPdu("InitialUEMessage", ies)


def nas_transport(mme_ue_id: int, enb_ue_id: int, nas_pdu: bytes, uplink: bool,
                  plmn: bytes = b"", tac: int = 0, cell_id: int = 0,
                  ntn_tacs: list[int] | None = None) -> S1apPdu:
    """UPLINK (9.1.7.3, with the cell's location) or DOWNLINK NAS TRANSPORT (9.1.7.2)."""
    ies = {"MME-UE-S1AP-ID": mme_ue_id, "eNB-UE-S1AP-ID": enb_ue_id, "NAS-PDU": nas_pdu}
    if not uplink:
        return S1apPdu("DownlinkNASTransport", ies)
    ies.update({"EUTRAN-CGI": eutran_cgi(plmn, cell_id), "TAI": tai(plmn, tac)})
    if ntn_tacs:
        ies["LTE-NTN-TAI-Information"] = ntn_tai_information(plmn, ntn_tacs)
    return S1apPdu("UplinkNASTransport", ies)


def ue_security_capabilities(ue_network_capability: bytes) -> dict:
    """UE Security Capabilities (9.2.1.40) of a UE from its UE network capability (TS 24.301
    9.9.3.34, the value octets): octet 3 bits 7-5 (128-EEA1, 128-EEA2, 128-EEA3) and octet 4
    bits 7-5 (128-EIA1..3) become the first three bits of the 16-bit strings (EEA0 / EIA0
    have no bit: all zero means EEA0 / EIA0 only; the other bits are reserved, 0)."""
    if len(ue_network_capability) < 2:
        raise ValueError(f"UE network capability of {len(ue_network_capability)} octets: "
                         f"at least 2 (EEA and EIA octets)")
    eea, eia = ue_network_capability[0], ue_network_capability[1]
    return {"encryptionAlgorithms": _bits((eea & 0x70) << 9, 16),
            "integrityProtectionAlgorithms": _bits((eia & 0x70) << 9, 16)}


def initial_context_setup_request(mme_ue_id: int, enb_ue_id: int, k_enb: bytes,
                                  gateway_ipv4: bytes, teid: int,
                                  ue_network_capability: bytes, nas_pdu: bytes | None = None,
                                  ambr_bps: int = 1_000_000) -> S1apPdu:
    """INITIAL CONTEXT SETUP REQUEST (9.1.4.1), as a core sends it to an eNB for a UE that
    uses S1-U (ntnstack's MME does not: its PDNs are for control plane CIoT only): the default
    bearer (E-RAB 5, QCI 9) with ``nas_pdu`` (the ATTACH ACCEPT, TS 23.401 5.3.2.1 step 17)
    when given, the UE's security capabilities (``ue_security_capabilities``), the 256-bit
    K_eNB."""
    bearer = {"e-RAB-ID": 5,
              "e-RABlevelQoSParameters": {"qCI": 9, "allocationRetentionPriority": {
                  "priorityLevel": 15, "pre-emptionCapability": "shall-not-trigger-pre-emption",
                  "pre-emptionVulnerability": "not-pre-emptable"}},
              "transportLayerAddress": (gateway_ipv4, 32), "gTP-TEID": teid.to_bytes(4, "big")}
    if nas_pdu is not None:
        bearer["nAS-PDU"] = nas_pdu
    return S1apPdu("InitialContextSetupRequest", {
        "MME-UE-S1AP-ID": mme_ue_id, "eNB-UE-S1AP-ID": enb_ue_id,
        "uEaggregateMaximumBitrate": {"uEaggregateMaximumBitRateDL": ambr_bps,
                                      "uEaggregateMaximumBitRateUL": ambr_bps},
        "E-RABToBeSetupListCtxtSUReq": [bearer],
        "UESecurityCapabilities": ue_security_capabilities(ue_network_capability),
        "SecurityKey": (k_enb, 256)})


def initial_context_setup_response(mme_ue_id: int, enb_ue_id: int, enb_ipv4: bytes,
                                   teids: dict[int, int]) -> S1apPdu:
    """INITIAL CONTEXT SETUP RESPONSE (9.1.4.3): each E-RAB of ``teids`` (E-RAB ID -> the
    eNB's GTP TEID) set up at the eNB's address."""
    return S1apPdu("InitialContextSetupResponse", {
        "MME-UE-S1AP-ID": mme_ue_id, "eNB-UE-S1AP-ID": enb_ue_id,
        "E-RABSetupListCtxtSURes": [{"e-RAB-ID": e_rab_id, "transportLayerAddress": (enb_ipv4, 32),
                                     "gTP-TEID": teid.to_bytes(4, "big")}
                                    for e_rab_id, teid in teids.items()]})


def ue_context_release_request(mme_ue_id: int, enb_ue_id: int,
                               cause: tuple[str, str] = ("radioNetwork", "user-inactivity")
                               ) -> S1apPdu:
    """UE CONTEXT RELEASE REQUEST (9.1.4.5)."""
    return S1apPdu("UEContextReleaseRequest", {
        "MME-UE-S1AP-ID": mme_ue_id, "eNB-UE-S1AP-ID": enb_ue_id, "Cause": cause})


def ue_context_release_command(mme_ue_id: int, enb_ue_id: int,
                               cause: tuple[str, str] = ("nas", "normal-release")) -> S1apPdu:
    """UE CONTEXT RELEASE COMMAND (9.1.4.6), addressed by the UE S1AP ID pair."""
    return S1apPdu("UEContextReleaseCommand", {
        "UE-S1AP-IDs": ("uE-S1AP-ID-pair", {"mME-UE-S1AP-ID": mme_ue_id,
                                            "eNB-UE-S1AP-ID": enb_ue_id}),
        "Cause": cause})


def ue_context_release_complete(mme_ue_id: int, enb_ue_id: int) -> S1apPdu:
    """UE CONTEXT RELEASE COMPLETE (9.1.4.7)."""
    return S1apPdu("UEContextReleaseComplete", {"MME-UE-S1AP-ID": mme_ue_id,
                                                "eNB-UE-S1AP-ID": enb_ue_id})


def paging(imsi: str, mmec: int, m_tmsi: int, plmn: bytes, tac: int) -> S1apPdu:
    """PAGING (9.1.6) by S-TMSI in one TA; UE Identity Index Value = IMSI mod 1024
    (TS 36.304 7.1), 10 bits."""
    return S1apPdu("Paging", {
        "UEIdentityIndexValue": _bits(int(imsi) % 1024, 10),
        "UEPagingID": ("s-TMSI", s_tmsi_ie(mmec, m_tmsi)),
        "CNDomain": "ps", "TAIList": [{"tAI": tai(plmn, tac)}]})


def error_indication(cause: tuple[str, str], mme_ue_id: int | None = None,
                     enb_ue_id: int | None = None) -> S1apPdu:
    """ERROR INDICATION (9.1.8.3); the UE S1AP IDs when the error concerns one UE."""
    ies: dict = {}
    if mme_ue_id is not None:
        ies["MME-UE-S1AP-ID"] = mme_ue_id
    if enb_ue_id is not None:
        ies["eNB-UE-S1AP-ID"] = enb_ue_id
    ies["Cause"] = cause
    return S1apPdu("ErrorIndication", ies)

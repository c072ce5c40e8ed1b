"""NB-IoT RRC messages of the emulated access (UPER, the ASN.1 in ``asn/nbiot_rrc.asn``).

Each builder returns an ``RrcPdu``: the logical channel (which is also the Wireshark
dissector name of the link-type-252 pcap), the message name and the UPER bytes. ``decode``
inverts them. The specification is compiled once per process (``functools.cache``; its
parse is kept on disk between runs, ntnstack.asn1_cache); encoding and decoding check
constraints. The messages sent per UE come from UPER templates
learnt from the compiler and equal to its encodings (``uper_template``: the NAS-carrying
messages per transaction identifier, RRCConnectionRequest-NB's randomValue per cause);
RRCConnectionSetup-NB is encoded once per identifier. Errors: ntnstack.rrc.EncodeError /
DecodeError.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import asn1tools

from ntnstack.asn1_cache import compile_asn1_files
from ntnstack.rrc.codec import DecodeError, EncodeError
from ntnstack.stack.uper_template import BitField, OctetTail

__all__ = ["CHANNELS", "SI_TB_BITS", "SI_WINDOWS_MS", "RrcPdu", "SiSchedule", "decode",
           "dl_information_transfer", "mib_nb", "paging", "paging_s_tmsis",
           "rrc_connection_reestablishment", "rrc_connection_reestablishment_complete",
           "rrc_connection_reestablishment_reject", "rrc_connection_reestablishment_request",
           "rrc_connection_release", "rrc_connection_request", "rrc_connection_setup",
           "rrc_connection_setup_complete", "sib1_nb", "sib1_schedule", "sib2_nb",
           "ul_information_transfer"]

ASN_FILE = Path(__file__).with_name("asn") / "nbiot_rrc.asn"

CHANNELS = {
    "lte-rrc.bcch.bch.nb": "BCCH-BCH-Message-NB",
    "lte-rrc.bcch.dl.sch.nb": "BCCH-DL-SCH-Message-NB",
    "lte-rrc.ul.ccch.nb": "UL-CCCH-Message-NB",
    "lte-rrc.dl.ccch.nb": "DL-CCCH-Message-NB",
    "lte-rrc.ul.dcch.nb": "UL-DCCH-Message-NB",
    "lte-rrc.dl.dcch.nb": "DL-DCCH-Message-NB",
    "lte-rrc.pcch.nb": "PCCH-Message-NB",
}
"""Wireshark dissector name (tshark 4.0, ``lte-rrc``) -> PDU type of the ASN.1. On
``lte-rrc.bcch.dl.sch.nb`` the subset holds SystemInformationBlockType1-NB only (the
SystemInformation-NB with SIB31-NB comes from ntnstack.rrc)."""

SI_WINDOWS_MS = (160, 320, 480, 640, 960, 1280, 1600)   # si-WindowLength-r13 ms160..ms1600
SI_PERIODICITIES_RF = (64, 128, 256, 512, 1024, 2048, 4096)   # si-Periodicity-r13
SI_TB_BITS = (56, 120, 208, 256, 328, 440, 552, 680)      # si-TB-r13 (TS 36.331 6.7.3.1)
FREQ_BAND_NTN_S = 256          # NB-IoT NTN band 256 (S band, docs/reference.md 4)
Q_RXLEVMIN = -70               # x 2 dBm: -140 dBm, the lowest (satellite link budget)
Q_QUALMIN_DB = -34             # the lowest


@dataclass(frozen=True)
class SiSchedule:
    """Where the UE finds SIB31-NB, as SIB1-NB says: the SI message's entry ``position`` n
    (1-based) in schedulingInfoList, its si-Periodicity (radio frames) and si-TB (bits), the
    common si-WindowLength (ms) and si-RadioFrameOffset (radio frames, 0 when absent)."""

    position: int
    periodicity_rf: int
    window_ms: int
    radio_frame_offset: int
    tb_bits: int


@dataclass(frozen=True)
class RrcPdu:
    """One RRC message: channel (= dissector name), message name, UPER bytes."""

    channel: str
    name: str
    data: bytes


@functools.cache
def _spec():
    return compile_asn1_files([ASN_FILE], "uper")


def _encode(channel: str, name: str, value: dict) -> RrcPdu:
    try:
        data = _spec().encode(CHANNELS[channel], value, check_constraints=True)
    except (asn1tools.Error, KeyError, TypeError, ValueError) as exc:
        raise EncodeError(f"{name}: cannot encode: {exc}") from None
    return RrcPdu(channel, name, data)


def decode(channel: str, data: bytes) -> dict:
    """The decoded message (asn1tools values) of ``channel``; DecodeError when malformed."""
    if channel not in CHANNELS:
        raise DecodeError(channel, f"unknown channel (one of {', '.join(CHANNELS)})")
    try:
        return _spec().decode(CHANNELS[channel], bytes(data), check_constraints=True)
    except Exception as exc:  # noqa: BLE001 - any failure of the decoder on bytes is malformed
        raise DecodeError(channel, str(exc) or type(exc).__name__) from None


def message_name(channel: str, decoded: dict) -> str:
    """The c1 alternative of a decoded CCCH / DCCH message (MIB-NB: its type name)."""
    if channel == "lte-rrc.bcch.bch.nb":
        return "MasterInformationBlock-NB"
    if channel == "lte-rrc.pcch.nb":
        return "paging-r13"
    if channel == "lte-rrc.bcch.dl.sch.nb":
        return "systemInformationBlockType1-r13"
    kind, inner = decoded["message"]
    return inner[0] if kind == "c1" else kind


def mib_nb(sfn: int, hyper_sfn: int, value_tag: int = 0, scheduling_info_sib1: int = 0) -> RrcPdu:
    """MasterInformationBlock-NB (standalone operation): the 4 MSBs of the SFN and the 2
    LSBs of the hyper-SFN (TS 36.331 6.7.2)."""
    value = {"systemFrameNumber-MSB-r13": (bytes([((sfn >> 6) & 0xF) << 4]), 4),
             "hyperSFN-LSB-r13": (bytes([(hyper_sfn & 0x3) << 6]), 2),
             "schedulingInfoSIB1-r13": scheduling_info_sib1,
             "systemInfoValueTag-r13": value_tag, "ab-Enabled-r13": False,
             "operationModeInfo-r13": ("standalone-r13", {"spare": (b"\0", 5)}),
             "additionalTransmissionSIB1-r15": False, "spare": (b"\0\0", 10)}
    return _encode("lte-rrc.bcch.bch.nb", "MasterInformationBlock-NB", {"message": value})


def sib2_nb(paging_cycle_rf: int, nprach_period_ms: int, nprach_format: int,
            preamble_trans_max: int, nprach_repetitions: int = 1) -> RrcPdu:
    """SystemInformationBlockType2-NB (TS 36.331 6.7.3.1) in its SI message (the first of
    SIB1-NB's schedulingInfoList, its mapping implicit): the paging cycle and nB = T/4 of the
    cell's paging occasions (ntnstack.stack.paging), one NPRACH resource with the period,
    start time 8 ms, CP length (format 0: 66.7 us, 1: 266.7 us) and repetitions the UEs use
    (ntnstack.stack.ra_config reads it back), the preamble transmissions, T311
    10 s (ntnstack.stack.reestablishment.T311_S), and nominal values elsewhere: the RAR
    window, contention resolution, power control and T300 / T301 / T310 of a cell serving UEs
    at the link budget's edge."""
    block = {
        "radioResourceConfigCommon-r13": {
            "rach-ConfigCommon-r13": {
                "preambleTransMax-CE-r13": f"n{preamble_trans_max}",
                "powerRampingParameters-r13": {
                    "powerRampingStep": "dB2", "preambleInitialReceivedTargetPower": "dBm-112"},
                "rach-InfoList-r13": [{"ra-ResponseWindowSize-r13": "pp8",
                                       "mac-ContentionResolutionTimer-r13": "pp8"}]},
            "bcch-Config-r13": {"modificationPeriodCoeff-r13": "n16"},
            "pcch-Config-r13": {"defaultPagingCycle-r13": f"rf{paging_cycle_rf}",
                                "nB-r13": "quarterT", "npdcch-NumRepetitionPaging-r13": "r8"},
            "nprach-Config-r13": {
                "nprach-CP-Length-r13": ("us66dot7", "us266dot7")[nprach_format],
                "nprach-ParametersList-r13": [{
                    "nprach-Periodicity-r13": f"ms{nprach_period_ms}",
                    "nprach-StartTime-r13": "ms8", "nprach-SubcarrierOffset-r13": "n0",
                    "nprach-NumSubcarriers-r13": "n12",
                    "nprach-SubcarrierMSG3-RangeStart-r13": "oneThird",
                    "maxNumPreambleAttemptCE-r13": "n10",
                    "numRepetitionsPerPreambleAttempt-r13": f"n{nprach_repetitions}",
                    "npdcch-NumRepetitions-RA-r13": "r8", "npdcch-StartSF-CSS-RA-r13": "v4",
                    "npdcch-Offset-RA-r13": "zero"}]},
            "npdsch-ConfigCommon-r13": {"nrs-Power-r13": 0},
            "npusch-ConfigCommon-r13": {
                "ack-NACK-NumRepetitions-Msg4-r13": ["r8"],
                "ul-ReferenceSignalsNPUSCH-r13": {"groupHoppingEnabled-r13": False,
                                                  "groupAssignmentNPUSCH-r13": 0}},
            "uplinkPowerControlCommon-r13": {"p0-NominalNPUSCH-r13": -100, "alpha-r13": "al1",
                                             "deltaPreambleMsg3-r13": 0}},
        "ue-TimersAndConstants-r13": {"t300-r13": "ms25000", "t301-r13": "ms25000",
                                      "t310-r13": "ms2000", "n310-r13": "n10",
                                      "t311-r13": "ms10000", "n311-r13": "n1"},
        "freqInfo-r13": {"additionalSpectrumEmission-r13": 1},
        "timeAlignmentTimerCommon-r13": "infinity"}
    from ntnstack.rrc.codec import encode_si_nb

    return RrcPdu("lte-rrc.bcch.dl.sch.nb", "sib2-r13", encode_si_nb("sib2-r13", block))


def sib1_nb(hyper_sfn: int, plmn: tuple[str, str], tac: int, cell_identity: int,
            sib31: SiSchedule) -> RrcPdu:
    """SystemInformationBlockType1-NB of an NB-IoT NTN cell (TS 36.331 6.7.3.1): the 8 MSBs
    of the 10-bit hyper-SFN, cell access (one PLMN (MCC, MNC digits), TAC, 28-bit cell
    identity; cellBarred-r13 barred for UEs without NTN support and cellBarred-NTN-r17
    notBarred), cell selection at the lowest thresholds, band 256, and the SI schedule: entry
    1 the SI message of SIB2-NB (always the first, mapping implicit; same periodicity,
    ``sib2_nb``), entry 2 SIB31-NB (sib-MappingInfo-v1530 sibType31-NB-r17)."""
    mcc, mnc = plmn
    first = {"si-Periodicity-r13": f"rf{sib31.periodicity_rf}",
             "si-RepetitionPattern-r13": "every2ndRF", "sib-MappingInfo-r13": [],
             "si-TB-r13": "b208"}
    v1700 = {"cellAccessRelatedInfo-NTN-r17": {"cellBarred-NTN-r17": "notBarred"}}
    v1530 = {"schedulingInfoList-v1530": [{}, {"sib-MappingInfo-v1530": ["sibType31-NB-r17"]}],
             "nonCriticalExtension": {"nonCriticalExtension": v1700}}
    value = {
        "hyperSFN-MSB-r13": (bytes([(hyper_sfn >> 2) & 0xFF]), 8),
        "cellAccessRelatedInfo-r13": {
            "plmn-IdentityList-r13": [{
                "plmn-Identity-r13": {"mcc": [int(d) for d in mcc], "mnc": [int(d) for d in mnc]},
                "cellReservedForOperatorUse-r13": "notReserved"}],
            "trackingAreaCode-r13": (tac.to_bytes(2, "big"), 16),
            "cellIdentity-r13": ((cell_identity << 4).to_bytes(4, "big"), 28),
            "cellBarred-r13": "barred", "intraFreqReselection-r13": "allowed"},
        "cellSelectionInfo-r13": {"q-RxLevMin-r13": Q_RXLEVMIN, "q-QualMin-r13": Q_QUALMIN_DB},
        "freqBandIndicator-r13": FREQ_BAND_NTN_S,
        "schedulingInfoList-r13": [first, {**first, "si-TB-r13": f"b{sib31.tb_bits}"}],
        "si-WindowLength-r13": f"ms{sib31.window_ms}",
        "nonCriticalExtension": {"nonCriticalExtension": {"nonCriticalExtension": {
            "nonCriticalExtension": v1530}}}}
    if sib31.radio_frame_offset:
        value["si-RadioFrameOffset-r13"] = sib31.radio_frame_offset
    return _encode("lte-rrc.bcch.dl.sch.nb", "systemInformationBlockType1-r13",
                   {"message": ("c1", ("systemInformationBlockType1-r13", value))})


@functools.lru_cache(maxsize=64)
def sib1_schedule(data: bytes) -> SiSchedule:
    """The UE's reading of a SIB1-NB: where SIB31-NB is scheduled (DecodeError when the
    message is malformed or maps no SIB31-NB). Cached by the bytes: every UE of a cell
    reads the same broadcast."""
    sib1 = decode("lte-rrc.bcch.dl.sch.nb", data)["message"][1][1]
    ext = sib1.get("nonCriticalExtension", {})
    for _ in range(3):                  # v1350 -> v1430 -> v1450 -> v1530
        ext = ext.get("nonCriticalExtension", {})
    entries = sib1["schedulingInfoList-r13"]
    for n, entry in enumerate(ext.get("schedulingInfoList-v1530", []), start=1):
        if "sibType31-NB-r17" in entry.get("sib-MappingInfo-v1530", []):
            info = entries[n - 1]
            return SiSchedule(n, int(info["si-Periodicity-r13"][2:]),
                              int(sib1["si-WindowLength-r13"][2:]),
                              sib1.get("si-RadioFrameOffset-r13", 0),
                              int(info["si-TB-r13"][1:]))
    raise DecodeError("lte-rrc.bcch.dl.sch.nb", "SIB1-NB maps no SIB31-NB")


def _s_tmsi(s_tmsi: tuple[int, int]) -> dict:
    mmec, m_tmsi = s_tmsi
    return {"mmec": (bytes([mmec]), 8), "m-TMSI": (m_tmsi.to_bytes(4, "big"), 32)}


def paging(s_tmsis: list[tuple[int, int]]) -> RrcPdu:
    """Paging-NB (PCCH) with one paging record per S-TMSI (MMEC, M-TMSI) (TS 36.331 6.7.2)."""
    records = [{"ue-Identity-r13": ("s-TMSI", _s_tmsi(s))} for s in s_tmsis]
    value = {"message": ("c1", ("paging-r13", {"pagingRecordList-r13": records}))}
    return _encode("lte-rrc.pcch.nb", "paging-r13", value)


def paging_s_tmsis(data: bytes) -> list[tuple[int, int]]:
    """The S-TMSIs (MMEC, M-TMSI) paged by a Paging-NB (DecodeError when malformed)."""
    page = decode("lte-rrc.pcch.nb", data)["message"][1][1]
    out = []
    for record in page.get("pagingRecordList-r13", []):
        kind, ident = record["ue-Identity-r13"]
        if kind == "s-TMSI":
            out.append((ident["mmec"][0][0], int.from_bytes(ident["m-TMSI"][0], "big")))
    return out


def rrc_connection_request(random_value_40bit: int, cause: str = "mo-Signalling",
                           s_tmsi: tuple[int, int] | None = None) -> RrcPdu:
    """RRCConnectionRequest-NB (Msg3): the S-TMSI (MMEC, M-TMSI) when upper layers gave one
    (a registered UE), else a 40-bit random initial UE identity (TS 36.331 5.3.3.3; from
    the template of the cause, ``random_value_template``)."""
    if s_tmsi is None and 0 <= random_value_40bit < 1 << 40:
        data = random_value_template(cause).encode(random_value_40bit)
        return RrcPdu("lte-rrc.ul.ccch.nb", "rrcConnectionRequest-r13", data)
    return _encode("lte-rrc.ul.ccch.nb", "rrcConnectionRequest-r13",
                   _connection_request_value(random_value_40bit, cause, s_tmsi))


def _connection_request_value(random_value_40bit: int, cause: str,
                              s_tmsi: tuple[int, int] | None) -> dict:
    identity = ("s-TMSI", _s_tmsi(s_tmsi)) if s_tmsi is not None else \
        ("randomValue", (random_value_40bit.to_bytes(5, "big"), 40))
    ies = {"ue-Identity-r13": identity,
           "establishmentCause-r13": cause, "multiToneSupport-r13": "true",
           "earlyContentionResolution-r14": True, "cqi-NPDCCH-r14": "noMeasurements",
           "spare": (b"\0\0\0", 17)}
    return {"message": ("c1", ("rrcConnectionRequest-r13",
                               {"criticalExtensions": ("rrcConnectionRequest-r13", ies)}))}


@functools.lru_cache(maxsize=16)
def random_value_template(cause: str) -> BitField:
    """RRCConnectionRequest-NB with a randomValue identity at one establishment cause: learnt
    from, and equal to, the compiler's encoding (a bad cause is an EncodeError here)."""
    return BitField.learn(lambda value: _encode(
        "lte-rrc.ul.ccch.nb", "rrcConnectionRequest-r13",
        _connection_request_value(value, cause, None)).data, 40)


@functools.lru_cache(maxsize=8)
def rrc_connection_setup(transaction_id: int) -> RrcPdu:
    """RRCConnectionSetup-NB (Msg4) with the default MAC main configuration (one encoding
    per transaction identifier)."""
    ies = {"radioResourceConfigDedicated-r13": {"mac-MainConfig-r13": ("defaultValue-r13", None)}}
    value = {"message": ("c1", ("rrcConnectionSetup-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("rrcConnectionSetup-r13", ies))}))}
    return _encode("lte-rrc.dl.ccch.nb", "rrcConnectionSetup-r13", value)


def _setup_complete_value(transaction_id: int, nas: bytes) -> dict:
    ies = {"selectedPLMN-Identity-r13": 1, "dedicatedInfoNAS-r13": bytes(nas)}
    return {"message": ("c1", ("rrcConnectionSetupComplete-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("rrcConnectionSetupComplete-r13", ies)}))}


def _ul_information_transfer_value(transaction_id: None, nas: bytes) -> dict:
    ies = {"dedicatedInfoNAS-r13": bytes(nas)}
    return {"message": ("c1", ("ulInformationTransfer-r13", {
        "criticalExtensions": ("ulInformationTransfer-r13", ies)}))}


def _dl_information_transfer_value(transaction_id: int, nas: bytes) -> dict:
    ies = {"dedicatedInfoNAS-r13": bytes(nas)}
    return {"message": ("c1", ("dlInformationTransfer-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("dlInformationTransfer-r13", ies))}))}


NAS_CARRIERS = {
    "rrcConnectionSetupComplete-r13": ("lte-rrc.ul.dcch.nb", _setup_complete_value),
    "ulInformationTransfer-r13": ("lte-rrc.ul.dcch.nb", _ul_information_transfer_value),
    "dlInformationTransfer-r13": ("lte-rrc.dl.dcch.nb", _dl_information_transfer_value),
}
"""The messages that carry one NAS message as their last field: name -> (channel, value of
(transaction identifier, NAS octets))."""


@functools.lru_cache(maxsize=16)
def nas_carrier_template(name: str, transaction_id: int | None) -> OctetTail:
    """The UPER template of a NAS-carrying message at one transaction identifier (its only
    other variable field): learnt from, and equal to, the compiler's encoding (constraints
    checked, so a bad identifier is an EncodeError here)."""
    channel, value = NAS_CARRIERS[name]
    return OctetTail.learn(lambda nas: _encode(channel, name, value(transaction_id, nas)).data)


def _nas_carrier(name: str, transaction_id: int | None, nas: bytes) -> RrcPdu:
    template = nas_carrier_template(name, transaction_id)
    return RrcPdu(NAS_CARRIERS[name][0], name, template.encode(bytes(nas)))


def rrc_connection_setup_complete(transaction_id: int, nas: bytes) -> RrcPdu:
    """RRCConnectionSetupComplete-NB (Msg5) carrying the first NAS message."""
    return _nas_carrier("rrcConnectionSetupComplete-r13", transaction_id, nas)


def ul_information_transfer(nas: bytes) -> RrcPdu:
    """ULInformationTransfer-NB carrying one uplink NAS message."""
    return _nas_carrier("ulInformationTransfer-r13", None, nas)


def dl_information_transfer(transaction_id: int, nas: bytes) -> RrcPdu:
    """DLInformationTransfer-NB carrying one downlink NAS message."""
    return _nas_carrier("dlInformationTransfer-r13", transaction_id, nas)


def rrc_connection_release(transaction_id: int, cause: str = "other") -> RrcPdu:
    """RRCConnectionRelease-NB with ``releaseCause-r13``."""
    ies = {"releaseCause-r13": cause}
    value = {"message": ("c1", ("rrcConnectionRelease-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("rrcConnectionRelease-r13", ies))}))}
    return _encode("lte-rrc.dl.dcch.nb", "rrcConnectionRelease-r13", value)


def rrc_connection_reestablishment_request(s_tmsi: tuple[int, int], ul_nas_mac: int,
                                           ul_nas_count: int, cause: str = "otherFailure"
                                           ) -> RrcPdu:
    """RRCConnectionReestablishmentRequest-NB, the r14 control-plane CIoT variant (TS 36.331
    5.3.7.4): S-TMSI, the 16-bit UL NAS MAC and the 5 LSBs of the uplink NAS COUNT."""
    ies = {"ue-Identity-r14": {"s-TMSI-r14": _s_tmsi(s_tmsi),
                               "ul-NAS-MAC-r14": ((ul_nas_mac & 0xFFFF).to_bytes(2, "big"), 16),
                               "ul-NAS-Count-r14": (bytes([(ul_nas_count & 0x1F) << 3]), 5)},
           "reestablishmentCause-r14": cause, "cqi-NPDCCH-r14": "noMeasurements",
           "earlyContentionResolution-r14": True, "spare": (b"\0", 1)}
    value = {"message": ("c1", ("rrcConnectionReestablishmentRequest-r13", {
        "criticalExtensions": ("later", ("rrcConnectionReestablishmentRequest-r14", ies))}))}
    return _encode("lte-rrc.ul.ccch.nb", "rrcConnectionReestablishmentRequest-r14", value)


def reestablishment_request_fields(data: bytes) -> tuple[tuple[int, int], int, int]:
    """The eNB's reading of a CP RRCConnectionReestablishmentRequest-NB: (S-TMSI, UL NAS MAC,
    ul-NAS-Count) (DecodeError when malformed or not the r14 variant)."""
    msg = decode("lte-rrc.ul.ccch.nb", data)["message"][1]
    ext = msg[1]["criticalExtensions"]
    if msg[0] != "rrcConnectionReestablishmentRequest-r13" or ext[0] != "later" or \
            ext[1][0] != "rrcConnectionReestablishmentRequest-r14":
        raise DecodeError("lte-rrc.ul.ccch.nb", "not a CP RRCConnectionReestablishmentRequest-NB")
    ident = ext[1][1]["ue-Identity-r14"]
    s = ident["s-TMSI-r14"]
    return ((s["mmec"][0][0], int.from_bytes(s["m-TMSI"][0], "big")),
            int.from_bytes(ident["ul-NAS-MAC-r14"][0], "big"),
            ident["ul-NAS-Count-r14"][0][0] >> 3)


def rrc_connection_reestablishment(transaction_id: int, dl_nas_mac: int) -> RrcPdu:
    """RRCConnectionReestablishment-NB with the default MAC configuration, nextHopChainingCount
    0 (no AS security on CP CIoT) and the MME's 16-bit DL NAS MAC (v1430)."""
    ies = {"radioResourceConfigDedicated-r13": {"mac-MainConfig-r13": ("defaultValue-r13", None)},
           "nextHopChainingCount-r13": 0,
           "nonCriticalExtension": {"dl-NAS-MAC": ((dl_nas_mac & 0xFFFF).to_bytes(2, "big"), 16)}}
    value = {"message": ("c1", ("rrcConnectionReestablishment-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("rrcConnectionReestablishment-r13", ies))}))}
    return _encode("lte-rrc.dl.ccch.nb", "rrcConnectionReestablishment-r13", value)


def reestablishment_dl_nas_mac(data: bytes) -> int:
    """The UE's reading of RRCConnectionReestablishment-NB: its DL NAS MAC (DecodeError)."""
    msg = decode("lte-rrc.dl.ccch.nb", data)["message"][1]
    if msg[0] != "rrcConnectionReestablishment-r13":
        raise DecodeError("lte-rrc.dl.ccch.nb", f"{msg[0]} is no RRCConnectionReestablishment-NB")
    ies = msg[1]["criticalExtensions"][1][1]
    mac = ies.get("nonCriticalExtension", {}).get("dl-NAS-MAC")
    if mac is None:
        raise DecodeError("lte-rrc.dl.ccch.nb",
                          "RRCConnectionReestablishment-NB without dl-NAS-MAC")
    return int.from_bytes(mac[0], "big")


def rrc_connection_reestablishment_reject() -> RrcPdu:
    """RRCConnectionReestablishmentReject (DL-CCCH of NB-IoT, the E-UTRA message)."""
    value = {"message": ("c1", ("rrcConnectionReestablishmentReject-r13", {
        "criticalExtensions": ("rrcConnectionReestablishmentReject-r8", {})}))}
    return _encode("lte-rrc.dl.ccch.nb", "rrcConnectionReestablishmentReject-r13", value)


def rrc_connection_reestablishment_complete(transaction_id: int) -> RrcPdu:
    """RRCConnectionReestablishmentComplete-NB (SRB1)."""
    value = {"message": ("c1", ("rrcConnectionReestablishmentComplete-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("rrcConnectionReestablishmentComplete-r13", {})}))}
    return _encode("lte-rrc.ul.dcch.nb", "rrcConnectionReestablishmentComplete-r13", value)

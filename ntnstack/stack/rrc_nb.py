"""NB-IoT RRC messages of the emulated access (UPER, the ASN.1 in ``asn/nbiot_rrc.asn``).

Each builder returns an ``RrcPdu``: the logical channel (which is also the Wireshark
dissector name of the link-type-252 pcap), the message name and the UPER bytes. ``decode``
inverts them. The specification is compiled once per process (``functools.cache``);
encoding and decoding check constraints. Errors: ntnstack.rrc.EncodeError / DecodeError.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import asn1tools

from ntnstack.rrc.codec import DecodeError, EncodeError

__all__ = ["CHANNELS", "RrcPdu", "decode", "dl_information_transfer", "mib_nb", "paging",
           "paging_s_tmsis", "rrc_connection_release", "rrc_connection_request",
           "rrc_connection_setup", "rrc_connection_setup_complete", "ul_information_transfer"]

ASN_FILE = Path(__file__).with_name("asn") / "nbiot_rrc.asn"

CHANNELS = {
    "lte-rrc.bcch.bch.nb": "BCCH-BCH-Message-NB",
    "lte-rrc.ul.ccch.nb": "UL-CCCH-Message-NB",
    "lte-rrc.dl.ccch.nb": "DL-CCCH-Message-NB",
    "lte-rrc.ul.dcch.nb": "UL-DCCH-Message-NB",
    "lte-rrc.dl.dcch.nb": "DL-DCCH-Message-NB",
    "lte-rrc.pcch.nb": "PCCH-Message-NB",
}
"""Wireshark dissector name (tshark 4.0, ``lte-rrc``) -> PDU type of the ASN.1."""


@dataclass(frozen=True)
class RrcPdu:
    """One RRC message: channel (= dissector name), message name, UPER bytes."""

    channel: str
    name: str
    data: bytes


@functools.cache
def _spec():
    return asn1tools.compile_files([str(ASN_FILE)], "uper")


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
    (a registered UE), else a 40-bit random initial UE identity (TS 36.331 5.3.3.3)."""
    identity = ("s-TMSI", _s_tmsi(s_tmsi)) if s_tmsi is not None else \
        ("randomValue", (random_value_40bit.to_bytes(5, "big"), 40))
    ies = {"ue-Identity-r13": identity,
           "establishmentCause-r13": cause, "multiToneSupport-r13": "true",
           "earlyContentionResolution-r14": True, "cqi-NPDCCH-r14": "noMeasurements",
           "spare": (b"\0\0\0", 17)}
    value = {"message": ("c1", ("rrcConnectionRequest-r13",
                                {"criticalExtensions": ("rrcConnectionRequest-r13", ies)}))}
    return _encode("lte-rrc.ul.ccch.nb", "rrcConnectionRequest-r13", value)


def rrc_connection_setup(transaction_id: int) -> RrcPdu:
    """RRCConnectionSetup-NB (Msg4) with the default MAC main configuration."""
    ies = {"radioResourceConfigDedicated-r13": {"mac-MainConfig-r13": ("defaultValue-r13", None)}}
    value = {"message": ("c1", ("rrcConnectionSetup-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("rrcConnectionSetup-r13", ies))}))}
    return _encode("lte-rrc.dl.ccch.nb", "rrcConnectionSetup-r13", value)


def rrc_connection_setup_complete(transaction_id: int, nas: bytes) -> RrcPdu:
    """RRCConnectionSetupComplete-NB (Msg5) carrying the first NAS message."""
    ies = {"selectedPLMN-Identity-r13": 1, "dedicatedInfoNAS-r13": bytes(nas)}
    value = {"message": ("c1", ("rrcConnectionSetupComplete-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("rrcConnectionSetupComplete-r13", ies)}))}
    return _encode("lte-rrc.ul.dcch.nb", "rrcConnectionSetupComplete-r13", value)


def ul_information_transfer(nas: bytes) -> RrcPdu:
    """ULInformationTransfer-NB carrying one uplink NAS message."""
    ies = {"dedicatedInfoNAS-r13": bytes(nas)}
    value = {"message": ("c1", ("ulInformationTransfer-r13", {
        "criticalExtensions": ("ulInformationTransfer-r13", ies)}))}
    return _encode("lte-rrc.ul.dcch.nb", "ulInformationTransfer-r13", value)


def dl_information_transfer(transaction_id: int, nas: bytes) -> RrcPdu:
    """DLInformationTransfer-NB carrying one downlink NAS message."""
    ies = {"dedicatedInfoNAS-r13": bytes(nas)}
    value = {"message": ("c1", ("dlInformationTransfer-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("dlInformationTransfer-r13", ies))}))}
    return _encode("lte-rrc.dl.dcch.nb", "dlInformationTransfer-r13", value)


def rrc_connection_release(transaction_id: int, cause: str = "other") -> RrcPdu:
    """RRCConnectionRelease-NB with ``releaseCause-r13``."""
    ies = {"releaseCause-r13": cause}
    value = {"message": ("c1", ("rrcConnectionRelease-r13", {
        "rrc-TransactionIdentifier": transaction_id,
        "criticalExtensions": ("c1", ("rrcConnectionRelease-r13", ies))}))}
    return _encode("lte-rrc.dl.dcch.nb", "rrcConnectionRelease-r13", value)

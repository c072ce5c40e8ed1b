"""EPS NAS messages (TS 24.301 V17 clause 8 layouts, clause 9 IE codings) and their security
protection (clause 9.1 / 4.4), plus the SMS relay layers carried over NAS (TS 24.011).

Encoders return the octets of one plain NAS message; ``protect`` / ``unprotect`` add and
check the security header (types 1-4), the 32-bit MAC of 128-EIA2 and 128-EEA2 ciphering
(or EEA0 / EIA0, the null algorithms). ``parse`` splits a plain message into its header and
the IEs this emulation needs. Every length and IEI is that of the specification tables
named in each docstring.
"""
from __future__ import annotations

import ipaddress

from ntnstack.stack.nas_codes import (
    CP_ACK,
    CP_DATA,
    EMM,
    EMM_CAUSE_ESM_FAILURE,
    EMM_CAUSE_ILLEGAL_ME,
    EPS_UPDATE_TYPES,
    ESM,
    ESM_CAUSES,
    IEI_IMEISV,
    IMEISV_REQUESTED_IE,
    NO_KEY_KSI,
    PD_EMM,
    PD_ESM,
    PD_SMS,
    PDN_ADDRESS_OCTETS,
    PDN_TYPES,
    RP_ACK_MS_N,
    RP_ACK_N_MS,
    RP_DATA_MS_N,
    RP_DATA_N_MS,
    RP_ERROR_N_MS,
    NasCodecError,
    ParsedNas,
    PdnAddress,
)
from ntnstack.stack.nas_parse import decode_pdn_address, message_name, parse
from ntnstack.stack.nas_security import NasSecurityContext, protect, unprotect

__all__ = ["ALGORITHMS", "CP_SERVICE_TYPES", "EMM", "EMM_CAUSE_ESM_FAILURE",
           "EMM_CAUSE_ILLEGAL_ME", "EPS_UPDATE_TYPES", "ESM",
           "ESM_CAUSES", "PDN_TYPES", "NasCodecError", "NasSecurityContext", "ParsedNas",
           "PdnAddress", "activate_default_bearer_request", "attach_accept", "attach_complete",
           "attach_reject", "attach_reject_reason", "attach_request", "guti_identity",
           "authentication_request", "authentication_response",
           "control_plane_service_request", "cp_ack", "cp_data", "decode_pdn_address",
           "detach_accept", "detach_request", "downlink_nas_transport", "esm_data_transport",
           "imsi_identity", "message_name", "parse", "pdn_address", "pdn_connectivity_reject",
           "pdn_connectivity_request", "plmn_octets", "protect", "rp_ack", "rp_data_mo",
           "rp_data_mt", "rp_data_tpdu", "rp_error", "security_mode_command",
           "security_mode_complete", "imeisv_identity", "tracking_area_update_accept",
           "tracking_area_update_request", "unprotect", "uplink_nas_transport"]


def _lv(value: bytes) -> bytes:
    if len(value) > 255:
        raise NasCodecError(f"LV value of {len(value)} octets does not fit one length octet")
    return bytes([len(value)]) + value




def _lve(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


def _bcd(digits: str) -> bytes:
    """Digits as TBCD: first digit in the low nibble, 0xF filler (TS 24.008 10.5.1.4)."""
    padded = digits + ("F" if len(digits) % 2 else "")
    return bytes(int(padded[i + 1], 16) << 4 | int(padded[i]) for i in range(0, len(padded), 2))


def plmn_octets(mcc: str, mnc: str) -> bytes:
    """PLMN identity, 3 octets (TS 24.008 10.5.1.13; 2-digit MNC: filler F in MNC digit 3)."""
    if not (len(mcc) == 3 and len(mnc) in (2, 3) and (mcc + mnc).isdigit()):
        raise NasCodecError(f"PLMN {mcc}-{mnc}: MCC needs 3 digits, MNC 2 or 3")
    d3 = int(mnc[2]) if len(mnc) == 3 else 0xF
    return bytes([int(mcc[1]) << 4 | int(mcc[0]), d3 << 4 | int(mcc[2]),
                  int(mnc[1]) << 4 | int(mnc[0])])


def imsi_identity(imsi: str) -> bytes:
    """EPS mobile identity value for an IMSI (TS 24.301 9.9.3.12, type 001)."""
    if not (imsi.isdigit() and 6 <= len(imsi) <= 15):
        raise NasCodecError(f"IMSI {imsi!r}: 6..15 digits")
    odd = len(imsi) % 2
    first = int(imsi[0]) << 4 | odd << 3 | 0x1
    return bytes([first]) + _bcd(imsi[1:])


def _emm(msg: str, body: bytes) -> bytes:
    return bytes([PD_EMM, EMM[msg]]) + body


def _esm(msg: str, ebi: int, pti: int, body: bytes) -> bytes:
    return bytes([ebi << 4 | PD_ESM, pti, ESM[msg]]) + body


# UE network capability (9.9.3.34): EEA0-2, EIA0-2 (octets 3-4), UEA/UIA none, octet 8 bit 3
# "CP CIoT" (control plane CIoT EPS optimisation supported).
UE_NETWORK_CAPABILITY = bytes([0xE0, 0xE0, 0x00, 0x00, 0x00, 0x04])


def pdn_connectivity_request(pdn_type: str, pti: int = 1) -> bytes:
    """PDN CONNECTIVITY REQUEST (8.3.20): request type 1 initial request, PDN type."""
    if pdn_type not in PDN_TYPES:
        raise NasCodecError(f"PDN type {pdn_type!r}: one of {', '.join(PDN_TYPES)}")
    return _esm("pdn-connectivity-request", 0, pti, bytes([PDN_TYPES[pdn_type] << 4 | 0x1]))


def pdn_connectivity_reject(pti: int, esm_cause: int) -> bytes:
    """PDN CONNECTIVITY REJECT (8.3.19): ESM cause (9.9.4.4), no optional IEs."""
    return _esm("pdn-connectivity-reject", 0, pti, bytes([esm_cause]))


EPS_ATTACH = 0x1            # EPS attach type (9.9.3.11): EPS attach
COMBINED_ATTACH = 0x2       # combined EPS/IMSI attach
PNB_CIOT_CP = 0b01          # additional update type (9.9.3.0B) bits 4-3: control plane CIoT
AUTV_SMS_ONLY = 0b1         # bit 1: "SMS only"
SMS_ONLY_RESULT = 0b10      # additional update result (9.9.3.0A) bits 2-1: "SMS only"


def attach_request(imsi: str, pdn_type: str = "non-ip", sms: bool = True) -> bytes:
    """ATTACH REQUEST (8.2.4): no key (KSI 7), IMSI, UE network capability, ESM container
    with a PDN CONNECTIVITY REQUEST, additional update type (IEI F-, 9.9.3.0B) with PNB-CIoT
    = 01 "control plane CIoT EPS optimization", SAF 0. With ``sms`` the UE asks for SMS
    without CS services as TS 24.301 5.5.1.2.2 says: EPS attach type "combined EPS/IMSI
    attach" and AUTV "SMS only"; otherwise an EPS attach."""
    kind = COMBINED_ATTACH if sms else EPS_ATTACH
    update_type = PNB_CIOT_CP << 2 | (AUTV_SMS_ONLY if sms else 0)
    body = (bytes([NO_KEY_KSI << 4 | kind]) + _lv(imsi_identity(imsi))
            + _lv(UE_NETWORK_CAPABILITY) + _lve(pdn_connectivity_request(pdn_type))
            + bytes([0xF0 | update_type]))
    return _emm("attach-request", body)


def attach_reject(emm_cause: int, esm: bytes = b"") -> bytes:
    """ATTACH REJECT (8.2.3): EMM cause (9.9.3.9), and for #19 "ESM failure" the ESM message
    container (IEI 78, TLV-E) with the PDN CONNECTIVITY REJECT (5.5.1.2.5)."""
    return _emm("attach-reject", bytes([emm_cause]) + (bytes([0x78]) + _lve(esm) if esm else b""))


def attach_reject_reason(reject: ParsedNas) -> str:
    """Why an ATTACH REJECT came, in words: the EMM cause and, for an ESM failure, the ESM
    cause of its PDN CONNECTIVITY REJECT."""
    text = f"attach reject: EMM cause #{reject.ies['emm_cause']}"
    if reject.ies["emm_cause"] == EMM_CAUSE_ESM_FAILURE and reject.ies["esm"]:
        cause = parse(reject.ies["esm"]).ies["esm_cause"]
        text += f" ESM failure, PDN connectivity reject ESM cause #{cause} " \
            f"{ESM_CAUSES.get(cause, '')}".rstrip()
    return text


def authentication_request(ksi: int, rand: bytes, autn: bytes) -> bytes:
    """AUTHENTICATION REQUEST (8.2.7): NAS KSI, RAND (V 16), AUTN (LV 16)."""
    return _emm("authentication-request", bytes([ksi & 0x7]) + bytes(rand) + _lv(bytes(autn)))


def authentication_response(res: bytes) -> bytes:
    """AUTHENTICATION RESPONSE (8.2.8): RES (LV 4..16)."""
    return _emm("authentication-response", _lv(bytes(res)))


ALGORITHMS = {"eea0": 0, "eea2": 2, "eia0": 0, "eia2": 2}


def security_mode_command(ksi: int, eea: str, eia: str, imeisv_request: bool = False
                          ) -> bytes:
    """SECURITY MODE COMMAND (8.2.20): selected algorithms (9.9.3.23), NAS KSI, replayed UE
    security capabilities (the UE network capability octets 3-6, 9.9.3.36); with
    ``imeisv_request`` the IMEISV request IE (IEI C, value 1 "IMEISV requested", 9.9.3.24 /
    TS 24.008 10.5.5.10)."""
    algs = ALGORITHMS[eea] << 4 | ALGORITHMS[eia]
    return _emm("security-mode-command", bytes([algs, ksi & 0x7])
                + _lv(UE_NETWORK_CAPABILITY[:4])
                + (bytes([IMEISV_REQUESTED_IE]) if imeisv_request else b""))


def imeisv_identity(imeisv: str) -> bytes:
    """Mobile identity value of an IMEISV (TS 24.008 10.5.1.4: 16 digits, even, type 011)."""
    if not (imeisv.isdigit() and len(imeisv) == 16):
        raise NasCodecError(f"IMEISV {imeisv!r}: 16 digits")
    return bytes([int(imeisv[0]) << 4 | 0x3]) + _bcd(imeisv[1:])


def security_mode_complete(imeisv: str | None = None) -> bytes:
    """SECURITY MODE COMPLETE (8.2.21); with ``imeisv`` (the SMC asked for it, 5.4.3.3) the
    IMEISV IE (IEI 23, mobile identity 9.9.3.x / TS 24.008 10.5.1.4)."""
    return _emm("security-mode-complete", b"" if imeisv is None else
                bytes([IEI_IMEISV]) + _lv(imeisv_identity(imeisv)))


def pdn_address(pdn_type: str, ipv4: str | None = None, ipv6_iid: bytes | None = None
                ) -> bytes:
    """The value of the PDN address IE (9.9.4.9): PDN type octet, then the IPv6 interface
    identifier (8 octets) and / or the IPv4 address the type calls for; non-IP: 4 spare zero
    octets. NasCodecError when the type and the addresses given do not match."""
    if pdn_type not in PDN_TYPES:
        raise NasCodecError(f"PDN type {pdn_type!r}: one of {', '.join(PDN_TYPES)}")
    octets = b""
    if pdn_type in ("ipv6", "ipv4v6"):
        octets += bytes(ipv6_iid or b"")
    if pdn_type in ("ipv4", "ipv4v6"):
        try:
            octets += ipaddress.IPv4Address(ipv4 or "").packed
        except ipaddress.AddressValueError:
            raise NasCodecError(f"PDN address: IPv4 {ipv4!r} is not a dotted IPv4 address") \
                from None
    if pdn_type == "non-ip":
        octets = bytes(4)
    if len(octets) != PDN_ADDRESS_OCTETS[pdn_type]:
        raise NasCodecError(f"PDN address: {pdn_type} takes {PDN_ADDRESS_OCTETS[pdn_type]} "
                            f"address octets (IPv6 IID 8, IPv4 4), got {len(octets)}")
    return bytes([PDN_TYPES[pdn_type]]) + octets


def activate_default_bearer_request(ebi: int, pti: int, pdn_type: str, apn: str,
                                    address: bytes = b"", esm_cause: int | None = None
                                    ) -> bytes:
    """ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST (8.3.6): EPS QoS QCI 9, APN, PDN address
    (9.9.4.9, LV 6-14: type + IPv4 4 octets / IPv6 IID 8 octets / both / non-IP 4 spare zero
    octets; ``address`` the octets after the type), ESM cause (IEI 58, 9.9.4.4: #50 / #51
    when the network restricts an IPv4v6 request to one IP version, 6.5.1.3), control plane
    only indication (IEI 9-, 9.9.4.23)."""
    if pdn_type == "non-ip" and not address:
        address = bytes(4)
    labels = b"".join(_lv(label.encode("ascii")) for label in apn.split("."))
    pdn = bytes([PDN_TYPES[pdn_type]]) + bytes(address)
    cause = b"" if esm_cause is None else bytes([0x58, esm_cause])
    body = _lv(bytes([9])) + _lv(labels) + _lv(pdn) + cause + bytes([0x91])
    return _esm("activate-default-bearer-request", ebi, pti, body)


def _tai_list(plmn: bytes, tac: int) -> bytes:
    """TAI list (9.9.3.33) of one TAC, type of list 00: value of the LV."""
    return bytes([0x00]) + plmn + tac.to_bytes(2, "big")


EPS_NETWORK_FEATURE_CP_CIOT = bytes([0x80, 0x00])
"""EPS network feature support (9.9.3.12A): octet 3 bit 8 CP CIoT, nothing else."""


def attach_accept(guti: tuple[bytes, int, int, int], tac: int, esm: bytes,
                  t3412_units: int = 0b010, t3412_value: int = 9, sms_only: bool = False) -> bytes:
    """ATTACH ACCEPT (8.2.1): EPS attach result (9.9.3.10: EPS only, or with ``sms_only``
    combined EPS/IMSI attach), T3412 (GPRS timer, TS 24.008 10.5.7.3: unit bits 8-6 010 =
    decihours; default 9 x 6 min = 54 min, the default of TS 24.301 10.2), TAI list of one
    TAC (9.9.3.33, type 00), ESM container, GUTI (IEI 50), EPS network feature support (IEI
    64, 9.9.3.12A: octet 3 bit 8 CP CIoT, nothing else) and with ``sms_only`` the additional
    update result "SMS only" (IEI F-, 9.9.3.0A; TS 24.301 5.5.1.3.4.2)."""
    plmn, _, _, _ = guti
    guti_v = guti_identity(guti)
    result = COMBINED_ATTACH if sms_only else EPS_ATTACH
    body = (bytes([result, t3412_units << 5 | t3412_value]) + _lv(_tai_list(plmn, tac))
            + _lve(esm) + bytes([0x50]) + _lv(guti_v)
            + bytes([0x64]) + _lv(EPS_NETWORK_FEATURE_CP_CIOT)
            + (bytes([0xF0 | SMS_ONLY_RESULT]) if sms_only else b""))
    return _emm("attach-accept", body)


def tracking_area_update_request(ksi: int, guti: tuple[bytes, int, int, int],
                                 update_type: str = "periodic-updating") -> bytes:
    """TRACKING AREA UPDATE REQUEST (8.2.29): NAS KSI of the current EPS security context and
    EPS update type (9.9.3.14, ``update_type`` a key of EPS_UPDATE_TYPES, active flag 0),
    old GUTI (EPS mobile identity), UE network capability (IEI 58) and additional update type
    (IEI F-) "control plane CIoT" as in the ATTACH REQUEST."""
    body = (bytes([(ksi & 0x7) << 4 | EPS_UPDATE_TYPES[update_type]])
            + _lv(guti_identity(guti)) + bytes([0x58]) + _lv(UE_NETWORK_CAPABILITY)
            + bytes([0xF0 | PNB_CIOT_CP << 2]))
    return _emm("tracking-area-update-request", body)


def tracking_area_update_accept(plmn: bytes, tac: int, t3412_units: int = 0b010,
                                t3412_value: int = 9) -> bytes:
    """TRACKING AREA UPDATE ACCEPT (8.2.26): EPS update result 000 "TA updated" (9.9.3.13),
    T3412 (IEI 5A, as in the ATTACH ACCEPT), TAI list (IEI 54) of one TAC, EPS network feature
    support (IEI 64: CP CIoT). No GUTI IE: the UE keeps its GUTI, so no TRACKING AREA UPDATE
    COMPLETE follows (5.5.3.2.4)."""
    body = (bytes([0x00, 0x5A, t3412_units << 5 | t3412_value])
            + bytes([0x54]) + _lv(_tai_list(plmn, tac))
            + bytes([0x64]) + _lv(EPS_NETWORK_FEATURE_CP_CIOT))
    return _emm("tracking-area-update-accept", body)


def attach_complete(ebi: int) -> bytes:
    """ATTACH COMPLETE (8.2.2) with ACTIVATE DEFAULT EPS BEARER CONTEXT ACCEPT (8.3.4)."""
    return _emm("attach-complete", _lve(_esm("activate-default-bearer-accept", ebi, 0, b"")))


def esm_data_transport(ebi: int, data: bytes) -> bytes:
    """ESM DATA TRANSPORT (8.3.25): user data container (LV-E, 9.9.4.24)."""
    return _esm("esm-data-transport", ebi, 0, _lve(bytes(data)))


def uplink_nas_transport(container: bytes) -> bytes:
    """UPLINK NAS TRANSPORT (8.2.30): NAS message container (LV 2..251, 9.9.3.22)."""
    return _emm("uplink-nas-transport", _lv(bytes(container)))


def downlink_nas_transport(container: bytes) -> bytes:
    """DOWNLINK NAS TRANSPORT (8.2.12): NAS message container."""
    return _emm("downlink-nas-transport", _lv(bytes(container)))


CP_SERVICE_TYPES = {"mo": 0b000, "mt": 0b001}
"""Control plane service type (9.9.3.47): mobile originating / terminating request."""


def control_plane_service_request(ksi: int, esm_container: bytes = b"",
                                  nas_container: bytes = b"", service: str = "mo") -> bytes:
    """CONTROL PLANE SERVICE REQUEST (8.2.33): control plane service type (9.9.3.47,
    ``service`` "mo" / "mt", active flag 0), NAS KSI, and optionally the ESM message container
    (IEI 78, TLV-E: ESM DATA TRANSPORT) or the NAS message container (IEI 67, TLV: an SMS,
    TS 24.011 CP-DATA, 5.6.1.2.2) - which the sender ciphers itself when EEA2 is in use
    (partial ciphering, 4.4.5)."""
    body = bytes([(ksi & 0x7) << 4 | CP_SERVICE_TYPES[service]])
    if esm_container:
        body += bytes([0x78]) + _lve(bytes(esm_container))
    if nas_container:
        body += bytes([0x67]) + _lv(bytes(nas_container))
    return _emm("control-plane-service-request", body)


def guti_identity(guti: tuple[bytes, int, int, int]) -> bytes:
    """EPS mobile identity (9.9.3.12) of a GUTI (PLMN, MMEGI, MMEC, M-TMSI): 1111 | odd/even
    0 | type 110, then the PLMN, MMEGI (2 octets), MMEC and M-TMSI (4 octets)."""
    plmn, mmegi, mmec, m_tmsi = guti
    return bytes([0xF6]) + plmn + mmegi.to_bytes(2, "big") + bytes([mmec]) + \
        m_tmsi.to_bytes(4, "big")


def detach_request(switch_off: bool, identity: bytes, ksi: int) -> bytes:
    """DETACH REQUEST UE originating (8.2.11.1): detach type EPS detach (+ switch off),
    NAS KSI, EPS mobile identity ``identity`` (the GUTI when the UE has a valid one, else
    the IMSI: TS 24.301 5.5.2.2.1; ``guti_identity`` / ``imsi_identity``)."""
    kind = (0x8 if switch_off else 0x0) | 0x1
    return _emm("detach-request", bytes([(ksi & 0x7) << 4 | kind]) + _lv(identity))


def detach_accept() -> bytes:
    """DETACH ACCEPT (8.2.10.1)."""
    return _emm("detach-accept", b"")


def _sms_address(number: str) -> bytes:
    digits = number.lstrip("+")
    toa = 0x91 if number.startswith("+") else 0x81
    return bytes([toa]) + _bcd(digits)


def _cp_header(ti: int, allocator: bool) -> int:
    """TI flag 0 from the side that allocated the TI, 1 from the other (TS 24.007 11.2.3.1.3)."""
    return ((0x0 if allocator else 0x8) | (ti & 0x7)) << 4 | PD_SMS


def cp_data(ti: int, rpdu: bytes, allocator: bool) -> bytes:
    """CP-DATA (TS 24.011 7.2.1) carrying one RP message; ``allocator``: the sender began
    the transaction (the UE for an MO SMS, the network for an MT SMS)."""
    return bytes([_cp_header(ti, allocator), CP_DATA]) + _lv(bytes(rpdu))


def cp_ack(ti: int, allocator: bool) -> bytes:
    """CP-ACK (TS 24.011 7.2.2)."""
    return bytes([_cp_header(ti, allocator), CP_ACK])


def rp_data_mo(mr: int, smsc: str, tpdu: bytes) -> bytes:
    """RP-DATA MS -> network (TS 24.011 7.3.1.2): empty originator, SC destination, TPDU."""
    return bytes([RP_DATA_MS_N, mr & 0xFF, 0]) + _lv(_sms_address(smsc)) + _lv(bytes(tpdu))


def rp_data_mt(mr: int, smsc: str, tpdu: bytes) -> bytes:
    """RP-DATA network -> MS (7.3.1.1): SC originator, empty destination, TPDU."""
    return bytes([RP_DATA_N_MS, mr & 0xFF]) + _lv(_sms_address(smsc)) + bytes([0]) + \
        _lv(bytes(tpdu))


def rp_data_tpdu(rpdu: bytes) -> bytes:
    """The TPDU (RP-User data) of an RP-DATA in either direction (TS 24.011 7.3.1): after
    the message type, reference, originator and destination addresses (LV each)."""
    i = 2
    for what in ("RP-Originator Address", "RP-Destination Address"):
        if i >= len(rpdu):
            raise NasCodecError(f"RP-DATA: {what} at octet {i + 1} missing")
        i += 1 + rpdu[i]
    if i >= len(rpdu) or i + 1 + rpdu[i] > len(rpdu):
        raise NasCodecError(f"RP-DATA: RP-User data at octet {i + 1} runs past the end")
    return bytes(rpdu[i + 1:i + 1 + rpdu[i]])


def rp_ack(mr: int, from_network: bool) -> bytes:
    """RP-ACK (7.3.3) without RP-User data."""
    return bytes([RP_ACK_N_MS if from_network else RP_ACK_MS_N, mr & 0xFF])


def rp_error(mr: int, cause: int) -> bytes:
    """RP-ERROR network -> MS (7.3.4): RP-Cause (8.2.5.4, one octet, extension bit 0), no
    diagnostic or RP-User data."""
    return bytes([RP_ERROR_N_MS, mr & 0xFF]) + _lv(bytes([cause & 0x7F]))

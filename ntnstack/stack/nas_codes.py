"""Codes of the emulated NAS subset (TS 24.301 9.3 / 9.8 / 9.9, TS 24.011 8.1 / 8.2), the
codec's error, the parsed form of a plain message and of the PDN address IE."""
from __future__ import annotations

from dataclasses import dataclass, field

from ntnstack.errors import InputError

PD_EMM, PD_ESM, PD_SMS = 0x7, 0x2, 0x9
EMM = {"attach-request": 0x41, "attach-accept": 0x42, "attach-complete": 0x43,
       "attach-reject": 0x44, "detach-request": 0x45, "detach-accept": 0x46,
       "authentication-request": 0x52,
       "authentication-response": 0x53, "security-mode-command": 0x5D,
       "security-mode-complete": 0x5E, "downlink-nas-transport": 0x62,
       "uplink-nas-transport": 0x63, "control-plane-service-request": 0x4D,
       "tracking-area-update-request": 0x48, "tracking-area-update-accept": 0x49}
ESM = {"activate-default-bearer-request": 0xC1, "activate-default-bearer-accept": 0xC2,
       "pdn-connectivity-request": 0xD0, "pdn-connectivity-reject": 0xD1,
       "esm-data-transport": 0xEB}
PDN_TYPES = {"ipv4": 1, "ipv6": 2, "ipv4v6": 3, "non-ip": 5}   # TS 24.301 9.9.4.10
PDN_ADDRESS_OCTETS = {"ipv4": 4, "ipv6": 8, "ipv4v6": 12, "non-ip": 4}
"""Octets after the PDN type octet of the PDN address IE (9.9.4.9): IPv4 address, IPv6
interface identifier, both (IID first), non-IP 4 spare octets."""
EMM_CAUSE_ESM_FAILURE = 19       # TS 24.301 9.9.3.9: #19 "ESM failure"
EMM_CAUSE_ILLEGAL_ME = 6         # 9.9.3.9 / Annex A.1: #6 "Illegal ME" (ME not acceptable)
ESM_CAUSES = {50: "PDN type IPv4 only allowed", 51: "PDN type IPv6 only allowed"}  # 9.9.4.4
LINK_LOCAL_PREFIX = bytes([0xFE, 0x80]) + bytes(6)
"""fe80::/64 (RFC 4291 2.5.6): the UE builds its link-local address from it and the IID."""
NO_KEY_KSI = 7
EPS_UPDATE_TYPES = {"ta-updating": 0b000, "periodic-updating": 0b011}   # 9.9.3.14
GPRS_TIMER_UNITS_S = {0b000: 2, 0b001: 60, 0b010: 360}   # TS 24.008 10.5.7.3 (111: off)
CP_DATA, CP_ACK = 0x01, 0x04            # TS 24.011 8.1.3
RP_DATA_MS_N, RP_DATA_N_MS, RP_ACK_MS_N, RP_ACK_N_MS = 0x00, 0x01, 0x02, 0x03   # 8.2.2
IEI_IMEISV_REQUEST = 0xC      # SECURITY MODE COMMAND, type 1 IE (TS 24.301 8.2.20.1)
IMEISV_REQUESTED_IE = IEI_IMEISV_REQUEST << 4 | 0x1   # value 1 "IMEISV requested" (9.9.3.24)
IEI_IMEISV = 0x23             # SECURITY MODE COMPLETE (TS 24.301 8.2.21.1)
RP_ERROR_MS_N, RP_ERROR_N_MS, RP_SMMA_MS_N = 0x04, 0x05, 0x06                   # 8.2.2
RP_CAUSE_INVALID_MANDATORY_INFORMATION = 96   # TS 24.011 8.2.5.4 (Table 8.4)
RP_CAUSE_MESSAGE_TYPE_NONEXISTENT = 97


class NasCodecError(InputError):
    """Octets that are not the NAS message expected, or a MAC that does not verify."""


@dataclass(frozen=True)
class ParsedNas:
    """A plain NAS message: protocol discriminator, message type and the IEs read (shared by
    the callers that parse the same octets, ntnstack.stack.nas_parse.parse: read only)."""

    pd: int
    message: str
    ies: dict = field(default_factory=dict)


def pdn_type_name(code: int, where: str) -> str:
    """The name of PDN type value ``code`` (9.9.4.10); NasCodecError naming ``where``."""
    for name, value in PDN_TYPES.items():
        if value == code:
            return name
    raise NasCodecError(f"{where}: PDN type value {code} is not one of "
                        f"{', '.join(f'{v} {k}' for k, v in PDN_TYPES.items())} (9.9.4.10)")


@dataclass(frozen=True)
class PdnAddress:
    """The PDN address IE (9.9.4.9) as the UE stores it: the PDN type the network chose,
    the IPv4 address (dotted text) and the IPv6 interface identifier (8 octets), each None
    when that PDN type carries none."""

    pdn_type: str
    ipv4: str | None = None
    ipv6_iid: bytes | None = None

    @property
    def ipv6_link_local(self) -> bytes | None:
        """The 16 octets of fe80::/64 + IID (TS 23.401 5.3.1.2.2: the UE builds its
        link-local address from the IID it was given), None without an IID."""
        return None if self.ipv6_iid is None else LINK_LOCAL_PREFIX + self.ipv6_iid

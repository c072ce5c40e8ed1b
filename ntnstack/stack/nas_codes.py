"""Codes of the emulated NAS subset (TS 24.301 9.3 / 9.8, TS 24.011 8.1 / 8.2), the codec's
error and the parsed form of a plain message."""
from __future__ import annotations

from dataclasses import dataclass, field

from ntnstack.errors import InputError

PD_EMM, PD_ESM, PD_SMS = 0x7, 0x2, 0x9
EMM = {"attach-request": 0x41, "attach-accept": 0x42, "attach-complete": 0x43,
       "detach-request": 0x45, "detach-accept": 0x46, "authentication-request": 0x52,
       "authentication-response": 0x53, "security-mode-command": 0x5D,
       "security-mode-complete": 0x5E, "downlink-nas-transport": 0x62,
       "uplink-nas-transport": 0x63, "control-plane-service-request": 0x4D}
ESM = {"activate-default-bearer-request": 0xC1, "activate-default-bearer-accept": 0xC2,
       "pdn-connectivity-request": 0xD0, "esm-data-transport": 0xEB}
PDN_TYPES = {"ipv4": 1, "ipv6": 2, "ipv4v6": 3, "non-ip": 5}   # TS 24.301 9.9.4.10
NO_KEY_KSI = 7
CP_DATA, CP_ACK = 0x01, 0x04            # TS 24.011 8.1.3
RP_DATA_MS_N, RP_DATA_N_MS, RP_ACK_MS_N, RP_ACK_N_MS = 0x00, 0x01, 0x02, 0x03   # 8.2.2


class NasCodecError(InputError):
    """Octets that are not the NAS message expected, or a MAC that does not verify."""


@dataclass
class ParsedNas:
    """A plain NAS message: protocol discriminator, message type and the IEs read."""

    pd: int
    message: str
    ies: dict = field(default_factory=dict)

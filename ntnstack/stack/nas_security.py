"""NAS security protection (TS 24.301 4.4, 9.1): security header types 1-4, the 32-bit MAC of
128-EIA2 over SQN || message, 128-EEA2 ciphering, NAS COUNT kept per direction."""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.stack.crypto import eea2, eia2
from ntnstack.stack.nas_codes import PD_EMM, NasCodecError


@dataclass
class NasSecurityContext:
    """One side's EPS NAS security context (TS 24.301 4.4): keys, algorithms, NAS COUNTs."""

    k_nas_int: bytes
    k_nas_enc: bytes
    eea: str = "eea2"
    eia: str = "eia2"
    ul_count: int = 0
    dl_count: int = 0
    ksi: int = 0


def protect(ctx: NasSecurityContext, plain: bytes, uplink: bool, header_type: int) -> bytes:
    """Security protected NAS message (9.1, 4.4.3): header type 1 integrity protected, 2 +
    ciphered, 3 / 4 the same with a new security context; MAC over SQN || message, COUNT
    = overflow || SQN, BEARER 0, DIRECTION 0 uplink / 1 downlink (TS 33.401 B.2.1)."""
    count = ctx.ul_count if uplink else ctx.dl_count
    direction = 0 if uplink else 1
    body = bytes(plain)
    if header_type in (2, 4) and ctx.eea == "eea2":
        body = eea2(ctx.k_nas_enc, count, 0, direction, body)
    seq = bytes([count & 0xFF])
    mac = (eia2(ctx.k_nas_int, count, 0, direction, seq + body) if ctx.eia == "eia2"
           else bytes(4))
    if uplink:
        ctx.ul_count += 1
    else:
        ctx.dl_count += 1
    return bytes([header_type << 4 | PD_EMM]) + mac + seq + body


def _estimate_count(expected: int, seq: int) -> int:
    """NAS COUNT of a received message from its 8-bit sequence number: the overflow counter
    of the next expected COUNT, plus one when the SQN wrapped (TS 24.301 4.4.3.1)."""
    count = (expected & ~0xFF) | seq
    return count + 0x100 if seq < expected & 0xFF else count


def unprotect(ctx: NasSecurityContext, data: bytes, uplink: bool) -> bytes:
    """The plain message inside a protected one, after checking its MAC (NasCodecError)."""
    data = bytes(data)
    if not data:
        raise NasCodecError("empty NAS message")
    header_type = data[0] >> 4
    if header_type == 0:
        return data
    if header_type > 4 or data[0] & 0x0F != PD_EMM:
        raise NasCodecError(f"security header type {header_type} / PD {data[0] & 0x0F} is not a "
                            f"protected EMM message of types 1-4 (TS 24.301 9.3.1)")
    if len(data) < 7:
        raise NasCodecError(f"protected NAS message of {len(data)} octets is too short")
    mac, seq, body = data[1:5], data[5], data[6:]
    count = _estimate_count(ctx.ul_count if uplink else ctx.dl_count, seq)
    direction = 0 if uplink else 1
    if ctx.eia == "eia2" and eia2(ctx.k_nas_int, count, 0, direction, bytes([seq]) + body) != mac:
        raise NasCodecError(f"NAS MAC check failed (COUNT {count}, "
                            f"{'uplink' if uplink else 'downlink'})")
    if header_type in (2, 4) and ctx.eea == "eea2":
        body = eea2(ctx.k_nas_enc, count, 0, direction, body)
    if uplink:
        ctx.ul_count = count + 1
    else:
        ctx.dl_count = count + 1
    return body


def reestablishment_mac(ctx: NasSecurityContext, count: int, cell_identity: int, pci: int,
                        c_rnti: int, uplink: bool) -> int:
    """The 16-bit UL / DL NAS MAC of an RRC connection re-establishment for the control plane
    CIoT EPS optimisation (TS 33.401 9.5 as used by TS 36.331 5.3.7.4): the 16 least
    significant bits of the NAS integrity algorithm (128-EIA2) output with KEY = K_NASint,
    COUNT = the uplink (downlink) NAS COUNT, BEARER 0, DIRECTION 0 (1), MESSAGE = cell
    identity of the cell re-established on (28 bits in 4 octets, right aligned) || source PCI
    (2 octets) || source C-RNTI (2 octets). EIA0: 0."""
    if ctx.eia != "eia2":
        return 0
    message = (cell_identity & 0xFFFFFFF).to_bytes(4, "big") + (pci & 0xFFFF).to_bytes(2, "big") \
        + (c_rnti & 0xFFFF).to_bytes(2, "big")
    mac = eia2(ctx.k_nas_int, count, 0, 0 if uplink else 1, message)
    return int.from_bytes(mac[2:], "big")

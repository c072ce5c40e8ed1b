"""Parsing of plain NAS messages of the emulated subset: header and the IEs the emulation
needs, every read bounds-checked so malformed octets raise NasCodecError naming the message, the
IE and the octet (counted from 1, as the TS 24.301 tables count)."""
from __future__ import annotations

import functools
import ipaddress

from ntnstack.stack.nas_codes import (
    CP_ACK,
    CP_DATA,
    EMM,
    EPS_UPDATE_TYPES,
    ESM,
    GPRS_TIMER_UNITS_S,
    IEI_IMEISV,
    IMEISV_REQUESTED_IE,
    PD_EMM,
    PD_ESM,
    PD_SMS,
    PDN_ADDRESS_OCTETS,
    NasCodecError,
    ParsedNas,
    PdnAddress,
    pdn_type_name,
)


EMM_NAMES = {code: name for name, code in EMM.items()}    # message type -> name
ESM_NAMES = {code: name for name, code in ESM.items()}
KEPT_MESSAGES = 64   # parse results kept by their octets (parse)


def _name(names: dict, code: int) -> str:
    name = names.get(code)
    if name is None:
        raise NasCodecError(f"message type 0x{code:02x} is outside the emulated subset")
    return name


class _Reader:
    """Bounds-checked reading of one NAS message: every error names the message, the IE and
    the octet where it fell short (octets counted from 1, as the 24.301 tables count)."""

    def __init__(self, data: bytes, message: str, start: int):
        self.data, self.message, self.i = data, message, start

    def take(self, n: int, what: str) -> bytes:
        """The next ``n`` octets of IE ``what``."""
        if self.i + n > len(self.data):
            raise NasCodecError(f"{self.message}: {what} at octet {self.i + 1} needs {n} "
                                f"octets, the message ends after {len(self.data)}")
        value = self.data[self.i:self.i + n]
        self.i += n
        return value

    def octet(self, what: str) -> int:
        return self.take(1, what)[0]

    def peek(self, what: str) -> int:
        """The next octet, left to be read again."""
        value = self.octet(what)
        self.i -= 1
        return value

    def lv(self, what: str) -> bytes:
        """An LV IE: one length octet, then the value."""
        return self.take(self.octet(f"{what} length"), what)

    def lve(self, what: str) -> bytes:
        """An LV-E IE: two length octets (big endian), then the value."""
        return self.take(int.from_bytes(self.take(2, f"{what} length"), "big"), what)


def _imeisv_digits(value: bytes) -> str:
    """The 16 digits of an IMEISV mobile identity (TS 24.008 10.5.1.4, type 011, even)."""
    if len(value) != 9 or value[0] & 0x0F != 0x3:
        raise NasCodecError(f"security-mode-complete: IMEISV {value.hex()} is not 9 octets "
                            f"of identity type 3, even (TS 24.008 10.5.1.4)")
    digits = [value[0] >> 4] + [d for o in value[1:] for d in (o & 0xF, o >> 4)]
    if digits[-1] != 0xF or any(d > 9 for d in digits[:-1]):
        raise NasCodecError(f"security-mode-complete: IMEISV {value.hex()} has a digit "
                            f"outside 0-9 or no filler")
    return "".join(map(str, digits[:-1]))


def _parse_emm(msg: str, r: _Reader) -> dict:
    if msg == "authentication-request":
        return {"ksi": r.octet("NAS KSI") & 0x7, "rand": r.take(16, "RAND"), "autn": r.lv("AUTN")}
    if msg == "authentication-response":
        return {"res": r.lv("RES")}
    if msg == "security-mode-command":
        algs = r.octet("selected NAS security algorithms")
        ies = {"eea": algs >> 4, "eia": algs & 0x7, "ksi": r.octet("NAS KSI") & 0x7}
        r.lv("replayed UE security capabilities")
        ies["imeisv_request"] = r.i < len(r.data) and r.data[r.i] == IMEISV_REQUESTED_IE
        return ies
    if msg == "security-mode-complete":
        imeisv = None
        if r.i < len(r.data) and r.data[r.i] == IEI_IMEISV:
            r.take(1, "IMEISV IEI")
            imeisv = _imeisv_digits(r.lv("IMEISV"))
        return {"imeisv": imeisv}
    if msg == "attach-request":
        kind = r.peek("EPS attach type and NAS KSI") & 0x7
        ies = {"attach_type": kind, "esm": _esm_container(msg, r), "sms_only": False}
        if r.i < len(r.data) and r.data[r.i] >> 4 == 0xF:     # additional update type
            ies["sms_only"] = bool(r.octet("additional update type") & 0x1) and kind == 2
        return ies
    if msg == "attach-complete":
        return {"esm": _esm_container(msg, r)}
    if msg == "attach-reject":
        ies = {"emm_cause": r.octet("EMM cause"), "esm": b""}
        if r.i < len(r.data) and r.data[r.i] == 0x78:
            r.take(1, "ESM message container IEI")
            ies["esm"] = r.lve("ESM message container")
        return ies
    if msg == "attach-accept":
        result = r.peek("EPS attach result") & 0x7
        t3412 = r.data[r.i + 1] if r.i + 1 < len(r.data) else 0
        ies = {"esm": _esm_container(msg, r), "sms_only": False, "t3412_s": gprs_timer_s(t3412)}
        if r.i < len(r.data) and r.data[r.i] == 0x50:
            r.take(1, "GUTI IEI")
            guti = r.lv("GUTI")
            if len(guti) != 11:
                raise NasCodecError(f"{msg}: GUTI of {len(guti)} octets, 11 expected (9.9.3.12)")
            ies["guti"] = (guti[1:4], int.from_bytes(guti[4:6], "big"), guti[6],
                           int.from_bytes(guti[7:11], "big"))
        if r.i < len(r.data) and r.data[r.i] == 0x64:
            r.take(1, "EPS network feature support IEI")
            r.lv("EPS network feature support")
        if r.i < len(r.data) and r.data[r.i] >> 4 == 0xF:     # additional update result
            ies["sms_only"] = r.octet("additional update result") & 0x3 == 2 and result == 2
        return ies
    if msg == "control-plane-service-request":
        first = r.octet("NAS KSI and control plane service type")
        ies = {"ksi": first >> 4 & 0x7, "service": "mt" if first & 0x7 == 1 else "mo",
               "esm": b"", "container": b""}
        while r.i < len(r.data):
            iei = r.octet("optional IEI")
            if iei == 0x78:
                ies["esm"] = r.lve("ESM message container")
            elif iei == 0x67:
                ies["container"] = r.lv("NAS message container")
            else:
                raise NasCodecError(f"{msg}: IEI 0x{iei:02x} at octet {r.i} is outside the "
                                    f"subset")
        return ies
    if msg == "tracking-area-update-request":
        return _tau_request(r)
    if msg == "tracking-area-update-accept":
        return _tau_accept(r)
    if msg == "detach-request":
        kind = r.octet("NAS KSI and detach type")
        return {"switch_off": bool(kind & 0x8), "ksi": kind >> 4 & 0x7,
                "identity": r.lv("EPS mobile identity")}
    if msg in ("uplink-nas-transport", "downlink-nas-transport"):
        return {"container": r.lv("NAS message container")}
    return {}


def gprs_timer_s(octet: int) -> float | None:
    """GPRS timer (TS 24.008 10.5.7.3: unit bits 8-6, value bits 5-1) in s; None when
    deactivated (unit 111) or of a unit outside GPRS_TIMER_UNITS_S."""
    unit = GPRS_TIMER_UNITS_S.get(octet >> 5)
    return None if unit is None else float(unit * (octet & 0x1F))


def _tau_request(r: _Reader) -> dict:
    """TRACKING AREA UPDATE REQUEST (8.2.29): NAS KSI, EPS update type, old GUTI, and the
    optional UE network capability (58) and additional update type (F-)."""
    first = r.octet("NAS KSI and EPS update type")
    kinds = {code: name for name, code in EPS_UPDATE_TYPES.items()}
    if first & 0x7 not in kinds:
        raise NasCodecError(f"{r.message}: EPS update type {first & 0x7} at octet {r.i} is "
                            f"outside the subset")
    ies = {"ksi": first >> 4 & 0x7, "update_type": kinds[first & 0x7],
           "identity": r.lv("old GUTI")}
    while r.i < len(r.data):
        iei = r.octet("optional IEI")
        if iei == 0x58:
            r.lv("UE network capability")
        elif iei >> 4 != 0xF:         # F-: additional update type, in the octet read
            raise NasCodecError(f"{r.message}: IEI 0x{iei:02x} at octet {r.i} is outside the "
                                f"subset")
    return ies


def _tau_accept(r: _Reader) -> dict:
    """TRACKING AREA UPDATE ACCEPT (8.2.26): EPS update result and the optional T3412 (5A),
    TAI list (54), EPS network feature support (64)."""
    ies = {"result": r.octet("EPS update result") & 0x7, "t3412_s": None}
    while r.i < len(r.data):
        iei = r.octet("optional IEI")
        if iei == 0x5A:
            ies["t3412_s"] = gprs_timer_s(r.octet("T3412 value"))
        elif iei in (0x54, 0x64):
            r.lv("TAI list" if iei == 0x54 else "EPS network feature support")
        else:
            raise NasCodecError(f"{r.message}: IEI 0x{iei:02x} at octet {r.i} is outside the "
                                f"subset")
    return ies


def _esm_container(msg: str, r: _Reader) -> bytes:
    if msg == "attach-request":
        r.take(1, "EPS attach type and NAS KSI")
        r.lv("EPS mobile identity")
        r.lv("UE network capability")
    elif msg == "attach-accept":
        r.take(2, "EPS attach result and T3412 value")
        r.lv("TAI list")
    return r.lve("ESM message container")


def _parse_esm(data: bytes) -> ParsedNas:
    r = _Reader(data, "ESM message", 0)
    first, pti = r.octet("EPS bearer identity"), r.octet("PTI")
    msg = _name(ESM_NAMES, r.octet("message type"))
    r.message = msg
    ies = {"ebi": first >> 4, "pti": pti}
    if msg == "esm-data-transport":
        ies["data"] = r.lve("user data container")
    elif msg == "pdn-connectivity-request":
        types = r.octet("PDN type and request type")
        ies.update(pdn_type=pdn_type_name(types >> 4, f"{msg}: PDN type at octet {r.i}"),
                   request_type=types & 0x7)
    elif msg == "pdn-connectivity-reject":
        ies["esm_cause"] = r.octet("ESM cause")
    elif msg == "activate-default-bearer-request":
        r.lv("EPS QoS")
        r.lv("access point name")
        ies["pdn_address"] = r.lv("PDN address")      # PDN type octet + address
        ies["pdn"] = decode_pdn_address(ies["pdn_address"])
        ies.update(_default_bearer_options(r))
    return ParsedNas(PD_ESM, msg, ies)


def _default_bearer_options(r: _Reader) -> dict:
    """The optional IEs of the emulated ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST (8.3.6):
    ESM cause (TV, IEI 58) and control plane only indication (TV 1 octet, IEI 9-)."""
    ies = {"esm_cause": None, "cp_only": False}
    while r.i < len(r.data):
        iei = r.octet("optional IEI")
        if iei == 0x58:
            ies["esm_cause"] = r.octet("ESM cause")
        elif iei >> 4 == 0x9:
            ies["cp_only"] = bool(iei & 0x1)
        else:
            raise NasCodecError(f"{r.message}: IEI 0x{iei:02x} at octet {r.i} is outside the "
                                f"subset")
    return ies


def decode_pdn_address(value: bytes) -> PdnAddress:
    """The value of a PDN address IE (9.9.4.9, after its length octet): PDN type, then the
    IPv4 address, the IPv6 interface identifier or both (IID first) for that type. Octets
    are counted from 3, as the IE table counts them."""
    r = _Reader(b"\x00\x00" + bytes(value), "PDN address", 2)
    pdn_type = pdn_type_name(r.octet("PDN type") & 0x7, "PDN address: octet 3")
    octets = r.take(PDN_ADDRESS_OCTETS[pdn_type], f"{pdn_type} address information")
    if r.i != len(r.data):
        raise NasCodecError(f"PDN address: {len(r.data) - r.i} octets after the {pdn_type} "
                            f"address information at octet {r.i + 1}")
    iid = octets[:8] if pdn_type in ("ipv6", "ipv4v6") else None
    ipv4 = octets[-4:] if pdn_type in ("ipv4", "ipv4v6") else None
    return PdnAddress(pdn_type, None if ipv4 is None else str(ipaddress.IPv4Address(ipv4)), iid)


def _parse_cp(data: bytes) -> ParsedNas:
    kind = {CP_DATA: "cp-data", CP_ACK: "cp-ack"}.get(data[1])
    if kind is None:
        raise NasCodecError(f"SMS CP message type 0x{data[1]:02x} is outside the subset")
    rpdu = _Reader(data, kind, 2).lv("RP-User data") if kind == "cp-data" else b""
    return ParsedNas(PD_SMS, kind, {"ti": data[0] >> 4 & 0x7, "rpdu": rpdu})


def message_name(plain: bytes) -> str:
    """The message type of a plain EMM, ESM or SMS CP message from its header alone (what
    ``parse(plain).message`` says of a well-formed message, without reading the IEs: for
    messages this process built)."""
    if len(plain) < 3 or plain[0] >> 4 and plain[0] & 0x0F == PD_EMM:
        return parse(plain).message          # short or protected: parse says what is wrong
    pd = plain[0] & 0x0F
    if pd == PD_EMM:
        return _name(EMM_NAMES, plain[1])
    if pd == PD_ESM:
        return _name(ESM_NAMES, plain[2])
    return parse(plain).message


def parse(plain: bytes) -> ParsedNas:
    """Header and IEs of a plain (not security protected) EMM, ESM or SMS CP message.
    Octets that do not hold what the layout promises raise NasCodecError naming the message,
    the IE and the octet. The result is kept for the last KEPT_MESSAGES octet strings and
    shared (read only): the UEs of a load run receive the same ESM and EMM messages, and
    about two parses in three repeat one."""
    return _parse(bytes(plain))


@functools.lru_cache(maxsize=KEPT_MESSAGES)
def _parse(data: bytes) -> ParsedNas:
    if len(data) < 2:
        raise NasCodecError(f"NAS message of {len(data)} octets is too short")
    pd = data[0] & 0x0F
    if pd == PD_EMM:
        if data[0] >> 4:
            raise NasCodecError("security protected message: unprotect it first")
        msg = _name(EMM_NAMES, data[1])
        return ParsedNas(pd, msg, _parse_emm(msg, _Reader(data, msg, 2)))
    if pd == PD_ESM:
        return _parse_esm(data)
    if pd == PD_SMS:
        return _parse_cp(data)
    raise NasCodecError(f"protocol discriminator {pd} is outside the emulated subset")

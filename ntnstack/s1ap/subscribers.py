"""The subscriber file of ``ntnstack mme``: one subscriber a line,
``IMSI,K,OPc[,IMEI[,MSISDN[,PDN_POLICY]]]`` (K and OPc 32 hexadecimal digits, TS 35.206
Milenage; IMEI 15 digits with its Luhn check digit, TS 23.003 6.2.1 / B.2, binding the IMSI
to that one device; MSISDN as +digits, the subscriber's number; PDN_POLICY one of
ntnstack.stack.mme.PDN_POLICIES, instead of the MME's); an empty field is absent. ``#``
starts a comment. Bad lines are named ``FILE:LINE``. ``subscriber_lines`` writes the file
for the emulated UEs of ``ntnstack enb``.
"""
from __future__ import annotations

from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.limits import MAX_SUBSCRIBERS
from ntnstack.stack.mme import PDN_POLICIES, Subscriber
from ntnstack.stack.imei import luhn_digit

__all__ = ["load_subscribers", "subscriber_lines"]

KEY_HEX_DIGITS = 32


def _imei(value: str, where: str) -> str | None:
    """TAC + SNR (14 digits) of a 15-digit IMEI whose check digit is right; None if empty."""
    if not value:
        return None
    if not (value.isdigit() and len(value) == 15) or \
            luhn_digit(value[:14]) != value[14]:
        raise InputError(f"{where}: IMEI {value!r} is not 15 digits ending in the Luhn check "
                         f"digit of the first 14 (TS 23.003 6.2.1, B.2)")
    return value[:14]


def _options(fields: list[str], where: str) -> dict:
    imei, msisdn, policy = [*fields, "", "", ""][:3]
    if msisdn and not (msisdn.startswith("+") and msisdn[1:].isdigit()
                       and 2 <= len(msisdn) <= 16):
        raise InputError(f"{where}: MSISDN {msisdn!r} is not + and up to 15 digits (E.164)")
    if policy and policy not in PDN_POLICIES:
        raise InputError(f"{where}: PDN policy {policy!r} is not one of "
                         f"{', '.join(PDN_POLICIES)}")
    return {"imei": _imei(imei, where), "msisdn": msisdn or None, "pdn_policy": policy or None}


def _subscriber(fields: list[str], where: str) -> Subscriber:
    if not 3 <= len(fields) <= 6:
        raise InputError(f"{where}: expected IMSI,K,OPc[,IMEI[,MSISDN[,PDN_POLICY]]], got "
                         f"{len(fields)} fields")
    imsi, k, opc, *rest = (f.strip() for f in fields)
    if not (imsi.isdigit() and 6 <= len(imsi) <= 15):
        raise InputError(f"{where}: IMSI {imsi!r} is not 6..15 digits")
    keys = []
    for name, value in (("K", k), ("OPc", opc)):
        try:
            keys.append(bytes.fromhex(value))
        except ValueError:
            keys.append(b"")
        if len(value) != KEY_HEX_DIGITS or len(keys[-1]) != KEY_HEX_DIGITS // 2:
            raise InputError(f"{where}: {name} {value!r} is not {KEY_HEX_DIGITS} hex digits")
    return Subscriber(imsi, *keys, **_options(rest, where))


def load_subscribers(path: str | Path) -> list[Subscriber]:
    """The subscribers of the file (at least one, each IMSI once)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--subscribers {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"--subscribers {path}: not UTF-8 text ({exc.reason} at octet "
                         f"{exc.start})") from None
    subscribers: dict[str, Subscriber] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        sub = _subscriber(line.split(","), f"{path}:{number}")
        if sub.imsi in subscribers:
            raise InputError(f"{path}:{number}: IMSI {sub.imsi} is already listed")
        if len(subscribers) >= MAX_SUBSCRIBERS:
            raise InputError(f"{path}:{number}: more than {MAX_SUBSCRIBERS} subscribers")
        subscribers[sub.imsi] = sub
    if not subscribers:
        raise InputError(f"--subscribers {path}: no subscriber in the file")
    return list(subscribers.values())


def subscriber_lines(imsis: list[str], k: bytes, opc: bytes) -> list[str]:
    """The file's lines for ``imsis`` sharing ``k`` and ``opc``."""
    return [f"{imsi},{k.hex()},{opc.hex()}" for imsi in imsis]

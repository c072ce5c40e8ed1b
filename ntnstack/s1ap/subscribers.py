"""The subscriber file of ``ntnstack mme``: one subscriber a line, ``IMSI,K,OPc`` (K and
OPc 32 hexadecimal digits, TS 35.206 Milenage), ``#`` starts a comment. Bad lines are named
``FILE:LINE``. ``subscriber_lines`` writes the file for the emulated UEs of ``ntnstack enb``.
"""
from __future__ import annotations

from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.limits import MAX_SUBSCRIBERS
from ntnstack.stack.mme import Subscriber

__all__ = ["load_subscribers", "subscriber_lines"]

KEY_HEX_DIGITS = 32


def _subscriber(fields: list[str], where: str) -> Subscriber:
    if len(fields) != 3:
        raise InputError(f"{where}: expected IMSI,K,OPc, got {len(fields)} fields")
    imsi, k, opc = (f.strip() for f in fields)
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
    return Subscriber(imsi, *keys)


def load_subscribers(path: str | Path) -> list[Subscriber]:
    """The subscribers of the file (at least one, each IMSI once)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--subscribers {path}: {getattr(exc, 'strerror', None) or exc}") \
            from None
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

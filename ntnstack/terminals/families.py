"""Family tables (families.yaml) validated into typed objects, and per-module identities."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

import yaml

from at_bridge.families import FAMILIES
from ntnstack.errors import InputError
from ntnstack.terminals.vendor_commands import parse_commands
from ntnstack.stack.imei import luhn_digit


_KINDS = {"nbntn", "tiantong", "beidou"}


@dataclass(frozen=True)
class FamilySpec:
    name: str
    kind: str
    boot_s: float
    echo: bool = True
    banner: tuple = ()          # ((line, emulated s after the first line), ...)
    identity: dict = field(default_factory=dict)
    replies: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    commands: dict = field(default_factory=dict)    # vendor_commands.parse_commands
    reset: tuple = ()
    location: str = "none"
    sockets: str = "none"
    cereg_stat: int = 1
    act: int | None = 14        # <AcT> of +CEREG / +COPS on the satellite (TS 27.007 7.3)
    default_cid: int = 1
    protocol: str = ""
    card: dict = field(default_factory=dict)
    encodings: dict = field(default_factory=dict)


@cache
def _table() -> dict:
    text = resources.files("ntnstack.terminals").joinpath("families.yaml").read_text()
    return yaml.safe_load(text)


def family_spec(name: str) -> FamilySpec:
    """The validated table of family ``name``; InputError names the family or the key."""
    table = _table()
    if name not in table:
        raise InputError(f"family {name!r}: expected one of {', '.join(FAMILIES)}")
    raw = dict(table[name])
    if raw.get("kind") not in _KINDS:
        raise InputError(f"families.yaml {name}.kind: expected one of {sorted(_KINDS)}")
    if raw.get("act") is not None and raw["act"] not in range(17):
        raise InputError(f"families.yaml {name}.act: expected an <AcT> 0-16 (TS 27.007 7.3) "
                         f"or null, got {raw['act']!r}")
    raw["reset"] = tuple(raw.get("reset", ()))
    raw["banner"] = tuple(_banner_line(name, x) for x in raw.get("banner", ()))
    raw["commands"] = parse_commands(name, raw.get("commands", {}))
    try:
        return FamilySpec(name=name, **raw)
    except TypeError as exc:
        raise InputError(f"families.yaml {name}: {exc}") from None


def _banner_line(family: str, item) -> tuple[str, float]:
    """``"RDY"`` or ``{line: "APP RDY", after_s: 3.0}`` -> (line, delay s)."""
    if isinstance(item, str):
        return item, 0.0
    try:
        return str(item["line"]), float(item.get("after_s", 0.0))
    except (TypeError, KeyError, ValueError):
        raise InputError(f"families.yaml {family}.banner: expected a line or "
                         f"{{line: ..., after_s: seconds}}, got {item!r}") from None


@dataclass(frozen=True)
class Identity:
    """Numbers of one module instance, distinct per ``serial``."""

    imei: str
    imsi: str
    iccid: str
    msisdn: str
    ip: str
    beidou_address: str

    @classmethod
    def for_serial(cls, serial: int) -> Identity:
        """Test numbers: IMEI TAC 35000000 (not allocated), IMSI 001-01 (TS 23.003 test
        network), ICCID 89-001 (E.118 telecom, test), MSISDN +8617400xxxxxx, IP 10.45.x.y."""
        if not 0 <= serial < 1_000_000:
            raise InputError(f"module serial {serial}: expected 0..999999")
        imei14 = f"350000{serial:08d}"
        iccid18 = f"89001010000{serial:07d}"
        return cls(imei=imei14 + luhn_digit(imei14), imsi=f"00101{serial:010d}",
                   iccid=iccid18 + luhn_digit(iccid18), msisdn=f"+861740{serial:07d}",
                   ip=f"10.45.{serial // 250}.{serial % 250 + 2}",
                   beidou_address=f"{240000 + serial:07d}")

    def with_overrides(self, given: dict, where: str = "identity") -> Identity:
        """Numbers from a scenario/testbed (``msisdn``, ``card_id``, ``imei``, ``imsi``,
        ``iccid``) replace the generated ones; InputError names an unknown key."""
        names = {"msisdn": "msisdn", "card_id": "beidou_address", "imei": "imei",
                 "imsi": "imsi", "iccid": "iccid"}
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise InputError(f"{where}: unknown key {unknown[0]!r} (expected one of "
                             f"{', '.join(names)})")
        return replace(self, **{names[k]: str(v) for k, v in given.items()})

    def fields(self, spec: FamilySpec) -> dict:
        """Placeholders for the family's strings: identity keys plus the numbers above."""
        out = dict(spec.identity)
        out.update(imei=self.imei, imsi=self.imsi, iccid=self.iccid, msisdn=self.msisdn)
        return out

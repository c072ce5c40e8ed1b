"""Vendor configuration commands as data (families.yaml ``commands``): each has its test form
listing the supported values, its read form and a validated set form.

A command is *plain* (``%XSYSTEMMODE=<a>,<b>,...``; ``%XSYSTEMMODE?`` answers
``%XSYSTEMMODE: <values>``) or *keyed* by its first, quoted parameter
(``+QCFG="iotopmode",<mode>,<effect>``; ``+QCFG="iotopmode"`` alone reads that key and
answers ``+QCFG: "iotopmode",<mode>``; ``+QCFG=?`` and ``+QCFG?`` list every key). A
parameter is written as its test form prints it:

- ``0-3``, ``0,1``, ``0-1,4``: an integer from those ranges / values;
- ``"CATM","NBNTN"``: one of those strings (the host may quote it or not; stored quoted);
- ``real:-90:90``: a decimal in that closed range, kept as the host wrote it;
- ``bits:88``: a string of up to 88 binary digits (a band mask), empty allowed;
- ``list:1-256``: comma-separated integers from that range (a band list), empty allowed.
A spec in quotes (``"real:-90:90"``, ``"list:1-256"``) is a quoted parameter: stored and
shown with its quotes.

Entry keys: ``source`` (document, version, section), ``params``, ``required`` (how many the
set form needs, default all), ``stored`` (how many the read form shows, default all: the rest
are actions such as Quectel's <effect>), ``default`` (the read form after boot), ``persistent``
(kept across a reboot, as NVM settings are), ``cfun`` (the CFUN states in which the set form
is allowed; otherwise +CME ERROR: 3). A bad value is +CME ERROR: 50.
"""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.terminals.at_engine import CmeError, Command, Reply

NOT_ALLOWED = 3      # TS 27.007 9.2.1 "operation not allowed"
BAD_PARAMETER = 50   # TS 27.007 9.2.1 "incorrect parameters"


@dataclass(frozen=True)
class Param:
    """One parameter: its test-form text and how a value is checked."""

    text: str

    @property
    def quoted(self) -> bool:
        return self.text.startswith('"')

    @property
    def kind(self) -> str:
        """real | bits | list | choice | int."""
        head = self.text.strip('"').partition(":")[0]
        if head in ("real", "bits", "list"):
            return head
        return "choice" if self.quoted else "int"

    def _limits(self) -> list[str]:
        return self.text.strip('"').split(":")[1:]

    def shown(self) -> str:
        """The parameter in the test form: ``(0-3)``, ``("CATM","NBNTN")``, ``(-90-90)``,
        ``("1-256")`` (a quoted list of integers), ``(88)`` (a bit string of up to 88)."""
        if self.kind == "choice" or self.kind == "int":
            return f"({self.text})"
        q = '"' if self.quoted else ""
        return f"({q}{'-'.join(self._limits())}{q})"

    def check(self, value: str) -> str:
        """``value`` (quotes already removed) as stored, or CmeError(50)."""
        kind, q = self.kind, '"' if self.quoted else ""
        if kind == "choice":
            if value not in [c.strip('"') for c in self.text.split(",")]:
                raise CmeError(BAD_PARAMETER)
        elif kind == "int":
            if not value.isdigit() or int(value) not in _ints(self.text):
                raise CmeError(BAD_PARAMETER)
            value = str(int(value))
        elif kind == "bits":
            if len(value) > int(self._limits()[0]) or set(value) - {"0", "1"}:
                raise CmeError(BAD_PARAMETER)
        elif kind == "list":
            allowed = _ints(self._limits()[0])
            if value and not all(x.isdigit() and int(x) in allowed for x in value.split(",")):
                raise CmeError(BAD_PARAMETER)
        elif not _in_range(value, *(float(x) for x in self._limits())):
            raise CmeError(BAD_PARAMETER)
        return f"{q}{value}{q}"


def _ints(text: str) -> set[int]:
    """``0-3,7`` -> {0, 1, 2, 3, 7}."""
    out: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _in_range(value: str, lo: float, hi: float) -> bool:
    try:
        return lo <= float(value) <= hi
    except ValueError:
        return False


@dataclass(frozen=True)
class VendorCommand:
    """One command or one key of a keyed command (``key`` None for a plain one)."""

    name: str
    key: str | None
    params: tuple[Param, ...]
    required: int
    stored: int
    default: tuple[str, ...]
    persistent: bool
    cfun: tuple[int, ...]
    source: str

    def test_line(self) -> str:
        head = f'"{self.key}",' if self.key is not None else ""
        return f"{self.name}: {head}" + ",".join(p.shown() for p in self.params)

    def read_line(self, values: tuple[str, ...]) -> str:
        head = f'"{self.key}"' + ("," if values else "") if self.key is not None else ""
        return f"{self.name}: {head}" + ",".join(values)

    def validate(self, raw: list[str]) -> tuple[str, ...]:
        """The values of a set form (the key already removed) as stored, or CmeError(50)."""
        if not self.required <= len(raw) <= len(self.params):
            raise CmeError(BAD_PARAMETER)
        return tuple(p.check(v) for p, v in zip(self.params, raw, strict=False))[:self.stored]


def parse_commands(family: str, table: dict) -> dict[str, dict[str | None, VendorCommand]]:
    """families.yaml ``commands`` -> {name: {key or None: VendorCommand}}; InputError names
    the family, the command and the key at fault."""
    out: dict[str, dict[str | None, VendorCommand]] = {}
    for name, entry in (table or {}).items():
        where = f"families.yaml {family}.commands.{name}"
        if not isinstance(entry, dict) or "source" not in entry:
            raise InputError(f"{where}: expected a mapping with a source")
        keys = entry.get("keys")
        if keys is None:
            out[name] = {None: _command(where, name, None, entry, entry["source"])}
        else:
            out[name] = {k: _command(f"{where}.keys.{k}", name, k, v, entry["source"])
                         for k, v in keys.items()}
    return out


def _command(where: str, name: str, key: str | None, raw: dict, source: str) -> VendorCommand:
    try:
        params = tuple(Param(str(p)) for p in raw["params"])
        for p in params:
            p.check(_sample(p))                      # a malformed spec fails here
        default = Command(name, "set", str(raw["default"])).params() if "default" in raw else []
        return VendorCommand(name, key, params, int(raw.get("required", len(params))),
                             int(raw.get("stored", len(params))),
                             tuple(p.check(v) for p, v in zip(params, default, strict=False)),
                             bool(raw.get("persistent", False)),
                             tuple(raw.get("cfun", (0, 1, 4))), raw.get("source", source))
    except (KeyError, TypeError, ValueError, CmeError) as exc:
        raise InputError(f"{where}: expected params as test-form texts and a default they "
                         f"accept ({type(exc).__name__} {exc})") from None


def _sample(p: Param) -> str:
    """A value the parameter accepts."""
    return {"real": lambda: p._limits()[0], "bits": lambda: "", "list": lambda: "",
            "choice": lambda: p.text.split(",")[0].strip('"'),
            "int": lambda: str(min(_ints(p.text)))}[p.kind]()


class VendorSettings:
    """The values of one module's vendor commands, and their AT handlers."""

    def __init__(self, module, commands: dict[str, dict[str | None, VendorCommand]]) -> None:
        self.module = module
        self.commands = commands
        self.values: dict[tuple[str, str | None], tuple[str, ...]] = {}
        for name in commands:
            module.on(name, self.handle)

    def reset(self, power_on: bool) -> None:
        """Defaults after a boot; persistent values survive it (not the first power-on)."""
        for name, keys in self.commands.items():
            for key, c in keys.items():
                if power_on or not c.persistent or (name, key) not in self.values:
                    self.values[(name, key)] = c.default

    def get(self, name: str, key: str | None = None) -> tuple[str, ...]:
        """The stored values (quoted strings keep their quotes)."""
        return self.values[(name, key)]

    def handle(self, ch, cmd: Command) -> Reply:
        keys = self.commands[cmd.name]
        if cmd.kind == "test":
            return Reply([c.test_line() for c in keys.values()])
        if None in keys:
            c = keys[None]
            if cmd.kind == "read":
                return Reply([c.read_line(self.values[(c.name, None)])])
            if cmd.kind == "exec":
                raise CmeError(BAD_PARAMETER)
            return self._set(c, cmd.params())
        if cmd.kind == "read":                        # every key, as its query answers
            return Reply([c.read_line(self.values[(c.name, c.key)]) for c in keys.values()])
        if cmd.kind != "set":
            raise CmeError(BAD_PARAMETER)
        p = cmd.params()
        c = keys.get(p[0]) if p and cmd.arg.startswith('"') else None
        if c is None:
            raise CmeError(BAD_PARAMETER)
        if len(p) == 1:                               # the query of one key
            return Reply([c.read_line(self.values[(c.name, c.key)])])
        return self._set(c, p[1:])

    def _set(self, c: VendorCommand, raw: list[str]) -> Reply:
        if self.module.cfun not in c.cfun:
            raise CmeError(NOT_ALLOWED)
        values = c.validate(raw)
        self.module.vendor_setting(c.name, c.key, values)   # may refuse with a CmeError
        self.values[(c.name, c.key)] = values
        return Reply()

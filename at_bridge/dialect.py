"""Dialect tables: a module family as data (STYLE rule 9).

A dialect is one YAML file in ``at_bridge/dialects/`` named after the family
(``nbntn-nordic.yaml``). It is validated on load into the frozen dataclasses below; every
error names the file, the key and what was expected. The engines know no vendor: they run
these tables. A vendor correction is an edit of the YAML, never of the code.

YAML layout (keys marked * are required)::

    family*: nbntn-nordic              # the file name without .yaml
    kind*: at                          # at (AT engine) | sentence (NMEA-style, BeiDou)
                                       # | frame (BeiDou 4.0 binary frames in text form)
    title*: text                       # human name of module and firmware
    echo: false                        # echo state after boot (AT only)
    terminator: "\\r"                   # appended to each command (AT only)
    defaults: {timeout_s: 5, retries: 0, retry_delay_s: 1}
    banners: [regex, ...]              # boot banners: RDY, APP RDY, Ready, ^SIMST: 1 ...
    urcs: {name: regex | {pattern: regex, lines: 2}}   # lines: URC + following PDU lines
    commands:
      name: {send: template, response: regex, claims: regex, timeout_s: s, retries: n,
             prompt: bool, payload: template, ok: [extra OK finals], error: [extra errors],
             reply: SENTENCE_ID, fki: COMMAND_NAME}
    procedures:                        # driver operations as steps
      name: [{cmd: name, args: {..}, optional: bool},
             {wait_urc: name, or: [urc,..], match: {group: regex}, fail_on: [urc,..],
              timeout_s: s},
             {sleep_s: s}, {sync: true}]
    cmux: {command: template, channels: {control: 1, voice: 2, sms: 3, data: 4},
           n1: 1600}                   # 27.010 multiplexer (Tiantong)
    sentences: {fki_command_field: 0, streams: [BDBSI], messages: [BDTXR],
                encodings: {chinese: 0, code: 1, mixed: 2}}
    location: {requests: [location_request], answer: set_location}
                                       # the URCs by which the module asks for the UE
                                       # position and the procedure that gives it

Templates are Python ``str.format`` templates; the fields come from the driver call
(``{lat}``, ``{pdu_len}``, ...). Regexes are Python ``re`` syntax (compiled with MULTILINE)
with named groups; a ``response`` is searched in the information lines joined with ``\n``
and its named groups become the result of the operation.
"""
from __future__ import annotations

import functools

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from at_bridge.errors import DialectError
from at_bridge.families import FAMILIES

DIALECT_DIR = Path(__file__).with_name("dialects")
KINDS = ("at", "sentence", "frame")
"""Engines: AT lines, BeiDou sentences, BeiDou 4.0 frames (at_bridge.frame_engine)."""


@dataclass(frozen=True)
class Command:
    """One command of a dialect.

    ``send`` is the template (AT line without terminator, or sentence body without ``$`` and
    checksum); ``response`` parses the information lines (joined with ``\\n``) into named groups;
    ``claims`` marks a line as belonging to the response even when it also looks like a URC;
    ``timeout_s`` bounds the wait for the final result (seconds); ``prompt`` means the module
    answers ``"> "`` and then takes ``payload`` followed by ``payload_end`` (``ctrl-z``, the
    27.005 3.5.1 default, or ``none`` for commands that announce the length, as fixed-length
    socket sends do: a vendor correction is then this one key).
    """

    name: str
    send: str
    response: re.Pattern | None = None
    claims: re.Pattern | None = None
    timeout_s: float = 5.0
    retries: int = 0
    retry_delay_s: float = 1.0
    prompt: bool = False
    payload: str | None = None
    payload_end: str = "ctrl-z"
    ok: tuple[str, ...] = ()
    error: tuple[str, ...] = ()
    reply: str | None = None
    fki: str | None = None
    reboots: bool = False


@dataclass(frozen=True)
class Urc:
    """An unsolicited result code: a regex with named groups and its line count."""

    name: str
    pattern: re.Pattern
    lines: int = 1


@dataclass(frozen=True)
class Step:
    """One step of a procedure: ``kind`` is cmd | wait_urc | sleep | sync.

    ``channel`` names the 27.010 channel role the step runs on (Tiantong); ``banner`` is a
    built-in URC name that any boot banner of the dialect satisfies. A ``wait_urc`` step is
    also answered by any URC of ``alternatives`` (YAML ``or``: +CMT or +CMTI).
    """

    kind: str
    target: str = ""
    args: dict[str, str] = field(default_factory=dict)
    match: dict[str, re.Pattern] = field(default_factory=dict)
    fail_on: tuple[str, ...] = ()
    timeout_s: float = 5.0
    optional: bool = False
    channel: str = "control"
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class CmuxConfig:
    """27.010 multiplexer start command and the DLCI of each role (control, voice, sms, data)."""

    command: str
    channels: dict[str, int]
    n1: int = 1600


@dataclass(frozen=True)
class LocationConfig:
    """How a module asks for the UE position and how it is given: ``requests`` are the URCs
    by which the module asks (answered whenever the driver waits), ``answer`` the procedure
    that gives a position (fields lat, lon, alt_m, accuracy_m; also what set_location runs)."""

    requests: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class SentenceConfig:
    """BeiDou sentence dialect: where $BDFKI names its command, stream and message sentences."""

    fki_command_field: int
    streams: tuple[str, ...]
    messages: tuple[str, ...]
    encodings: dict[str, int]


@dataclass(frozen=True)
class Dialect:
    """A module family, validated. ``source`` is the YAML path (for messages)."""

    family: str
    kind: str
    title: str
    source: str
    echo: bool
    terminator: str
    banners: tuple[re.Pattern, ...]
    urcs: dict[str, Urc]
    commands: dict[str, Command]
    procedures: dict[str, tuple[Step, ...]]
    cmux: CmuxConfig | None = None
    sentences: SentenceConfig | None = None
    location: LocationConfig | None = None

    def command(self, name: str) -> Command:
        """The command called ``name``; DialectError naming the file when it is missing."""
        try:
            return self.commands[name]
        except KeyError:
            raise DialectError(f"{self.source}: commands.{name}: not defined") from None


class _Reader:
    """Typed access to a YAML mapping with messages that name file and key path."""

    def __init__(self, source: str, data: Any, path: str = ""):
        self.source, self.data, self.path = source, data, path
        if not isinstance(data, dict):
            self.fail("a mapping")

    def fail(self, expected: str, key: str = "") -> None:
        where = ".".join(p for p in (self.path, key) if p) or "<top>"
        raise DialectError(f"{self.source}: {where}: expected {expected}")

    def get(self, key: str, kind: type | tuple, default: Any = ..., what: str = "") -> Any:
        if key not in self.data:
            if default is ...:
                self.fail(f"{what or _kind_name(kind)} (missing)", key)
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(f"{what or _kind_name(kind)}, got {value!r}", key)
        return value

    def only(self, *keys: str) -> None:
        """Fail on a key outside ``keys`` (a typo must not be silently ignored)."""
        for key in self.data:
            if key not in keys:
                self.fail(f"one of {', '.join(keys)} (unknown key {key!r})")

    def sub(self, key: str, default: Any = ...) -> _Reader:
        value = self.get(key, dict, {} if default is ... else default, "a mapping")
        return _Reader(self.source, value, ".".join(p for p in (self.path, key) if p))

    def regex(self, key: str, value: Any) -> re.Pattern:
        if not isinstance(value, str):
            self.fail(f"a regex string, got {value!r}", key)
        try:
            return re.compile(value, re.MULTILINE)
        except re.error as exc:
            self.fail(f"a valid regex ({exc})", key)
        raise AssertionError("unreachable")


def _kind_name(kind: type | tuple) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true/false",
             list: "a list", dict: "a mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _strings(r: _Reader, key: str) -> tuple[str, ...]:
    items = r.get(key, list, [])
    if not all(isinstance(i, str) for i in items):
        r.fail("a list of strings", key)
    return tuple(items)


_COMMAND_KEYS = ("send", "response", "claims", "timeout_s", "retries", "retry_delay_s", "prompt",
                 "payload", "payload_end", "ok", "error", "reply", "fki", "reboots")
PAYLOAD_ENDS = {"ctrl-z": b"\x1a", "none": b""}   # what follows a prompt payload
_TOP_KEYS = ("family", "kind", "title", "echo", "terminator", "defaults", "banners", "urcs",
             "commands", "procedures", "cmux", "sentences", "location")


def _command(r: _Reader, name: str, defaults: _Reader) -> Command:
    c = r.sub(name)
    c.only(*_COMMAND_KEYS)
    response = c.get("response", str, None)
    claims = c.get("claims", str, None)
    return Command(
        name=name,
        send=c.get("send", str),
        response=c.regex("response", response) if response is not None else None,
        claims=c.regex("claims", claims) if claims is not None else None,
        timeout_s=c.get("timeout_s", float, defaults.get("timeout_s", float, 5.0)),
        retries=c.get("retries", int, defaults.get("retries", int, 0)),
        retry_delay_s=c.get("retry_delay_s", float, defaults.get("retry_delay_s", float, 1.0)),
        prompt=c.get("prompt", bool, False),
        payload=c.get("payload", str, None),
        payload_end=_payload_end(c),
        ok=_strings(c, "ok"),
        error=_strings(c, "error"),
        reply=c.get("reply", str, None),
        fki=c.get("fki", str, None),
        reboots=c.get("reboots", bool, False),
    )


def _payload_end(c: _Reader) -> str:
    value = c.get("payload_end", str, "ctrl-z")
    if value not in PAYLOAD_ENDS:
        c.fail(f"one of {', '.join(PAYLOAD_ENDS)}, got {value!r}", "payload_end")
    return value


def _urc(r: _Reader, name: str) -> Urc:
    value = r.data[name]
    if isinstance(value, str):
        return Urc(name, r.regex(name, value))
    u = r.sub(name)
    u.only("pattern", "lines")
    return Urc(name, u.regex("pattern", u.get("pattern", str)), u.get("lines", int, 1))


_STEP_KINDS = ("cmd", "wait_urc", "sleep_s", "sync")
_STEP_OPTIONS = {"cmd": ("args", "optional", "channel"),
                 "wait_urc": ("match", "fail_on", "or", "timeout_s", "optional", "channel"),
                 "sleep_s": (), "sync": ("timeout_s", "channel")}


def _step(r: _Reader, index: int, item: Any, dialect_names: tuple[set, set]) -> Step:
    s = _Reader(r.source, item, f"{r.path}[{index}]")
    kinds = [k for k in _STEP_KINDS if k in item]
    if len(kinds) != 1:
        s.fail(f"exactly one of {', '.join(_STEP_KINDS)}")
    kind = kinds[0]
    s.only(kind, *_STEP_OPTIONS[kind])
    commands, urcs = dialect_names
    channel = s.get("channel", str, "control")
    optional = s.get("optional", bool, False)
    if kind == "cmd":
        target = s.get("cmd", str)
        if target not in commands:
            s.fail(f"a command defined under commands, got {target!r}", "cmd")
        args = {str(k): str(v) for k, v in s.get("args", dict, {}).items()}
        return Step("cmd", target, args=args, optional=optional, channel=channel)
    if kind == "wait_urc":
        target = s.get("wait_urc", str)
        fail_on, alternatives = _strings(s, "fail_on"), _strings(s, "or")
        for name in (target, *alternatives, *fail_on):
            if name not in urcs and name != "banner":
                s.fail(f"a URC defined under urcs (or 'banner'), got {name!r}", "wait_urc")
        match = {str(k): s.regex(f"match.{k}", v) for k, v in s.get("match", dict, {}).items()}
        return Step("wait_urc", target, match=match, fail_on=fail_on, channel=channel,
                    timeout_s=s.get("timeout_s", float, 5.0), optional=optional,
                    alternatives=alternatives)
    if kind == "sleep_s":
        return Step("sleep", timeout_s=s.get("sleep_s", float))
    return Step("sync", timeout_s=s.get("timeout_s", float, 10.0), channel=channel)


def parse_dialect(data: Any, source: str) -> Dialect:
    """Validate a parsed YAML document into a :class:`Dialect`; DialectError names the key."""
    r = _Reader(source, data)
    r.only(*_TOP_KEYS)
    r.sub("defaults").only("timeout_s", "retries", "retry_delay_s")
    kind = r.get("kind", str)
    if kind not in KINDS:
        r.fail(f"'at', 'sentence' or 'frame', got {kind!r}", "kind")
    defaults = r.sub("defaults")
    ureader = r.sub("urcs")
    urcs = {name: _urc(ureader, name) for name in ureader.data}
    creader = r.sub("commands")
    commands = {name: _command(creader, name, defaults) for name in creader.data}
    preader = r.sub("procedures")
    procedures = {}
    for name, steps in preader.data.items():
        if not isinstance(steps, list):
            preader.fail("a list of steps", name)
        sub = _Reader(source, {}, f"procedures.{name}")
        procedures[name] = tuple(
            _step(sub, i, item if isinstance(item, dict) else sub.fail("a mapping step"),
                  (set(commands), set(urcs)))
            for i, item in enumerate(steps))
    banners = tuple(r.regex(f"banners[{i}]", b) for i, b in enumerate(r.get("banners", list, [])))
    return Dialect(
        family=r.get("family", str), kind=kind, title=r.get("title", str), source=source,
        echo=r.get("echo", bool, True), terminator=r.get("terminator", str, "\r"),
        banners=banners, urcs=urcs, commands=commands, procedures=procedures,
        cmux=_cmux(r) if "cmux" in r.data else None,
        sentences=_sentences(r) if "sentences" in r.data else None,
        location=_location(r, set(urcs), set(procedures)) if "location" in r.data else None,
    )


def _location(r: _Reader, urcs: set, procedures: set) -> LocationConfig:
    s = r.sub("location")
    s.only("requests", "answer")
    requests = _strings(s, "requests")
    unknown = [u for u in requests if u not in urcs]
    if unknown:
        s.fail(f"URCs defined under urcs, got {unknown[0]!r}", "requests")
    answer = s.get("answer", str)
    if answer not in procedures:
        s.fail(f"a procedure defined under procedures, got {answer!r}", "answer")
    return LocationConfig(requests, answer)


def _cmux(r: _Reader) -> CmuxConfig:
    m = r.sub("cmux")
    m.only("command", "channels", "n1")
    channels = m.get("channels", dict)
    if not all(isinstance(v, int) and 1 <= v <= 61 for v in channels.values()):
        m.fail("DLCI numbers 1..61 (TS 27.010 5.6)", "channels")
    return CmuxConfig(m.get("command", str), dict(channels), m.get("n1", int, 1600))


def _sentences(r: _Reader) -> SentenceConfig:
    s = r.sub("sentences")
    s.only("fki_command_field", "streams", "messages", "encodings")
    encodings = s.get("encodings", dict)
    if set(encodings) != {"chinese", "code", "mixed"} or not all(
            isinstance(v, int) for v in encodings.values()):
        s.fail("integers for exactly chinese, code and mixed", "encodings")
    return SentenceConfig(s.get("fki_command_field", int), _strings(s, "streams"),
                          _strings(s, "messages"), dict(encodings))


def load_dialect(family_or_path: str | Path) -> Dialect:
    """Load a family by name (``"nbntn-nordic"``) or a YAML file by path, validated."""
    path = Path(family_or_path)
    if path.suffix not in (".yaml", ".yml"):
        if str(family_or_path) not in FAMILIES:
            raise DialectError(f"unknown family {family_or_path!r}; expected one of "
                               f"{', '.join(FAMILIES)}")
        path = DIALECT_DIR / f"{family_or_path}.yaml"
    try:
        stat = path.stat()
    except OSError as exc:
        raise DialectError(f"{path}: cannot read ({exc.strerror})") from None
    return _load_file(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_file(name: str, mtime_ns: int, size: int) -> Dialect:
    """A dialect file parsed and validated once per version (path, mtime, size): a run opens
    a driver per terminal, and YAML parsing is the slowest part of opening one. Dialects are
    read-only after parsing."""
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DialectError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DialectError(f"{path}: not valid YAML ({exc})") from None
    dialect = parse_dialect(data, str(path))
    if path.parent == DIALECT_DIR and dialect.family != path.stem:
        raise DialectError(f"{path}: family: expected {path.stem!r}, got {dialect.family!r}")
    return dialect

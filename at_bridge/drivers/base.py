"""The driver vocabulary shared by every family, its result types and the procedure runner.

A procedure (``procedures.<name>`` in the dialect YAML) is a list of steps; the runner merges
the named groups of every response and awaited URC into one dict. Rule for ``wait_urc``: a
step that follows a command in the same procedure only accepts URCs that arrived after the
procedure started (the answer to what we just did, never a stale one); a ``wait_urc`` that
opens a procedure (``receive_data``, ``receive_sms``) also takes URCs already queued.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from at_bridge.at_engine import Unsolicited
from at_bridge.dialect import Dialect, Step
from at_bridge.errors import BridgeError, CommandError, DialectError, NotSupported, Timeout


@dataclass(frozen=True)
class Identity:
    """IMEI, IMSI, ICCID (digits, padding removed) and firmware revision text."""

    imei: str
    imsi: str
    iccid: str
    firmware: str


@dataclass(frozen=True)
class Registration:
    """+CEREG / +CREG state: ``stat`` per TS 27.007 10.1.22 (1 home, 5 roaming, 2 searching,
    ...), ``act`` the access technology (14 = satellite E-UTRAN NB-S1) or None."""

    stat: int
    act: int | None = None
    tac: str = ""
    ci: str = ""

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)


@dataclass(frozen=True)
class Signal:
    """Signal quality in physical units: RSRP / RSSI in dBm, RSRQ / SINR in dB (None when the
    module does not report it or reports 'unknown'). From +CESQ the value is the lower edge of
    the TS 27.007 8.69 range; from +CSQ the TS 27.007 8.5 mapping -113 + 2 n dBm."""

    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    rssi_dbm: float | None = None
    sinr_db: float | None = None


@dataclass(frozen=True)
class Sms:
    """A received SMS: sender address, text and service-centre time stamp."""

    sender: str
    text: str
    scts: Any


@dataclass(frozen=True)
class CardInfo:
    """BeiDou card: user address (0 = no card), service interval in s, message level."""

    address: int
    interval_s: int | None
    level: int | None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Feedback:
    """$BDFKI answer to a send: accepted or not, seconds to wait before the next send,
    the reason code text (BDS-3) and every field."""

    accepted: bool
    wait_s: int | None
    reason: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShortMessage:
    """A received BeiDou short message; ``text`` decoded per ``encoding``, ``data`` raw."""

    sender: str
    text: str
    encoding: str
    data: bytes
    fields: dict[str, str] = field(default_factory=dict)


def _not_supported(family: str, operation: str) -> NotSupported:
    return NotSupported(f"{family}: {operation} is not supported by this family")


class Driver(ABC):
    """Base of every driver: each operation raises NotSupported unless the family has it."""

    dialect: Dialect

    @property
    def family(self) -> str:
        return self.dialect.family

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Close the port (and the multiplexer, if any)."""

    @abstractmethod
    def urc(self, name: str | None = None, timeout_s: float = 0.0) -> Unsolicited:
        """The next queued URC / unsolicited sentence (by name); Timeout after ``timeout_s``."""

    def power_on(self) -> None:
        raise _not_supported(self.family, "power_on")

    def reset(self) -> None:
        raise _not_supported(self.family, "reset")

    def identity(self) -> Identity:
        raise _not_supported(self.family, "identity")

    def set_location(self, lat_deg: float, lon_deg: float, alt_m: float,
                     accuracy_m: float = 10.0) -> dict[str, str]:
        raise _not_supported(self.family, "set_location")

    def attach(self, timeout_s: float | None = None) -> Registration:
        raise _not_supported(self.family, "attach")

    def detach(self) -> None:
        raise _not_supported(self.family, "detach")

    def registration(self) -> Registration:
        raise _not_supported(self.family, "registration")

    def signal(self) -> Signal:
        raise _not_supported(self.family, "signal")

    def send_data(self, data: bytes) -> None:
        raise _not_supported(self.family, "send_data")

    def receive_data(self, timeout_s: float | None = None) -> bytes:
        raise _not_supported(self.family, "receive_data")

    def send_sms(self, number: str, text: str) -> int:
        raise _not_supported(self.family, "send_sms")

    def receive_sms(self, timeout_s: float | None = None) -> Sms:
        raise _not_supported(self.family, "receive_sms")

    def dial(self, number: str, timeout_s: float | None = None) -> None:
        raise _not_supported(self.family, "dial")

    def answer(self, timeout_s: float | None = None) -> dict[str, str]:
        raise _not_supported(self.family, "answer")

    def hang_up(self) -> None:
        raise _not_supported(self.family, "hang_up")

    def calls(self) -> list[dict[str, str]]:
        raise _not_supported(self.family, "calls")

    def card_info(self) -> CardInfo:
        raise _not_supported(self.family, "card_info")

    def send_short_message(self, dest: str, message: str | bytes,
                           encoding: str = "chinese") -> Feedback:
        raise _not_supported(self.family, "send_short_message")

    def receive_short_message(self, timeout_s: float | None = None) -> ShortMessage:
        raise _not_supported(self.family, "receive_short_message")

    def status(self) -> dict[str, dict[str, str]]:
        raise _not_supported(self.family, "status")


class ProcedureRunner(ABC):
    """Runs ``dialect.procedures`` steps against engines picked by channel role."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect

    @abstractmethod
    def engine_for(self, role: str) -> Any:
        """The engine of the channel ``role`` (control, voice, sms, data)."""

    @abstractmethod
    def execute(self, step: Step, fields: dict[str, Any]) -> dict[str, str]:
        """Carry out one command step; the captured fields of its response."""

    def all_engines(self) -> list[Any]:
        """Every engine of the driver now (their URC queues mark where a procedure began)."""
        return [self.engine_for("control")]

    def after_command(self, step: Step) -> None:  # noqa: B027 - an optional hook
        """Hook after each command step (the AT driver leaves CMUX after a reboot command)."""

    def run(self, name: str, fields: dict[str, Any] | None = None,
            timeout_s: float | None = None) -> dict[str, Any]:
        """Run ``procedures.<name>``; ``timeout_s`` replaces the wait_urc timeouts."""
        steps = self.dialect.procedures.get(name)
        if steps is None:
            raise NotSupported(f"{self.dialect.family}: {name} is not supported "
                               f"(no procedures.{name} in {self.dialect.source})")
        marks = {id(e.urcs): e.urcs.count for e in self.all_engines()}
        acted = False
        result: dict[str, Any] = {}
        for step in steps:
            try:
                if step.kind == "cmd":
                    result.update(self.execute(step, dict(fields or {})))
                    acted = True
                    self.after_command(step)
                elif step.kind == "wait_urc":
                    engine = self.engine_for(step.channel)
                    since = marks.get(id(engine.urcs), 0) if acted else None
                    urc = self.wait(step, timeout_s, since)
                    result.update(urc.fields)
                    result["urc"] = urc
                elif step.kind == "sleep":
                    self.engine_for(step.channel).timebase.sleep(step.timeout_s)
                else:
                    self.engine_for(step.channel).sync(step.timeout_s)
            except BridgeError:
                if not step.optional:
                    raise
        return result

    def wait(self, step: Step, timeout_s: float | None, since: int | None) -> Unsolicited:
        """Wait for the step's URC or one of its alternatives (fields matching), failing on
        its ``fail_on`` URCs; with ``since``, only URCs queued as number ``since`` or later
        (after the procedure's first command was sent)."""
        def wanted(u: Unsolicited) -> bool:
            if since is not None and u.seq < since:
                return False
            if u.name in step.fail_on:
                return True
            return all(rx.search(u.fields.get(k, "")) for k, rx in step.match.items())

        limit = step.timeout_s if timeout_s is None else timeout_s
        engine = self.engine_for(step.channel)
        try:
            urc = engine.urcs.get({step.target, *step.alternatives, *step.fail_on}, limit,
                                  wanted)
        except Timeout as exc:
            raise Timeout(f"{self.dialect.family}: waiting for {step.target}: {exc}") from None
        if urc.name in step.fail_on:
            raise CommandError(step.target, urc.line, f"{self.dialect.family}: ")
        return urc


def format_template(dialect: Dialect, command: str, template: str, fields: dict[str, Any]) -> str:
    """Fill a dialect template; DialectError naming the command and the missing field."""
    try:
        return template.format(**fields)
    except KeyError as exc:
        raise DialectError(f"{dialect.source}: commands.{command}: template {template!r} needs "
                           f"field {exc.args[0]!r}; the driver gives {sorted(fields)}") from None

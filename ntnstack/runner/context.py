"""What a step handler works with, and what it may ask of the run's modules: the contract
between the step handlers (ntnstack.runner.steps, ntnstack.runner.probes), the modules that
carry the steps out (ntnstack.runner.modules) and the step loop (ntnstack.runner.engine).

It imports none of them, so each of them imports it and none imports another to get it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from at_bridge.drivers.base import Driver
from at_bridge.errors import BridgeError, CommandError, NotSupported, Timeout, Unanswered
from ntnstack.clock import Clock
from ntnstack.runner.records import Event
from ntnstack.scenario.model import Scenario, Step, Terminal


class _Refused:
    def __repr__(self) -> str:
        return "REFUSED"


REFUSED = _Refused()
"""StepContext.call's result when the module refused the command."""


class StepError(Exception):
    """A step could not be carried out (port gone, module silent, protocol error)."""


@dataclass
class StepContext:
    """What a step handler works with. Times ``t_s`` are emulated seconds since the start."""

    step: Step
    terminal: Terminal
    scenario: Scenario
    clock: Clock
    world: Any  # ntnstack.runner.world.World
    modules: RunModules
    observed: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    unanswered: set[str] = field(default_factory=set)  # terminals whose call timed out

    def t(self) -> float:
        return self.clock.now()

    def t_of(self, urc: Any) -> float:
        """When a URC arrived (its receive stamp on the run's clock)."""
        return urc.t_s

    def note(self, kind: str, text: str, terminal: str | None = None) -> None:
        self.events.append(Event(self.t(), terminal or self.terminal.name, kind, text))

    def deadline(self, default_s: float) -> float:
        """Emulated time (s since start) by which the step gives up."""
        return self.t() + (self.step.timeout_s if self.step.timeout_s is not None else default_s)

    def remaining(self, deadline_s: float) -> float:
        """Emulated seconds left until ``deadline_s`` (a driver's ``timeout_s``)."""
        return max(deadline_s - self.t(), 0.0)

    def call(self, fn: Callable, *args, on: str | None = None, **kwargs) -> Any:
        """Call a driver operation (its waits and timeouts are on the run's clock).

        Returns its result; None when it timed out (the event was not observed: ``reason``
        says what; a command the module never answered also sets ``succeeded`` False, so a
        hung module fails the step); REFUSED when the module refused the command
        (``succeeded`` False). A port that vanished or a module that rebooted raises
        StepError.
        """
        who = on or self.terminal.name
        shown = ", ".join([repr(a) for a in args] + [f"{k}={v:g}" if isinstance(v, float) else
                                                     f"{k}={v!r}" for k, v in kwargs.items()])
        self.note("call", f"{fn.__name__}({shown})", who)
        try:
            result = fn(*args, **kwargs)
        except Timeout as exc:
            self.unanswered.add(who)
            self.observed["reason"] = f"{who}: {exc}"
            if isinstance(exc, Unanswered):   # a command the module never answered: it hung
                self.observed.update(succeeded=False, unanswered=True)
            self.note("result", f"timeout: {exc}", who)
            return None
        except (CommandError, NotSupported) as exc:
            self.observed.update(succeeded=False, reason=f"{who}: {exc}")
            self.note("result", f"refused: {exc}", who)
            return REFUSED
        except BridgeError as exc:
            raise StepError(f"{who}: {type(exc).__name__}: {exc}") from exc
        if result is not None:
            self.note("result", _short(result), who)
        return result

    def wait_until(self, predicate: Callable[[Any], bool] | None, deadline_s: float,
                   driver: Any = None) -> float | None:
        """Let emulated time run to ``deadline_s`` while recording ``driver``'s URCs; returns
        the time of the first URC for which ``predicate`` holds (None: none by the deadline,
        or no predicate)."""
        return self.modules.wait_until(self, predicate, deadline_s, driver)


class RunModules(Protocol):
    """The modules of a run."""

    def run_step(self, ctx: StepContext) -> None:
        """Carry out ``ctx.step``, filling ``ctx.observed`` and ``ctx.events``."""

    def driver(self, ctx: StepContext, terminal: str) -> Driver:
        """The at_bridge driver of ``terminal`` (opened on first use)."""

    def wait_until(self, ctx: StepContext, predicate, deadline_s: float, driver) -> float | None:
        """See StepContext.wait_until."""

    def call_peer(self, terminal: str) -> str | None:
        """The terminal at the other end of ``terminal``'s call, if any."""

    def number(self, terminal: str, key: str) -> str:
        """How to reach ``terminal``: its ``msisdn`` or BeiDou ``card_id``."""

    def arrival_s(self, terminal: str, procedure: str, since_s: float,
                  payload: bytes | str | None = None) -> float | None:
        """When the URC that ``procedure`` waits for reached the bridge for the step in
        progress, at or after ``since_s`` and carrying ``payload`` when given (emulated s;
        None: not found)."""

    def recover(self, ctx: StepContext) -> Any:
        """After a step whose module hung: the failed ``responsive`` check once its power
        switch cycled it (ntnstack.runner.power.recover), None when it has no switch."""

    calls: dict[str, str]  # terminal -> the other end of its call
    dials: dict[str, Any]  # caller -> its dial still waiting for the answer
    pcaps: list[Path]      # captures of the modules' stacks (filled by close)
    imsis: dict[str, str]  # terminal -> IMSI of its UE (filled by close)

    def close(self) -> list[Path]:
        """Close every port and module; returns the raw serial logs written."""



class Companion(Protocol):
    """Works beside a run's steps (ntnstack.live's service, the pusher into base stations):
    prepared on the run's world, started with the first step on the run's clock, stopped
    after the last."""

    ran_equipment: tuple[str, ...]
    """The testbed ``ran:`` entries it pushes into (none for most)."""

    def prepare(self, world) -> None:
        """Heavy work before the clock starts."""

    def start(self, clock) -> None:
        """Begin on the run's clock."""

    def stop(self) -> None:
        """End (also when never started), releasing what it holds."""

    def take(self) -> list:
        """The pushes (ntnstack.runner.records.Push) made since the last call."""


@runtime_checkable
class ServiceControl(Protocol):
    """Run modules whose network can suspend a terminal's subscription (the certification
    run's virtual network)."""

    def service_control(self, ctx: StepContext, terminal: str, barred: bool
                        ) -> dict[str, Any]:
        """Suspend (``barred``) or restore the subscription; returns observations."""


@runtime_checkable
class TerrestrialControl(Protocol):
    """Run modules whose network has terrestrial cells it can take away from a terminal."""

    def terrestrial_control(self, ctx: StepContext, terminal: str, covered: bool
                            ) -> dict[str, Any]:
        """Give (``covered``) or take away the terrestrial cell; returns observations."""


@runtime_checkable
class TimingAdvanceReport(Protocol):
    """A driver whose module reports its own timing advance."""

    def timing_advance(self) -> float:
        """The module's timing advance now, microseconds."""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."

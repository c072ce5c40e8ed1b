"""What a run produces: events, evaluated expectations, step results and link samples.
Times ``t_s`` are emulated seconds since the scenario start; ``wall_s`` are real seconds."""
from __future__ import annotations

import datetime as dt
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("passed", "failed", "error", "skipped")


@dataclass(frozen=True)
class Event:
    """Something a terminal did or said: ``kind`` is cmd (sent to the module), rsp (its
    answer), urc (unsolicited), step (the runner) or link (the emulated satellite)."""

    t_s: float
    terminal: str
    kind: str
    text: str


@dataclass(frozen=True)
class Check:
    """One expectation, judged: expected value, observed value (None: not observed)."""

    name: str
    expected: Any
    observed: Any
    passed: bool
    message: str = ""
    observable: bool = True   # False: nothing the terminal did could be judged


@dataclass
class StepResult:
    index: int
    terminal: str
    action: str
    family: str
    started_s: float
    ended_s: float = 0.0
    wall_s: float = 0.0
    status: str = "passed"
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.index:02d}-{self.action}"


@dataclass(frozen=True)
class Sample:
    """The emulated link seen by one terminal at one time (NaN where not defined)."""

    t_s: float
    terminal: str
    elevation_deg: float
    delay_ms: float  # one-way service link
    doppler_hz: float  # downlink carrier, service link
    ta_us: float  # UE-specific TA: service-link round trip
    signal_dbm: float  # downlink received power (or RSRP) model
    visible: bool


@dataclass(frozen=True)
class Push:
    """What was pushed into a piece of lab equipment (ntnstack.live.ran) and its answer:
    ``action`` (e.g. cell_gain, config_set, restart), the request and the reply as text;
    ``terminals``: the scenario terminals the cell serves."""

    t_s: float
    equipment: str
    cell: str
    action: str
    request: str
    reply: str
    ok: bool
    terminals: tuple[str, ...] = ()


@dataclass
class RunInfo:
    run_id: str
    scenario: str
    files: list[str]
    testbed: str
    clock: str
    start_unix_s: float
    started_at: str
    host: str = ""
    status: str = "running"
    finished_at: str | None = None
    wall_s: float = 0.0
    emulated_s: float = 0.0

    @classmethod
    def begin(cls, scenario: str, files: list[str], testbed: str, clock: str,
              start_unix_s: float) -> RunInfo:
        """A new run: a fresh 12-hex-digit run id, started now on this host."""
        return cls(uuid.uuid4().hex[:12], scenario, files, testbed, clock, start_unix_s,
                   now_iso(), socket.gethostname())

    def finish(self, status: str, wall_s: float) -> None:
        """The run's end: its status, the wall seconds it took, finished now."""
        self.status, self.wall_s, self.finished_at = status, wall_s, now_iso()


def now_iso() -> str:
    """Wall-clock now in UTC, ISO 8601 to the millisecond (a run's started_at, finished_at)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")

"""What an MME saw, in the results journal (ntnstack.runner.journal): ``ntnstack mme
--journal FILE`` records each UE procedure the MME ran (ntnstack.stack.mme.Mme.observer) as
a step of one run, so that ``ntnstack results show|list|diff`` read it like a scenario run.

A run: scenario ``mme``, clock ``real``, testbed ``mme@HOST:PORT`` (where it listened),
files the subscriber file. A step: terminal the IMSI, action the procedure (attach, data,
sms, detach), status passed / failed, message the cause of a failure or the outcome's
detail, started_s / ended_s in real seconds since the MME started (the procedure's first
and last NAS message at the MME), observed ``{"detail": ...}`` and the procedure's facts
(an attach's: ntnstack.stack.mme.ATTACH_FACTS). Each step is committed as
it ends. The run is ``passed`` when no procedure failed, else ``failed``.
"""
from __future__ import annotations

import socket
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.runner.journal import Journal
from ntnstack.runner.records import RunInfo, StepResult

__all__ = ["CoreJournal"]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class CoreJournal:
    """``observer(imsi, procedure, result, detail, facts)`` for the MME, writing into
    ``path``."""

    def __init__(self, path: str | Path, listen: str, subscribers: str):
        try:
            self.journal = Journal(path)
        except sqlite3.Error as exc:       # e.g. a folder that does not exist
            raise InputError(f"--journal {path}: {exc}") from None
        self.info = RunInfo(uuid.uuid4().hex[:12], "mme", [subscribers], f"mme@{listen}",
                            "real", time.time(), _now_iso(), socket.gethostname())
        self.journal.start(self.info)
        self._t0 = time.monotonic()
        self._started: dict[tuple[str, str], float] = {}
        self._steps = 0
        self.failed = 0

    def __call__(self, imsi: str, procedure: str, result: str, detail: str = "",
                 facts: dict | None = None) -> None:
        now_s = time.monotonic() - self._t0
        if result == "started":
            self._started[imsi, procedure] = now_s
            return
        started_s = self._started.pop((imsi, procedure), now_s)
        self.journal.step(StepResult(self._steps, imsi, procedure, "mme", started_s, now_s,
                                     now_s - started_s, result, detail,
                                     observed={"detail": detail, **(facts or {})}))
        self._steps += 1
        self.failed += result == "failed"

    def close(self) -> None:
        """The run's end: its status, wall time; the file closed."""
        self.info.status = "failed" if self.failed else "passed"
        self.info.finished_at = _now_iso()
        self.info.wall_s = time.monotonic() - self._t0
        self.journal.finish(self.info)
        self.journal.close()

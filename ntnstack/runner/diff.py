"""What changed between two runs (for regression suites): verdicts of steps and expectations,
and observed timings (``*_s`` values, step durations) that moved by more than a tolerance.

A regression is a step or expectation that passed in run A and does not pass in run B (failed,
error, skipped, or missing because run B stopped early or dropped the step). Each run's rig is
named: its testbed (``NAME@PLACE`` when it held labgrid places) and host.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    key: str  # terminal/NN-action[/expectation]
    what: str  # "verdict" | "timing" | "added" | "removed"
    before: Any
    after: Any
    regression: bool = False


@dataclass
class RunDiff:
    run_a: str
    run_b: str
    tolerance_s: float
    changes: list[Change] = field(default_factory=list)
    status_a: str = ""   # each run's status (passed, failed, interrupted, ...)
    status_b: str = ""
    rig_a: str = ""      # each run's testbed (NAME@PLACE on labgrid places) and host
    rig_b: str = ""

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    def as_dict(self) -> dict[str, Any]:
        return {"run_a": self.run_a, "run_b": self.run_b, "status_a": self.status_a,
                "status_b": self.status_b, "rig_a": self.rig_a, "rig_b": self.rig_b,
                "tolerance_s": self.tolerance_s,
                "regressions": len(self.regressions),
                "changes": [asdict(c) for c in self.changes]}


def rig(run: dict) -> str:
    """Where a run ran: ``testbed on host``."""
    return f"{run['testbed']} on {run['host'] or 'an unknown host'}"


def _key(step: dict) -> str:
    return f"{step['terminal']}/{step['idx']:02d}-{step['action']}"


def diff_runs(a: dict, b: dict, tolerance_s: float) -> RunDiff:
    """``a`` and ``b`` are journal.read_run() data."""
    out = RunDiff(a["run"]["run_id"], b["run"]["run_id"], tolerance_s,
                  status_a=a["run"]["status"], status_b=b["run"]["status"],
                  rig_a=rig(a["run"]), rig_b=rig(b["run"]))
    steps_a = {_key(s): s for s in a["steps"]}
    steps_b = {_key(s): s for s in b["steps"]}
    for key, sa in steps_a.items():
        sb = steps_b.get(key)
        if sb is None:
            out.changes.append(Change(key, "removed", sa["status"], None,
                                      regression=sa["status"] == "passed"))
            continue
        if sa["status"] != sb["status"]:
            out.changes.append(Change(key, "verdict", sa["status"], sb["status"],
                                      regression=sa["status"] == "passed"))
        out.changes += _check_changes(key, sa, sb)
        out.changes += _timing_changes(key, sa, sb, tolerance_s)
    out.changes += [Change(k, "added", None, s["status"]) for k, s in steps_b.items()
                    if k not in steps_a]
    return out


def _check_changes(key: str, sa: dict, sb: dict) -> list[Change]:
    ca = {c["name"]: c for c in sa["checks"]}
    cb = {c["name"]: c for c in sb["checks"]}
    out = []
    for name, c in ca.items():
        after = cb.get(name)
        before_v = "pass" if c["passed"] else "fail"
        after_v = None if after is None else ("pass" if after["passed"] else "fail")
        if before_v != after_v:
            out.append(Change(f"{key}/{name}", "verdict", before_v, after_v,
                              regression=c["passed"]))
    return out


def _timing_changes(key: str, sa: dict, sb: dict, tolerance_s: float) -> list[Change]:
    pairs = {"duration_s": (sa["ended_s"] - sa["started_s"], sb["ended_s"] - sb["started_s"])}
    for name, va in sa["observed"].items():
        vb = sb["observed"].get(name)
        if name.endswith("_s") and _number(va) and _number(vb):
            pairs[name] = (va, vb)
    return [Change(f"{key}/{name}", "timing", va, vb) for name, (va, vb) in pairs.items()
            if abs(vb - va) > tolerance_s]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def format_text(d: RunDiff) -> str:
    """A table a human reads; the last line states the regression count."""
    lines = [f"run A {d.run_a} ({d.rig_a}) {d.status_a}",
             f"run B {d.run_b} ({d.rig_b}) {d.status_b}  (timing tolerance "
             f"{d.tolerance_s:g} s)"]
    if not d.changes:
        lines.append("no change")
    for c in d.changes:
        flag = "REGRESSION" if c.regression else ""
        before = f"{c.before:.3f}" if isinstance(c.before, float) else str(c.before)
        after = f"{c.after:.3f}" if isinstance(c.after, float) else str(c.after)
        lines.append(f"{c.what:8s} {c.key:48s} {before:>10s} -> {after:<10s} {flag}")
    lines.append(f"{len(d.regressions)} regression(s)")
    return "\n".join(lines)

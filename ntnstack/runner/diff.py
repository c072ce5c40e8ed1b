"""What changed between two runs (for regression suites): verdicts of steps, expectations and
certification requirements (with their criteria's measured values), and observed timings
(``*_s`` values, step durations) that moved by more than a tolerance.

A regression is a step, expectation, requirement or criterion that passed in run A and does
not pass in run B (failed, error, skipped, not-observable, or missing because run B stopped
early or dropped it); a fix is one that did not pass in A and passes in B. Requirements are
compared when both runs hold requirement verdicts (a plain run, or a certification journaled
before verdicts were, holds none). Each run's rig is named: its testbed (``NAME@PLACE`` when it
held labgrid places) and host.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    key: str  # terminal/NN-action[/expectation] or requirement/ID[/criterion]
    what: str  # "verdict" | "timing" | "added" | "removed"
    before: Any
    after: Any
    regression: bool = False
    fix: bool = False     # did not pass in run A, passes in run B


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

    @property
    def fixes(self) -> list[Change]:
        return [c for c in self.changes if c.fix]

    def as_dict(self) -> dict[str, Any]:
        return {"run_a": self.run_a, "run_b": self.run_b, "status_a": self.status_a,
                "status_b": self.status_b, "rig_a": self.rig_a, "rig_b": self.rig_b,
                "tolerance_s": self.tolerance_s,
                "regressions": len(self.regressions), "fixes": len(self.fixes),
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
            out.changes.append(_verdict(key, sa["status"], sb["status"]))
        out.changes += _check_changes(key, sa, sb)
        out.changes += _timing_changes(key, sa, sb, tolerance_s)
    out.changes += [Change(k, "added", None, s["status"]) for k, s in steps_b.items()
                    if k not in steps_a]
    if a.get("requirements") and b.get("requirements"):
        out.changes += _requirement_changes(a["requirements"], b["requirements"])
    return out


def _verdict(key: str, before: str, after: str | None, passed: str = "passed") -> Change:
    """A verdict that changed: a regression when it passed before, a fix when it passes
    now."""
    return Change(key, "verdict", before, after, regression=before == passed,
                  fix=after == passed)


def _requirement_changes(reqs_a: list[dict], reqs_b: list[dict]) -> list[Change]:
    """Requirement verdicts that changed (``requirement/ID``), each with its criteria whose
    verdict changed (``requirement/ID/NAME``: pass or fail with the measured value)."""
    by_id = {r["requirement"]: r for r in reqs_b}
    out = []
    for ra in reqs_a:
        key, rb = f"requirement/{ra['requirement']}", by_id.pop(ra["requirement"], None)
        if rb is None:
            out.append(Change(key, "removed", ra["verdict"], None,
                              regression=ra["verdict"] == "passed"))
            continue
        if ra["verdict"] != rb["verdict"]:
            out.append(_verdict(key, ra["verdict"], rb["verdict"]))
        crit_b = _criteria(rb)
        for name, before in _criteria(ra).items():
            after = crit_b.get(name)
            if after is None or before["passed"] != after["passed"]:
                out.append(Change(f"{key}/{name}", "verdict", _judged(before),
                                  None if after is None else _judged(after),
                                  regression=before["passed"],
                                  fix=after is not None and after["passed"]))
    out += [Change(f"requirement/{rid}", "added", None, r["verdict"])
            for rid, r in by_id.items()]
    return out


def _criteria(req: dict) -> dict[str, dict]:
    """A requirement's criteria by name: the value the criterion reads (the first word of its
    text, ``NN-action.path``), with ``#N`` after the first of the same name."""
    out: dict[str, dict] = {}
    for c in req["criteria"]:
        name = c["text"].split(" ", 1)[0]
        n = sum(1 for k in out if k.split("#", 1)[0] == name)
        out[f"{name}#{n + 1}" if n else name] = c
    return out


def _judged(criterion: dict) -> str:
    """``pass, measured 9`` / ``fail, measured 7``."""
    measured = criterion["measured"]
    shown = f"{measured:.3f}" if isinstance(measured, float) else repr(measured)
    return f"{'pass' if criterion['passed'] else 'fail'}, measured {shown}"


def _check_changes(key: str, sa: dict, sb: dict) -> list[Change]:
    ca = {c["name"]: c for c in sa["checks"]}
    cb = {c["name"]: c for c in sb["checks"]}
    out = []
    for name, c in ca.items():
        after = cb.get(name)
        before_v = "pass" if c["passed"] else "fail"
        after_v = None if after is None else ("pass" if after["passed"] else "fail")
        if before_v != after_v:
            out.append(_verdict(f"{key}/{name}", before_v, after_v, passed="pass"))
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
    """A table a human reads (a regression flagged REGRESSION, a fix ``fixed``); the last line
    states the regression count."""
    lines = [f"run A {d.run_a} ({d.rig_a}) {d.status_a}",
             f"run B {d.run_b} ({d.rig_b}) {d.status_b}  (timing tolerance "
             f"{d.tolerance_s:g} s)"]
    if not d.changes:
        lines.append("no change")
    for c in d.changes:
        flag = "REGRESSION" if c.regression else "fixed" if c.fix else ""
        before = f"{c.before:.3f}" if isinstance(c.before, float) else str(c.before)
        after = f"{c.after:.3f}" if isinstance(c.after, float) else str(c.after)
        lines.append(f"{c.what:8s} {c.key:48s} {before:>10s} -> {after:<10s} {flag}")
    lines.append(f"{len(d.regressions)} regression(s)")
    return "\n".join(lines)

"""Pass criteria of a requirement, judged on what its steps observed.

A criterion names a step of the requirement (``step``: its id), a value of that step's
observations (``value``: a dotted path such as ``registration.act``) and one test:

=================================  ==============================================================
``equals: V``                      the value is V
``not_in: [V, ...]``               the value is none of these (an unobserved value passes)
``absent: true``                   the step did not observe the value (e.g. no registration)
``contains: TEXT``                 one of the value's lines (a list of text) contains TEXT
``matches: REGEX``                 one of the value's lines matches REGEX (Python re.search)
``same_as: {step, value}``         the value equals another step's value (identity binding)
``within_budget: {round_trips: N,  the value (s) <= N x RTT + allowance_s; RTT is the emulated
  allowance_s: A}``                round trip of the link at the step (the largest seen at its
                                   start and end, over the terminal and its peer)
=================================  ==============================================================

``why`` (optional) says in words what the criterion proves.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ntnstack.scenario.source import Doc

TESTS = ("equals", "not_in", "absent", "contains", "matches", "same_as", "within_budget")
_MISSING = object()


@dataclass(frozen=True)
class CriterionResult:
    """One judged criterion: what was checked, the value measured, and the verdict."""

    text: str
    passed: bool
    measured: Any = None
    limit: Any = None


def check_criterion(doc: Doc, path: tuple, crit: Any, step_ids: dict[str, int]) -> None:
    """Validate one criterion of a profile (ConfigError at its place)."""
    if not isinstance(crit, dict):
        raise doc.error(path, f"expected a mapping with step, value and one of "
                        f"{', '.join(TESTS)}; got {crit!r}")
    tests = [t for t in TESTS if t in crit]
    unknown = sorted(set(crit) - {"step", "value", "why", *TESTS})
    if unknown:
        raise doc.error((*path, unknown[0]), f"unknown key; expected step, value, why or one of "
                        f"{', '.join(TESTS)}", at_key=True)
    if len(tests) != 1:
        raise doc.error(path, f"expected exactly one of {', '.join(TESTS)}, got {tests or 'none'}")
    for key, where in ((crit.get("step"), (*path, "step")),
                       ((crit.get("same_as") or {}).get("step") if "same_as" in crit else None,
                        (*path, "same_as", "step"))):
        if key is not None and str(key) not in step_ids:
            raise doc.error(where, f"no step {key!r} in this requirement (steps: "
                            f"{', '.join(step_ids)})")
    if "step" not in crit or "value" not in crit:
        raise doc.error(path, "expected step and value")
    if "matches" in crit:
        try:
            re.compile(str(crit["matches"]))
        except re.error as exc:
            raise doc.error((*path, "matches"), f"not a regular expression: {exc}") from None
    budget = crit.get("within_budget")
    if budget is not None and (not isinstance(budget, dict) or
                               set(budget) != {"round_trips", "allowance_s"}):
        raise doc.error((*path, "within_budget"), "expected {round_trips: N, allowance_s: S}")


def lookup(observed: dict[str, Any], dotted: str) -> Any:
    """``registration.act`` -> observed["registration"]["act"] (``_MISSING`` when absent)."""
    value: Any = observed
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def judge(crit: dict, steps: dict[str, Any], rtt_of) -> CriterionResult:
    """``steps``: step id -> StepResult; ``rtt_of(result)`` -> the RTT (s) for budgets."""
    result = steps[str(crit["step"])]
    value = lookup(result.observed, crit["value"])
    shown = None if value is _MISSING else value
    name = f"{result.label}.{crit['value']}"
    why = f" ({crit['why']})" if crit.get("why") else ""
    if "equals" in crit:
        ok = value is not _MISSING and value == crit["equals"]
        return CriterionResult(f"{name} == {crit['equals']!r}{why}", ok, shown, crit["equals"])
    if "not_in" in crit:
        ok = value is _MISSING or value not in crit["not_in"]
        return CriterionResult(f"{name} not in {crit['not_in']}{why}", ok, shown, crit["not_in"])
    if "absent" in crit:
        ok = (value is _MISSING) == bool(crit["absent"])
        return CriterionResult(f"{name} {'not ' if crit['absent'] else ''}observed{why}", ok,
                               shown)
    if "contains" in crit:
        lines = value if isinstance(value, list) else []
        ok = any(str(crit["contains"]) in str(line) for line in lines)
        return CriterionResult(f"{name} contains {crit['contains']!r}{why}", ok, shown,
                               crit["contains"])
    if "matches" in crit:
        lines = value if isinstance(value, list) else []
        ok = any(re.search(str(crit["matches"]), str(line)) for line in lines)
        return CriterionResult(f"{name} matches {crit['matches']!r}{why}", ok, shown,
                               crit["matches"])
    if "same_as" in crit:
        other = steps[str(crit["same_as"]["step"])]
        ref = lookup(other.observed, crit["same_as"]["value"])
        ok = value is not _MISSING and ref is not _MISSING and value == ref
        return CriterionResult(f"{name} == {other.label}.{crit['same_as']['value']}{why}", ok,
                               shown, None if ref is _MISSING else ref)
    return _budget(crit, result, value, name, why, rtt_of)


def _budget(crit: dict, result: Any, value: Any, name: str, why: str, rtt_of
            ) -> CriterionResult:
    budget = crit["within_budget"]
    rtt_s = rtt_of(result)
    limit_s = budget["round_trips"] * rtt_s + budget["allowance_s"]
    text = (f"{name} <= {budget['round_trips']} x RTT {rtt_s * 1e3:.1f} ms + "
            f"{budget['allowance_s']:g} s = {limit_s:.3f} s{why}")
    ok = isinstance(value, (int, float)) and bool(np.isfinite(value)) and value <= limit_s
    return CriterionResult(text, ok, None if value is _MISSING else value, round(limit_s, 6))


def rtt_at(world, result) -> float:
    """The largest emulated RTT (s) of the step's terminal and its peer at the step's start
    and end (NaN RTTs, a satellite below the horizon, are left out; NaN if all are)."""
    names = [result.terminal] + ([result.params["to"]] if result.params.get("to") else [])
    times = np.array([world.start + result.started_s, world.start + result.ended_s])
    rtts = np.concatenate([np.asarray(world.series(n, times).rtt_s, dtype=float)
                           for n in names])
    rtts = rtts[np.isfinite(rtts)]
    return float(rtts.max()) if rtts.size else float("nan")

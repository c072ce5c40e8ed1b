"""Judging a step's expectations against what it observed.

Naming: an expectation ``X_within_s`` (a limit, seconds) is judged on the observation
``X_after_s`` (seconds from the step's command to the event, emulated time);
``ta_error_below_us`` on ``ta_error_us``; a flag ``X`` on the observation ``X``.
"""
from __future__ import annotations

import math
from typing import Any

from ntnstack.runner.records import Check
from ntnstack.scenario.actions import ACTIONS, SUCCEEDS
from ntnstack.scenario.model import Expectation


def observed_key(name: str) -> str:
    """The observation an expectation is judged on."""
    if name.endswith("_within_s"):
        return name[: -len("_within_s")] + "_after_s"
    if name == "ta_error_below_us":
        return "ta_error_us"
    if name == "succeeds":
        return "succeeded"
    return name


def judge(action: str, expectation: Expectation, observed: dict[str, Any]) -> Check:
    """One expectation -> a Check with a message a user understands."""
    name, expected = expectation.name, expectation.expected
    value = observed.get(observed_key(name))
    kind = ACTIONS[action].expects.get(name, SUCCEEDS)
    if name == "succeeds":
        done = bool(observed.get("succeeded", True))
        ok = done == bool(expected)
        text = (f"the step did not succeed: {observed.get('reason', 'no reason given')}"
                if expected else "the step succeeded, but it was expected to be refused")
        return Check(name, expected, done, ok, "" if ok else text)
    if kind.kind == "flag":
        ok = value is not None and bool(value) == bool(expected)
        text = f"expected {name}={str(expected).lower()} ({kind.meaning}), observed " \
               f"{'nothing' if value is None else str(bool(value)).lower()}"
        return Check(name, expected, value, ok, "" if ok else text)
    unit = "s" if kind.kind == "seconds" else "us"
    why_not = observed.get("not_observable", {}).get(name)
    if value is None and why_not:
        return Check(name, expected, None, False, f"{name}: not observable ({why_not})",
                     observable=False)
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return Check(name, expected, None, False,
                     f"{name}: expected {kind.meaning} within {expected:g} {unit}; "
                     f"it was not observed{_why(observed)}")
    ok = abs(value) <= expected
    return Check(name, expected, value, ok, "" if ok else
                 f"{name}: expected {kind.meaning} within {expected:g} {unit}, "
                 f"observed {value:.3f} {unit}")


def _why(observed: dict[str, Any]) -> str:
    reason = observed.get("reason")
    return f" ({reason})" if reason else ""


def judge_all(action: str, expectations: tuple[Expectation, ...], observed: dict[str, Any],
              ) -> list[Check]:
    """Every expectation of a step. A step must succeed unless it says otherwise
    (``succeeds: false``) or expects a refusal (``rate_limited: true``)."""
    checks = [judge(action, e, observed) for e in expectations]
    says = {e.name: e.expected for e in expectations}
    if "succeeds" in says or says.get("rate_limited") is True:
        return checks
    if not observed.get("succeeded", True):
        checks.append(judge(action, Expectation("succeeds", True), observed))
    return checks

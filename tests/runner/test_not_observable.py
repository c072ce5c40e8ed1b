"""A verdict judges the terminal under test: what it reported or what the emulated network
saw it do. When neither exists the verdict is "not observable", never "pass" (and never a
failure of the terminal either)."""
from __future__ import annotations

from ntnstack.runner import junit
from ntnstack.runner.engine import _status
from ntnstack.runner.expect import judge
from ntnstack.runner.journal import Journal, read_run
from ntnstack.runner.records import RunInfo, StepResult
from ntnstack.scenario.model import Expectation

LIMIT_US = 0.52
"""The default scenario's ta_error_below_us: one TA step, 16 T_s = 0.52 us (TS 36.213 4.2.3)."""
WHY = "the module reports no timing advance and no emulated eNB saw its uplink"


def _ta(observed: dict):
    return judge("attach", Expectation("ta_error_below_us", LIMIT_US), observed)


def test_unobservable_ta_is_neither_pass_nor_fail():
    check = _ta({"not_observable": {"ta_error_below_us": WHY}})
    assert (check.passed, check.observable) == (False, False)
    assert "not observable" in check.message and WHY in check.message


def test_an_observation_overrides_the_marker_and_is_judged():
    seen = {"not_observable": {"ta_error_below_us": WHY}, "ta_error_us": 0.9}
    check = _ta(seen)
    assert (check.passed, check.observable) == (False, True)   # 0.9 us > 0.52 us: failed
    assert _ta({**seen, "ta_error_us": 0.1}).passed


def test_run_with_an_unobservable_step_is_incomplete_not_passed(tmp_path):
    step = StepResult(0, "ue", "attach", "nbntn-nordic", 0.0, 52.0, 0.01,
                      status="not-observable", message=f"ta_error_below_us: not observable "
                                                       f"({WHY})")
    step.checks = [_ta({"not_observable": {"ta_error_below_us": WHY}})]
    ok = StepResult(1, "ue", "detach", "nbntn-nordic", 52.0, 53.0, 0.01)
    assert _status([step, ok], 2) == "incomplete"
    assert _status([ok], 1) == "passed"
    journal = Journal(tmp_path / "results.sqlite")
    info = RunInfo("r1", "s", ["s.yaml"], "lab", "realtime", 1.77e9, "2026-01-01T00:00:00", "h")
    journal.start(info)
    journal.step(step, [])
    info.status = "incomplete"
    journal.finish(info)
    journal.close()
    case = junit.build(read_run(tmp_path / "results.sqlite")).find(".//testcase")
    assert case.find("skipped").get("message").startswith("ta_error_below_us: not observable")
    assert case.find("failure") is None
    assert "expected ta_error_below_us" in case.find("system-out").text
    assert "; not observable" in case.find("system-out").text

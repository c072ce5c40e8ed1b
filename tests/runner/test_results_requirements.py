"""``results diff`` of requirement verdicts journaled through the real Journal class (the rows
a certification writes with the run's end, ntnstack.runner.journal.Journal.finish): every
verdict change, criteria matched by the value they read, and a requirement that vanished."""
from __future__ import annotations

from ntnstack.runner.diff import diff_runs
from ntnstack.runner.journal import Journal, read_run
from tests.runner.conftest import write_journal


def _crit(text: str, passed: bool, measured) -> dict:
    return {"text": text, "passed": passed, "measured": measured, "limit": None}


def _certified(out, run_id: str, verdicts: dict[str, tuple[str, list[dict]]]):
    """A journal of run ``run_id`` (the runner fixture) with these requirement verdicts."""
    write_journal(out, run_id=run_id)
    j = Journal(out / "results.sqlite")
    j.requirements(run_id, [{"id": rid, "title": "t", "source": "s", "verdict": v,
                             "explanation": "", "criteria": crits, "network": None}
                            for rid, (v, crits) in verdicts.items()], "failed")
    j.close()
    return read_run(out)


def test_every_requirement_change_is_classified(tmp_path):
    both = [_crit("00-attach.act == 14", True, 14), _crit("00-attach.act not in [9]", True, 14)]
    a = _certified(tmp_path / "a", "run-a", {
        "R-FAIL": ("passed", both), "R-UNSEEN": ("passed", []), "R-BACK": ("not-observable", []),
        "R-GONE": ("passed", []), "R-SAME": ("failed", [_crit("01-x.y == 1", False, 2)])})
    b = _certified(tmp_path / "b", "run-b", {
        "R-FAIL": ("failed", [both[0], _crit("00-attach.act not in [9]", False, 9)]),
        "R-UNSEEN": ("not-observable", []), "R-BACK": ("passed", []),
        "R-SAME": ("failed", [_crit("01-x.y == 1", False, 3)]), "R-NEW": ("passed", [])})
    d = diff_runs(a, b, tolerance_s=1.0)
    got = {c.key: (c.what, c.before, c.after, c.regression, c.fix) for c in d.changes}
    assert got == {
        "requirement/R-FAIL": ("verdict", "passed", "failed", True, False),
        # the second criterion reading 00-attach.act: matched by name and order
        "requirement/R-FAIL/00-attach.act#2": ("verdict", "pass, measured 14",
                                               "fail, measured 9", True, False),
        "requirement/R-UNSEEN": ("verdict", "passed", "not-observable", True, False),
        "requirement/R-BACK": ("verdict", "not-observable", "passed", False, True),
        "requirement/R-GONE": ("removed", "passed", None, True, False),
        "requirement/R-NEW": ("added", None, "passed", False, False),
    }   # R-SAME: failed both times (measured 2, then 3): no verdict change
    assert d.as_dict()["regressions"] == 4 and d.as_dict()["fixes"] == 1


def test_a_run_without_requirements_is_compared_by_its_steps_alone(tmp_path):
    a = _certified(tmp_path / "a", "run-a", {"R": ("passed", [])})
    plain = read_run(write_journal(tmp_path / "b", run_id="run-b"))
    assert plain["requirements"] == []
    assert diff_runs(a, plain, 1.0).changes == diff_runs(plain, a, 1.0).changes == []

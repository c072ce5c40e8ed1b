"""``ntnstack results diff``: verdict regressions and timings beyond the tolerance."""
from __future__ import annotations

import json

from ntnstack.runner.diff import diff_runs
from ntnstack.runner.journal import read_run
from tests.runner.conftest import ntnstack, write_journal


def test_identical_runs_have_no_change(tmp_path):
    a = write_journal(tmp_path / "a")
    b = write_journal(tmp_path / "b", run_id="run-b")
    d = diff_runs(read_run(a), read_run(b), tolerance_s=1.0)
    assert d.changes == [] and d.regressions == []


def test_injected_regression_is_reported(tmp_path):
    a = write_journal(tmp_path / "a")
    # run B: the attach took 240 s against a 180 s limit, and the data echo failed
    b = write_journal(tmp_path / "b", attach_s=240.0, data_status="failed", run_id="run-b")
    d = diff_runs(read_run(a), read_run(b), tolerance_s=1.0)
    keys = {(c.key, c.what) for c in d.regressions}
    assert keys == {("ue/00-attach", "verdict"), ("ue/00-attach/registered_within_s", "verdict"),
                    ("ue/01-send_data", "verdict"),
                    ("ue/01-send_data/delivered_within_s", "verdict")}
    timing = {c.key: (c.before, c.after) for c in d.changes if c.what == "timing"}
    assert timing["ue/00-attach/registered_after_s"] == (52.0, 240.0)
    assert timing["ue/00-attach/duration_s"] == (52.0, 240.0)


def test_timing_within_tolerance_is_quiet(tmp_path):
    a = write_journal(tmp_path / "a", attach_s=52.0)
    b = write_journal(tmp_path / "b", attach_s=52.9, run_id="run-b")
    assert diff_runs(read_run(a), read_run(b), tolerance_s=1.0).changes == []
    moved = diff_runs(read_run(a), read_run(b), tolerance_s=0.5).changes
    assert {c.key for c in moved} == {"ue/00-attach/registered_after_s",
                                      "ue/00-attach/duration_s"}
    assert not any(c.regression for c in moved)


def test_cli_exit_status_and_json(tmp_path):
    a = write_journal(tmp_path / "a")
    b = write_journal(tmp_path / "b", attach_s=240.0, run_id="run-b")
    same = ntnstack("results", "diff", str(a), str(a / "results.sqlite"))
    assert same.returncode == 0 and "0 regression(s)" in same.stdout
    worse = ntnstack("results", "diff", str(a), str(b), "--json")
    assert worse.returncode == 1
    out = json.loads(worse.stdout)
    assert out["regressions"] == 2 and out["run_b"] == "run-b"
    better = ntnstack("results", "diff", str(b), str(a))
    assert better.returncode == 0  # B -> A fixes the attach: a change, not a regression
    assert "verdict" in better.stdout


def test_cli_bad_input(tmp_path):
    bad = ntnstack("results", "diff", str(tmp_path), str(tmp_path))
    assert bad.returncode == 2
    assert "no results.sqlite here" in bad.stderr and len(bad.stderr.splitlines()) == 1
    neg = ntnstack("results", "diff", str(write_journal(tmp_path / "a")),
                   str(tmp_path / "a"), "--tolerance-s", "-1")
    assert neg.returncode == 2 and "--tolerance-s" in neg.stderr


def test_results_show(tmp_path):
    ok = write_journal(tmp_path / "a")  # a run that ended with an errored step
    res = ntnstack("results", "show", str(ok))
    assert res.returncode == 1 and "run run-a fixture error" in res.stdout
    assert "PortGone" in res.stdout
    as_json = json.loads(ntnstack("results", "show", str(ok), "--json").stdout)
    assert len(as_json["steps"]) == 5

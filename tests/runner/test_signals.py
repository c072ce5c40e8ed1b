"""A run ends cleanly on SIGTERM and SIGINT (status ``interrupted``, junit.xml and the report
of the steps done, exit 130), and a run killed with SIGKILL keeps every finished step and is
read back as interrupted by ``results show``, ``list`` and ``diff``. Real subprocesses, real
signals."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from ntnstack.runner.journal import read_run
from tests.runner.conftest import SCENARIOS, ntnstack, slow_run, wait_for_steps

TOTAL_STEPS = 46   # waits.yaml (6) + slow_run's 40


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_ends_the_run_cleanly(tmp_path, sig):
    proc, out = slow_run(tmp_path)
    try:
        wait_for_steps(out / "results.sqlite", 8, timeout_s=60.0)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip() == "ntnstack run: interrupted"           # one line, no traceback
    data = read_run(out)
    done = len(data["steps"])
    assert 8 <= done < TOTAL_STEPS
    assert data["run"]["status"] == "interrupted" and data["run"]["finished_at"]
    raw = sqlite3.connect(out / "results.sqlite").execute("SELECT status FROM runs").fetchone()
    assert raw[0] == "interrupted"                              # journaled, not inferred
    root = ET.parse(out / "junit.xml").getroot()
    assert int(root.get("tests")) == done and root.get("failures") == "0"
    assert (out / "report.html").stat().st_size > 0


def test_sigkill_keeps_every_finished_step_and_reads_interrupted(tmp_path):
    proc, out = slow_run(tmp_path)
    try:
        done = wait_for_steps(out / "results.sqlite", 4, timeout_s=60.0)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    db = sqlite3.connect(out / "results.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT status, finished_at FROM runs").fetchone() == ("running", None)
    data = read_run(out)
    assert data["run"]["status"] == "interrupted"   # no live writer holds the journal
    assert 4 <= len(data["steps"]) < TOTAL_STEPS and len(data["steps"]) >= done
    assert [s["idx"] for s in data["steps"]] == list(range(len(data["steps"])))
    for s in data["steps"]:
        # scaled clock: a step ends when the real sleep returns, never early; how late it is
        # (the scheduler's wake-up delay x the scale 100) depends on the machine's load
        assert s["status"] == "passed" and s["ended_s"] - s["started_s"] >= 40.0
    last = data["steps"][-1]["ended_s"]
    assert data["samples"] and max(x["t_s"] for x in data["samples"]) < last

    shown = ntnstack("results", "show", str(out))
    assert shown.returncode == 1 and " interrupted (" in shown.stdout.splitlines()[0]
    listed = ntnstack("results", "list", str(out), "--json")   # the same rule as show
    assert [json.loads(r)["status"] for r in listed.stdout.splitlines()] == ["interrupted"]
    full = tmp_path / "full"
    assert ntnstack("run", str(SCENARIOS / "waits.yaml"), "--out", str(full)).returncode == 0
    diff = ntnstack("results", "diff", str(full), str(out), "--json")
    d = json.loads(diff.stdout)
    assert (d["status_a"], d["status_b"]) == ("passed", "interrupted")
    text = ntnstack("results", "diff", str(full), str(out)).stdout.splitlines()
    assert text[0].endswith(" passed") and " interrupted " in text[1]


def test_a_live_run_reads_running(tmp_path):
    proc, out = slow_run(tmp_path)
    try:
        wait_for_steps(out / "results.sqlite", 2, timeout_s=60.0)
        assert read_run(out)["run"]["status"] == "running"   # its writer holds the lock
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert read_run(out)["run"]["status"] == "interrupted"

"""Helpers for the runner tests: journals written through the real Journal class, and the
module-free scenarios in tests/runner/scenarios/."""
from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ntnstack.runner.journal import Journal
from ntnstack.runner.records import Check, Event, RunInfo, Sample, StepResult

SCENARIOS = Path(__file__).with_name("scenarios")
ROOT = Path(__file__).resolve().parents[2]


def write_journal(out_dir: Path, *, attach_s: float = 52.0, attach_limit_s: float = 180.0,
                  data_status: str = "passed", run_id: str = "run-a") -> Path:
    """A two-terminal run: ue (attach, send_data, an errored step, a skipped step) and tt
    (dial), with link samples and events."""
    out_dir.mkdir(parents=True, exist_ok=True)
    j = Journal(out_dir / "results.sqlite")
    info = RunInfo(run_id, "fixture", ["fixture.yaml"], "virtual", "virtual", 1.77e9,
                   "2026-03-01T00:00:00.000+00:00", "host")
    j.start(info)
    attach = StepResult(0, "ue", "attach", "nbntn-nordic", 0.0, attach_s, 0.01,
                        observed={"registered_after_s": attach_s})
    ok = attach_s <= attach_limit_s
    attach.checks = [Check("registered_within_s", attach_limit_s, attach_s, ok,
                           "" if ok else f"registered_within_s: observed {attach_s} s")]
    attach.status = "passed" if ok else "failed"
    attach.events = [Event(0.0, "ue", "cmd", "AT+CFUN=1"), Event(attach_s, "ue", "urc",
                                                                 '+CEREG: 5,"0001","01",14')]
    data = StepResult(1, "ue", "send_data", "nbntn-nordic", attach_s, attach_s + 1.2, 0.01,
                      status=data_status, observed={"delivered_after_s": 1.2})
    data.checks = [Check("delivered_within_s", 10.0, 1.2, data_status == "passed",
                         "" if data_status == "passed" else "delivered_within_s: late")]
    err = StepResult(2, "ue", "detach", "nbntn-nordic", 60.0, 60.0, 0.0, status="error",
                     message="PortGone: /dev/pts/9 vanished")
    skip = StepResult(3, "ue", "attach", "nbntn-nordic", 60.0, 60.0, 0.0, status="skipped",
                      message="an earlier step of this terminal errored")
    dial = StepResult(4, "tt", "dial", "tiantong", 60.0, 61.0, 0.02,
                      observed={"ringing_after_s": 0.56})
    dial.checks = [Check("ringing_within_s", 10.0, 0.56, True)]
    samples = [Sample(t, name, 40.0 + t / 10, 125.0, -1.0 * t, 250_000.0, -126.0, True)
               for name in ("ue", "tt") for t in (0.0, 30.0, 60.0)]
    samples.append(Sample(90.0, "ue", 5.0, math.nan, math.nan, math.nan, math.nan, False))
    for i, r in enumerate((attach, data, err, skip, dial)):
        j.step(r, samples if i == 0 else [])
    info.status, info.wall_s, info.emulated_s = "error", 0.5, 61.0
    info.finished_at = "2026-03-01T00:00:01.000+00:00"
    j.finish(info)
    j.close()
    return out_dir


def ntnstack(*args: str, timeout: float = 120.0, **kw) -> subprocess.CompletedProcess:
    """The installed command line, as a user runs it."""
    exe = Path(sys.executable).with_name("ntnstack")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=kw.pop("cwd", ROOT), env={**os.environ, **kw.pop("env", {})},
                          **kw)


@pytest.fixture
def fixture_run(tmp_path):
    return write_journal(tmp_path / "a")


def slow_run(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """``ntnstack run`` of waits.yaml plus 40 waits of 40 s on the scaled:100 clock (0.4 s of
    wall time each, 16 s in all) in a subprocess; returns it and its output directory."""
    steps = "\n".join("  - {terminal: ue, do: wait, duration_s: 40}" for _ in range(40))
    slow = tmp_path / "slow.yaml"
    slow.write_text(f"clock: scaled:100\nsteps:\n{steps}\n")
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("ntnstack")
    proc = subprocess.Popen([str(exe), "run", str(SCENARIOS / "waits.yaml"), str(slow),
                             "--out", str(out), "--quiet"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, out


def wait_for_steps(path: Path, count: int, timeout_s: float) -> int:
    """Poll the journal until it holds ``count`` steps (wall-clock timeout: a subprocess)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                n = db.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
                db.close()
                if n >= count:
                    return n
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} steps in {path} after {timeout_s} s")

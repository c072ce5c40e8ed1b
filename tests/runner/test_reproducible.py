"""A run on the virtual clock is a pure function of its inputs (docs/time.md): the same
scenario run several times at once, with every core kept busy by other processes, gives the
same verdicts, emulated times, capture bytes, serial logs and journal rows. Wall-clock fields,
run ids, host names and pty numbers (the kernel hands out /dev/pts/N) are the only
differences allowed, and each run's own output directory."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.runner.conftest import ntnstack

RUNS = 3
"""Runs at once (with the busy processes: more runnable threads than this machine has)."""
BUSY_PER_CORE = 2
"""CPU-bound processes per core alongside the runs."""
RUN_TIMEOUT_S = 600.0
"""Real seconds one loaded run may take (alone it takes about 5 s)."""

JUNIT_WALL = re.compile(r' (time|timestamp|hostname)="[^"]*"|<property name="run_id"[^>]*>')
PTY = re.compile(rb"/dev/pts/\d+")
WALL_TEXT = re.compile(rb'"wall_s": [-+0-9.e]+|[0-9.]+ s wall')
WALL_COLUMNS = {"runs": ("run_id", "started_at", "finished_at", "wall_s", "host"),
                "steps": ("run_id", "wall_s"), "expectations": ("run_id",),
                "events": ("run_id",), "samples": ("run_id",)}


@pytest.fixture
def busy_cores():
    """Keep every core busy with CPU-bound processes while the test runs."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
             for _ in range(BUSY_PER_CORE * (os.cpu_count() or 1))]
    yield
    for p in procs:
        p.kill()
        p.wait()


def _in_parallel(args_of_run) -> list[subprocess.CompletedProcess]:
    with ThreadPoolExecutor(RUNS) as pool:
        return list(pool.map(lambda a: ntnstack(*a, timeout=RUN_TIMEOUT_S), args_of_run))


def streams(rawlog: bytes) -> dict[bytes, list[tuple[bytes, bytes]]]:
    """A raw log as one stream per direction (in, out, evt) of (stamp, bytes), consecutive
    chunks of one stamp joined. Within one emulated instant the two directions of a serial
    line are full duplex (a driver may send its next frame before the answer to the last
    one, which it does not wait for, comes back), and how the OS splits bytes into reads is
    not part of the run: each direction's bytes and stamps are."""
    out: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for line in rawlog.splitlines():
        stamp, direction, rest = ([*line.split(b" ", 2), b""])[:3]
        rows = out.setdefault(direction, [])
        if rows and rows[-1][0] == stamp and direction != b"evt":
            rows[-1] = (stamp, rows[-1][1] + rest)
        else:
            rows.append((stamp, rest))
    return out


def fingerprint(out: Path) -> dict[str, object]:
    """Everything a run wrote, less the fields that may differ between identical runs."""
    with sqlite3.connect(out / "results.sqlite") as db:
        (run_id,), = db.execute("SELECT run_id FROM runs").fetchall()
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in (".pcap", ".rawlog", ".jsonl", ".md", ".json"):
            data = PTY.sub(b"/dev/pts/N", path.read_bytes()).replace(run_id.encode(), b"RUN")
            data = data.replace(str(out).encode(), b"OUT")   # each run has its own --out
            data = WALL_TEXT.sub(b"WALL", data)
            files[str(path.relative_to(out))] = streams(data) \
                if path.suffix == ".rawlog" else data
    files["junit.xml"] = JUNIT_WALL.sub("", (out / "junit.xml").read_text())
    with sqlite3.connect(out / "results.sqlite") as db:
        for table, wall in WALL_COLUMNS.items():
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")
                       if r[1] not in wall]
            files[f"journal {table}"] = db.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    return files


def _assert_identical(outs: list[Path]) -> None:
    first = fingerprint(outs[0])
    assert len(first) > 5 and first["journal steps"]   # something was compared
    for out in outs[1:]:
        other = fingerprint(out)
        assert sorted(other) == sorted(first)
        differ = [name for name in first if other[name] != first[name]]
        assert differ == [], (f"{out.name} differs from {outs[0].name} in {differ}; first "
                              f"difference: {first_difference(first[differ[0]], other[differ[0]])}")


def first_difference(a, b) -> str:
    """Where two fingerprint entries first part (for the failure message)."""
    if isinstance(a, dict):
        key = next(k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))
        return f"{key!r}: {first_difference(a.get(key, []), b.get(key, []))}"
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
             min(len(a), len(b)))
    if isinstance(a, (list, tuple)):
        return f"item {i}: {a[i:i + 2]!r} vs {b[i:i + 2]!r}"
    return f"at {i}: {a[max(0, i - 80):i + 120]!r} vs {b[max(0, i - 80):i + 120]!r}"


def test_default_scenario_is_reproducible_under_load(tmp_path, busy_cores):
    outs = [tmp_path / f"run{i}" for i in range(RUNS)]
    done = _in_parallel([("run", "--quiet", "--out", str(o)) for o in outs])
    assert [p.returncode for p in done] == [0] * RUNS, [p.stdout[-400:] for p in done]
    _assert_identical(outs)


def test_certification_is_reproducible_under_load(tmp_path, busy_cores):
    outs = [tmp_path / f"cert{i}" for i in range(RUNS)]
    done = _in_parallel([("certify", "--profile", "ntn-3gpp", "--family", "nbntn-quectel",
                          "--out", str(o)) for o in outs])
    assert [p.returncode for p in done] == [0] * RUNS, [p.stdout[-400:] for p in done]
    _assert_identical(outs)

"""``ntnstack results merge``: journals of several rigs into one (complete, idempotent,
transactional, bad files named), then ``results diff`` across rigs. The merged file is checked
with plain SQL against its sources, and by SQLite's own integrity check."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess

import pytest

from ntnstack.runner.journal import live_path, read_run
from ntnstack.runner.merge import TABLES
from tests.runner.conftest import ntnstack, write_journal


def journal_of(tmp_path, name: str, testbed: str, host: str, **kw):
    """write_journal's run (run id ``name``) as if run on ``testbed`` at ``host``."""
    out = write_journal(tmp_path / name, run_id=name, **kw)
    db = sqlite3.connect(out / "results.sqlite")
    with db:
        db.execute("UPDATE runs SET testbed=?, host=?", (testbed, host))
    db.close()
    return out


def rows(path, table: str, run_id: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT * FROM {table} WHERE run_id=? ORDER BY rowid",
                          (run_id,)).fetchall()
    finally:
        db.close()


def counts(path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        db.close()


@pytest.fixture
def two_rigs(tmp_path):
    a = journal_of(tmp_path, "run-a", "farm@rig-a", "lab-1")
    b = journal_of(tmp_path, "run-b", "farm@rig-b", "lab-2", attach_s=240.0)
    db = sqlite3.connect(a / "results.sqlite")
    with db:   # what run-a pushed into a base station (ntnstack.live.ran) is merged too
        db.execute("INSERT INTO pushes VALUES ('run-a', 12.5, 'callbox', 'geo-cell', "
                   "'cell_gain', '{}', '{}', 1, '[]')")
    db.close()
    return a, b


def test_a_journal_from_before_the_pushes_table_merges(tmp_path, two_rigs):
    a, b = two_rigs
    db = sqlite3.connect(b / "results.sqlite")
    with db:
        db.execute("DROP TABLE pushes")
    db.close()
    out = tmp_path / "all.sqlite"
    res = ntnstack("results", "merge", str(out), str(a), str(b))
    assert res.returncode == 0, res.stderr
    assert counts(out)["runs"] == 2 and rows(out, "pushes", "run-a") == \
        rows(a / "results.sqlite", "pushes", "run-a") and rows(out, "pushes", "run-b") == []


def test_merge_copies_every_row_once(tmp_path, two_rigs):
    a, b = two_rigs
    out = tmp_path / "all.sqlite"
    res = ntnstack("results", "merge", str(out), str(a), str(b / "results.sqlite"))
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{out}: 2 run(s) added, 0 replaced, 0 already there " \
                         "(from 2 journal(s))\n"
    for src, run_id in ((a, "run-a"), (b, "run-b")):
        for table in TABLES:
            assert rows(out, table, run_id) == rows(src / "results.sqlite", table, run_id)
        assert read_run(out, run_id) == read_run(src)
    db = sqlite3.connect(out)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    before = counts(out)
    assert before["runs"] == 2 and before["events"] == 2 * counts(a / "results.sqlite")["events"]

    again = ntnstack("results", "merge", str(out), str(a), str(b), "--json")
    assert again.returncode == 0
    assert again.stdout.strip() == ('{"added": [], "replaced": [], '
                                    '"skipped": ["run-a", "run-b"]}')
    assert counts(out) == before


def test_a_bad_source_is_named_and_nothing_is_written(tmp_path, two_rigs):
    a, b = two_rigs
    out = tmp_path / "merged"
    assert ntnstack("results", "merge", str(out), str(a)).returncode == 0
    before = counts(out / "results.sqlite")
    noise = tmp_path / "noise.sqlite"
    noise.write_bytes(os.urandom(4096))
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    for bad, why in ((noise, "not a readable ntnstack journal (file is not a database)"),
                     (empty, "not an ntnstack journal (no table runs)"),
                     (tmp_path / "nowhere", "no results.sqlite here")):
        res = ntnstack("results", "merge", str(out), str(b), str(bad))
        assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
        assert res.stderr.startswith(f"ntnstack results: error: {bad}: {why}"), res.stderr
        assert counts(out / "results.sqlite") == before      # run-b not merged either
    into_noise = ntnstack("results", "merge", str(noise), str(b))
    assert into_noise.returncode == 2 and into_noise.stderr.startswith(
        f"ntnstack results: error: {noise}: not an ntnstack journal (file is not a database)")
    itself = ntnstack("results", "merge", str(out), str(b), str(out / "results.sqlite"))
    assert itself.returncode == 2
    assert itself.stderr == (f"ntnstack results: error: {out / 'results.sqlite'}: is the "
                             f"output journal {out / 'results.sqlite'} itself\n")


def test_a_conflicting_run_is_refused(tmp_path, two_rigs):
    a, _ = two_rigs
    out = tmp_path / "all.sqlite"
    assert ntnstack("results", "merge", str(out), str(a)).returncode == 0
    other = journal_of(tmp_path / "x", "run-a", "farm@rig-c", "lab-3", data_status="failed")
    db = sqlite3.connect(other / "results.sqlite")
    with db:
        db.execute("UPDATE runs SET status='failed'")
    db.close()
    res = ntnstack("results", "merge", str(out), str(other))
    assert res.returncode == 2
    assert res.stderr == (f"ntnstack results: error: {other}: run run-a differs from the one "
                          "already in the output (status error there, failed here)\n")


def test_killed_runs_are_merged_interrupted_and_live_ones_refused(tmp_path, two_rigs):
    a, _ = two_rigs
    db = sqlite3.connect(a / "results.sqlite")
    with db:
        db.execute("UPDATE runs SET status='running'")   # as a killed run leaves it
    db.close()
    out = tmp_path / "all.sqlite"
    lock = os.open(live_path(a / "results.sqlite"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_SH)                      # a writer still at work
    try:
        res = ntnstack("results", "merge", str(out), str(a))
        assert res.returncode == 2
        assert res.stderr.endswith(f"{a}: run run-a is still being written; merge after it "
                                   "ends\n")
    finally:
        os.close(lock)
    assert ntnstack("results", "merge", str(out), str(a)).returncode == 0
    assert read_run(out, "run-a")["run"]["status"] == "interrupted"


def test_parallel_merges_into_one_journal(tmp_path):
    """As pytest-xdist workers do with --ntn-journal: 4 processes merge at once."""
    sources = [journal_of(tmp_path, f"run-{i}", f"farm@rig-{i}", "lab") for i in range(4)]
    out = tmp_path / "all.sqlite"
    exe = ntnstack("--version").args[0]
    procs = [subprocess.Popen([exe, "results", "merge", str(out), str(s)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in sources]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert counts(out)["runs"] == 4
    assert counts(out)["steps"] == 4 * counts(sources[0] / "results.sqlite")["steps"]


def test_diff_across_rigs_of_a_merged_journal(tmp_path, two_rigs):
    a, b = two_rigs
    out = tmp_path / "all.sqlite"
    assert ntnstack("results", "merge", str(out), str(a), str(b)).returncode == 0
    res = ntnstack("results", "diff", "run-a", "run-b", "--journal", str(out))
    assert res.returncode == 1        # run-b's attach took 240 s against 180 s
    lines = res.stdout.splitlines()
    assert lines[0] == "run A run-a (farm@rig-a on lab-1) error"
    assert lines[1].startswith("run B run-b (farm@rig-b on lab-2) error ")
    assert lines[-1] == "2 regression(s)"
    listed = ntnstack("results", "list", str(out)).stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["run-a", "run-b"]
    assert listed[1].endswith("(farm@rig-b on lab-2)")

"""Merge run journals (results.sqlite of several rigs, CI jobs or pytest-xdist workers) into
one: every run with its steps, expectations, events and link samples, in one transaction.

- Every source is checked first (a file that is not a journal of this version is named, and
  nothing is written); then all runs go in one transaction, so a merge adds all or nothing.
- Idempotent: a run already in the output (same run id, status and row counts) is skipped;
  a run the output holds unfinished (running or interrupted) is replaced by a finished copy;
  a run that differs otherwise is a conflict (named, nothing written).
- A run still being written in a source (its writer holds the live lock) is refused; a run
  killed mid-way is merged with the status ``interrupted``.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.runner.journal import SCHEMA, resolve, writer_live

TABLES = ("runs", "steps", "expectations", "events", "samples")
BUSY_S = 60.0
"""Real seconds a merge waits for another writer of the output (e.g. another xdist worker)."""
UNFINISHED = ("running", "interrupted")


@dataclass
class MergeResult:
    """What a merge did, by run id."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # already in the output, identical


def columns() -> dict[str, list[str]]:
    """Each journal table's columns, in order (from journal.SCHEMA)."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    finally:
        db.close()


def output_path(out: str | Path) -> Path:
    """OUT as given: a ``.sqlite`` file, else a directory (created) holding results.sqlite."""
    path = Path(out)
    if path.suffix == ".sqlite" or path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    path.mkdir(parents=True, exist_ok=True)
    return path / "results.sqlite"


def _open_source(src: str | Path, cols: dict[str, list[str]]) -> sqlite3.Connection:
    path = resolve(src)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table, wanted in cols.items():
            have = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            if not have:
                raise InputError(f"{src}: not an ntnstack journal (no table {table})")
            missing = [c for c in wanted if c not in have]
            if missing:
                raise InputError(f"{src}: table {table} lacks {', '.join(missing)} (a journal "
                                 f"of another ntnstack version?)")
        live = [r[0] for r in db.execute("SELECT run_id FROM runs WHERE status='running'")]
        if live and writer_live(path):
            raise InputError(f"{src}: run {live[0]} is still being written; merge after it "
                             f"ends")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InputError(f"{src}: not a readable ntnstack journal ({exc})") from None
    except InputError:
        db.close()
        raise
    return db


def _fingerprint(db: sqlite3.Connection, run_id: str) -> tuple:
    """(status or None when absent, row counts of steps, expectations, events, samples)."""
    status = db.execute("SELECT status FROM runs WHERE run_id=?", (run_id,)).fetchone()
    counts = tuple(db.execute(f"SELECT count(*) FROM {t} WHERE run_id=?",
                              (run_id,)).fetchone()[0] for t in TABLES[1:])
    return (status[0] if status else None, *counts)


def merge(out: str | Path, sources: list[str | Path]) -> MergeResult:
    """Merge the journals ``sources`` (output directories or results.sqlite files) into
    ``out``; InputError (naming the file) when a source is bad or a run conflicts."""
    cols = columns()
    target = output_path(out)
    opened = [(src, _open_source(src, cols)) for src in sources]
    try:
        for src, _ in opened:
            if resolve(src).resolve() == target.resolve():
                raise InputError(f"{src}: is the output journal {target} itself")
        return _merge_into(target, opened, cols)
    finally:
        for _, db in opened:
            db.close()


def _merge_into(target: Path, opened: list, cols: dict[str, list[str]]) -> MergeResult:
    db = sqlite3.connect(target, isolation_level=None, timeout=BUSY_S)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InputError(f"{target}: not an ntnstack journal ({exc})") from None
    result = MergeResult()
    try:
        db.execute("BEGIN IMMEDIATE")
        for src, source in opened:
            for (run_id,) in source.execute("SELECT run_id FROM runs ORDER BY rowid").fetchall():
                _merge_run(db, source, src, run_id, cols, result)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return result


def _merge_run(db: sqlite3.Connection, source: sqlite3.Connection, src: str | Path,
               run_id: str, cols: dict[str, list[str]], result: MergeResult) -> None:
    mine = _fingerprint(db, run_id)
    theirs = _fingerprint(source, run_id)
    if theirs[0] == "running":   # no live writer (checked): killed mid-way
        theirs = ("interrupted", *theirs[1:])
    if mine[0] is not None:
        if mine == theirs or (theirs[0] in UNFINISHED and mine[0] not in UNFINISHED):
            result.skipped.append(run_id)
            return
        if mine[0] not in UNFINISHED:
            raise InputError(f"{src}: run {run_id} differs from the one already in the "
                             f"output (status {mine[0]} there, {theirs[0]} here)")
        for table in TABLES:
            db.execute(f"DELETE FROM {table} WHERE run_id=?", (run_id,))
        result.replaced.append(run_id)
    else:
        result.added.append(run_id)
    for table, names in cols.items():
        listed = ", ".join(names)
        rows = source.execute(f"SELECT {listed} FROM {table} WHERE run_id=? ORDER BY rowid",
                              (run_id,))
        db.executemany(f"INSERT INTO {table} ({listed}) VALUES "
                       f"({', '.join('?' * len(names))})", rows)
    if theirs[0] == "interrupted":
        db.execute("UPDATE runs SET status='interrupted' WHERE run_id=? AND status='running'",
                   (run_id,))

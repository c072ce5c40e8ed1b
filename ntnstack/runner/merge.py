"""Merge run journals (results.sqlite of several rigs, CI jobs or pytest-xdist workers) into
one: every run with its steps, expectations, events, link samples, pushes into lab
equipment and requirement verdicts (certify), in one transaction.

- Every source is checked first (a file that is not a journal of this version is named, and
  nothing is written); then all runs go in one transaction, so a merge adds all or nothing.
- Idempotent: a run already in the output (same run id, status and row counts) is skipped;
  a run the output holds unfinished (running or interrupted) is replaced by a finished copy,
  and so is one it holds without the requirement verdicts the source has (merged by a version
  before them: the source's status is the judged one); a run that differs otherwise is a
  conflict (named, nothing written).
- A run still being written in a source (its writer holds the live lock) is refused; a run
  killed mid-way is merged with the status ``interrupted``.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.runner.journal import (check_journal, create_schema, resolve, schema_columns,
                                     schema_problem, writer_live)

TABLES = ("runs", "steps", "expectations", "events", "samples", "pushes", "requirements")
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
    """Each merged table's columns, in order (from journal.SCHEMA)."""
    return {t: cols for t, cols in schema_columns().items() if t in TABLES}


def output_path(out: str | Path) -> Path:
    """OUT as given: a ``.sqlite`` file, else a directory (created) holding results.sqlite;
    InputError (one line naming OUT) when its folder cannot be made."""
    path = Path(out)
    target = path if path.suffix == ".sqlite" or path.is_file() else path / "results.sqlite"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        there = next((p for p in target.parents if p.exists()), None)
        why = (f"{there} is not a directory" if there is not None and not there.is_dir()
               else exc.strerror or str(exc))
        raise InputError(f"OUT {out}: cannot write ({why})") from None
    return target


def _open_source(src: str | Path, cols: dict[str, list[str]]) -> sqlite3.Connection:
    path = resolve(src)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problem = schema_problem(db, empty_ok=False)
        if problem:
            raise InputError(f"{src}: {problem}")
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


def fingerprints(db: sqlite3.Connection) -> dict[str, tuple]:
    """run id -> (status, row counts of the other TABLES); one pass per table, so a merge
    stays linear in the rows of the journals."""
    out = {run_id: [status] + [0] * (len(TABLES) - 1) for run_id, status in
           db.execute("SELECT run_id, status FROM runs")}
    for i, table in enumerate(TABLES[1:], start=1):
        if not _has(db, table):
            continue
        for run_id, n in db.execute(f"SELECT run_id, count(*) FROM {table} GROUP BY run_id"):
            if run_id in out:
                out[run_id][i] = n
    return {run_id: tuple(f) for run_id, f in out.items()}


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
    check_journal(target)
    try:   # e.g. on a kernel file system (/proc, /sys) or in a folder not writable
        db = sqlite3.connect(target, isolation_level=None, timeout=BUSY_S)
    except sqlite3.Error as exc:
        raise InputError(f"OUT {target}: cannot write ({exc})") from None
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        create_schema(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InputError(f"OUT {target}: cannot write ({exc})") from None
    result = MergeResult()
    try:
        db.execute("BEGIN IMMEDIATE")
        for src, source in opened:
            _merge_source(db, source, src, cols, result)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return result


def _merge_source(db: sqlite3.Connection, source: sqlite3.Connection, src: str | Path,
                  cols: dict[str, list[str]], result: MergeResult) -> None:
    """Every run of one source into ``db`` (inside the merge's transaction)."""
    mine, copy, killed = fingerprints(db), set(), []
    for run_id, theirs in fingerprints(source).items():
        if theirs[0] == "running":   # no live writer (checked): killed mid-way
            theirs = ("interrupted", *theirs[1:])
            killed.append(run_id)
        there = mine.get(run_id)
        if there is None:
            result.added.append(run_id)
        elif there == theirs or (theirs[0] in UNFINISHED and there[0] not in UNFINISHED):
            result.skipped.append(run_id)
            continue
        elif there[0] not in UNFINISHED and not _gains_verdicts(there, theirs):
            raise InputError(f"{src}: run {run_id} differs from the one already in the "
                             f"output (status {there[0]} there, {theirs[0]} here)")
        else:
            for table in TABLES:
                db.execute(f"DELETE FROM {table} WHERE run_id=?", (run_id,))
            result.replaced.append(run_id)
        copy.add(run_id)
    for table, names in cols.items():
        if not _has(source, table):
            continue
        listed, at = ", ".join(names), names.index("run_id")
        rows = source.execute(f"SELECT {listed} FROM {table} ORDER BY rowid")
        db.executemany(f"INSERT INTO {table} ({listed}) VALUES "
                       f"({', '.join('?' * len(names))})", (r for r in rows if r[at] in copy))
    db.executemany("UPDATE runs SET status='interrupted' WHERE run_id=? AND status='running'",
                   [(run_id,) for run_id in killed if run_id in copy])


def _gains_verdicts(there: tuple, theirs: tuple) -> bool:
    """True when the source's run is the output's plus the requirement verdicts (the last of
    TABLES) that an older merge did not copy: the same rows otherwise."""
    return there[-1] == 0 < theirs[-1] and there[1:-1] == theirs[1:-1]


def _has(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                      (table,)).fetchone() is not None

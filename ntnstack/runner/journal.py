"""The results journal (results.sqlite): runs, steps, expectations, events, link samples,
what was pushed into lab equipment (base stations following the emulated satellite) and the
requirement verdicts of a certification (ntnstack.certification: verdict, explanation and each
pass criterion with its measured value and limit, as JSON).

Tables added after the first version (``pushes``, ``requirements``) are optional: a journal
written before them opens, reads as having none, and gains them (empty) when written again.

Each step is committed as it finishes, in WAL mode with full sync, so a run killed at any
moment (SIGKILL, power cut of the process) keeps every step finished before. A run that never
finished keeps the status ``running`` in the file; readers report it as ``interrupted`` unless
a writer is still live: every writer holds a shared flock(2) on ``results.sqlite-live`` while
its run lasts (a lock the kernel drops with the process, however it ends). A scenario run
holds it exclusively (hold_live), from before it touches its output folder: a second run into
the same folder is refused while the first lasts, so one folder never mixes two runs' evidence.
"""
from __future__ import annotations

import fcntl
import functools
import json
import math
import os
import sqlite3
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from ntnstack.errors import InputError
from ntnstack.runner.records import Event, Push, RunInfo, Sample, StepResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, files TEXT NOT NULL, testbed TEXT NOT NULL,
    clock TEXT NOT NULL, start_unix_s REAL NOT NULL, started_at TEXT NOT NULL, host TEXT,
    status TEXT NOT NULL, finished_at TEXT, wall_s REAL, emulated_s REAL);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL, idx INTEGER NOT NULL, terminal TEXT NOT NULL, action TEXT NOT NULL,
    family TEXT NOT NULL, started_s REAL NOT NULL, ended_s REAL NOT NULL, wall_s REAL NOT NULL,
    status TEXT NOT NULL, message TEXT NOT NULL, params TEXT NOT NULL, observed TEXT NOT NULL,
    PRIMARY KEY (run_id, idx));
CREATE TABLE IF NOT EXISTS expectations (
    run_id TEXT NOT NULL, step_idx INTEGER NOT NULL, name TEXT NOT NULL, expected TEXT,
    observed TEXT, passed INTEGER NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (run_id, step_idx, name));
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, step_idx INTEGER, t_s REAL NOT NULL, terminal TEXT NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL, terminal TEXT NOT NULL, t_s REAL NOT NULL, elevation_deg REAL,
    delay_ms REAL, doppler_hz REAL, ta_us REAL, signal_dbm REAL, visible INTEGER);
CREATE TABLE IF NOT EXISTS pushes (
    run_id TEXT NOT NULL, t_s REAL NOT NULL, equipment TEXT NOT NULL, cell TEXT NOT NULL,
    action TEXT NOT NULL, request TEXT NOT NULL, reply TEXT NOT NULL, ok INTEGER NOT NULL,
    terminals TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requirements (
    run_id TEXT NOT NULL, requirement TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
    verdict TEXT NOT NULL, explanation TEXT NOT NULL, criteria TEXT NOT NULL, network TEXT,
    PRIMARY KEY (run_id, requirement));
"""


REQUIRED = ("runs", "steps", "expectations", "events", "samples")
"""Tables every ntnstack journal has; the others of SCHEMA came later (added on opening)."""


def create_schema(db: sqlite3.Connection) -> None:
    """SCHEMA's missing tables in one transaction: a process checking the file meanwhile
    (check_journal: parallel merges, a second run) sees all of them or none."""
    db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")


@functools.cache
def schema_columns() -> dict[str, list[str]]:
    """Each table of SCHEMA with its columns, in order (worked out once: SCHEMA is fixed;
    callers only read it)."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "ORDER BY rowid")]
        return {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        db.close()


def schema_problem(db: sqlite3.Connection, empty_ok: bool) -> str | None:
    """Why ``db`` is not an ntnstack journal (None when it is one, or, with ``empty_ok``,
    when it holds no table at all: a new file). Only reads."""
    tables = db.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone()
    if empty_ok and tables is None:
        return None
    for table, wanted in schema_columns().items():
        have = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        if not have and table in REQUIRED:
            return f"not an ntnstack journal (no table {table})"
        missing = [c for c in wanted if have and c not in have]
        if missing:
            return (f"table {table} lacks {', '.join(missing)} (a journal of another ntnstack "
                    f"version?)")
    return None


def check_journal(path: Path) -> None:
    """InputError naming ``path`` unless it is absent, empty of tables or an ntnstack journal
    (read only: a refused file is left as it was)."""
    if not path.exists():
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    try:
        problem = schema_problem(db, empty_ok=True)
    except sqlite3.DatabaseError as exc:
        problem = f"not an ntnstack journal ({exc})"
    finally:
        db.close()
    if problem:
        raise InputError(f"{path}: {problem}; move it away or give another output")


def _json(value: Any) -> str:
    """Strict JSON (RFC 8259): a NaN or infinity anywhere is stored as null."""
    return json.dumps(_finite(value), default=_jsonable, sort_keys=True, allow_nan=False)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (in dataclasses, dicts, lists) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    return str(value)


def _num(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


class Journal:
    """Writes one run into a results.sqlite (several runs may share a file)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        check_journal(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            create_schema(self.db)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise InputError(f"{self.path}: not an ntnstack journal ({exc}); move it away or "
                             f"give another --out") from None
        self.run_id = ""
        self._live: int | None = None

    def start(self, info: RunInfo, live: int | None = None) -> None:
        """Journal the run ``info`` as running; ``live``: the live lock's descriptor if the
        caller holds it already (hold_live), else a shared lock is taken. Closed by close."""
        self.run_id = info.run_id
        self._live = hold_live(self.path, exclusive=False) if live is None else live
        with self._tx():
            self.db.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
                info.run_id, info.scenario, _json(info.files), info.testbed, info.clock,
                info.start_unix_s, info.started_at, info.host, info.status, None, None, None))

    def samples(self, samples: list[Sample], commit: bool = True) -> None:
        """Link samples (written with the step during which emulated time reached them)."""
        rows = [(self.run_id, s.terminal, s.t_s, _num(s.elevation_deg), _num(s.delay_ms),
                 _num(s.doppler_hz), _num(s.ta_us), _num(s.signal_dbm), int(s.visible))
                for s in samples]
        if commit:
            with self._tx():
                self.db.executemany("INSERT INTO samples VALUES (?,?,?,?,?,?,?,?,?)", rows)
        else:
            self.db.executemany("INSERT INTO samples VALUES (?,?,?,?,?,?,?,?,?)", rows)

    def step(self, r: StepResult, samples: list[Sample] = ()) -> None:
        """One finished step with its expectations, events and the link samples of its time
        span, in one transaction."""
        with self._tx():
            self.samples(list(samples), commit=False)
            self.db.execute("INSERT OR REPLACE INTO steps VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
                self.run_id, r.index, r.terminal, r.action, r.family, r.started_s, r.ended_s,
                r.wall_s, r.status, r.message, _json(r.params), _json(r.observed)))
            self.db.executemany("INSERT OR REPLACE INTO expectations VALUES (?,?,?,?,?,?,?)", [
                (self.run_id, r.index, c.name, _json(c.expected), _json(c.observed),
                 int(c.passed), c.message) for c in r.checks])
            self.events(r.events, r.index, commit=False)

    def events(self, events: list[Event], step_idx: int | None = None,
               commit: bool = True) -> None:
        rows = [(self.run_id, step_idx, e.t_s, e.terminal, e.kind, e.text) for e in events]
        if commit:
            with self._tx():
                self.db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)
        else:
            self.db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)

    def pushes(self, pushes: list[Push]) -> None:
        """What was pushed into lab equipment (ntnstack.live.ran), in one transaction."""
        if pushes:
            with self._tx():
                self.db.executemany("INSERT INTO pushes VALUES (?,?,?,?,?,?,?,?,?)", [
                    (self.run_id, p.t_s, p.equipment, p.cell, p.action, p.request, p.reply,
                     int(p.ok), _json(list(p.terminals))) for p in pushes])

    def requirements(self, run_id: str, verdicts: list[dict[str, Any]], status: str) -> None:
        """A certification's judgement of run ``run_id``, in one transaction: its requirement
        verdicts (dicts with id, title, source, verdict, explanation, criteria: [{text,
        passed, measured, limit}], network: None or {check, verdict, explanation, ...}) and
        the run's status as judged from them."""
        with self._tx():
            self._insert_requirements(run_id, verdicts)
            self.db.execute("UPDATE runs SET status=? WHERE run_id=?", (status, run_id))

    def _insert_requirements(self, run_id: str, verdicts: list[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO requirements VALUES (?,?,?,?,?,?,?,?)",
            [(run_id, v["id"], v["title"], v["source"], v["verdict"], v["explanation"],
              _json(v.get("criteria") or []),
              None if v.get("network") is None else _json(v["network"]))
             for v in verdicts])

    def finish(self, info: RunInfo,
               judged: tuple[list[dict[str, Any]], str] | None = None) -> None:
        """The run's end: its status, times and, for a certification, ``judged`` (the
        requirement verdicts as ``requirements`` takes them, and the run's status as judged
        from them) in the same transaction: no run is journaled finished without them."""
        status = info.status
        with self._tx():
            if judged is not None:
                verdicts, status = judged
                self._insert_requirements(info.run_id, verdicts)
            self.db.execute("UPDATE runs SET status=?, finished_at=?, wall_s=?, emulated_s=? "
                            "WHERE run_id=?", (status, info.finished_at, info.wall_s,
                                               info.emulated_s, info.run_id))

    def close(self) -> None:
        self.db.close()
        if self._live is not None:
            os.close(self._live)   # drops the flock: the run is over
            self._live = None

    def _tx(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


# ---------------------------------------------------------------------- reading
def live_path(journal: Path) -> Path:
    """The lock file whose shared flock marks a live writer of ``journal``."""
    return journal.with_name(journal.name + "-live")


def hold_live(journal: Path, exclusive: bool) -> int:
    """A descriptor holding ``journal``'s live lock (close it to let go): shared (several
    writers may share a journal), or ``exclusive``: refused at once (InputError) while any
    other writer holds it."""
    fd = os.open(live_path(journal), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        os.close(fd)
        raise InputError(f"{journal.parent}: another run is writing into this folder (it holds "
                         f"{live_path(journal).name}); wait for it to end or give another "
                         f"--out") from None
    return fd


def writer_live(journal: Path) -> bool:
    """True while some process writes a run into ``journal`` (holds its live lock)."""
    try:
        fd = os.open(live_path(journal), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def live_status(status: str, journal: Path) -> str:
    """A run's status as recorded, except ``running`` with no live writer: ``interrupted``
    (killed; nothing holds the journal's live lock)."""
    return "interrupted" if status == "running" and not writer_live(journal) else status


def resolve(run: str | Path) -> Path:
    """An output directory or a results.sqlite -> the sqlite path (InputError if neither)."""
    path = Path(run)
    if path.is_dir():
        path = path / "results.sqlite"
    if not path.is_file():
        raise InputError(f"{run}: no results.sqlite here (give a run's output directory "
                         f"or its results.sqlite)")
    return path


def read_run(run: str | Path, run_id: str | None = None) -> dict[str, Any]:
    """The last (or the named) run of a journal as plain data: ``run``, ``steps`` (each with
    its ``checks``), ``events``, ``samples``, ``pushes`` (what went into lab equipment),
    ``requirements`` (a certification's verdicts, in profile order; none for other runs)."""
    path = resolve(run)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return _read(db, run_id, path)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a readable ntnstack journal ({exc})") from None
    finally:
        db.close()


def _read(db: sqlite3.Connection, run_id: str | None, path: Path) -> dict[str, Any]:
    if run_id is None:
        row = db.execute("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
                         ).fetchone()
    else:
        row = db.execute("SELECT * FROM runs WHERE run_id=?", (run_id,)).fetchone()
    if row is None:
        raise InputError(f"{path}: no run {run_id or ''} recorded".replace("  ", " "))
    run = dict(row)
    run["files"] = json.loads(run["files"])
    run["status"] = live_status(run["status"], path)
    rid = run["run_id"]
    steps = [dict(r) for r in db.execute("SELECT * FROM steps WHERE run_id=? ORDER BY idx",
                                         (rid,))]
    checks: dict[int, list[dict]] = {}
    for r in db.execute("SELECT * FROM expectations WHERE run_id=? ORDER BY rowid", (rid,)):
        c = dict(r)
        c["expected"], c["observed"] = json.loads(c["expected"]), json.loads(c["observed"])
        c["passed"] = bool(c["passed"])
        checks.setdefault(c["step_idx"], []).append(c)
    for s in steps:
        s["params"], s["observed"] = json.loads(s["params"]), json.loads(s["observed"])
        s["checks"] = checks.get(s["idx"], [])
    events = [dict(r) for r in db.execute("SELECT * FROM events WHERE run_id=? ORDER BY t_s, "
                                          "rowid", (rid,))]
    samples = [dict(r) for r in db.execute("SELECT * FROM samples WHERE run_id=? ORDER BY "
                                           "terminal, t_s", (rid,))]
    return {"run": run, "steps": steps, "events": events, "samples": samples,
            "pushes": _pushes(db, rid), "requirements": _requirements(db, rid)}


def _pushes(db: sqlite3.Connection, run_id: str) -> list[dict[str, Any]]:
    """The run's pushes into lab equipment (none in a journal older than that table)."""
    try:
        rows = db.execute("SELECT * FROM pushes WHERE run_id=? ORDER BY t_s, rowid",
                          (run_id,)).fetchall()
    except sqlite3.OperationalError:   # written before pushes were journaled
        return []
    return [{**dict(r), "ok": bool(r["ok"]), "terminals": json.loads(r["terminals"])}
            for r in rows]


def _requirements(db: sqlite3.Connection, run_id: str) -> list[dict[str, Any]]:
    """The run's requirement verdicts (none in a journal older than that table)."""
    try:
        rows = db.execute("SELECT * FROM requirements WHERE run_id=? ORDER BY rowid",
                          (run_id,)).fetchall()
    except sqlite3.OperationalError:   # written before requirement verdicts were journaled
        return []
    return [{**dict(r), "criteria": json.loads(r["criteria"]),
             "network": None if r["network"] is None else json.loads(r["network"])}
            for r in rows]


def list_runs(journal: str | Path) -> list[dict[str, Any]]:
    """Every run of a journal, oldest first: run_id, scenario, status, started_at, testbed
    (NAME@PLACE on labgrid places) and host."""
    path = resolve(journal)
    keys = ("run_id", "scenario", "status", "started_at", "testbed", "host")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(f"SELECT {', '.join(keys)} FROM runs "
                          "ORDER BY started_at, rowid").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a readable ntnstack journal ({exc})") from None
    finally:
        db.close()
    runs = [dict(zip(keys, r, strict=True)) for r in rows]
    for run in runs:
        run["status"] = live_status(run["status"], path)
    return runs

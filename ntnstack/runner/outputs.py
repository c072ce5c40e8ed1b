"""The files of a run's output folder. The journal (results.sqlite) keeps every run; every
other file is the evidence of one run, and a new run removes the previous run's first, so a
rerun into the same folder never leaves another scenario's serial logs or captures beside
its own.

Only what an ntnstack run wrote is removed: before its first write, a run lists the files it
may write (relative paths, one a line) in ``ntnstack-evidence.txt``, and the next run removes
exactly those (in a folder without that list, those of the journal's last run's terminals).
A file already at one of the run's names and not listed there (the user's) is refused before
anything is written; nothing else in the folder is touched.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ntnstack.errors import InputError

MANIFEST = "ntnstack-evidence.txt"
"""The list of the files the last run in the folder may have written."""
HEADER = "# files an ntnstack run wrote here; the next run into this folder removes them"
RUN_FILES = ("junit.xml", "report.html", "timeline.json", "capture.pcap",
             "capture-frames.json", "certification.json", "certification.md")
"""Files of one run's evidence (certification.*: ``ntnstack certify``)."""
TERMINAL_FILES = ("serial/{}.rawlog", "stack-{}.pcap", "capture-{}.pcap")
"""Files of one terminal's evidence (serial log: every byte at its port; its stack's
capture, renamed capture-TERMINAL.pcap when the run ends)."""


def evidence_names(terminals: Iterable[str]) -> list[str]:
    """The files (relative to the output folder) a run with ``terminals`` may write."""
    return [*RUN_FILES, *(f.format(t) for t in terminals for f in TERMINAL_FILES)]


def previous_evidence(out: Path) -> list[str]:
    """The files the last run in ``out`` listed (none without a manifest); InputError when
    ``ntnstack-evidence.txt`` is there but not written by ntnstack."""
    path = out / MANIFEST
    if not path.exists():
        return _unlisted_run(out)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc}); move it away or give another "
                         f"--out") from None
    if not lines or lines[0] != HEADER:
        raise InputError(f"{path}: not written by ntnstack; move it away or give another "
                         f"--out")
    return [line for line in lines[1:] if line and _inside(line)]


def _unlisted_run(out: Path) -> list[str]:
    """The names the last run of ``out``'s journal may have written, for a folder written
    before runs kept ``ntnstack-evidence.txt``: the run's files and those of the terminals
    its steps and link samples name (none without a journal)."""
    journal = out / "results.sqlite"
    if not journal.is_file():
        return []
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        last = db.execute("SELECT run_id FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
        if last is None:
            return []
        terminals = [r[0] for r in db.execute(
            "SELECT terminal FROM steps WHERE run_id=? UNION "
            "SELECT terminal FROM samples WHERE run_id=? ORDER BY 1", (last[0], last[0]))]
    except sqlite3.DatabaseError:   # not a journal: refused by its check, nothing listed
        return []
    finally:
        db.close()
    return evidence_names(terminals)


def _inside(name: str) -> bool:
    """True for a plain relative path (a manifest never names a file outside its folder)."""
    return not Path(name).is_absolute() and ".." not in Path(name).parts


def _foreign(out: Path, names: list[str], previous: set[str]) -> str | None:
    """The first path where the run would write over something a run did not write."""
    for name in names:
        path = out / name
        for parent in reversed(path.relative_to(out).parents[:-1]):
            if (out / parent).exists() and not (out / parent).is_dir():
                return str(out / parent)
        if path.is_dir() or ((path.exists() or path.is_symlink()) and name not in previous):
            return str(path)
    return None


def prepare_evidence(out_dir: str | Path, terminals: Iterable[str]) -> None:
    """Make ``out_dir`` ready for a run with ``terminals``: refuse (InputError naming the
    file, nothing changed) a file at one of the run's names that no run listed, remove the
    previous run's evidence, list this run's names in the manifest. The journal stays."""
    out = Path(out_dir)
    names = evidence_names(terminals)
    previous = previous_evidence(out)
    clash = _foreign(out, [*names, MANIFEST], set(previous) | {MANIFEST})
    if clash is not None:
        raise InputError(f"{clash}: already there and not written by an ntnstack run "
                         f"(not in {MANIFEST}); move it away or give another --out")
    for name in previous:
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()
    (out / MANIFEST).write_text("\n".join([HEADER, *names]) + "\n", encoding="utf-8")

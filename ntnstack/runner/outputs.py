"""The files of a run's output folder. The journal (results.sqlite) keeps every run; every
other file is the evidence of one run, and a new run removes the previous run's first, so a
rerun into the same folder never leaves another scenario's serial logs or captures beside
its own.

Only what an ntnstack run wrote is removed: before its first write, a run lists the files it
may write (relative paths, one a line) in ``ntnstack-evidence.txt``; when it has written its
evidence it seals the list: only the files it wrote stay listed, each with its size, mtime
(ns) and inode. The next run removes exactly those (in a folder without the list, those of
the journal's last run's terminals), and of a sealed list only the files unchanged since: a
file the user put at one of the names afterwards (or wrote over) is the user's. A file
already at one of the run's names that is not the last run's (the user's) is refused before
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


Identity = tuple[int, int, int]
"""A file as a sealed manifest records it: (size in bytes, mtime in ns, inode)."""


def _identity(path: Path) -> Identity | None:
    """``path``'s identity if it is a regular file (not through a symlink), else None."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino) if path.is_file() and \
        not path.is_symlink() else None


def _parse_line(line: str) -> tuple[str, Identity | None]:
    name, *fields = line.split("\t")
    if len(fields) == 3 and all(f.isdigit() for f in fields):
        return name, (int(fields[0]), int(fields[1]), int(fields[2]))
    return line, None


def previous_evidence(out: Path) -> dict[str, Identity | None]:
    """The files the last run in ``out`` listed (none without a manifest), each with its
    identity when the list was sealed; InputError when ``ntnstack-evidence.txt`` is there
    but not written by ntnstack."""
    path = out / MANIFEST
    if not path.exists():
        return dict.fromkeys(_unlisted_run(out))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc}); move it away or give another "
                         f"--out") from None
    if not lines or lines[0] != HEADER:
        raise InputError(f"{path}: not written by ntnstack; move it away or give another "
                         f"--out")
    listed = (_parse_line(line) for line in lines[1:] if line)
    return {name: ident for name, ident in listed if _inside(name)}


def _ours(out: Path, name: str, previous: dict[str, Identity | None]) -> bool:
    """True when ``name`` is the last run's: listed, and unchanged if the list was sealed."""
    if name not in previous:
        return False
    return previous[name] is None or _identity(out / name) == previous[name]


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


def _foreign(out: Path, names: list[str], previous: dict[str, Identity | None]) -> str | None:
    """The first path where the run would write over something a run did not write."""
    for name in names:
        path = out / name
        for parent in reversed(path.relative_to(out).parents[:-1]):
            if (out / parent).exists() and not (out / parent).is_dir():
                return str(out / parent)
        if path.is_dir() or ((path.exists() or path.is_symlink())
                             and not _ours(out, name, previous)):
            return str(path)
    return None


def prepare_evidence(out_dir: str | Path, terminals: Iterable[str]) -> None:
    """Make ``out_dir`` ready for a run with ``terminals``: refuse (InputError naming the
    file, nothing changed) a file at one of the run's names that no run listed, remove the
    previous run's evidence, list this run's names in the manifest. The journal stays."""
    out = Path(out_dir)
    names = evidence_names(terminals)
    previous = previous_evidence(out)
    clash = _foreign(out, [*names, MANIFEST], {**previous, MANIFEST: None})
    if clash is not None:
        raise InputError(f"{clash}: already there and not written by an ntnstack run "
                         f"(not in {MANIFEST}, or changed since); move it away or give "
                         f"another --out")
    for name in previous:
        path = out / name
        if (path.is_file() or path.is_symlink()) and _ours(out, name, previous):
            path.unlink()
    (out / MANIFEST).write_text("\n".join([HEADER, *names]) + "\n", encoding="utf-8")


def seal_evidence(out_dir: str | Path, also: Iterable[str] = ()) -> None:
    """Rewrite ``out_dir``'s manifest once the run's evidence is written: the listed files
    and ``also`` (written after an earlier seal) that exist, each with its identity (size,
    mtime, inode); names never written go."""
    out = Path(out_dir)
    lines = [HEADER]
    for name in dict.fromkeys([*previous_evidence(out), *also]):
        ident = _identity(out / name)
        if ident is not None:
            lines.append("\t".join([name, *map(str, ident)]))
    (out / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")

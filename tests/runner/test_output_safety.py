"""An output folder keeps what ntnstack did not write there: a run removes only the files its
previous run listed in ntnstack-evidence.txt, refuses a file of the user's at one of its own
names, and ``run --out`` / ``results merge OUT`` refuse a database that is not a journal and an
OUT they cannot write, in one line with exit status 2."""
from __future__ import annotations

import os
import sqlite3

import pytest

from ntnstack.cli import main
from ntnstack.errors import InputError
from ntnstack.runner.journal import Journal, hold_live
from ntnstack.runner.outputs import HEADER, MANIFEST, prepare_evidence
from ntnstack.runner.records import RunInfo
from tests.runner.conftest import SCENARIOS, write_journal

WAITS = str(SCENARIOS / "waits.yaml")   # one terminal ``ue``, no module: a run of seconds


def _user_files(out):
    (out / "serial").mkdir(parents=True)
    mine = {out / "serial" / "mynotes.txt": b"notes\n", out / "capture-mine.pcap": b"mine\n",
            out / "important.txt": b"keep\n"}
    for path, data in mine.items():
        path.write_bytes(data)
    return mine


def test_run_keeps_the_users_files_in_serial_and_captures(tmp_path):
    out = tmp_path / "o3"
    mine = _user_files(out)
    for _ in range(2):   # the second run removes the first's evidence, not the user's files
        assert main(["run", "-q", WAITS, "--out", str(out)]) == 0
        assert {p: p.read_bytes() for p in mine} == mine
    listed = [line.split("\t")[0] for line in (out / MANIFEST).read_text().splitlines()]
    assert listed[0] == HEADER and "junit.xml" in listed and "report.html" in listed


def test_previous_evidence_goes_and_the_users_stays(tmp_path):
    mine = _user_files(tmp_path)
    (tmp_path / "serial" / "old.rawlog").write_bytes(b"log")
    (tmp_path / "stack-old.pcap").write_bytes(b"pcap")
    (tmp_path / MANIFEST).write_text(f"{HEADER}\nserial/old.rawlog\nstack-old.pcap\n")
    prepare_evidence(tmp_path, ["ue"])
    assert not (tmp_path / "serial" / "old.rawlog").exists()
    assert not (tmp_path / "stack-old.pcap").exists()
    assert {p: p.read_bytes() for p in mine} == mine


def test_a_folder_without_a_manifest_loses_its_last_runs_files_only(tmp_path):
    write_journal(tmp_path)   # the last run's terminals: ue and tt
    mine = _user_files(tmp_path)
    old = [tmp_path / "serial" / "ue.rawlog", tmp_path / "serial" / "tt.rawlog",
           tmp_path / "capture-tt.pcap", tmp_path / "junit.xml"]
    for path in old:
        path.write_bytes(b"an earlier run's")
    prepare_evidence(tmp_path, ["ue"])
    assert [p for p in old if p.exists()] == []
    assert {p: p.read_bytes() for p in mine} == mine


def test_without_a_journal_or_manifest_nothing_is_removed(tmp_path):
    mine = _user_files(tmp_path)
    (tmp_path / "stack-tt.pcap").write_bytes(b"mine too")   # not one of this run's names
    prepare_evidence(tmp_path, ["ue"])
    assert (tmp_path / "stack-tt.pcap").read_bytes() == b"mine too"
    assert {p: p.read_bytes() for p in mine} == mine


def test_a_manifest_not_written_by_ntnstack_is_refused(tmp_path):
    (tmp_path / "junit.xml").write_text("mine")
    (tmp_path / MANIFEST).write_text("junit.xml\n")
    with pytest.raises(InputError, match=f"{MANIFEST}: not written by ntnstack"):
        prepare_evidence(tmp_path, ["ue"])
    assert (tmp_path / "junit.xml").read_text() == "mine"


@pytest.mark.parametrize("name", ["junit.xml", "serial/ue.rawlog", "serial"])
def test_a_users_file_at_a_run_name_is_refused_before_any_write(tmp_path, capsys, name):
    out = tmp_path / "o"
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(b"mine")
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out / name}: already there" in err
    assert (out / name).read_bytes() == b"mine"
    assert sorted(p.name for p in out.iterdir()) == [name.split("/")[0]]   # nothing written


def _foreign_db(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE foo (x)")
    db.execute("INSERT INTO foo VALUES (1)")
    db.commit()
    db.close()
    return path.read_bytes()


def test_run_refuses_a_foreign_sqlite_and_leaves_it(tmp_path, capsys):
    out = tmp_path / "o1"
    out.mkdir()
    before = _foreign_db(out / "results.sqlite")
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results.sqlite: not an ntnstack journal (no table runs)" in err
    assert (out / "results.sqlite").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["results.sqlite"]


def test_merge_refuses_a_foreign_sqlite_and_leaves_it(tmp_path, capsys):
    run = write_journal(tmp_path / "run")
    other = tmp_path / "other.sqlite"
    before = _foreign_db(other)
    assert main(["results", "merge", str(other), str(run)]) == 2
    err = capsys.readouterr().err
    assert err == (f"ntnstack results: error: {other}: not an ntnstack journal (no table "
                   f"runs); move it away or give another output\n")
    assert other.read_bytes() == before


def test_merge_into_an_empty_sqlite_is_fine(tmp_path, capsys):
    run = write_journal(tmp_path / "run")
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert main(["results", "merge", str(empty), str(run)]) == 0
    assert "1 run(s) added" in capsys.readouterr().out


@pytest.mark.parametrize("out, why", [
    ("/proc/x.sqlite", "/proc/x.sqlite: cannot write (unable to open database file)"),
    ("/sys/x.sqlite", "/sys/x.sqlite: cannot write (unable to open database file)"),
    ("file/x.sqlite", "{tmp}/file/x.sqlite: cannot write ({tmp}/file is not a directory)"),
    ("file/sub", "{tmp}/file/sub: cannot write ({tmp}/file is not a directory)"),
])
def test_merge_into_an_unwritable_out_is_one_line(tmp_path, capsys, out, why):
    run = write_journal(tmp_path / "run")
    (tmp_path / "file").write_text("a regular file")
    target = out if out.startswith("/") else str(tmp_path / out)
    assert main(["results", "merge", target, str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ntnstack results: error: OUT "), err
    assert why.format(tmp=tmp_path) in err
    assert (tmp_path / "file").read_text() == "a regular file"


def test_the_manifest_is_sealed_with_what_the_run_wrote(tmp_path):
    # after the run, only the files it wrote stay listed, each with size, mtime and inode
    # (ntnstack.runner.outputs.seal_evidence): a name it never wrote is the user's to take
    out = tmp_path / "o"
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 0
    listed = dict(line.split("\t", 1) for line in
                  (out / MANIFEST).read_text().splitlines()[1:])
    assert {"junit.xml", "report.html", "timeline.json", "capture.pcap"} <= set(listed)
    # waits.yaml's terminal has no module: no serial log, no capture of its own
    assert not {"certification.json", "serial/ue.rawlog", "stack-ue.pcap"} & set(listed)
    st = (out / "junit.xml").stat()
    assert listed["junit.xml"] == f"{st.st_size}\t{st.st_mtime_ns}\t{st.st_ino}"
    (out / "certification.json").write_text("the user's, put here after the run")
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 2   # refused, not removed
    assert (out / "certification.json").read_text() == "the user's, put here after the run"


def test_a_run_file_the_user_wrote_over_is_refused_not_removed(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 0
    (out / "report.html").write_text("my edited report")
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 2
    assert f"{out / 'report.html'}: already there" in capsys.readouterr().err
    assert (out / "report.html").read_text() == "my edited report"


def test_a_certification_reruns_into_its_own_folder(tmp_path):
    # certify writes certification.json / .md after the runner sealed: it seals them too
    from ntnstack.certification import certify, load_profile

    for _ in range(2):
        cert = certify(load_profile("ntn-3gpp"), tmp_path)
        assert cert.passed
    assert "certification.json\t" in (tmp_path / MANIFEST).read_text()


def test_a_second_run_into_a_folder_being_written_is_refused_and_writes_nothing(tmp_path,
                                                                                capsys):
    out = tmp_path / "o"
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    first = hold_live(out / "results.sqlite", exclusive=True)   # as a run lasting still does
    try:
        assert main(["run", "-q", WAITS, "--out", str(out)]) == 2
    finally:
        os.close(first)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another run is writing into this folder" in err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert main(["run", "-q", WAITS, "--out", str(out)]) == 0   # once the first has ended


def test_a_running_run_holds_its_folder_against_another(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    journal = Journal(out / "results.sqlite")
    journal.start(RunInfo.begin("s", [], "virtual", "virtual", 0.0),
                  hold_live(out / "results.sqlite", exclusive=True))
    try:
        with pytest.raises(InputError, match="another run is writing into this folder"):
            hold_live(out / "results.sqlite", exclusive=True)
    finally:
        journal.close()
    os.close(hold_live(out / "results.sqlite", exclusive=True))   # let go with the run

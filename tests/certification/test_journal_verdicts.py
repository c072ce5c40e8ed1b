"""A certification's own verdict in its results journal: the run's status failed when a
requirement failed, and each requirement's verdict with its criteria's measured values, so that
``ntnstack results list|show|diff`` (run in process through ntnstack.cli.main) see what
``ntnstack certify`` saw: a requirement going passed -> failed is a regression (exit 1), failed
-> passed a fix; not-observable stays its own verdict; an older journal without the
requirements table still lists, shows, diffs and merges."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from ntnstack.certification.run import Certification, Verdict
from ntnstack.cli import main
from ntnstack.runner.journal import Journal, read_run
from ntnstack.terminals.firmware import ACT_SATELLITE_NB_S1, ACT_TERRESTRIAL_NB_S1

NTN_3GPP = Path(__file__).resolve().parents[2] / "ntnstack" / "configs" / "certification" / \
    "ntn-3gpp.yaml"
REQUIREMENTS = ["NTN-LOC", "NTN-ACT", "NTN-VALIDITY", "NTN-DATA", "NTN-SMS", "NTN-LEO-GAP"]
"""The requirements of the shipped ntn-3gpp profile, in its order."""
DEFECTS = {"wrong-act": "NTN-ACT", "ignore-validity": "NTN-VALIDITY",
           "attach-without-location": "NTN-LOC"}
"""Each known defect of the virtual module -> the ntn-3gpp requirement written to catch it
(ntnstack.certification.defects; the profile's sources)."""
_DONE: dict[str, Path] = {}


def _cli(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture()
def certified(tmp_path_factory, capsys):
    """defect (None: none) -> the out dir of ``ntnstack certify --profile ntn-3gpp`` with it
    (each certified once per session; the certify exit status checked here)."""
    def run(defect: str | None, profile: str = "ntn-3gpp") -> Path:
        key = f"{profile}:{defect}"
        if key not in _DONE:
            out = tmp_path_factory.mktemp(f"cert-{defect}")
            argv = ["certify", "--profile", profile, "--out", str(out)]
            code, printed = _cli(capsys, *argv, *(["--defect", f"dut:{defect}"] if defect
                                                  else []))
            assert code == (1 if defect else 0), printed
            _DONE[key] = out
        return _DONE[key]
    return run


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_failed_certification_is_journaled_failed_and_diffs_as_a_regression(
        certified, capsys, defect):
    good, bad = certified(None), certified(defect)
    failing = DEFECTS[defect]
    _, listed = _cli(capsys, "results", "list", str(bad))
    assert listed.split()[2] == "failed"
    _, listed = _cli(capsys, "results", "list", str(good))
    assert listed.split()[2] == "passed"

    code, shown = _cli(capsys, "results", "show", str(bad))
    assert code == 1 and shown.splitlines()[0].split()[3] == "failed"
    verdicts = {line.split()[1]: line.split()[2] for line in shown.splitlines()
                if line.startswith("requirement ")}
    assert verdicts == {r: "FAILED" if r == failing else "PASSED" for r in REQUIREMENTS}

    code, text = _cli(capsys, "results", "diff", str(good), str(bad))
    assert code == 1
    line = next(x for x in text.splitlines() if f"requirement/{failing} " in x)
    assert line.split() == ["verdict", f"requirement/{failing}", "passed", "->", "failed",
                            "REGRESSION"]
    assert not any(f"requirement/{r}" in text for r in REQUIREMENTS if r != failing)
    assert text.splitlines()[1].split()[6] == "failed"          # run B's status

    code, text = _cli(capsys, "results", "diff", str(bad), str(good), "--json")
    back = json.loads(text)
    assert code == 0 and back["regressions"] == 0 and back["fixes"] >= 1
    fix = next(c for c in back["changes"] if c["key"] == f"requirement/{failing}")
    assert (fix["before"], fix["after"], fix["fix"]) == ("failed", "passed", True)


def test_the_criteria_are_journaled_with_their_measured_values(certified, capsys):
    bad = certified("wrong-act")
    act = next(r for r in read_run(bad)["requirements"] if r["requirement"] == "NTN-ACT")
    assert act["verdict"] == "failed"
    # the virtual module with wrong-act reports the terrestrial AcT (27.007 +CEREG <AcT> 9,
    # E-UTRAN NB-S1) for the satellite one (14, satellite E-UTRAN NB-S1)
    assert [(c["passed"], c["measured"], c["limit"]) for c in act["criteria"]] == \
        [(False, ACT_TERRESTRIAL_NB_S1, ACT_SATELLITE_NB_S1)] * 2
    assert json.loads((bad / "certification.json").read_text())["verdicts"][1]["criteria"] \
        == act["criteria"]
    code, text = _cli(capsys, "results", "diff", str(certified(None)), str(bad))
    moved = [x for x in text.splitlines() if x.startswith("verdict  requirement/NTN-ACT/")]
    assert len(moved) == 2 and all(
        f"pass, measured {ACT_SATELLITE_NB_S1} -> fail, measured {ACT_TERRESTRIAL_NB_S1}" in x
        and x.endswith("REGRESSION") for x in moved), text


def test_a_not_observable_requirement_stays_its_own_verdict(tmp_path, certified, capsys):
    text = NTN_3GPP.read_text()
    first = "  - id: NTN-LOC\n"
    assert first in text
    profile = tmp_path / "ntn-3gpp-unseen.yaml"
    profile.write_text(text.replace(first, "  - id: NTN-UNSEEN\n    title: unseen\n"
                                    "    source: none\n    not_observable: no AT command "
                                    "shows it\n" + first, 1))
    out = tmp_path / "cert"
    code, _ = _cli(capsys, "certify", "--profile", str(profile), "--out", str(out))
    assert code == 0
    _, listed = _cli(capsys, "results", "list", str(out))
    assert listed.split()[2] == "passed"          # not observable: no failure of the module
    code, shown = _cli(capsys, "results", "show", str(out))
    assert code == 0
    assert "requirement NTN-UNSEEN                 NOT-OBSERVABLE no AT command shows it" in \
        shown.splitlines()
    unseen = read_run(out)["requirements"][0]
    assert (unseen["requirement"], unseen["verdict"]) == ("NTN-UNSEEN", "not-observable")
    code, text = _cli(capsys, "results", "diff", str(out), str(certified(None)))
    assert code == 0 and "added" not in text and "NTN-UNSEEN" in text
    assert "removed  requirement/NTN-UNSEEN" in text and "not-observable" in text


def _old_schema(src: Path, dest: Path) -> Path:
    """A copy of ``src``'s journal as an ntnstack before requirement verdicts wrote it: the
    same tables without ``requirements``, and the runner's status (passed)."""
    dest.mkdir()
    db = sqlite3.connect(src / "results.sqlite")
    db.execute(f"VACUUM INTO '{dest / 'results.sqlite'}'")
    db.close()
    db = sqlite3.connect(dest / "results.sqlite")
    db.execute("DROP TABLE requirements")
    db.execute("UPDATE runs SET status='passed'")
    db.commit()
    db.close()
    return dest


def test_an_old_journal_without_the_table_lists_shows_and_diffs(tmp_path, certified, capsys):
    bad = certified("wrong-act")
    old = _old_schema(certified(None), tmp_path / "old")
    _, listed = _cli(capsys, "results", "list", str(old))
    assert listed.split()[2] == "passed"
    code, shown = _cli(capsys, "results", "show", str(old))
    assert code == 0 and "requirement " not in shown and "19-wait_for_pass" in shown
    assert read_run(old)["requirements"] == []
    for a, b in ((old, bad), (bad, old)):        # requirements compared only when both have them
        code, text = _cli(capsys, "results", "diff", str(a), str(b))
        assert code == 0 and "requirement/" not in text and text.splitlines()[-1] == \
            "0 regression(s)", text
    Journal(old / "results.sqlite").close()      # opened for writing: gains the table
    db = sqlite3.connect(old / "results.sqlite")
    assert db.execute("SELECT count(*) FROM requirements").fetchone() == (0,)
    db.close()


def test_merge_takes_an_old_journal_and_the_failed_status(tmp_path, certified, capsys):
    bad = certified("wrong-act")
    old = _old_schema(certified(None), tmp_path / "old")
    merged = tmp_path / "all.sqlite"
    code, _ = _cli(capsys, "results", "merge", str(merged), str(old), str(bad))
    assert code == 0
    _, listed = _cli(capsys, "results", "list", str(merged))
    assert [line.split()[2] for line in listed.splitlines()] == ["passed", "failed"]


def test_a_merge_by_an_older_version_gains_the_verdicts_on_a_remerge(tmp_path, certified,
                                                                      capsys):
    # the output holds the failed certification as a version before requirement verdicts
    # merged it (no rows, the runner's "passed"); merging its journal again is no conflict:
    # the run is replaced by the judged one
    bad = certified("wrong-act")
    merged = _old_schema(bad, tmp_path / "merged-by-old")
    code, text = _cli(capsys, "results", "merge", str(merged), str(bad))
    assert code == 0, text
    assert read_run(merged)["requirements"] == read_run(bad)["requirements"]
    assert read_run(merged)["run"]["status"] == "failed"
    assert _cli(capsys, "results", "merge", str(merged), str(bad))[0] == 0   # now identical


def test_merge_copies_the_requirement_verdicts(tmp_path, certified, capsys):
    bad = certified("wrong-act")
    merged = tmp_path / "all.sqlite"
    assert _cli(capsys, "results", "merge", str(merged), str(bad))[0] == 0
    assert read_run(merged)["requirements"] == read_run(bad)["requirements"]


def test_a_copy_of_the_journal_diffs_as_no_change(tmp_path, certified, capsys):
    bad = certified("wrong-act")
    shutil.copytree(bad, tmp_path / "copy")
    code, text = _cli(capsys, "results", "diff", str(bad), str(tmp_path / "copy"))
    assert code == 0 and text.splitlines()[2:] == ["no change", "0 regression(s)"]


@pytest.mark.parametrize("runner, verdicts, status", [
    ("passed", ["passed", "not-observable"], "passed"),   # not observable: no failure
    ("incomplete", ["passed"], "incomplete"),             # a step not observable stays so
    ("passed", ["passed", "failed"], "failed"),
    ("failed", ["passed", "error"], "error"),
    ("error", ["failed"], "error"),
    ("interrupted", ["failed"], "interrupted"),           # an unfinished run keeps its status
])
def test_the_journaled_status_is_the_worse_of_steps_and_requirements(runner, verdicts, status):
    cert = Certification("p", "t", "f", "r", "o", 0.0, 0.0,
                         [Verdict(str(i), "t", "s", v, "") for i, v in enumerate(verdicts)])
    assert cert.journal_status(runner) == status


def test_a_judgement_that_breaks_leaves_the_run_error_never_passed(tmp_path, monkeypatch):
    # the verdicts and the run's end are one transaction (ntnstack.runner.journal.finish):
    # a certification whose judging fails is journaled "error" without requirement rows,
    # not as the runner's "passed" of its steps
    import ntnstack.certification.run as cert_run
    from ntnstack.certification import certify, load_profile

    def broken(*_args, **_kwargs):
        raise RuntimeError("the judge broke")
    monkeypatch.setattr(cert_run, "_judge", broken)
    with pytest.raises(RuntimeError, match="the judge broke"):
        certify(load_profile("ntn-3gpp"), tmp_path)
    run = read_run(tmp_path)
    assert run["run"]["status"] == "error" and run["requirements"] == []
    assert run["steps"] and all(s["status"] == "passed" for s in run["steps"])

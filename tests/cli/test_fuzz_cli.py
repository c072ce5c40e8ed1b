"""Fuzzing the command line (hypothesis): for every command, a valid argument list with one to
three options replaced by hostile values (huge, negative, non-finite, overflowing times,
special files, garbage). The property: exit 0 (or 1, a failed judgement of results, run,
certify, export), or one line on stderr and exit 2; never a traceback. Bounded: few examples
per command and a deadline per example (it runs in CI under ``-n auto`` on 2 shared cores).

In-process through ntnstack.cli.main. The commands that serve until killed or play a whole
run (nmea, module serve, run, certify) stop at the point where every input is checked: their
serving / running entry is replaced by one that raises ``Validated`` (the runs themselves are
tested in tests/runner and tests/certification). A few lists also run as real subprocesses
under a 2 GiB address-space limit.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntnstack.cli import build_parser, main
from tests.runner.conftest import write_journal

TESTS = Path(__file__).resolve().parents[1]
WAITS = TESTS / "runner" / "scenarios" / "waits.yaml"
TLES = TESTS / "orbit" / "data" / "real_tles.txt"
START = "2026-01-01T00:00:00Z"
UE = "30,100,0"

HOSTILE = ["", "-", "--", "0", "-1", "1e308", "-1e308", "1e-300", "nan", "inf", "-inf",
           "1e12", "9" * 400, "0x10", "abc", "-33.9,18.4,0", "91,0,0", "1,2,3,4", ",,",
           "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z",
           "geo:1e308", "walker:5000/50/1:600:53", "walker:0/0/0:600:53", "tle:/dev/null",
           "omm:/etc/hostname", "tle:tles.txt", "preset:nope", "circular:-1:0:0:0",
           "/proc/self/status", "/sys", "/dev/zero", "/nonexistent/x", ".", "waits.yaml",
           "bogus", "tcp://", "sib19", "\u00e9\u6f22", "scaled:-1", "virtual"]
# Characters a process argument can hold: no NUL (C strings), no lone surrogates.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=12)
VALUES = st.one_of(st.sampled_from(HOSTILE), TEXT,
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers(-10**30, 10**30).map(str))


class Validated(Exception):
    """Raised where a long-running command would start serving or running."""


def _stub(*args, **kwargs):
    raise Validated


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """A scratch directory (the commands run in it: what they write stays there) holding an
    IQ file, a journal and copies of a scenario and a TLE file (hostile values name them)."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "in.cf32").write_bytes(bytes(8 * 2000))
    shutil.copy(WAITS, d / "waits.yaml")
    shutil.copy(TLES, d / "tles.txt")
    journal = write_journal(d / "journal")
    return {"dir": str(d), "cf32": str(d / "in.cf32"), "journal": str(journal)}


def baselines(f: dict[str, str]) -> dict[str, list[str]]:
    """A valid argument list of every command (exit 0, or Validated for the stubbed ones)."""
    out = f"{f['dir']}/out"
    return {
        "geometry": ["geometry", "--altitude-km", "600", "--elevation-deg", "10"],
        "link": ["link", "--sat", "geo:100", "--ue", UE, "--duration", "60"],
        "passes": ["passes", "--sat", "geo:100", "--ue", UE, "--duration", "600"],
        "demo": ["demo"],
        "stack": ["stack", "--start", START],
        "sib encode": ["sib", "encode", "--kind", "sib19", "--sat", "geo:100", "--time", START],
        "sib decode": ["sib", "decode", "--kind", "sib19", "00"],
        "sib residuals": ["sib", "residuals", "--kind", "sib19", "--sat", "geo:100", "--time",
                          START, "--ue", UE, "--max-age-s", "10"],
        "export": ["export", "--target", "srsran", "--sat", "geo:100"],
        "channel": ["channel", "--in", f["cf32"], "--out", f"{out}.cf32", "--rate", "1e6",
                    "--sat", "geo:100", "--ue", UE, "--start", START, "--no-progress"],
        "results show": ["results", "show", f["journal"]],
        "results diff": ["results", "diff", f["journal"], f["journal"]],
        "results merge": ["results", "merge", f"{out}.sqlite", f["journal"]],
        "nmea": ["nmea", "--ue", UE, "--count", "1"],
        "module serve": ["module", "serve", "--family", "nbntn-generic"],
        "run": ["run", str(WAITS), "--out", out, "--quiet"],
        "certify": ["certify", "--profile", "ntn-3gpp", "--out", out],
    }


def _options(command: str) -> list[tuple[str, bool]]:
    """(option string, takes a value) of every option of ``command`` (from the parser)."""
    parser = build_parser()
    for word in command.split():
        parser = next(a for a in parser._actions if a.dest in ("command", "verb",
                      "results_command", "module_command") and a.choices and
                      word in a.choices).choices[word]
    return [(a.option_strings[-1], a.nargs != 0) for a in parser._actions
            if a.option_strings and a.dest != "help"]


@pytest.fixture
def stubbed(monkeypatch, files):
    """In the scratch directory; the serving / running entries of nmea, module serve, run
    and certify raise Validated."""
    import ntnstack.certification
    import ntnstack.commands.module as module
    import ntnstack.position.feed
    import ntnstack.runner.api

    real_build = module.build

    def build_then_close(args):
        host, _ = real_build(args)
        host.close()
        raise Validated

    monkeypatch.setattr(ntnstack.runner.api, "run_scenario", _stub)
    monkeypatch.setattr(ntnstack.certification, "certify", _stub)
    monkeypatch.setattr(ntnstack.position.feed, "NmeaPty", _stub)
    monkeypatch.setattr(ntnstack.position.feed, "NmeaSerial", _stub)
    monkeypatch.setattr(module, "build", build_then_close)
    monkeypatch.chdir(files["dir"])


# Commands that judge exit 1 on a failed judgement (ntnstack.cli: exit statuses).
JUDGES = ("results", "run", "certify", "export")


def check_exit(argv: list[str], capsys) -> None:
    """The property: exit 0 (1 for a judgement), or exit 2 with one stderr line; no
    exception escapes."""
    try:
        status = main(argv)
    except Validated:
        status = 0
    except SystemExit as exc:   # argparse: --help (0) or a usage error (2)
        status = exc.code
    err = capsys.readouterr().err
    assert status in ((0, 1, 2) if argv[0] in JUDGES else (0, 2)), (argv, status, err)
    if status == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)
    assert "Traceback" not in err


# NTNSTACK_FUZZ_EXAMPLES=200 for a deeper local run (random, not the fixed CI sequence).
EXAMPLES = int(os.environ.get("NTNSTACK_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=60),
                derandomize="NTNSTACK_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def test_control_characters_in_a_message_stay_on_one_line(files, stubbed, capsys):
    # found by a deeper run: a file name with U+001E, which str.splitlines() breaks at
    check_exit(["module", "serve", "--family", "nbntn-generic", "--scenario", "a\x1eb\nc"],
               capsys)


@pytest.mark.parametrize("command", list(baselines({"dir": "", "cf32": "", "journal": ""})))
def test_hostile_options_exit_0_or_one_line(command, files, stubbed, capsys):
    base = baselines(files)[command]
    options = _options(command)
    check_exit(base, capsys)   # the baseline itself is valid

    @FUZZ
    @given(st.lists(st.tuples(st.sampled_from(options), VALUES), min_size=1, max_size=3))
    def fuzz(replacements):
        argv = list(base)
        for (option, takes_value), value in replacements:
            argv += [option, value] if takes_value else [option]
        check_exit(argv, capsys)

    fuzz()


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["geometry", "link", "passes", "sib encode", "export",
                                "channel", "results show"]),
       option_value=st.tuples(st.integers(0, 50), VALUES))
def test_hostile_options_in_a_subprocess(files, command, option_value):
    """The same property as a user meets it: a real process, 2 GiB of address space."""
    options = _options(command)
    (option, takes_value), value = options[option_value[0] % len(options)], option_value[1]
    argv = baselines(files)[command] + ([option, value] if takes_value else [option])

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    res = subprocess.run([sys.executable, "-m", "ntnstack", *argv], capture_output=True,
                         text=True, timeout=120, preexec_fn=limit_memory, cwd=files["dir"])
    assert res.returncode in ((0, 1, 2) if argv[0] in JUDGES else (0, 2)), \
        (argv, res.stderr[-2000:])
    if res.returncode == 2:
        assert len(res.stderr.strip().splitlines()) == 1, (argv, res.stderr[-2000:])
    assert "Traceback" not in res.stderr

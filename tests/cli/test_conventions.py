"""Conventions every command shares (README.md, Command line conventions): --version, -v/-q
with one logging set-up, one spelling per option with the old ones as hidden aliases, and a
progress bar only when stderr is a terminal."""
from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pytest

import ntnstack
from ntnstack.cli import build_parser, main
from tests.cli.subprocess_cli import ROOT, ntnstack as run_cli


def test_version_is_the_package_version():
    res = run_cli("--version")
    assert res.returncode == 0
    assert res.stdout.split() == ["ntnstack", ntnstack.__version__]
    assert version("ntnstack") == ntnstack.__version__    # the metadata reads the same attr


@pytest.mark.parametrize("argv, level", [([], logging.WARNING), (["-v"], logging.INFO),
                                         (["-vv"], logging.DEBUG), (["-q"], logging.ERROR),
                                         (["certify", "-v", "--list"], logging.INFO)])
def test_verbosity_sets_every_logger_once(argv, level, capsys):
    argv = argv if "certify" in argv else [*argv, "certify", "--list"]
    try:
        assert main(argv) == 0
        root = logging.getLogger()
        assert root.level == level and len(root.handlers) == 1
        assert logging.getLogger("at_bridge.transport").getEffectiveLevel() == level
    finally:
        logging.basicConfig(level=logging.WARNING, force=True)
    assert capsys.readouterr().out.split()   # the profiles were listed


@pytest.mark.parametrize("argv, dest, value, old", [
    (["link", "--sat", "geo:1", "--ue", "1,2,3", "--step", "5"], "step_s", 5.0, "--step"),
    (["export", "--target", "srsran", "--time", "2026-01-01T00:00:00Z"], "start",
     "2026-01-01T00:00:00Z", "--time"),
    (["sib", "encode", "--kind", "sib19", "--sat", "geo:1", "--time", "2026-01-01T00:00:00Z"],
     "start", "2026-01-01T00:00:00Z", "--time"),
    (["channel", "--in", "a", "--out", "b", "--step", "2"], "step_s", 2.0, "--step"),
    (["channel", "--in", "a", "--out", "b", "--no-progress"], "quiet", 1, "--no-progress"),
])
def test_old_spellings_are_hidden_aliases(argv, dest, value, old):
    args = build_parser().parse_args(argv)
    assert getattr(args, dest) == value
    command = argv[:2] if argv[0] == "sib" else argv[:1]
    help_text = run_cli(*command, "--help").stdout
    assert old not in help_text.replace(f"{old}-", "")


def _channel_args(tmp_path) -> list[str]:
    np.full(40_000, 1 + 1j, np.complex64).tofile(tmp_path / "in.cf32")
    (tmp_path / "t.csv").write_text("t_s,delay_s,doppler_hz,gain_db\n0,1e-4,0,0\n1,1e-4,0,0\n")
    return ["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(tmp_path / "o.cf32"),
            "--rate", "1e6", "--trajectory", str(tmp_path / "t.csv"), "--chunk", "4000"]


def _stderr_on_a_pty(args: list[str]) -> tuple[int, bytes]:
    """Run ``args`` with stderr on a pseudo-terminal: exit status and what it wrote there."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave,
                              timeout=60)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:        # EIO: the child's side is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    return proc.returncode, seen


def test_progress_bar_only_when_stderr_is_a_terminal(tmp_path):
    args = [sys.executable, "-m", "ntnstack", *_channel_args(tmp_path)]
    piped = subprocess.run(args, cwd=ROOT, capture_output=True, timeout=60)
    assert piped.returncode == 0 and b"\r" not in piped.stderr and b"%" not in piped.stderr
    status, seen = _stderr_on_a_pty(args)
    assert status == 0 and b"\r" in seen and b"100.0%" in seen
    status, seen = _stderr_on_a_pty([*args, "-q"])
    assert status == 0 and b"\r" not in seen


@pytest.mark.parametrize("argv, shown", [
    (["run"], True), (["run", "-q"], False), (["run", "--json"], False),
    (["channel", "--in", "a", "--out", "b", "--no-progress"], False)])
def test_progress_only_for_a_person_at_a_terminal(monkeypatch, argv, shown):
    """With stderr a terminal, the bar still stays off under -q and when stdout is JSON."""
    from ntnstack.commands._options import show_progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    args = build_parser().parse_args(argv)
    json_output = args.json if argv[0] == "run" else False   # channel has no --json
    assert show_progress(args, json_output=json_output) is shown


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2.5"])
def test_a_bad_thread_count_in_the_environment_stops_before_any_command(value, capsys,
                                                                       monkeypatch):
    # NTNPHY_THREADS (phy_ffi.parallel) is read by the link grid; checked once at start-up so
    # a run does not stop midway with a traceback (and journal an interrupted run)
    from ntnstack.cli import main

    monkeypatch.setenv("NTNPHY_THREADS", value)
    assert main(["geometry", "--altitude-km", "600", "--elevation-deg", "30"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ntnstack geometry: error: NTNPHY_THREADS={value!r}: expected a positive "
                   f"integer (threads of a link grid), or unset for every CPU"]

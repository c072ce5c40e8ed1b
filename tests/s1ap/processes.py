"""An MME process (``ntnstack mme`` or a test MME) and ``ntnstack enb`` against it, over UDP
on loopback: the MME prints its port on its first line ("... H:P" or "P") and stops on
SIGTERM once the eNB is done."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from tests.cli.subprocess_cli import ROOT

ENB_TIMEOUT_S = 120       # 100 UEs take a few seconds; a hung MME is a failure, not a wait


def cli(*args: str) -> list[str]:
    """The argv of ``ntnstack ARGS`` in this interpreter."""
    return [sys.executable, "-m", "ntnstack", *args]


@dataclass
class Outcome:
    enb: subprocess.CompletedProcess
    mme_returncode: int
    mme_out: str
    mme_err: str


def mme_then_enb(mme_argv: list[str], *enb_args: str,
                 ready: Callable[[], list[str]] = list) -> Outcome:
    """Start the MME, run ``ntnstack enb --mme 127.0.0.1:PORT ENB_ARGS`` to its end, stop
    the MME; both outputs. ``ready()``, called once the MME listens, returns more
    arguments for the eNB."""
    mme = subprocess.Popen(mme_argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        port = mme.stdout.readline().rsplit(":", 1)[-1].strip()
        more = ready() if mme.poll() is None else []
        enb = subprocess.run(cli("enb", "--mme", f"127.0.0.1:{port}", *enb_args, *more),
                             cwd=ROOT, capture_output=True, text=True, timeout=ENB_TIMEOUT_S)
    finally:
        os.kill(mme.pid, signal.SIGTERM)
        mme_out, mme_err = mme.communicate(timeout=60)
    return Outcome(enb, mme.returncode, mme_out, mme_err)

"""Benchmark: `ntnstack stack --orbit leo --ues N --json` of this tree against the code before
the issue-16 speed-ups (commit ``BEFORE_SPEEDUPS`` of main), in the same run (issue 16).

Groups "stack-leo-1k-before-after" and "stack-leo-10k-before-after": each runs the command
once as a subprocess from a source tree, the baseline from ``git archive BEFORE_SPEEDUPS``
(its own C core compiled by its own build.py, untimed), the other from this tree; the row's
time is the whole command (interpreter start-up included, the same for both), its notes the
command's own figures: ``x_real_time`` (pass span / wall of the attaches) and
``cpu_s_per_ue``. Both print the same ``attached`` count: the messages are byte-identical
(tests/stack/test_air_digest.py). With the benchmarks disabled (`build.py test`) each command
attaches SMOKE_UES only: both trees still have to run and attach them all.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE_SPEEDUPS = "c30aebc"   # main before the speed-ups (the digest of test_air_digest.py)
SMOKE_UES = 100               # UEs per command when the benchmarks are disabled


@pytest.fixture(scope="module")
def before_tree(tmp_path_factory) -> Path:
    """The source tree of BEFORE_SPEEDUPS with its C core compiled."""
    tree = tmp_path_factory.mktemp("before")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_SPEEDUPS],
                             capture_output=True)
    if archive.returncode:
        pytest.fail(f"the baseline needs this repository's git history (commit "
                    f"{BEFORE_SPEEDUPS}): {archive.stderr.decode().strip()}")
    archive = archive.stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run([sys.executable, str(tree / "build.py"), "compile"], cwd=tree,
                   capture_output=True, check=True)
    return tree


def _stack_run(tree: Path, ues: int) -> dict:
    """The JSON of `ntnstack stack --orbit leo --ues N --json` run from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-m", "ntnstack", "stack", "--orbit", "leo",
                          "--ues", str(ues), "--json"], cwd=tree, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def _bench(benchmark, tree: Path, ues: int) -> None:
    benchmark.group = f"stack-leo-{ues // 1000}k-before-after"
    if benchmark.disabled:        # `build.py test` (--benchmark-disable): both trees run, briefly
        ues = SMOKE_UES
    benchmark.extra_info["items"] = ues
    figures = benchmark.pedantic(_stack_run, args=(tree, ues), rounds=1, iterations=1)
    assert figures["attached"] == ues
    benchmark.extra_info["x_real_time"] = figures["x_real_time"]
    benchmark.extra_info["cpu_s_per_ue"] = figures["cpu_s_per_ue"]


@pytest.mark.bench
@pytest.mark.parametrize("ues", [1000, 10000])
def test_bench_before_speedups(benchmark, before_tree, ues):
    benchmark.extra_info["baseline"] = True
    _bench(benchmark, before_tree, ues)


@pytest.mark.bench
@pytest.mark.parametrize("ues", [1000, 10000])
def test_bench_after_speedups(benchmark, ues):
    _bench(benchmark, ROOT, ues)

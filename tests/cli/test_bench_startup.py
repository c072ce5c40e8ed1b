"""Benchmark: ``ntnstack --help`` start-up (issue 16: under 120 ms) against the bare
interpreter (``python -c pass``), both as fresh processes of this venv's Python. The ratio
says what the CLI adds on top of the interpreter; the means are the issue's figure."""
import subprocess
import sys

import pytest

ROUNDS = 20


def run(*args: str) -> None:
    subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, check=True)


@pytest.mark.benchmark(group="cli start-up")
def test_bench_bare_interpreter(benchmark):
    benchmark.extra_info["baseline"] = True
    benchmark.pedantic(run, args=("-c", "pass"), rounds=ROUNDS, iterations=1, warmup_rounds=1)


@pytest.mark.benchmark(group="cli start-up")
def test_bench_ntnstack_help(benchmark):
    # python -c "from ntnstack.cli import main; main()" is what the installed script runs
    benchmark.pedantic(run, args=("-c", "import sys; from ntnstack.cli import main; "
                                  "sys.argv = ['ntnstack', '--help']; main()"),
                       rounds=ROUNDS, iterations=1, warmup_rounds=1)

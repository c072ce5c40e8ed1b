"""Benchmark: ``ntnstack channel --snr-db 20`` on a cf32 file against ``cat`` copying it
(issue 16: within 2x of a plain file copy, i.e. at least 0.5x the baseline).

The recording is 4,194,304 samples (32 MiB, 137 ms of a 30.72 Msps NR / LTE carrier); the
channel is a LEO-600 pass in file mode (delay, Doppler, path loss, noise at 20 dB SNR: the
mean power summed per 1 Mi-sample chunk, then the channel). The command runs in this process
(``main``): the figure is the throughput of the pipeline, not the interpreter's start-up
(one warm-up round each: the command's first call imports the C core and the orbit code).
items = samples per call.
"""
import shutil
import subprocess

import numpy as np
import pytest

from ntnstack.cli import main
from tests.iq.signals import complex_noise

RATE_HZ = 30.72e6          # TS 38.211 / 36.211: 2048 * 15 kHz
SAMPLES = 1 << 22
ROUNDS = 10                # per side: both times spread widely on the shared machine
CHANNEL = ["--rate", str(RATE_HZ), "--freq-hz", "2.185e9", "--sat", "circular:600:53:0:0",
           "--ue", "0,10,0", "--start", "2026-01-01T00:01:00Z", "-q"]   # as tests/iq CLI


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "in.cf32"
    complex_noise(SAMPLES).tofile(path)
    return path


@pytest.mark.benchmark(group="iq-channel-cli")
def test_bench_cat_copy(benchmark, recording):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = SAMPLES
    cat = shutil.which("cat")
    assert cat, "cat: not on PATH"
    out = recording.with_name("copy.cf32")

    def copy():
        with open(out, "wb") as sink:
            subprocess.run([cat, str(recording)], stdout=sink, check=True)
    benchmark.pedantic(copy, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert out.stat().st_size == recording.stat().st_size


@pytest.mark.benchmark(group="iq-channel-cli")
def test_bench_channel_cli_snr_20_db(benchmark, recording):
    benchmark.extra_info["items"] = SAMPLES
    out = recording.with_name("out.cf32")
    args = ["channel", "--in", str(recording), "--out", str(out), *CHANNEL, "--snr-db", "20"]
    assert benchmark.pedantic(lambda: main(args), rounds=ROUNDS, iterations=1,
                              warmup_rounds=1) == 0
    y = np.fromfile(out, np.complex64)
    assert y.size == SAMPLES and np.isfinite(y).all()

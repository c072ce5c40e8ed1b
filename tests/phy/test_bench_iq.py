"""Benchmark: the IQ channel's full chain in 1 ms blocks at 30.72 Msps (issue 7).

30 720 samples a block (1 ms of a 20 MHz NR / LTE carrier), BLOCKS blocks a call, through
``IQChannel.process`` on a LEO trajectory (delay drifting 20 us/s, Doppler chirping, gain
changing): the C core against its numpy twin (the baseline) and against a plain copy of the
same buffers into a preallocated array (``np.copyto``, the memory-bandwidth ceiling).
items = samples per call, so the throughput column reads in samples per second.
"""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from tests.iq.signals import complex_noise, leo_pass

RATE_HZ = 30.72e6          # TS 38.211 / 36.211: 2048 * 15 kHz
BLOCK = 30_720             # 1 ms
BLOCKS = 8
ITEMS = BLOCK * BLOCKS


@pytest.fixture(scope="module")
def stream():
    p = leo_pass(2.0e9)
    gain = -20.0 * np.log10(p.delay_s / p.delay_s.min())
    traj = phy_ffi.channel_trajectory(p.t_s, p.delay_s, p.doppler_hz, gain)
    blocks = complex_noise(ITEMS).reshape(BLOCKS, BLOCK)
    return traj, blocks


def _runner(module, traj, blocks, **kw):
    ch = module.IQChannel(RATE_HZ, traj, start_s=-100.0, **kw)
    out = np.empty_like(blocks[0])

    def run():
        for block in blocks:
            ch.process(block, out)
        return out
    return run


@pytest.mark.benchmark(group="iq-channel")
def test_bench_iq_channel_twin(benchmark, stream):
    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = ITEMS
    out = benchmark.pedantic(_runner(phy_ffi.twin, *stream), rounds=3, iterations=1)
    assert np.isfinite(out).all()


@pytest.mark.benchmark(group="iq-channel")
def test_bench_iq_channel_c(benchmark, stream):
    benchmark.extra_info["items"] = ITEMS
    out = benchmark(_runner(phy_ffi, *stream))
    assert np.isfinite(out).all()


@pytest.mark.benchmark(group="iq-channel")
def test_bench_iq_channel_c_with_noise(benchmark, stream):
    benchmark.extra_info["items"] = ITEMS
    out = benchmark(_runner(phy_ffi, *stream, noise_power=1e-3, seed=1))
    assert np.isfinite(out).all()


@pytest.mark.benchmark(group="iq-channel")
def test_bench_iq_copy(benchmark, stream):
    _, blocks = stream
    out = np.empty_like(blocks[0])
    benchmark.extra_info["items"] = ITEMS

    def run():
        for block in blocks:
            np.copyto(out, block)
        return out
    assert np.isfinite(benchmark(run)).all()

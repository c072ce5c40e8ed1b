"""The streaming IQ channel (issue 7) on both backends: delay, Doppler, gain, noise."""
import numpy as np
import pytest

import phy_ffi
import phy_ffi.twin
from phy_ffi import CONST, PhyValueError, channel_trajectory
from tests.iq.signals import (
    complex_noise,
    leo_delay_s,
    leo_pass,
    multitone,
    power_ratio_db,
)
from tests.tolerances import (
    IQ_DELAY_ERROR_DB,
    IQ_DELAY_TRACKING_SAMPLES,
    IQ_PHASE_ERROR_RAD,
    IQ_TWIN_AGREEMENT_DB,
)

LTE_RATE_HZ = 1.92e6      # LTE 1.4 MHz / NB-IoT sampling rate (TS 36.104 numerology)
S_BAND_HZ = 2.0e9         # n256 / band 256 (TR 38.821 S band)


def leo_channel_trajectory(**extra):
    p = leo_pass(S_BAND_HZ)
    gain = -20.0 * np.log10(p.delay_s / p.delay_s.min())   # free-space 20 log10(d) trend
    return channel_trajectory(p.t_s, p.delay_s, p.doppler_hz, gain, **extra)


def test_c_core_matches_twin_on_random_signal():
    traj = leo_channel_trajectory()
    x = complex_noise(120_000)
    start = -120.0   # rising part of the pass: delay rate about -20 us/s
    c = phy_ffi.IQChannel(LTE_RATE_HZ, traj, start_s=start, noise_power=0.01, seed=9)
    t = phy_ffi.twin.IQChannel(LTE_RATE_HZ, traj, start_s=start, noise_power=0.01, seed=9)
    yc, yt = c.process(x), t.process(x)
    live = slice(int(traj.delay_s.max() * LTE_RATE_HZ) + 16, None)   # after the first arrival
    assert power_ratio_db(yc[live] - yt[live], yt[live]) <= IQ_TWIN_AGREEMENT_DB


def test_integer_delay_is_an_exact_shift(phy):
    delay_samples = 100
    traj = channel_trajectory([0.0, 1.0], delay_samples / LTE_RATE_HZ, 0.0, 0.0)
    x = complex_noise(5000)
    y = phy.IQChannel(LTE_RATE_HZ, traj).process(x)
    assert not y[:delay_samples].any()
    np.testing.assert_array_equal(y[delay_samples:], x[:-delay_samples])


def test_constant_doppler_moves_a_tone_by_exactly_that_frequency(phy):
    n_fft, k0, shift_bins = 4096, 300, 7
    doppler_hz = shift_bins * LTE_RATE_HZ / n_fft
    traj = channel_trajectory([0.0, 1.0], 64 / LTE_RATE_HZ, doppler_hz, 0.0)
    n = np.arange(64 + n_fft)
    x = np.exp(2j * np.pi * k0 * n / n_fft).astype(np.complex64)
    y = phy.IQChannel(LTE_RATE_HZ, traj).process(x)[64:]
    spectrum = np.abs(np.fft.fft(y.astype(np.complex128))) ** 2
    assert int(np.argmax(spectrum)) == k0 + shift_bins
    # A pure tone on the bin: everything else is float32 rounding (below -100 dB).
    leakage = 1.0 - spectrum[k0 + shift_bins] / spectrum.sum()
    assert 10 * np.log10(max(leakage, 1e-30)) < -100


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5, 0.77, 0.99])
def test_fractional_delay_error_and_images_60_db_down(phy, fraction):
    # Issue 7: >= 60 dB image rejection; measured as everything that is not the ideally
    # delayed tone, over the design band |f| <= NTN_IQ_PASSBAND_FRACTION * rate.
    delay = (40 + fraction) / LTE_RATE_HZ
    traj = channel_trajectory([0.0, 1.0], delay, 0.0, 0.0)
    n = np.arange(8192)
    for f_norm in np.linspace(-CONST.IQ_PASSBAND_FRACTION, CONST.IQ_PASSBAND_FRACTION, 9):
        x = np.exp(2j * np.pi * f_norm * n).astype(np.complex64)
        y = phy.IQChannel(LTE_RATE_HZ, traj).process(x)[64:]
        ideal = np.exp(2j * np.pi * f_norm * (n[64:] - (40 + fraction)))
        assert power_ratio_db(y - ideal, ideal) <= IQ_DELAY_ERROR_DB, f_norm


def _delay_offset_samples(y, tone, t_in, delay_s, rate_hz):
    """Correlation-peak offset (samples) of y from tone delayed by delay_s: one Newton step
    of the cross-correlation from the expected lag (the peak to first order)."""
    ref, slope = tone.at(t_in - delay_s), tone.slope(t_in - delay_s)
    return -rate_hz * np.sum(np.real(np.conj(slope) * (y - ref))) / np.sum(np.abs(slope) ** 2)


def test_leo_pass_correlation_peak_follows_the_delay(phy):
    p = leo_pass(S_BAND_HZ)
    traj = channel_trajectory(p.t_s, p.delay_s, 0.0, 0.0)
    tone = multitone(LTE_RATE_HZ)
    warmup = int(p.delay_s.max() * LTE_RATE_HZ) + 64
    worst = 0.0
    for start in np.linspace(p.t_s[0] + 0.01, p.t_s[-1] - 0.1, 9):
        t_in = start + np.arange(warmup + 9600) / LTE_RATE_HZ
        y = phy.IQChannel(LTE_RATE_HZ, traj, start_s=start).process(
            tone.at(t_in).astype(np.complex64))
        for w in range(warmup, t_in.size, 1920):
            sl = slice(w, w + 1920)
            off = _delay_offset_samples(y[sl], tone, t_in[sl], leo_delay_s(t_in[sl]),
                                        LTE_RATE_HZ)
            worst = max(worst, abs(off))
    assert worst < IQ_DELAY_TRACKING_SAMPLES


def test_fast_delay_drift_has_no_glitch_at_knots_or_reseeds(phy):
    # 40 us/s (issue 7, LEO) plus curvature; a quadratic delay is reproduced exactly by the
    # cubic Hermite knots, so the ideal output is known at every sample.
    rate = LTE_RATE_HZ
    t_knots = np.arange(0.0, 0.2001, 0.01)
    delay = 5e-3 + 40e-6 * t_knots + 2e-6 * t_knots**2
    traj = channel_trajectory(t_knots, delay, 0.0, 0.0)
    tone = multitone(rate, band_fraction=CONST.IQ_PASSBAND_FRACTION)
    t_in = np.arange(int(0.19 * rate)) / rate
    y = phy.IQChannel(rate, traj).process(tone.at(t_in).astype(np.complex64))
    live = t_in > 0.006
    ideal = tone.at(t_in[live] - (5e-3 + 40e-6 * t_in[live] + 2e-6 * t_in[live] ** 2))
    err = np.abs(y[live] - ideal)
    assert 20 * np.log10(err.max()) <= IQ_DELAY_ERROR_DB + 10   # peak, not mean: +10 dB crest
    assert power_ratio_db(y[live] - ideal, ideal) <= IQ_DELAY_ERROR_DB


def test_block_sizes_give_bit_identical_output(phy):
    traj = leo_channel_trajectory()
    x = complex_noise(250_000, seed=5)
    kw = dict(start_s=-60.0, noise_power=0.1, seed=77)
    whole = phy.IQChannel(LTE_RATE_HZ, traj, **kw).process(x)
    rng = np.random.default_rng(11)
    sizes = [1, 2, 3, 255, 256, 257, 4095, 4096, 4097, 65536]
    sizes += list(rng.integers(1, 65537, 8))
    ch, parts, k = phy.IQChannel(LTE_RATE_HZ, traj, **kw), [], 0
    while k < x.size:
        size = int(sizes[len(parts) % len(sizes)])
        parts.append(ch.process(x[k:k + size]))
        k += size
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert ch.samples_done == x.size


def test_gain_and_noise_power(phy):
    traj = channel_trajectory([0.0, 1.0], 1e-4, 0.0, -6.0)
    x = np.ones(200_000, np.complex64)
    y = phy.IQChannel(LTE_RATE_HZ, traj, noise_power=0.5, seed=1).process(x)[1000:]
    amp = 10 ** (-6 / 20)
    assert np.mean(y).real == pytest.approx(amp, abs=5 * np.sqrt(0.5 / y.size))
    # Noise power 0.5, split equally between I and Q; 5 sigma of the estimate.
    noise = y - amp
    assert np.mean(np.abs(noise) ** 2) == pytest.approx(0.5, rel=5 * np.sqrt(1 / y.size))
    assert np.var(noise.real) == pytest.approx(np.var(noise.imag), rel=10 / np.sqrt(y.size))


def test_doppler_phase_error_after_one_hour_of_samples():
    # C core only (the twin evaluates the phase in closed form, nothing accumulates there).
    # One hour at 20 kHz: 72 M samples, 17 579 re-seeds of the rotator. Chirp f(t) = 1234.5 Hz
    # + 0.25 Hz/s * t, so Phi(n) = (9876 fs n + n^2) / (8 fs^2) cycles exactly (8 * 1234.5 =
    # 9876); the reference is computed in integers. Input all ones, an integer delay (the
    # filter is then a unit impulse), so the output is the rotator itself.
    fs, hour, delay = 20_000, 3600, 10
    traj = channel_trajectory([0.0, hour + 1.0], delay / fs,
                              [1234.5, 1234.5 + 0.25 * (hour + 1)], 0.0)
    ch = phy_ffi.IQChannel(fs, traj)
    block = np.ones(1 << 20, np.complex64)
    out = np.empty_like(block)
    total, worst = hour * fs, 0.0
    while ch.samples_done < total:
        first = ch.samples_done
        count = min(block.size, total - first)
        y = ch.process(block[:count], out[:count])
        if first == 0 or first + count == total:   # the first and the last block
            n = np.arange(max(first, delay), first + count, dtype=np.int64)
            cycles = ((9876 * fs * n + n * n) % (8 * fs * fs)) / (8 * fs * fs)
            got = np.angle(y[n - first] * np.exp(-2j * np.pi * cycles))
            worst = max(worst, float(np.abs(got).max()))
    assert worst < IQ_PHASE_ERROR_RAD


@pytest.mark.parametrize("block, where", [
    (np.zeros(10, np.complex128), "block: expected a numpy complex64 array, got complex128"),
    (np.zeros(10, np.float32), "block: expected a numpy complex64 array, got float32"),
    ([0j] * 10, "block: expected a numpy complex64 array, got list"),
    (np.zeros((2, 5), np.complex64), "block: expected a 1-D array"),
])
def test_bad_blocks_are_named(phy, block, where):
    ch = phy.IQChannel(LTE_RATE_HZ, channel_trajectory([0.0, 1.0], 1e-3))
    with pytest.raises(PhyValueError, match=where.replace("(", r"\(")):
        ch.process(block)


def test_nan_sample_is_named_and_nothing_is_consumed(phy):
    ch = phy.IQChannel(LTE_RATE_HZ, channel_trajectory([0.0, 1.0], 1e-3))
    x = complex_noise(100)
    x[37] = np.nan
    with pytest.raises(PhyValueError, match="block: NaN or infinite sample at index 37"):
        ch.process(x)
    assert ch.samples_done == 0
    ch.process(complex_noise(100))   # still usable
    assert ch.samples_done == 100


@pytest.mark.parametrize("kwargs, where", [
    (dict(rate_hz=0.0), "rate_hz: must be a positive sample rate"),
    (dict(rate_hz=np.nan), "rate_hz"),
    (dict(noise_power=-1.0), "noise_power"),
    (dict(start_s=5.0), "start_s"),
    (dict(max_delay_s=1e-4), "max_delay_s"),
])
def test_bad_channel_arguments_are_named(phy, kwargs, where):
    args = dict(rate_hz=LTE_RATE_HZ, trajectory=channel_trajectory([0.0, 1.0], 1e-3))
    args.update(kwargs)
    with pytest.raises(PhyValueError, match=where):
        phy.IQChannel(args.pop("rate_hz"), args.pop("trajectory"), **args)


@pytest.mark.parametrize("t, delay, where", [
    ([0.0], 1e-3, "t_s: expected at least 2 knot times"),
    ([0.0, 1.0, 1.0], 1e-3, "t_s: not strictly increasing at knot 2"),
    ([0.0, 1.0], [1e-3, np.nan], "delay_s: NaN or infinite at knot 1"),
    ([0.0, 1.0], [1e-3, 1e-3, 1e-3], "delay_s: 3 values for 2 knot times"),
])
def test_bad_trajectories_are_named(t, delay, where):
    with pytest.raises(PhyValueError, match=where):
        channel_trajectory(t, delay)


def test_delay_below_the_filter_half_length_is_refused(phy):
    traj = channel_trajectory([0.0, 1.0], 2 / LTE_RATE_HZ)
    with pytest.raises(PhyValueError, match="trajectory.delay_s: .* below 8 samples"):
        phy.IQChannel(LTE_RATE_HZ, traj)


def test_trajectory_shorter_than_the_stream(phy):
    ch = phy.IQChannel(1000.0, channel_trajectory([0.0, 1.0], 0.01))
    ch.process(np.zeros(900, np.complex64))
    with pytest.raises(PhyValueError, match=r"trajectory: ends at t = 1.0 s but the block needs"):
        ch.process(np.zeros(200, np.complex64))
    assert ch.samples_done == 900
    ch.process(np.zeros(101, np.complex64))   # up to t = 1.0 s exactly is covered


def test_out_must_be_a_matching_contiguous_array(phy):
    ch = phy.IQChannel(LTE_RATE_HZ, channel_trajectory([0.0, 1.0], 1e-3))
    x = complex_noise(100)
    with pytest.raises(PhyValueError, match="out: expected a writable contiguous complex64"):
        ch.process(x, np.empty(200, np.complex64)[::2])
    out = np.empty(100, np.complex64)
    assert ch.process(x, out) is out

"""The streaming IQ channel on complex64 sample blocks (C core, csrc/iq_channel.c).

``IQChannel(rate_hz, trajectory)`` applies, sample by sample, the propagation delay, Doppler
rotation, gain and additive Gaussian noise of a channel trajectory (knots of delay_s,
doppler_hz, gain_db against time t_s) to a stream split into blocks of any size; the output
does not depend on how the stream is split. See ntn_phy.h, section iq_channel, for the model,
the interpolation (delay: cubic Hermite; Doppler and gain in dB: linear) and the filter.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi._bindings import CONST
from phy_ffi.arrays import as_f64
from phy_ffi.errors import PhyValueError

__all__ = ["ChannelTrajectory", "IQChannel", "channel_trajectory", "sum_squares"]


def sum_squares(x: np.ndarray, total: float = 0.0) -> float:
    """``total`` plus the sum of the squares of the float32 values ``x`` (a complex64 array
    counts I and Q), each square rounded to float32, added in float64: the bits of numpy's
    ``np.sum(np.square(x), dtype=np.float64, initial=total)`` (its pairwise sum per cast
    buffer of NTN_IQ_SUM_BUFFER values) in one read of ``x``. The signal power of an SNR."""
    if isinstance(x, np.ndarray) and x.dtype == np.complex64 and x.ndim == 1:
        x = np.ascontiguousarray(x).view(np.float32)
    return b.iq_sum_squares(total, x)


class ChannelTrajectory(NamedTuple):
    """Knots of a channel trajectory, all (k,) float64 with k >= 2."""

    t_s: np.ndarray         # knot times, s, strictly increasing (the stream's clock)
    delay_s: np.ndarray     # one-way propagation delay, s
    doppler_hz: np.ndarray  # frequency shift applied to the samples, Hz
    gain_db: np.ndarray     # amplitude gain, dB (negative for a path loss)


def channel_trajectory(t_s, delay_s, doppler_hz=0.0, gain_db=0.0) -> ChannelTrajectory:
    """A validated trajectory; scalars broadcast to the knot times.

    Raises PhyValueError naming the argument for non-finite values, fewer than two knots,
    mismatched lengths or times that do not strictly increase.
    """
    t = np.atleast_1d(as_f64(t_s, "t_s"))
    if t.ndim != 1 or t.size < 2:
        raise PhyValueError(f"t_s: expected at least 2 knot times, got shape {t.shape}",
                            CONST.ERR_LENGTH)
    cols = [t]
    for name, value in (("delay_s", delay_s), ("doppler_hz", doppler_hz), ("gain_db", gain_db)):
        col = np.atleast_1d(as_f64(value, name))
        if col.size == 1:
            col = np.full(t.size, col[0])
        if col.shape != t.shape:
            raise PhyValueError(f"{name}: {col.size} values for {t.size} knot times",
                                CONST.ERR_LENGTH)
        cols.append(np.ascontiguousarray(col))
    for name, col in zip(ChannelTrajectory._fields, cols, strict=True):
        bad = np.flatnonzero(~np.isfinite(col))
        if bad.size:
            raise PhyValueError(f"{name}: NaN or infinite at knot {bad[0]}", CONST.ERR_NAN)
    back = np.flatnonzero(np.diff(t) <= 0)
    if back.size:
        raise PhyValueError(f"t_s: not strictly increasing at knot {back[0] + 1}",
                            CONST.ERR_NOT_ORDERED)
    return ChannelTrajectory(*cols)


def as_scalar(value, name: str) -> float:
    """``value`` as a Python float; a clear error for arrays and non-numeric input."""
    arr = as_f64(value, name)
    if arr.size != 1:
        raise PhyValueError(f"{name}: expected a number, got shape {np.shape(value)}")
    return float(arr.reshape(()))


class ChannelSetup(NamedTuple):
    """Validated constructor arguments shared by the C-backed channel and its twin."""

    rate_hz: float
    trajectory: ChannelTrajectory
    start_s: float
    noise_power: float
    seed: int
    history_len: int


def channel_setup(rate_hz, trajectory, start_s, noise_power, seed,
                  max_delay_s) -> ChannelSetup:
    """Check the arguments of IQChannel; every error names the argument."""
    rate = as_scalar(rate_hz, "rate_hz")
    if not np.isfinite(rate) or rate <= 0:
        raise PhyValueError(f"rate_hz: must be a positive sample rate, got {rate_hz}",
                            CONST.ERR_RANGE)
    if not isinstance(trajectory, ChannelTrajectory):
        raise PhyValueError("trajectory: expected a ChannelTrajectory (channel_trajectory())")
    traj = channel_trajectory(*trajectory)
    start = float(traj.t_s[0]) if start_s is None else as_scalar(start_s, "start_s")
    if not traj.t_s[0] <= start < traj.t_s[-1]:
        raise PhyValueError(f"start_s: {start} s lies outside the trajectory "
                            f"[{traj.t_s[0]}, {traj.t_s[-1]}] s", CONST.ERR_TIME_RANGE)
    noise = as_scalar(noise_power, "noise_power")
    if not np.isfinite(noise) or not 0 <= noise <= CONST.IQ_MAX_NOISE_POWER:
        raise PhyValueError(f"noise_power: must be in [0, {CONST.IQ_MAX_NOISE_POWER:g}], got "
                            f"{noise_power}", CONST.ERR_RANGE)
    min_delay = CONST.IQ_MIN_DELAY_SAMPLES / rate
    low = np.flatnonzero(traj.delay_s < min_delay)
    if low.size:
        raise PhyValueError(f"trajectory.delay_s: {traj.delay_s[low[0]]} s at knot {low[0]} is "
                            f"below {CONST.IQ_MIN_DELAY_SAMPLES} samples ({min_delay:.3g} s)",
                            CONST.ERR_RANGE)
    reach = (float(traj.delay_s.max()) * 1.001 if max_delay_s is None
             else as_scalar(max_delay_s, "max_delay_s"))
    if reach < traj.delay_s.max():
        raise PhyValueError(f"max_delay_s: {reach} s is below the trajectory's largest delay "
                            f"{traj.delay_s.max()} s", CONST.ERR_RANGE)
    return ChannelSetup(rate, traj, start, noise, int(seed), b.iq_history_len(reach, rate))


def as_block(block, where: str = "block") -> np.ndarray:
    """A 1-D C-contiguous complex64 view of ``block``; other dtypes are an error (no silent
    conversion of float pairs or complex128)."""
    if not isinstance(block, np.ndarray) or block.dtype != np.complex64:
        kind = block.dtype if isinstance(block, np.ndarray) else type(block).__name__
        raise PhyValueError(f"{where}: expected a numpy complex64 array, got {kind}")
    if block.ndim != 1:
        raise PhyValueError(f"{where}: expected a 1-D array, got shape {block.shape}",
                            CONST.ERR_LENGTH)
    return np.ascontiguousarray(block)


def as_out(out, block: np.ndarray) -> np.ndarray:
    """``out`` checked as a writable C-contiguous complex64 array shaped like ``block``."""
    if not (isinstance(out, np.ndarray) and out.dtype == np.complex64
            and out.shape == block.shape and out.flags.c_contiguous and out.flags.writeable):
        raise PhyValueError(f"out: expected a writable contiguous complex64 array of shape "
                            f"{block.shape}", CONST.ERR_LENGTH)
    return out


def first_bad_sample(block: np.ndarray) -> int:
    """Index of the first NaN or infinite sample, -1 if none."""
    bad = np.flatnonzero(~np.isfinite(block))
    return int(bad[0]) if bad.size else -1


def time_range_error(setup: ChannelSetup, done: int, n: int) -> PhyValueError:
    """The error for a block that runs past the end of the trajectory."""
    end = setup.start_s + (done + n - 1) / setup.rate_hz
    return PhyValueError(f"trajectory: ends at t = {setup.trajectory.t_s[-1]} s but the block "
                         f"needs t = {end} s (samples {done}..{done + n - 1})",
                         CONST.ERR_TIME_RANGE)


class IQChannel:
    """A streaming channel: ``process(block) -> block`` on complex64 samples at rate_hz.

    rate_hz: sample rate (Hz). trajectory: ChannelTrajectory (channel_trajectory()).
    start_s: trajectory time of the first sample (default: the first knot).
    noise_power: complex Gaussian noise power per sample (linear, 0 = none), seed: its seed.
    max_delay_s: the largest delay the history must hold (default: the trajectory's largest
    delay plus 0.1 %). The state is a C struct; the history ring (about 8 bytes per sample of
    max delay) is a numpy array owned by this object.
    """

    def __init__(self, rate_hz, trajectory: ChannelTrajectory, *, start_s=None,
                 noise_power=0.0, seed: int = 0, max_delay_s=None):
        self.setup = channel_setup(rate_hz, trajectory, start_s, noise_power, seed, max_delay_s)
        s = self.setup
        self._state, self._history = b.iq_channel_new(s.history_len, s.rate_hz, s.start_s,
                                                      s.noise_power, s.seed)
        self._ptrs = b.iq_trajectory_ptrs(*s.trajectory)
        self._n_traj = s.trajectory.t_s.size

    @property
    def samples_done(self) -> int:
        """Samples processed so far (the index of the next input sample)."""
        return b.iq_samples_done(self._state)

    def process(self, block: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The channel output for the next len(block) samples (complex64, same length).

        ``out`` (complex64, same length; may be ``block``) receives the result if given.
        Raises PhyValueError for a wrong dtype or shape, NaN/infinite samples, a block that
        runs past the trajectory, or a delay outside the supported range (the channel is then
        unusable).
        """
        block = as_block(block)
        out = np.empty_like(block) if out is None else as_out(out, block)
        done = self.samples_done
        status = b.iq_channel_process(self._state, out, block, self._ptrs, self._n_traj)
        if status != CONST.OK:
            raise self._error(status, block, done)
        return out

    def _error(self, status: int, block: np.ndarray, done: int) -> PhyValueError:
        if status == CONST.ERR_NAN and first_bad_sample(block) >= 0:
            return PhyValueError(f"block: NaN or infinite sample at index "
                                 f"{first_bad_sample(block)}", status)
        if status == CONST.ERR_TIME_RANGE:
            return time_range_error(self.setup, done, block.size)
        return PhyValueError(f"trajectory: {b.strerror(status)} while processing samples "
                             f"{done}..{done + block.size - 1} (channel now unusable)", status)

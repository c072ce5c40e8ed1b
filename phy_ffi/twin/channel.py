"""numpy twin of csrc/iq_channel.c: the same channel, evaluated in closed form per sample.

Where the C core runs recurrences (a rotator re-seeded every NTN_IQ_RESEED samples, a delay
polynomial per re-seed interval), the twin evaluates every sample directly from the
trajectory: the cubic Hermite delay, the exact phase integral of the piecewise-linear
Doppler, the gain in dB. The filter bank, fixed-point positions and the noise generator
(splitmix64 + ziggurat, phy_ffi.twin.noise) are the same, so the two agree to float32
rounding.
"""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST, strerror
from phy_ffi.channel import (
    ChannelTrajectory,
    as_block,
    as_out,
    channel_setup,
    first_bad_sample,
    time_range_error,
)
from phy_ffi.errors import PhyValueError
from phy_ffi.twin.noise import gaussian_noise

__all__ = ["IQChannel", "sum_squares"]

TAPS = CONST.IQ_TAPS
HALF = TAPS // 2
PHASES = CONST.IQ_PHASES
KAISER_BETA = 7.4                 # as in csrc/iq_channel.c
FRAC_ONE = 2.0**32                # fixed-point unit of a sample
PHASE_SHIFT = 26                  # 32 - log2(PHASES)
PIECE = 65536                     # samples per vectorised step (bounds the twin's memory)


def filter_bank() -> tuple[np.ndarray, np.ndarray]:
    """(taps (PHASES + 1, TAPS), dtaps (PHASES, TAPS)) float32: the Kaiser windowed-sinc bank,
    rows normalised to unit DC gain; tap k multiplies sample floor(pos) - (HALF - 1) + k."""
    mu = np.arange(PHASES + 1)[:, None] / PHASES
    x = mu + (HALF - 1) - np.arange(TAPS)[None, :]
    window = np.i0(KAISER_BETA * np.sqrt(np.clip(1.0 - (x / HALF) ** 2, 0.0, None)))
    h = np.where(x == np.floor(x), (x == 0).astype(float), np.sinc(x)) * window / np.i0(
        KAISER_BETA)
    taps = (h / h.sum(axis=1, keepdims=True)).astype(np.float32)
    return taps, taps[1:] - taps[:-1]


def _hermite_slopes(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Knot slopes exact for quadratics: weighted secants inside, one-sided at the ends."""
    h, s = np.diff(t), np.diff(y) / np.diff(t)
    if t.size == 2:
        return np.array([s[0], s[0]])
    m = np.empty_like(y)
    m[1:-1] = (h[1:] * s[:-1] + h[:-1] * s[1:]) / (h[:-1] + h[1:])
    m[0] = 2.0 * s[0] - m[1]
    m[-1] = 2.0 * s[-1] - m[-2]
    return m


class IQChannel:
    """numpy twin of phy_ffi.IQChannel (same constructor, ``process`` and errors)."""

    def __init__(self, rate_hz, trajectory: ChannelTrajectory, *, start_s=None,
                 noise_power=0.0, seed: int = 0, max_delay_s=None):
        self.setup = channel_setup(rate_hz, trajectory, start_s, noise_power, seed, max_delay_s)
        traj = self.setup.trajectory
        self._taps, self._dtaps = filter_bank()
        self._slopes = _hermite_slopes(traj.t_s, traj.delay_s)
        flux = 0.5 * (traj.doppler_hz[1:] + traj.doppler_hz[:-1]) * np.diff(traj.t_s)
        self._cycles_at_knot = np.concatenate([[0.0], np.cumsum(flux)])
        self._cycles_at_start = self._cycles(np.array([self.setup.start_s]))[0]
        self._max_whole = self.setup.history_len - CONST.IQ_CHUNK - TAPS - 1
        ring = 1 << int(self._max_whole + TAPS + PIECE).bit_length()
        self._ring = np.zeros(ring, dtype=np.complex64)
        self._done = 0
        self._broken = False

    @property
    def samples_done(self) -> int:
        return self._done

    def _segments(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        knots = self.setup.trajectory.t_s
        i = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, knots.size - 2)
        return i, t - knots[i]

    def _cycles(self, t: np.ndarray) -> np.ndarray:
        traj = self.setup.trajectory
        i, tau = self._segments(t)
        k = (traj.doppler_hz[i + 1] - traj.doppler_hz[i]) / np.diff(traj.t_s)[i]
        return self._cycles_at_knot[i] + traj.doppler_hz[i] * tau + 0.5 * k * tau * tau

    def _delay_samples(self, t: np.ndarray) -> np.ndarray:
        traj, m = self.setup.trajectory, self._slopes
        i, tau = self._segments(t)
        h = np.diff(traj.t_s)[i]
        u, y0, y1, m0, m1 = tau / h, traj.delay_s[i], traj.delay_s[i + 1], h * m[i], h * m[i + 1]
        a2, a3 = 3.0 * (y1 - y0) - 2.0 * m0 - m1, 2.0 * (y0 - y1) + m0 + m1
        return self.setup.rate_hz * (y0 + u * (m0 + u * (a2 + u * a3)))

    def _rotator(self, t: np.ndarray) -> np.ndarray:
        traj = self.setup.trajectory
        i, tau = self._segments(t)
        gain_db = traj.gain_db[i] + (traj.gain_db[i + 1] - traj.gain_db[i]) * tau / np.diff(
            traj.t_s)[i]
        cycles = self._cycles(t) - self._cycles_at_start
        return 10.0 ** (gain_db / 20.0) * np.exp(2j * np.pi * (cycles - np.floor(cycles)))

    def _delayed(self, n: int, d: np.ndarray) -> np.ndarray:
        """The history at positions sample - d (samples), by the blended bank rows."""
        fixed = np.floor(d * FRAC_ONE + 0.5).astype(np.uint64)
        whole = (fixed + np.uint64(0xFFFFFFFF)) >> np.uint64(32)
        mu = (np.uint64(0) - fixed) & np.uint64(0xFFFFFFFF)
        if np.any(d < CONST.IQ_MIN_DELAY_SAMPLES) or np.any(whole > self._max_whole):
            self._broken = True
            raise PhyValueError(f"trajectory: {strerror(CONST.ERR_RANGE)} while processing samples "
                                f"{self._done}..{self._done + n - 1} (channel now unusable)",
                                CONST.ERR_RANGE)
        first = self._done + np.arange(n) - whole.astype(np.int64) - (HALF - 1)
        mask = self._ring.size - 1
        window = self._ring[(first[:, None] + np.arange(TAPS)[None, :]) & mask]
        row = (mu >> np.uint64(PHASE_SHIFT)).astype(np.intp)
        a = ((mu & np.uint64((1 << PHASE_SHIFT) - 1)).astype(np.float32)
             * np.float32(2.0**-PHASE_SHIFT))
        taps = self._taps[row] + a[:, None] * self._dtaps[row]
        return np.einsum("nk,nk->n", taps, window)

    def process(self, block: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        block = as_block(block)
        if self._broken:
            raise PhyValueError("IQChannel: unusable after an earlier error", CONST.ERR_STATE)
        if first_bad_sample(block) >= 0:
            raise PhyValueError(f"block: NaN or infinite sample at index "
                                f"{first_bad_sample(block)}", CONST.ERR_NAN)
        n, s = block.size, self.setup
        if n and s.start_s + (self._done + n - 1) / s.rate_hz > s.trajectory.t_s[-1]:
            raise time_range_error(s, self._done, n)
        result = np.concatenate([self._piece(block[k:k + PIECE])
                                 for k in range(0, n, PIECE)] or [block[:0]])
        if first_bad_sample(result) >= 0:   # a gain beyond float32, as the C core reports
            self._broken = True
            raise PhyValueError(f"trajectory: {strerror(CONST.ERR_RANGE)} while processing "
                                f"samples (output not finite)", CONST.ERR_RANGE)
        if out is None:
            return result
        out = as_out(out, block)
        out[...] = result
        return out

    def _piece(self, block: np.ndarray) -> np.ndarray:
        """Up to PIECE samples through the channel."""
        n, s = block.size, self.setup
        t = s.start_s + np.arange(self._done, self._done + n, dtype=np.float64) / s.rate_hz
        self._ring[np.arange(self._done, self._done + n) & (self._ring.size - 1)] = block
        y = self._delayed(n, self._delay_samples(t)) * self._rotator(t)
        if s.noise_power > 0:
            y = y + gaussian_noise(s.seed, self._done, n, s.noise_power)
        self._done += n
        with np.errstate(over="ignore"):   # an overflow is reported by process()
            return y.astype(np.complex64)


def sum_squares(x: np.ndarray, total: float = 0.0) -> float:
    """Twin of phy_ffi.sum_squares: the float32 squares of ``x`` (complex64: I and Q) summed
    by numpy in float64 from ``total``."""
    floats = np.ascontiguousarray(x).view(np.float32)
    return float(np.sum(np.square(floats), dtype=np.float64, initial=total))

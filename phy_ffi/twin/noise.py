"""numpy twin of csrc/iq_noise.c: the IQ channel's counter-based Gaussian noise.

splitmix64 output n gives sample n's I (low 32 bits) and Q (high 32 bits), each through the
ziggurat of Marsaglia and Tsang (2000) with the layers, bit fields, further draws and tail of
the C core (ntn_phy.h, section iq_channel). The inner-rectangle draws are the same float32
operations as the C core's, so they agree bit for bit; the rare wedge and tail draws decide in
float64 with numpy's exp / log, which agree with the C library's but for last-bit
differences that could flip a decision lying within an ulp of its threshold.
"""
from __future__ import annotations

import numpy as np

from phy_ffi._bindings import CONST

__all__ = ["gaussian_noise", "noise_tables", "splitmix64_at", "standard_normal"]

LAYERS = CONST.IQ_NOISE_LAYERS
R = CONST.IQ_NOISE_R
AREA = CONST.IQ_NOISE_AREA
DRAWS = CONST.IQ_NOISE_DRAWS
RETRY_KEY = np.uint64(CONST.IQ_NOISE_RETRY_KEY)
SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
LAYER_BITS = LAYERS.bit_length() - 1   # bits 0..LAYER_BITS-1 pick the layer, the next the sign
ABSCISSA_ONE = 2.0 ** (31 - LAYER_BITS)   # abscissa units per layer width (the other bits)
UNIT_32 = 2.0**-32
LOW_32 = np.uint64(0xFFFFFFFF)


def noise_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(inner uint32 (LAYERS,), width float32 (LAYERS,), edge float64 (LAYERS + 1,),
    height float64 (LAYERS + 1,)): the ziggurat as the C core builds it."""
    x = np.zeros(LAYERS + 1)
    x[0], x[1] = AREA / np.exp(-0.5 * R * R), R
    for i in range(1, LAYERS - 1):
        x[i + 1] = np.sqrt(-2.0 * np.log(np.exp(-0.5 * x[i] * x[i]) + AREA / x[i]))
    inner = (x[1:] / x[:-1] * ABSCISSA_ONE).astype(np.uint32)
    return inner, (x[:-1] / ABSCISSA_ONE).astype(np.float32), x, np.exp(-0.5 * x * x)


def splitmix64_at(seed: np.uint64, k: np.ndarray) -> np.ndarray:
    """Outputs k (uint64 array) of the splitmix64 stream seeded with seed."""
    with np.errstate(over="ignore"):
        z = seed + (k + np.uint64(1)) * SPLITMIX_GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _unit_open(bits: np.ndarray) -> np.ndarray:
    return ((bits & LOW_32).astype(np.float64) + 0.5) * UNIT_32


def _signed(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """x (float32) with the sign flipped where the sign bit of c is set."""
    return np.where((c & np.uint32(1 << LAYER_BITS)) != 0, -x, x)


def standard_normal(seed: int, q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """float32 standard normals of components q (uint64) from their 32 bits c (uint32)."""
    inner, width, _, height = noise_tables()
    seed2 = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ RETRY_KEY
    c, out = c.copy(), np.zeros(c.shape, np.float32)
    todo = np.arange(c.size)
    tail = np.zeros(c.size, bool)
    for j in range(DRAWS + 1):
        layer, u = c[todo] & np.uint32(LAYERS - 1), c[todo] >> np.uint32(LAYER_BITS + 1)
        x = u.astype(np.float32) * width[layer]
        inside = ~tail[todo] & ((u < inner[layer]) | (j == DRAWS))
        out[todo[inside]] = _signed(x[inside], c[todo[inside]])
        if j == DRAWS:
            break
        z = splitmix64_at(seed2, q[todo] * np.uint64(DRAWS) + np.uint64(j))
        a = -np.log(_unit_open(z)) / R
        tail[todo] |= ~inside & (layer == 0)
        tail_done = tail[todo] & ((2.0 * -np.log(_unit_open(z >> np.uint64(32))) > a * a)
                                  | (j == DRAWS - 1))
        out[todo[tail_done]] = _signed((R + a[tail_done]).astype(np.float32), c[todo[tail_done]])
        wedge = ~inside & ~tail[todo]
        y = height[layer] + _unit_open(z) * (height[layer + 1] - height[layer])
        x64 = x.astype(np.float64)
        under = wedge & (y < np.exp(-0.5 * x64 * x64))
        out[todo[under]] = _signed(x[under], c[todo[under]])
        retry = wedge & ~under
        c[todo[retry]] = (z[retry] >> np.uint64(32)).astype(np.uint32)
        todo = todo[(retry | (tail[todo] & ~tail_done))]
        if not todo.size:
            break
    return out


def gaussian_noise(seed: int, first: int, n: int, noise_power: float) -> np.ndarray:
    """complex64 noise of power noise_power for samples first..first+n-1 (as the C core)."""
    index = np.arange(first, first + n, dtype=np.uint64)
    z = splitmix64_at(np.uint64(seed & 0xFFFFFFFFFFFFFFFF), index)
    c = np.stack([(z & LOW_32), z >> np.uint64(32)], axis=1).astype(np.uint32).ravel()
    q = np.stack([2 * index, 2 * index + np.uint64(1)], axis=1).ravel()
    sigma = np.float32(np.sqrt(0.5 * noise_power))
    return (sigma * standard_normal(seed, q, c)).view(np.complex64)

"""Input preparation shared by the C-backed API and its numpy twin, and output allocation."""
from __future__ import annotations

import numpy as np

from phy_ffi.errors import PhyValueError


def as_f64(value, name: str) -> np.ndarray:
    """``value`` as a C-contiguous float64 array; a clear error for non-numeric input and
    for complex input (numpy would drop the imaginary part with only a warning)."""
    if np.iscomplexobj(value):
        raise PhyValueError(f"{name}: complex values where real ones are expected")
    try:
        return np.ascontiguousarray(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise PhyValueError(f"{name}: not numeric ({exc})") from None


def as_scalar(value, name: str) -> float:
    """``value`` as one float; PhyValueError naming ``name`` for anything else."""
    if np.iscomplexobj(value):
        raise PhyValueError(f"{name}: complex values where real ones are expected")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PhyValueError(f"{name}: expected a number, got {value!r}") from None


def flat_pairs(**arrays) -> list[np.ndarray]:
    """Broadcast named 1-D inputs (scalars allowed) to one common length n, as float64.

    Raises PhyValueError naming the arguments when the lengths cannot be matched.
    """
    parts = [np.atleast_1d(as_f64(v, k)) for k, v in arrays.items()]
    for name, part in zip(arrays, parts, strict=True):
        if part.ndim != 1:
            raise PhyValueError(f"{name}: expected a scalar or 1-D array, got shape {part.shape}")
    try:
        return [np.ascontiguousarray(p) for p in np.broadcast_arrays(*parts)]
    except ValueError:
        shapes = ", ".join(f"{k}={p.shape[0]}" for k, p in zip(arrays, parts, strict=True))
        raise PhyValueError(f"mismatched lengths: {shapes}") from None


def vectors3(value, name: str) -> np.ndarray:
    """An (n, 3) float64 array from one 3-vector or an (n, 3) array."""
    out = np.atleast_2d(as_f64(value, name))
    if out.ndim != 2 or out.shape[1] != 3:
        raise PhyValueError(f"{name}: expected shape (3,) or (n, 3), got {np.shape(value)}")
    return np.ascontiguousarray(out)


def paired_vectors3(**arrays) -> list[np.ndarray]:
    """Broadcast named (n, 3) / (3,) inputs to a common n."""
    parts = [vectors3(v, k) for k, v in arrays.items()]
    n = max(p.shape[0] for p in parts)
    if any(p.shape[0] not in (1, n) for p in parts):
        shapes = ", ".join(f"{k}={p.shape[0]}" for k, p in zip(arrays, parts, strict=True))
        raise PhyValueError(f"mismatched lengths: {shapes}")
    return [np.ascontiguousarray(np.broadcast_to(p, (n, 3))) for p in parts]


CACHE_LINE_BYTES = 64  # x86-64 and most AArch64 cores


def line_aligned_empty(shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """An uninitialised C-contiguous array whose first element starts a 64-byte cache line
    (numpy's large arrays start 16 bytes into one): the C core streams whole lines of large
    outputs past the caches, and a line it can only write in part costs a read from memory."""
    dtype = np.dtype(dtype)
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(n_bytes + CACHE_LINE_BYTES, dtype=np.uint8)
    start = -raw.ctypes.data % CACHE_LINE_BYTES
    return raw[start:start + n_bytes].view(dtype).reshape(shape)

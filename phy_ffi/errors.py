"""Exceptions of the C core: status codes inside, exceptions outside (STYLE rule 4)."""
from __future__ import annotations

import numpy as np


class PhyError(Exception):
    """Base of every error raised by phy_ffi; ``status`` is the C status code."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class PhyValueError(PhyError, ValueError):
    """Bad input: NaN, out of range, mismatched lengths, wrong shape or dtype."""


def error_for(status: int, where: str) -> PhyError:
    """The exception for a non-zero status code, naming the function or argument."""
    from phy_ffi._bindings import strerror

    return PhyValueError(f"{where}: {strerror(int(status))} (status {int(status)})", int(status))


def check_status(status: np.ndarray | int, where: str) -> None:
    """Raise for the first non-zero entry of a status code or per-element status array."""
    codes = np.atleast_1d(np.asarray(status))
    bad = np.flatnonzero(codes)
    if bad.size:
        index = int(bad[0])
        suffix = f" [element {index} of {codes.size}]" if codes.size > 1 else ""
        raise error_for(int(codes[index]), where + suffix)

"""Exceptions of the C core: status codes inside, exceptions outside (STYLE rule 4).

The status code -> exception mapping (``error_for``, ``check_status``) is in
phy_ffi._bindings, beside the C core's message table it reads."""
from __future__ import annotations


class PhyError(Exception):
    """Base of every error raised by phy_ffi; ``status`` is the C status code."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class PhyValueError(PhyError, ValueError):
    """Bad input: NaN, out of range, mismatched lengths, wrong shape or dtype."""


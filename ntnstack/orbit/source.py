"""The orbit-source interface: a satellite as ECEF states at any time, and the sampled
ECEF tables that the C core interpolates (cubic Hermite, phy_ffi.hermite_states).

Table step (``hermite_step_s``): the error of cubic Hermite interpolation between samples h
apart is at most h^4 / 384 * max|r''''| (the remainder of two-point Hermite interpolation).
For a near-circular orbit seen from the rotating Earth, |r''''| <= r (n + omega_E)^4, with n
the orbital angular rate. The step is chosen for a 1 m bound with a factor 0.7 margin
(about 55 s for LEO-600, 300 s cap for GEO), and tests check the bound against direct
propagation.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import numpy as np

from ntnstack.errors import InputError
from phy_ffi import CONST

HERMITE_ERROR_BOUND_M = 1.0
MAX_TABLE_STEP_S = 300.0
MIN_TABLE_STEP_S = 1.0
MAX_TABLE_ROWS = 2_000_000


class EphemerisTable(NamedTuple):
    """ECEF samples of one satellite: t_unix_s (m,), pos_m (m, 3), vel_mps (m, 3)."""

    t_unix_s: np.ndarray
    pos_m: np.ndarray
    vel_mps: np.ndarray


class OrbitSource(ABC):
    """One satellite. Subclasses set ``name`` and implement ``states``."""

    name: str = "satellite"

    @abstractmethod
    def states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        """ECEF (pos_m (n, 3), vel_mps (n, 3)) at unix times t_unix_s (n,)."""

    def checked_states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        """``states``, or InputError naming the first time the orbit cannot be propagated
        (a decayed TLE, invalid elements)."""
        pos, vel = self.states(t_unix_s)
        bad = ~(np.all(np.isfinite(pos), axis=-1) & np.all(np.isfinite(vel), axis=-1))
        if np.any(bad):
            from ntnstack.clock import format_iso8601

            when = format_iso8601(np.atleast_1d(t_unix_s)[np.flatnonzero(bad)[0]])
            raise InputError(f"{self.name}: the orbit cannot be propagated over the span "
                             f"(decayed or invalid elements: no position at {when})")
        return pos, vel

    def check_span(self, start_unix_s: float, duration_s: float) -> None:
        """InputError when the orbit cannot be propagated at 33 times over the span."""
        self.checked_states(start_unix_s + np.linspace(0.0, max(duration_s, 0.0), 33))

    def hermite_step_s(self, start_unix_s: float, duration_s: float) -> float:
        """Table step (s) that keeps the cubic Hermite error below 1 m over the span."""
        t = start_unix_s + np.linspace(0.0, max(duration_s, 0.0), 33)
        pos, vel = self.checked_states(t)
        r = np.linalg.norm(pos, axis=1)
        inertial_speed = np.linalg.norm(vel, axis=1) + CONST.EARTH_ROTATION_RADPS * r
        rate = np.max(inertial_speed / r) + CONST.EARTH_ROTATION_RADPS
        step = 0.7 * (384.0 * HERMITE_ERROR_BOUND_M / (np.max(r) * rate**4)) ** 0.25
        return float(np.clip(step, MIN_TABLE_STEP_S, MAX_TABLE_STEP_S))

    def table(self, start_unix_s: float, duration_s: float, step_s: float | None = None
              ) -> EphemerisTable:
        """Samples covering [start, start + duration] (one extra sample past the end)."""
        if not (np.isfinite(start_unix_s) and np.isfinite(duration_s) and duration_s >= 0):
            raise InputError(f"{self.name}: table span must be finite and duration >= 0")
        step = self.hermite_step_s(start_unix_s, duration_s) if step_s is None else step_s
        if not (np.isfinite(step) and step > 0):
            raise InputError(f"{self.name}: table step must be > 0 s, got {step}")
        count = int(np.ceil(duration_s / step)) + 2
        if count > MAX_TABLE_ROWS:
            raise InputError(f"{self.name}: {count} table rows exceed {MAX_TABLE_ROWS}")
        t = start_unix_s + step * np.arange(count, dtype=np.float64)
        return EphemerisTable(t, *self.checked_states(t))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

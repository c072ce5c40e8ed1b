"""Test signals and trajectories for the IQ channel tests, in closed form.

A multitone signal is known at any instant, so the exact output of an ideal channel
(delay tau(t): x(t - tau(t))) is computable for comparison. The LEO pass is an overhead pass
of a circular orbit over a spherical Earth (TR 38.821 reference geometry: R = 6371 km, 600 km
altitude), without Earth rotation: simple, exact, and with the delay rates of a real pass.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import CONST


class Multitone(NamedTuple):
    freqs_hz: np.ndarray
    amps: np.ndarray      # complex amplitudes; total power 1

    def at(self, t_s: np.ndarray) -> np.ndarray:
        """x(t), complex128."""
        return np.exp(2j * np.pi * np.outer(t_s, self.freqs_hz)) @ self.amps

    def slope(self, t_s: np.ndarray) -> np.ndarray:
        """dx/dt (per second)."""
        return np.exp(2j * np.pi * np.outer(t_s, self.freqs_hz)) @ (
            2j * np.pi * self.freqs_hz * self.amps)


def multitone(rate_hz: float, band_fraction: float = 0.3, tones: int = 24,
              seed: int = 3) -> Multitone:
    """Random tones within |f| <= band_fraction * rate_hz, random phases, unit total power."""
    rng = np.random.default_rng(seed)
    freqs = rng.uniform(-band_fraction, band_fraction, tones) * rate_hz
    amps = np.exp(2j * np.pi * rng.uniform(size=tones)) / np.sqrt(tones)
    return Multitone(freqs, amps)


class Pass(NamedTuple):
    t_s: np.ndarray
    delay_s: np.ndarray
    doppler_hz: np.ndarray


def leo_pass(freq_hz: float = 2.0e9, altitude_m: float = 600e3, step_s: float = 0.1,
             min_elevation_deg: float = 10.0) -> Pass:
    """Overhead pass, t = 0 at zenith, knots every step_s between the minimum elevations."""
    t = np.arange(-300.0, 300.0 + step_s / 2, step_s)
    delay = leo_delay_s(t, altitude_m)
    r = delay * CONST.SPEED_OF_LIGHT_MPS
    a = CONST.EARTH_RADIUS_3GPP_M + altitude_m
    elevation = np.degrees(np.arcsin((a * np.cos(_angle(t, a)) - CONST.EARTH_RADIUS_3GPP_M) / r))
    keep = elevation >= min_elevation_deg
    rate = np.gradient(delay, t)
    return Pass(t[keep], delay[keep], -freq_hz * rate[keep])


def _angle(t_s, a_m):
    return np.sqrt(CONST.EARTH_MU_M3PS2 / a_m**3) * np.asarray(t_s)


def leo_delay_s(t_s, altitude_m: float = 600e3) -> np.ndarray:
    """One-way delay (s) of the overhead pass at times t_s."""
    a, r_e = CONST.EARTH_RADIUS_3GPP_M + altitude_m, CONST.EARTH_RADIUS_3GPP_M
    rng = np.sqrt(r_e**2 + a**2 - 2.0 * r_e * a * np.cos(_angle(t_s, a)))
    return rng / CONST.SPEED_OF_LIGHT_MPS


def complex_noise(n: int, seed: int = 1) -> np.ndarray:
    """Unit-power complex Gaussian samples, complex64."""
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(
        np.complex64)


def power_ratio_db(error: np.ndarray, reference: np.ndarray) -> float:
    """10 log10(mean |error|^2 / mean |reference|^2)."""
    ratio = np.mean(np.abs(error) ** 2) / np.mean(np.abs(reference) ** 2)
    return float(10 * np.log10(max(ratio, 1e-30)))   # an exact match reads as -300 dB

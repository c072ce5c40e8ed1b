"""Two-body (optionally J2-secular) orbits from 3GPP orbital elements, and circular orbits.

Elements are given in the ECI frame aligned with ECEF at ``epoch_unix_s``
(ntnstack.orbit.elements); ECEF at t is that frame turned by omega_E (t - epoch). This
ignores precession/nutation over the span (general precession 50 arcsec/year, i.e. about
5 m at LEO radius after a day).

J2 secular drift (optional): the classical first-order secular rates of the node, periapsis
and mean anomaly (e.g. Vallado, Fundamentals of Astrodynamics and Applications, chapter 9).
Short-period J2 terms (~ km at LEO) are not modelled, so with ``j2=True`` the orbit keeps
the right plane precession (e.g. sun-synchronous) but is no high-precision propagator.
"""
from __future__ import annotations

import numpy as np

from ntnstack.orbit.elements import OrbitalElements, elements_to_state
from ntnstack.orbit.frames import inertial_to_rotating
from ntnstack.orbit.source import OrbitSource
from phy_ffi import CONST

# EGM96 (Lemoine et al. 1998) normalised C20bar = -0.484166774985e-3; J2 = -sqrt(5) * C20bar.
EARTH_J2 = 1.082626683553e-3

__all__ = ["EARTH_J2", "KeplerSource", "circular_elements", "drifted"]


def circular_elements(altitude_m: float, inclination_deg: float, raan_deg: float,
                      arg_latitude_deg: float) -> OrbitalElements:
    """Circular orbit ``altitude_m`` above the TR 38.811 spherical Earth (R = 6 371 km).

    ``raan_deg`` is the longitude of the ascending node in the ECI frame aligned with ECEF
    at the epoch, i.e. the Earth-fixed longitude of the node at the epoch.
    """
    return OrbitalElements(CONST.EARTH_RADIUS_3GPP_M + altitude_m, 0.0, 0.0, np.radians(raan_deg),
                           np.radians(inclination_deg), np.radians(arg_latitude_deg))


def drifted(elements: OrbitalElements, rates, dt_s) -> OrbitalElements:
    """``elements`` dt_s after their epoch under the secular ``rates`` (node, periapsis, mean
    anomaly - n, rad/s; KeplerSource.secular_rates); arrays broadcast."""
    a, e, argp, raan, inc, m0 = elements
    node_dot, argp_dot, m_dot = rates
    return OrbitalElements(a, e, argp + argp_dot * dt_s, raan + node_dot * dt_s, inc,
                           m0 + m_dot * dt_s)


class KeplerSource(OrbitSource):
    """A satellite on a Keplerian orbit; elements at ``epoch_unix_s``."""

    def __init__(self, elements: OrbitalElements, epoch_unix_s: float, name: str = "kepler",
                 j2: bool = False):
        self.elements = OrbitalElements(*(float(x) for x in elements))
        self.epoch_unix_s = float(epoch_unix_s)
        self.name = name
        self.j2 = j2
        elements_to_state(self.elements)  # validate now, not on first use

    def secular_rates(self) -> tuple[float, float, float]:
        """Secular d(node)/dt, d(periapsis)/dt, d(M)/dt - n in rad/s (zero without J2)."""
        if not self.j2:
            return 0.0, 0.0, 0.0
        a, e, _, _, inc, _ = self.elements
        n = np.sqrt(CONST.EARTH_MU_M3PS2 / a**3)
        p = a * (1.0 - e * e)
        k = 1.5 * n * EARTH_J2 * (CONST.WGS84_A_M / p) ** 2
        ci2 = np.cos(inc) ** 2
        return (-k * np.cos(inc), 0.5 * k * (5.0 * ci2 - 1.0),
                0.5 * k * np.sqrt(1.0 - e * e) * (3.0 * ci2 - 1.0))

    def eci_states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        """States in the ECI frame aligned with ECEF at the epoch, shape (n, 3)."""
        dt = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64)) - self.epoch_unix_s
        return elements_to_state(drifted(self.elements, self.secular_rates(), dt), dt)

    def states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        dt = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64)) - self.epoch_unix_s
        pos, vel = self.eci_states(t_unix_s)
        return inertial_to_rotating(pos, vel, CONST.EARTH_ROTATION_RADPS * dt)

"""GEO slots: a geosynchronous satellite at a longitude, with optional inclination,
eccentricity and a station-keeping box.

Model (stated, not fitted to any operator's data):
- a two-body orbit with the geosynchronous semi-major axis a = (mu / omega_E^2)^(1/3)
  (42 164.17 km), at its ascending node at the slot longitude at the epoch. A non-zero
  inclination i gives the daily figure-eight: latitude +-i, longitude +-(i^2/4) rad
  (i = 0.1 deg: +-1.6e-3 deg); eccentricity e gives a daily longitude swing of +-2e rad and
  radial +-a e;
- the east-west station-keeping box: the longitude librates sinusoidally,
  lon(t) = lon0 + box_half_width_deg * sin(2 pi (t - epoch) / box_period_s), standing in for
  the drift between manoeuvres (really parabolic under the Earth's triaxiality, period of
  one to two weeks; 14 days by default). Operators keep +-0.05 to +-0.1 deg.
"""
from __future__ import annotations

import numpy as np

from ntnstack.orbit.elements import OrbitalElements
from ntnstack.orbit.frames import rotate_z
from ntnstack.orbit.kepler import KeplerSource
from ntnstack.orbit.source import OrbitSource
from phy_ffi import CONST

__all__ = ["GeoSlot", "geosynchronous_radius_m"]

DEFAULT_BOX_PERIOD_S = 14 * 86400.0


def geosynchronous_radius_m() -> float:
    """Two-body radius whose mean motion is the Earth's sidereal rate, m."""
    return float((CONST.EARTH_MU_M3PS2 / CONST.EARTH_ROTATION_RADPS**2) ** (1.0 / 3.0))


class GeoSlot(OrbitSource):
    """A GEO satellite kept at ``lon_deg`` (east positive)."""

    def __init__(self, lon_deg: float, epoch_unix_s: float, name: str | None = None,
                 inclination_deg: float = 0.0, eccentricity: float = 0.0,
                 box_half_width_deg: float = 0.0,
                 box_period_s: float = DEFAULT_BOX_PERIOD_S):
        if not -180.0 <= lon_deg <= 360.0:
            raise ValueError(f"GEO longitude {lon_deg} deg is outside [-180, 360]")
        self.lon_deg = float(lon_deg)
        self.name = name or f"GEO {lon_deg:g}E"
        self.epoch_unix_s = float(epoch_unix_s)
        self.box_half_width_deg = float(box_half_width_deg)
        self.box_period_s = float(box_period_s)
        elements = OrbitalElements(geosynchronous_radius_m(), eccentricity, 0.0,
                                   np.radians(lon_deg), np.radians(inclination_deg), 0.0)
        self._orbit = KeplerSource(elements, epoch_unix_s, self.name)

    def states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        pos, vel = self._orbit.states(t_unix_s)
        if self.box_half_width_deg == 0.0:
            return pos, vel
        dt = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64)) - self.epoch_unix_s
        w = 2.0 * np.pi / self.box_period_s
        shift = np.radians(self.box_half_width_deg) * np.sin(w * dt)
        rate = np.radians(self.box_half_width_deg) * w * np.cos(w * dt)
        pos = rotate_z(pos, -shift)
        vel = rotate_z(vel, -shift)
        vel = vel + rate[:, None] * np.stack([-pos[:, 1], pos[:, 0], np.zeros(len(dt))], axis=1)
        return pos, vel

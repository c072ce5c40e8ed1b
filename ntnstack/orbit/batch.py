"""Positions of many satellites in one vectorised call.

A constellation search asks the same question of every satellite: where is it at these
times? ``SourceBatch`` answers it for a list of orbit sources either on a shared time grid
(``positions_grid``, satellites x times) or for one time per query (``positions_at``, the
lock-step root refinement of many passes at once). Keplerian sources (Walker and circular
presets) are propagated together from stacked elements; TLE sources go through one
SatrecArray call per grid; any other source falls back to its own ``states``.
"""
from __future__ import annotations

import numpy as np

from ntnstack.orbit.elements import OrbitalElements, elements_to_state, kepler_eccentric_anomaly
from ntnstack.orbit.frames import rotate_z
from ntnstack.orbit.kepler import KeplerSource, drifted
from ntnstack.orbit.source import OrbitSource
from ntnstack.orbit.tle import TleSource, states_of
from phy_ffi import CONST

__all__ = ["SourceBatch"]

POINTS_PER_CALL = 262_144   # positions computed per vectorised call (bounds temporaries)


class SourceBatch:
    """ECEF positions (m) of ``sources`` at many times, vectorised across satellites."""

    def __init__(self, sources: list[OrbitSource]):
        self.sources = list(sources)
        self._kepler = None
        if self.sources and all(isinstance(s, KeplerSource) for s in self.sources):
            cols = np.array([s.elements for s in self.sources], dtype=np.float64).T
            rates = np.array([s.secular_rates() for s in self.sources], dtype=np.float64).T
            epochs = np.array([s.epoch_unix_s for s in self.sources], dtype=np.float64)
            self._kepler = (cols, rates, epochs)
            self._fixed_plane = not np.any(rates)
            if self._fixed_plane:
                a, e, argp, raan, inc, _ = cols
                unit = OrbitalElements(np.ones_like(a), np.zeros_like(e), argp, raan, inc,
                                       np.zeros_like(a))
                # Perifocal axes in the ECI frame: P at E = 0, Q a quarter turn later.
                self._p_axis = elements_to_state(unit, 0.0)[0]
                self._q_axis = elements_to_state(unit._replace(mean_anomaly_rad=np.full_like(
                    a, 0.5 * np.pi)), 0.0)[0]

    def __len__(self) -> int:
        return len(self.sources)

    def positions_grid(self, t_unix_s: np.ndarray, first: int = 0, stop: int | None = None
                       ) -> np.ndarray:
        """Positions of sources[first:stop] at every time: shape (satellites, times, 3)."""
        t = np.asarray(t_unix_s, dtype=np.float64)
        stop = len(self.sources) if stop is None else stop
        chosen = self.sources[first:stop]
        if chosen and all(isinstance(s, TleSource) for s in chosen):
            return states_of(chosen, t)[0]
        idx = np.repeat(np.arange(first, stop), t.size)
        return self.positions_at(idx, np.tile(t, stop - first)).reshape(stop - first, t.size, 3)

    def positions_at(self, idx: np.ndarray, t_unix_s: np.ndarray) -> np.ndarray:
        """Position of sources[idx[i]] at t_unix_s[i]: shape (n, 3)."""
        idx = np.asarray(idx, dtype=np.intp)
        t = np.asarray(t_unix_s, dtype=np.float64)
        out = np.empty((idx.size, 3))
        for lo in range(0, idx.size, POINTS_PER_CALL):
            part = slice(lo, lo + POINTS_PER_CALL)
            out[part] = (self._kepler_at(idx[part], t[part]) if self._kepler is not None
                         else self._each_at(idx[part], t[part]))
        return out

    def _kepler_at(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """KeplerSource.states for stacked elements (same formulas, J2 secular rates)."""
        elements, rates, epochs = self._kepler
        dt = t - epochs[idx]
        if self._fixed_plane:
            a_i, e_i, m0_i = elements[0][idx], elements[1][idx], elements[5][idx]
            ecc_anom = kepler_eccentric_anomaly(
                m0_i + np.sqrt(CONST.EARTH_MU_M3PS2 / a_i**3) * dt, e_i)
            u = a_i * (np.cos(ecc_anom) - e_i)
            w = a_i * np.sqrt(1.0 - e_i * e_i) * np.sin(ecc_anom)
            pos = self._p_axis[idx] * u[:, None] + self._q_axis[idx] * w[:, None]
            return rotate_z(pos, CONST.EARTH_ROTATION_RADPS * dt)
        mine = OrbitalElements(*(x[idx] for x in elements))
        pos, _ = elements_to_state(drifted(mine, [r[idx] for r in rates], dt), dt)
        return rotate_z(pos, CONST.EARTH_ROTATION_RADPS * dt)

    def _each_at(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """One ``states`` call per distinct source (TLE, GEO slots, mixed lists)."""
        out = np.empty((idx.size, 3))
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        cuts = np.flatnonzero(np.diff(sorted_idx)) + 1
        for group in np.split(order, cuts):
            if group.size:
                out[group] = self.sources[int(idx[group[0]])].states(t[group])[0]
        return out

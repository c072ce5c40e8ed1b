"""Satellites x terminals x times in one C call (phy_ffi.link_grid): constellation views.

All satellites are tabulated on one common time grid (the smallest Hermite step of the
sources, ntnstack.orbit.source) and interpolated together by phy_ffi.hermite_states.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.defaults import DEFAULT_FREQ_DL_HZ, DEFAULT_FREQ_UL_HZ, DEFAULT_MIN_ELEVATION_DEG
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.source import OrbitSource

__all__ = ["LinkGrid", "checked_terminals", "checked_times", "gateway_elevation_deg",
           "gateway_points", "grid_states", "link_grid"]


@dataclass(frozen=True)
class LinkGrid:
    """``link`` fields shaped (S satellites, U terminals, T times); ``visible`` likewise."""

    satellites: list[str]
    terminals: list[GroundPoint]
    t_unix_s: np.ndarray
    link: phy_ffi.LinkStates
    gateway_elevation_deg: np.ndarray  # (S, T), NaN without gateways
    visible: np.ndarray


def checked_times(t_unix_s) -> np.ndarray:
    """The times (unix s) of a grid as a 1-D float64 array (a scalar is one time); InputError
    naming the element when one is not finite or comes before the one ahead of it."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    if t.ndim != 1:
        raise InputError(f"t_unix_s: expected one time or a 1-D sequence, got shape {t.shape}")
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise InputError(f"t_unix_s: element {bad[0]} is {t[bad[0]]}, not a finite time")
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        raise InputError(f"t_unix_s: element {back[0] + 1} ({t[back[0] + 1]}) comes before "
                         f"element {back[0]} ({t[back[0]]}): times must not decrease")
    return t


def checked_terminals(terminals: list[GroundPoint]) -> np.ndarray:
    """ECEF (U, 3) m of the terminals; InputError when there are none."""
    if not len(terminals):
        raise InputError("terminals: none given")
    return np.stack([u.ecef_m for u in terminals])


def grid_states(sources: list[OrbitSource], t_unix_s: np.ndarray) -> phy_ffi.SatStates:
    """ECEF states (S, T, 3) of every source at the times (checked_times), through one
    batched Hermite call."""
    if not sources:
        raise InputError("sources: no satellites")
    t = checked_times(t_unix_s)
    if not t.size:
        raise InputError("t_unix_s: no times")
    t0, span = float(t[0]), float(t[-1] - t[0])
    step = min(s.hermite_step_s(t0, span) for s in sources)
    tables = [s.table(t0, span, step) for s in sources]
    pos = np.stack([tb.pos_m for tb in tables])
    vel = np.stack([tb.vel_mps for tb in tables])
    states = phy_ffi.hermite_states(t - t0, tables[0].t_unix_s - t0, pos, vel)
    phy_ffi.check_status(states.status, "hermite_states(grid)")
    return states


def gateway_points(gateways: GroundPoint | list[GroundPoint] | None,
                   n_sat: int) -> np.ndarray | None:
    """ECEF (G, 3) m of ``gateways``, one for all ``n_sat`` satellites or one each; None
    without gateways."""
    gw_list = [gateways] if isinstance(gateways, GroundPoint) else gateways
    gw = None if gw_list is None else np.stack([g.ecef_m for g in gw_list])
    if gw is not None and gw.shape[0] not in (1, n_sat):
        raise InputError(f"--gateway: {gw.shape[0]} gateways for {n_sat} satellites")
    return gw


def gateway_elevation_deg(sat: phy_ffi.SatStates, gw: np.ndarray | None) -> np.ndarray:
    """(S, T) elevation (deg) of each satellite seen from its gateway (``gateway_points``);
    NaN without gateways."""
    if gw is None:
        return np.full(sat.pos_m.shape[:2], np.nan)
    rows = np.broadcast_to(gw[:, None, :], sat.pos_m.shape).reshape(-1, 3)
    el = phy_ffi.look_angles(sat.pos_m.reshape(-1, 3), rows).elevation_deg
    return el.reshape(sat.pos_m.shape[:2])


def link_grid(sources: list[OrbitSource], terminals: list[GroundPoint], t_unix_s,
              gateways: GroundPoint | list[GroundPoint] | None = None, *,
              freq_dl_hz: float = DEFAULT_FREQ_DL_HZ, freq_ul_hz: float = DEFAULT_FREQ_UL_HZ,
              min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG) -> LinkGrid:
    """Every (satellite, terminal, time); ``gateways``: one for all satellites or one each.

    Visible: service-link elevation >= the mask and, with gateways, the satellite's gateway
    sees it above the mask too (transparent payload).
    """
    t = checked_times(t_unix_s)
    ue = checked_terminals(terminals)
    sat = grid_states(sources, t)
    gw = gateway_points(gateways, len(sources))
    link = phy_ffi.link_grid(sat.pos_m, sat.vel_mps, sat.acc_mps2, ue, gw,
                             freq_dl_hz=freq_dl_hz, freq_ul_hz=freq_ul_hz)
    visible = np.nan_to_num(link.elevation_deg, nan=-90.0) >= min_elevation_deg
    gw_el = gateway_elevation_deg(sat, gw)
    if gw is not None:
        visible &= (np.nan_to_num(gw_el, nan=-90.0) >= min_elevation_deg)[:, None, :]
    return LinkGrid([s.name for s in sources], list(terminals), t, link, gw_el, visible)

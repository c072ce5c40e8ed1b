"""Constellation visibility over any span in bounded memory: the link grid in blocks.

``visible_counts`` walks time blocks (the satellites' states for one block at a time) and,
inside each, terminal blocks through phy_ffi.link_grid, asking for the elevation alone, into
one reused pair of output buffers, keeping only the number of visible satellites per
terminal and time. Memory: the buffers (``max_elements`` x 12 bytes: the float64 elevation
and the int32 status), one time block's satellite states (S x T_block x 72 bytes) and the
(U, T) int32 result, whatever the span or the number of terminals.
"""
from __future__ import annotations

import numpy as np

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.link.defaults import DEFAULT_FREQ_DL_HZ, DEFAULT_FREQ_UL_HZ, DEFAULT_MIN_ELEVATION_DEG
from ntnstack.link.grid import (checked_terminals, checked_times, gateway_elevation_deg,
                                gateway_points, grid_states)
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.source import OrbitSource

__all__ = ["MAX_GRID_ELEMENTS", "grid_blocks", "visible_counts"]

MAX_GRID_ELEMENTS = 1 << 22   # (satellite, terminal, time) elements per C call: 50 MB of buffers
FIELDS = ("elevation_deg",)   # all that visibility needs: 1 of the 15 fields written
BYTES_PER_ELEMENT = 8 * len(FIELDS) + 4


def grid_blocks(n_sat: int, n_ue: int, n_t: int, max_elements: int) -> tuple[int, int]:
    """(times, terminals) per block: as many times as fit with one terminal, then terminals;
    at least one of each (a block of one terminal and one time holds every satellite)."""
    if max_elements < 1:
        raise InputError(f"max_elements: {max_elements} must be at least 1")
    times = max(1, min(n_t, max_elements // max(n_sat, 1)))
    return times, max(1, min(n_ue, max_elements // max(n_sat * times, 1)))


def _block_states(sources: list[OrbitSource], times: np.ndarray) -> phy_ffi.SatStates:
    """States (S, T, 3) at the block's times (a lone time through a 1 s table)."""
    if times.size > 1:
        return grid_states(sources, times)
    two = grid_states(sources, np.array([times[0], times[0] + 1.0]))
    return phy_ffi.SatStates(*(np.ascontiguousarray(f[:, :1]) for f in two))


def visible_counts(sources: list[OrbitSource], terminals: list[GroundPoint], t_unix_s,
                   gateways: GroundPoint | list[GroundPoint] | None = None, *,
                   freq_dl_hz: float = DEFAULT_FREQ_DL_HZ, freq_ul_hz: float = DEFAULT_FREQ_UL_HZ,
                   min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                   max_elements: int = MAX_GRID_ELEMENTS) -> np.ndarray:
    """(U, T) int32: how many satellites each terminal sees at each time, visible as
    ntnstack.link.link_grid defines it (elevation >= the mask at the terminal and, with
    gateways, at the satellite's gateway), computed in blocks of at most ``max_elements``.
    Times in unix s, finite and not decreasing (InputError naming the element otherwise)."""
    t = checked_times(t_unix_s)
    ue = checked_terminals(terminals)
    if not sources:
        raise InputError("sources: no satellites")
    n_sat, n_ue, n_t = len(sources), ue.shape[0], t.size
    gw = gateway_points(gateways, n_sat)
    t_block, u_block = grid_blocks(n_sat, n_ue, n_t, max_elements)
    flat_fields = np.empty(len(FIELDS) * n_sat * u_block * t_block)
    flat_status = np.empty(n_sat * u_block * t_block, dtype=np.int32)
    counts = np.zeros((n_ue, n_t), dtype=np.int32)
    for t0 in range(0, n_t, t_block):
        times = t[t0:t0 + t_block]
        sat = _block_states(sources, times)
        gw_ok = None if gw is None else gateway_elevation_deg(sat, gw) >= min_elevation_deg
        for u0 in range(0, n_ue, u_block):
            block = ue[u0:u0 + u_block]
            shape = (n_sat, block.shape[0], times.size)
            size = shape[0] * shape[1] * shape[2]
            out = (flat_fields[:len(FIELDS) * size].reshape(len(FIELDS), *shape),
                   flat_status[:size].reshape(shape))
            link = phy_ffi.link_grid(sat.pos_m, sat.vel_mps, sat.acc_mps2, block, gw,
                                     freq_dl_hz=freq_dl_hz, freq_ul_hz=freq_ul_hz, out=out,
                                     fields=FIELDS)
            visible = link.elevation_deg >= min_elevation_deg
            if gw_ok is not None:
                visible &= gw_ok[:, None, :]
            counts[u0:u0 + block.shape[0], t0:t0 + times.size] = visible.sum(axis=0)
    return counts

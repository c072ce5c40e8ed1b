"""Service- and feeder-link quantities per (satellite state, terminal, time) (C core).

See csrc/include/ntn_phy.h, section link. Terminal and gateway are fixed in ECEF; the
satellite state (position, velocity, acceleration) comes e.g. from ``hermite_states``.
Doppler f_d = -f (dr/dt) / c, positive when the satellite approaches (docs/reference.md 1).

On x86-64 CPUs with AVX-512 the C kernel computes eight elements at a time, with AVX2 and FMA
four, elsewhere two; the environment variables ``NTNPHY_NO_AVX512=1`` and ``NTNPHY_NO_AVX2=1``
force the narrower kernels. Eight and four lanes give the same bits, two the same results to
rounding (tests/phy/test_link_paths.py). A large ``link_grid`` is split along its satellites
over the CPUs this process may use (``phy_ffi.parallel``; ``NTNPHY_THREADS=1`` keeps it in the
caller's thread): each thread's call writes its own rows, so the bits do not depend on the
split (tests/phy/test_link_threads.py).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi.arrays import as_f64, line_aligned_empty, vectors3
from phy_ffi.errors import PhyValueError

__all__ = ["LinkStates", "link_grid", "link_grid_buffers", "link_states"]

FREQ_DL_HZ = 2.185e9  # n256 / band 256 DL centre, 2170-2200 MHz (TS 38.101-5, docs/reference.md 4)
FREQ_UL_HZ = 1.995e9  # n256 / band 256 UL centre, 1980-2010 MHz


class LinkStates(NamedTuple):
    """Arrays of shape (n,) from link_states, (S, U, T) from link_grid; NaN where status != 0."""

    elevation_deg: np.ndarray         # above the terminal's WGS-84 horizon (< 0: not visible)
    azimuth_deg: np.ndarray           # [0, 360) clockwise from true north
    range_m: np.ndarray               # slant range satellite - terminal
    range_rate_mps: np.ndarray        # dr/dt, > 0 receding
    range_accel_mps2: np.ndarray      # d2r/dt2
    delay_s: np.ndarray               # one-way service link r / c
    feeder_delay_s: np.ndarray        # one-way feeder link satellite - gateway (0 without one)
    rtt_transparent_s: np.ndarray     # 2 (delay + feeder_delay)
    rtt_regenerative_s: np.ndarray    # 2 delay
    doppler_dl_hz: np.ndarray         # -f_dl (dr/dt) / c
    doppler_ul_hz: np.ndarray         # -f_ul (dr/dt) / c
    doppler_rate_dl_hz_s: np.ndarray  # -f_dl (d2r/dt2) / c
    doppler_rate_ul_hz_s: np.ndarray  # -f_ul (d2r/dt2) / c
    delay_drift_s_per_s: np.ndarray   # (dr/dt) / c
    ta_ue_s: np.ndarray               # N_TA,adj^UE = 2 r / c (TS 38.213 4.2)
    status: np.ndarray                # int32 per element


def link_pair_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m):
    """(n, 3) float64 arrays broadcast to one n (gateway None stays None)."""
    named = dict(sat_pos_m=sat_pos_m, sat_vel_mps=sat_vel_mps, sat_acc_mps2=sat_acc_mps2,
                 ue_ecef_m=ue_ecef_m)
    if gateway_ecef_m is not None:
        named["gateway_ecef_m"] = gateway_ecef_m
    parts = [vectors3(v, k) for k, v in named.items()]
    lengths = {p.shape[0] for p in parts} - {1}
    if len(lengths) > 1:  # (3,) / (1, 3) broadcast against any n, including 0
        shapes = ", ".join(f"{k}={p.shape[0]}" for k, p in zip(named, parts, strict=True))
        raise PhyValueError(f"mismatched lengths: {shapes}")
    n = lengths.pop() if lengths else 1
    parts = [np.ascontiguousarray(np.broadcast_to(p, (n, 3))) for p in parts]
    return (*parts[:4], parts[4] if gateway_ecef_m is not None else None)


def _sat_grid(value, name: str) -> np.ndarray:
    out = as_f64(value, name)
    out = out[None] if out.ndim == 2 else out
    if out.ndim != 3 or out.shape[2] != 3:
        raise PhyValueError(f"{name}: expected shape (T, 3) or (S, T, 3), got {np.shape(value)}")
    return out


def link_grid_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m):
    """(pos, vel, acc (S, T, 3), ue (U, 3), gateway (S, 3) or None) as float64."""
    pos = _sat_grid(sat_pos_m, "sat_pos_m")
    vel, acc = _sat_grid(sat_vel_mps, "sat_vel_mps"), _sat_grid(sat_acc_mps2, "sat_acc_mps2")
    if vel.shape != pos.shape or acc.shape != pos.shape:
        raise PhyValueError(f"mismatched lengths: sat_pos_m={pos.shape}, sat_vel_mps="
                            f"{vel.shape}, sat_acc_mps2={acc.shape}")
    ue = vectors3(ue_ecef_m, "ue_ecef_m")
    gw = None
    if gateway_ecef_m is not None:
        gw = vectors3(gateway_ecef_m, "gateway_ecef_m")
        if gw.shape[0] not in (1, pos.shape[0]):
            raise PhyValueError(f"mismatched lengths: gateway_ecef_m={gw.shape[0]}, "
                                f"satellites={pos.shape[0]}")
        gw = np.ascontiguousarray(np.broadcast_to(gw, (pos.shape[0], 3)))
    return (np.ascontiguousarray(pos), np.ascontiguousarray(vel), np.ascontiguousarray(acc),
            ue, gw)


def link_states(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m=None,
                freq_dl_hz: float = FREQ_DL_HZ, freq_ul_hz: float = FREQ_UL_HZ) -> LinkStates:
    """Link quantities for flat pairs: row i of each (n, 3) ECEF input (m, m/s, m/s^2).

    (3,) inputs broadcast against (n, 3); gateway_ecef_m None means no feeder link
    (feeder_delay_s = 0). Frequencies in Hz (> 0).
    """
    pos, vel, acc, ue, gw = link_pair_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                                             gateway_ecef_m)
    if len(pos) and _one_site(ue_ecef_m) and (gateway_ecef_m is None or _one_site(gateway_ecef_m)):
        # one terminal (and gateway) for every state: the grid kernel computes its frame once
        out, status = b.link_grid(pos[None], vel[None], acc[None], ue[:1],
                                  None if gw is None else gw[:1], freq_dl_hz, freq_ul_hz)
        return LinkStates(*out[:, 0, 0], status[0, 0])
    out, status = b.link_states(pos, vel, acc, ue, gw, freq_dl_hz, freq_ul_hz)
    return LinkStates(*out, status)


def _one_site(value) -> bool:
    return np.ndim(value) == 1 or (np.ndim(value) == 2 and np.shape(value)[0] == 1)


FIELD_NAMES = LinkStates._fields[:-1]   # in the C core's order (NTN_LINK_* indices)


def field_mask(fields) -> int:
    """The C core's field bits for names of LinkStates fields (None: every field)."""
    if fields is None:
        return b.CONST.LINK_ALL_FIELDS
    names = [fields] if isinstance(fields, str) else list(fields)
    unknown = [n for n in names if n not in FIELD_NAMES]
    if unknown or not names:
        raise PhyValueError(f"fields: {unknown[0] if unknown else 'nothing'!r} is not a link "
                            f"field (one or more of {', '.join(FIELD_NAMES)})")
    return sum(1 << FIELD_NAMES.index(n) for n in set(names))


def link_grid_buffers(n_sat: int, n_ue: int, n_t: int,
                      fields=None) -> tuple[np.ndarray, np.ndarray]:
    """Output buffers for link_grid(..., out=, fields=): one float64 (S, U, T) plane per
    selected field (all 15 by default: 124 bytes per element with the int32 status), the
    planes starting on a 64-byte cache line (line_aligned_empty)."""
    planes = bin(field_mask(fields)).count("1")
    return (line_aligned_empty((planes, n_sat, n_ue, n_t)),
            np.empty((n_sat, n_ue, n_t), dtype=np.int32))


def selected_states(mask: int, planes: np.ndarray, status: np.ndarray) -> LinkStates:
    """LinkStates with the planes in the selected fields and None in the others."""
    it = iter(planes)
    return LinkStates(*(next(it) if mask >> k & 1 else None
                        for k in range(len(FIELD_NAMES))), status)


def link_grid(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m=None,
              freq_dl_hz: float = FREQ_DL_HZ, freq_ul_hz: float = FREQ_UL_HZ,
              out: tuple[np.ndarray, np.ndarray] | None = None, fields=None) -> LinkStates:
    """Link quantities for every (satellite, terminal, time): fields shaped (S, U, T).

    Satellite states (S, T, 3) (or (T, 3) for one satellite) in ECEF, terminals ue_ecef_m
    (U, 3) or (3,), gateway_ecef_m None, (3,) for all satellites or (S, 3) one per satellite.
    ``fields``: names of the LinkStates fields to write (default all); the others are None.
    ``out``: buffers from link_grid_buffers(S, U, T, fields), written in place and viewed by
    the result (no fresh pages per call when a caller steps through chunks).
    """
    mask = field_mask(fields)
    parts = link_grid_inputs(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m)
    planes, status = b.link_grid(*parts, freq_dl_hz, freq_ul_hz, out, mask)
    return selected_states(mask, planes, status)

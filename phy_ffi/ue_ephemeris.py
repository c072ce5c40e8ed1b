"""The UE side of SIB31 / SIB19 (C core): propagate a broadcast ephemeris, then the UE's TA,
its UL Doppler pre-compensation and the validity of the broadcast (T430 / T317).

See csrc/include/ntn_phy.h, section ue_ephemeris, for the models and the spec clauses.
``ephemeris`` is 6 numbers: state vectors (ECEF m, m/s at the epoch) or orbital parameters
(a m, e, periapsis, ascending node, inclination, mean anomaly rad) per ``ephemeris_format``
("state-vectors" | "orbital").
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi.arrays import as_f64, as_scalar, flat_pairs, vectors3
from phy_ffi.errors import PhyValueError

__all__ = ["EPHEMERIS_FORMATS", "UeEphemerisState", "UeTiming", "UeTimingAt",
           "ue_propagate_ephemeris", "ue_ta_doppler"]

EPHEMERIS_FORMATS = {"state-vectors": b.CONST.UE_EPHEMERIS_STATE_VECTORS,
                     "orbital": b.CONST.UE_EPHEMERIS_ORBITAL}


class UeEphemerisState(NamedTuple):
    pos_ecef_m: np.ndarray     # (n, 3) satellite position the UE computes at epoch + dt
    vel_ecef_mps: np.ndarray   # (n, 3)
    status: np.ndarray         # (n,) int32


class UeTiming(NamedTuple):
    ta_s: np.ndarray           # (n,) N_TA,adj^UE + N_TA,adj^common, seconds
    doppler_ul_hz: np.ndarray  # (n,) service-link UL Doppler the UE pre-compensates
    expired: np.ndarray        # (n,) bool: age > validity duration (T430 / T317 expired)
    status: np.ndarray         # (n,) int32


def prepare_ephemeris(ephemeris, ephemeris_format: str) -> tuple[np.ndarray, int]:
    """(6 float64, format code); PhyValueError for a wrong shape or unknown format."""
    eph = as_f64(ephemeris, "ephemeris").ravel()
    if eph.size != 6:
        raise PhyValueError(f"ephemeris: expected 6 numbers, got {eph.size}")
    if not isinstance(ephemeris_format, str) or ephemeris_format not in EPHEMERIS_FORMATS:
        raise PhyValueError(f"ephemeris_format: {ephemeris_format!r} is not one of "
                            f"{', '.join(EPHEMERIS_FORMATS)}")
    return np.ascontiguousarray(eph), EPHEMERIS_FORMATS[ephemeris_format]


def paired_ages(dt_s, ue_ecef_m) -> tuple[np.ndarray, np.ndarray]:
    """Ages (n,) and UE positions (n, 3) broadcast to one n."""
    if (isinstance(dt_s, np.ndarray) and isinstance(ue_ecef_m, np.ndarray)
            and dt_s.dtype == ue_ecef_m.dtype == np.float64 and dt_s.ndim == 1
            and ue_ecef_m.shape == (dt_s.size, 3) and dt_s.flags.c_contiguous
            and ue_ecef_m.flags.c_contiguous):
        return dt_s, ue_ecef_m   # already in the C layout: no copies (the UE's hot loop)
    (dt,) = flat_pairs(dt_s=dt_s)
    ue = vectors3(ue_ecef_m, "ue_ecef_m")
    n = max(dt.size, ue.shape[0])
    if dt.size not in (1, n) or ue.shape[0] not in (1, n):
        raise PhyValueError(f"mismatched lengths: dt_s={dt.size}, ue_ecef_m={ue.shape[0]}")
    return (np.ascontiguousarray(np.broadcast_to(dt, (n,))),
            np.ascontiguousarray(np.broadcast_to(ue, (n, 3))))


def prepare_common_ta(common_ta) -> np.ndarray:
    """(TA_common s, drift s/s, variation s/s^2) as 3 float64; None entries count as 0."""
    if isinstance(common_ta, (str, bytes)) or not isinstance(common_ta, Iterable):
        raise PhyValueError(f"common_ta: expected 3 numbers, got {common_ta!r}")
    values = [0.0 if v is None else v for v in common_ta]
    out = as_f64(values, "common_ta").ravel()
    if out.size != 3:
        raise PhyValueError(f"common_ta: expected 3 numbers, got {out.size}")
    return out


def ue_propagate_ephemeris(ephemeris, ephemeris_format: str, dt_s) -> UeEphemerisState:
    """ECEF satellite states the UE computes at epoch + dt_s (s)."""
    eph, fmt = prepare_ephemeris(ephemeris, ephemeris_format)
    (dt,) = flat_pairs(dt_s=dt_s)
    pos, vel, status, st = b.ue_propagate_ephemeris(eph, fmt, dt)
    if st:
        raise b.error_for(st, "ue_propagate_ephemeris: ephemeris")
    return UeEphemerisState(pos, vel, status)


def ue_ta_doppler(ephemeris, ephemeris_format: str, common_ta, validity_s: float,
                  ul_freq_hz: float, dt_s, ue_ecef_m) -> UeTiming:
    """The UE's TA (s), UL Doppler (Hz) and validity at ages dt_s (s) from positions (m)."""
    eph, fmt = prepare_ephemeris(ephemeris, ephemeris_format)
    dt, ue = paired_ages(dt_s, ue_ecef_m)
    ta, dop, expired, status, st = b.ue_ta_doppler(
        eph, fmt, prepare_common_ta(common_ta), as_scalar(validity_s, "validity_s"),
        as_scalar(ul_freq_hz, "ul_freq_hz"), dt, ue)
    if st:
        raise b.error_for(st, "ue_ta_doppler: ephemeris, common_ta, validity_s or ul_freq_hz")
    return UeTiming(ta, dop, expired, status)


def one_ue(ue_ecef_m) -> np.ndarray:
    """One UE position as a (1, 3) float64 array; PhyValueError for more or fewer."""
    ue = vectors3(ue_ecef_m, "ue_ecef_m")
    if ue.shape[0] != 1:
        raise PhyValueError(f"ue_ecef_m: one position expected, got {ue.shape[0]}")
    return np.ascontiguousarray(ue)


class UeTimingAt:
    """ue_ta_doppler for one broadcast ephemeris and one UE position (checked once), one age
    per call: what a UE computes before each uplink (the same C function and bits)."""

    def __init__(self, ephemeris, ephemeris_format: str, common_ta, validity_s: float,
                 ul_freq_hz: float, ue_ecef_m):
        eph, fmt = prepare_ephemeris(ephemeris, ephemeris_format)
        self._point = b.UeTimingPoint(eph, fmt, prepare_common_ta(common_ta),
                                      as_scalar(validity_s, "validity_s"),
                                      as_scalar(ul_freq_hz, "ul_freq_hz"), one_ue(ue_ecef_m))

    def at(self, dt_s: float) -> tuple[float, float, int]:
        """(TA s, UL Doppler Hz, status) at age dt_s (s) of the ephemeris."""
        ta, dop, status, st = self._point(float(dt_s))
        if st:
            raise b.error_for(st, "ue_ta_doppler: ephemeris, common_ta, validity_s or ul_freq_hz")
        return ta, dop, status

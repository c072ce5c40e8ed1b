"""The only importer of the compiled module ``phy_ffi._ntnphy`` (STYLE rule 1).

Low-level wrappers: numpy arrays in, pointers to the C core, status codes out. Each C
section of ntn_phy.h has its block here; the Pythonic modules call these, never ``lib``.
The C calls release the GIL (cffi API mode).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from phy_ffi._ntnphy import ffi, lib

CONST = SimpleNamespace(**{n[4:]: getattr(lib, n) for n in dir(lib) if n.startswith("NTN_")})
"""Constants and status codes from ntn_phy.h without the NTN_ prefix (e.g. CONST.OK)."""


def strerror(status: int) -> str:
    """The C core's message for a status code."""
    return ffi.string(lib.ntn_strerror(int(status))).decode()


def f64(array, where: str, shape_tail: tuple = ()) -> np.ndarray:
    """A C-contiguous float64 copy-or-view of ``array`` with trailing shape ``shape_tail``."""
    from phy_ffi.errors import PhyValueError

    out = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
    if shape_tail and out.shape[-len(shape_tail):] != shape_tail:
        raise PhyValueError(f"{where}: expected shape (..., {', '.join(map(str, shape_tail))}),"
                            f" got {out.shape}", CONST.ERR_LENGTH)
    return out


def dptr(array: np.ndarray):
    """``double *`` into a float64 array (no copy)."""
    return ffi.cast("double *", ffi.from_buffer(array))


def iptr(array: np.ndarray):
    """``int *`` into an int32 array (no copy)."""
    return ffi.cast("int *", ffi.from_buffer(array))


def new_status(n: int) -> np.ndarray:
    """A per-element status array for ``n`` elements."""
    return np.zeros(n, dtype=np.int32)


def call(status: int, where: str) -> None:
    """Raise for a call-level status (NULL pointer, bad length, bad state)."""
    if status != lib.NTN_OK:
        from phy_ffi.errors import error_for

        raise error_for(status, where)


# ================================================================ geometry
# NTN:geometry:begin
def geodetic_to_ecef(lat_deg, lon_deg, alt_m):
    """(ecef_m (n, 3), status (n,)) from 1-D float64 arrays of equal length n."""
    n = lat_deg.size
    ecef, status = np.empty((n, 3)), new_status(n)
    call(lib.ntn_geodetic_to_ecef(dptr(ecef), iptr(status), dptr(lat_deg), dptr(lon_deg),
                                  dptr(alt_m), n), "geodetic_to_ecef")
    return ecef, status


def ecef_to_geodetic(ecef_m):
    """(lat_deg, lon_deg, alt_m, status) from an (n, 3) float64 array."""
    n = ecef_m.shape[0]
    lat, lon, alt, status = np.empty(n), np.empty(n), np.empty(n), new_status(n)
    call(lib.ntn_ecef_to_geodetic(dptr(lat), dptr(lon), dptr(alt), iptr(status), dptr(ecef_m),
                                  n), "ecef_to_geodetic")
    return lat, lon, alt, status


def look_angles(target_ecef_m, ground_ecef_m):
    """(elevation_deg, azimuth_deg, range_m, status) for (n, 3) target/ground pairs."""
    n = target_ecef_m.shape[0]
    el, az, rng, status = np.empty(n), np.empty(n), np.empty(n), new_status(n)
    call(lib.ntn_look_angles(dptr(el), dptr(az), dptr(rng), iptr(status), dptr(target_ecef_m),
                             dptr(ground_ecef_m), n), "look_angles")
    return el, az, rng, status


def reference_slant_range(altitude_m, elevation_deg):
    """(slant_range_m, status) from 1-D float64 arrays of equal length."""
    n = altitude_m.size
    out, status = np.empty(n), new_status(n)
    call(lib.ntn_reference_slant_range(dptr(out), iptr(status), dptr(altitude_m),
                                       dptr(elevation_deg), n), "reference_slant_range")
    return out, status
# NTN:geometry:end

# ================================================================ ephemeris
# NTN:ephemeris:begin
# NTN:ephemeris:end

# ================================================================ link
# NTN:link:begin
# NTN:link:end

# ================================================================ timing
# NTN:timing:begin
# NTN:timing:end

# ================================================================ pathloss
# NTN:pathloss:begin
# NTN:pathloss:end

# ================================================================ ue_ephemeris
# NTN:ue_ephemeris:begin
# NTN:ue_ephemeris:end

# ================================================================ iq_channel
# NTN:iq_channel:begin
# NTN:iq_channel:end

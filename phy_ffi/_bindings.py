"""The only importer of the compiled module ``phy_ffi._ntnphy`` (STYLE rule 1).

Low-level wrappers: numpy arrays in, pointers to the C core, status codes out. Each C
section of ntn_phy.h has its block here; the Pythonic modules call these, never ``lib``.
The C calls release the GIL (cffi API mode).

This is the one doorway into C, so every wrapper checks what it hands over (:func:`expect`):
each array is a numpy array of exactly the dtype the C signature reads (float64, int32,
float32 pairs as complex64; complex where real is expected is refused, never truncated),
C-contiguous and of the shape its lengths promise, so C never reads or writes out of bounds.
A violation is a PhyValueError naming the function and the argument (status ERR_LENGTH).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from phy_ffi import _ntnphy
from phy_ffi._ntnphy import ffi, lib
from phy_ffi.arrays import line_aligned_empty
from phy_ffi.errors import PhyError, PhyValueError
from phy_ffi.parallel import ranges, run_ranges

COMPILED_PATH: str = _ntnphy.__file__
"""Where the loaded build of the core lives (the ASan one under ``build.py test --sanitize``)."""

CONST = SimpleNamespace(**{n[4:]: getattr(lib, n) for n in dir(lib) if n.startswith("NTN_")})
"""Constants and status codes from ntn_phy.h without the NTN_ prefix (e.g. CONST.OK)."""


def strerror(status: int) -> str:
    """The C core's message for a status code."""
    return ffi.string(lib.ntn_strerror(int(status))).decode()


def error_for(status: int, where: str) -> PhyError:
    """The exception for a non-zero status code, naming the function or argument."""
    return PhyValueError(f"{where}: {strerror(int(status))} (status {int(status)})", int(status))


def check_status(status: np.ndarray | int, where: str) -> None:
    """Raise for the first non-zero entry of a status code or per-element status array."""
    codes = np.atleast_1d(np.asarray(status))
    bad = np.flatnonzero(codes)
    if bad.size:
        index = int(bad[0])
        if codes.ndim == 1:
            suffix = f" [element {index} of {codes.size}]" if codes.size > 1 else ""
        else:   # the element's index on every axis, and the shape
            at = tuple(int(i) for i in np.unravel_index(index, codes.shape))
            suffix = f" [element {at} of shape {codes.shape}]"
        raise error_for(int(codes.flat[index]), where + suffix)


def expect(where: str, *specs: tuple[str, object, tuple, type]) -> None:
    """Check ``(name, array, shape, dtype)`` specs before a C call: a numpy array of exactly
    ``dtype``, C-contiguous, of exactly ``shape`` (a name such as "n" in a shape only labels
    the message: it never matches); PhyValueError naming ``where`` and the argument otherwise
    (the C core trusts every length it is given)."""
    for name, array, shape, dtype in specs:
        if not isinstance(array, np.ndarray):
            raise PhyValueError(f"{where}: {name}: expected a numpy array, got "
                                f"{type(array).__name__}", CONST.ERR_LENGTH)
        if array.dtype != dtype:
            what = ("complex values where real ones are expected"
                    if np.iscomplexobj(array) and not np.issubdtype(dtype, np.complexfloating)
                    else f"dtype {array.dtype}, expected {np.dtype(dtype)}")
            raise PhyValueError(f"{where}: {name}: {what}", CONST.ERR_LENGTH)
        if array.shape != shape:
            raise PhyValueError(f"{where}: {name}: expected a C-contiguous array of shape "
                                f"{shape}, got {array.shape}", CONST.ERR_LENGTH)
        if not array.flags.c_contiguous:
            raise PhyValueError(f"{where}: {name}: the array of shape {shape} is not "
                                f"C-contiguous (np.ascontiguousarray makes a copy that is)",
                                CONST.ERR_LENGTH)


def _vector(array, where: str, name: str, dtype: type = np.float64) -> int:
    """Length n of a 1-D argument (the length the others must match)."""
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        expect(where, (name, array, ("n",), dtype))   # raises, naming the shape
    return array.shape[0]


def _rows(array, where: str, name: str) -> int:
    """Row count n of an (n, 3) argument."""
    if not isinstance(array, np.ndarray) or array.ndim != 2:
        expect(where, (name, array, ("n", 3), np.float64))
    return array.shape[0]


F64, I32 = np.float64, np.int32


def dptr(array: np.ndarray):
    """``double *`` into a float64 array (no copy)."""
    return ffi.cast("double *", ffi.from_buffer(array))


def iptr(array: np.ndarray):
    """``int *`` into an int32 array (no copy)."""
    return ffi.cast("int *", ffi.from_buffer(array))


def new_status(n: int) -> np.ndarray:
    """A per-element status array for ``n`` elements."""
    return np.zeros(n, dtype=np.int32)


def raise_value_error(message: str) -> None:
    """PhyValueError (a bad length or buffer) with the message."""
    raise PhyValueError(message, CONST.ERR_LENGTH)


def call(status: int, where: str) -> None:
    """Raise for a call-level status (NULL pointer, bad length, bad state)."""
    if status != lib.NTN_OK:
        raise error_for(status, where)


# ================================================================ geometry
# NTN:geometry:begin
def geodetic_to_ecef(lat_deg, lon_deg, alt_m):
    """(ecef_m (n, 3), status (n,)) from 1-D float64 arrays of equal length n."""
    n = _vector(lat_deg, "geodetic_to_ecef", "lat_deg")
    expect("geodetic_to_ecef", ("lat_deg", lat_deg, (n,), F64), ("lon_deg", lon_deg, (n,), F64),
           ("alt_m", alt_m, (n,), F64))
    ecef, status = np.empty((n, 3)), new_status(n)
    call(lib.ntn_geodetic_to_ecef(dptr(ecef), iptr(status), dptr(lat_deg), dptr(lon_deg),
                                  dptr(alt_m), n), "geodetic_to_ecef")
    return ecef, status


def ecef_to_geodetic(ecef_m):
    """(lat_deg, lon_deg, alt_m, status) from an (n, 3) float64 array."""
    n = _rows(ecef_m, "ecef_to_geodetic", "ecef_m")
    expect("ecef_to_geodetic", ("ecef_m", ecef_m, (n, 3), F64))
    lat, lon, alt, status = np.empty(n), np.empty(n), np.empty(n), new_status(n)
    call(lib.ntn_ecef_to_geodetic(dptr(lat), dptr(lon), dptr(alt), iptr(status), dptr(ecef_m),
                                  n), "ecef_to_geodetic")
    return lat, lon, alt, status


def look_angles(target_ecef_m, ground_ecef_m):
    """(elevation_deg, azimuth_deg, range_m, status) for (n, 3) target/ground pairs."""
    n = _rows(target_ecef_m, "look_angles", "target_ecef_m")
    expect("look_angles", ("target_ecef_m", target_ecef_m, (n, 3), F64),
           ("ground_ecef_m", ground_ecef_m, (n, 3), F64))
    el, az, rng, status = np.empty(n), np.empty(n), np.empty(n), new_status(n)
    call(lib.ntn_look_angles(dptr(el), dptr(az), dptr(rng), iptr(status), dptr(target_ecef_m),
                             dptr(ground_ecef_m), n), "look_angles")
    return el, az, rng, status


def reference_slant_range(altitude_m, elevation_deg):
    """(slant_range_m, status) from 1-D float64 arrays of equal length."""
    n = _vector(altitude_m, "reference_slant_range", "altitude_m")
    expect("reference_slant_range", ("altitude_m", altitude_m, (n,), F64),
           ("elevation_deg", elevation_deg, (n,), F64))
    out, status = np.empty(n), new_status(n)
    call(lib.ntn_reference_slant_range(dptr(out), iptr(status), dptr(altitude_m),
                                       dptr(elevation_deg), n), "reference_slant_range")
    return out, status
# NTN:geometry:end

# ================================================================ ephemeris
# NTN:ephemeris:begin
def hermite_states_multi(t_s, table_t_s, table_pos_m, table_vel_mps):
    """(pos_m, vel_mps, acc_mps2 (S, m, 3), status (S, m)) from t_s (m,), table_t_s (n,)
    and tables (S, n, 3); float64, C-contiguous."""
    where = "hermite_states"
    m, n_table = _vector(t_s, where, "t_s"), _vector(table_t_s, where, "table_t_s")
    n_sat = table_pos_m.shape[0] if isinstance(table_pos_m, np.ndarray) and \
        table_pos_m.ndim == 3 else 1
    expect(where, ("t_s", t_s, (m,), F64), ("table_t_s", table_t_s, (n_table,), F64),
           ("table_pos_m", table_pos_m, (n_sat, n_table, 3), F64),
           ("table_vel_mps", table_vel_mps, (n_sat, n_table, 3), F64))
    pos, vel, acc = (np.empty((n_sat, m, 3)) for _ in range(3))
    status = np.zeros((n_sat, m), dtype=np.int32)
    call(lib.ntn_hermite_states_multi(dptr(pos), dptr(vel), dptr(acc), iptr(status), dptr(t_s),
                                      m, dptr(table_t_s), dptr(table_pos_m),
                                      dptr(table_vel_mps), n_table, n_sat), "hermite_states")
    return pos, vel, acc, status


class HermitePoint:
    """One satellite's table evaluated at one time per call, the arrays checked once: the C
    call of hermite_states_multi with its pointers and output buffers made at construction
    (the table arrays are kept and read at every call)."""

    def __init__(self, table_t_s: np.ndarray, table_pos_m: np.ndarray,
                 table_vel_mps: np.ndarray):
        n_table = _vector(table_t_s, "hermite_states", "table_t_s")
        expect("hermite_states", ("table_t_s", table_t_s, (n_table,), F64),
               ("table_pos_m", table_pos_m, (1, n_table, 3), F64),
               ("table_vel_mps", table_vel_mps, (1, n_table, 3), F64))
        self._keep = (table_t_s, table_pos_m, table_vel_mps)
        self._out = np.empty((4, 3))   # rows: pos, vel, acc; the time in [3, 0]
        self._status = np.zeros(1, dtype=np.int32)
        self._args = (dptr(self._out[0]), dptr(self._out[1]), dptr(self._out[2]),
                      iptr(self._status), dptr(self._out[3]), 1, dptr(table_t_s),
                      dptr(table_pos_m), dptr(table_vel_mps), n_table, 1)

    def __call__(self, t_s: float) -> tuple[np.ndarray, np.ndarray, int]:
        """(pos_m (3,), vel_mps (3,), status) at t_s; fresh arrays."""
        self._out[3, 0] = t_s
        call(lib.ntn_hermite_states_multi(*self._args), "hermite_states")
        return self._out[0].copy(), self._out[1].copy(), int(self._status[0])
# NTN:ephemeris:end

# ================================================================ link
# NTN:link:begin
def link_states(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m, freq_dl_hz,
                freq_ul_hz):
    """(fields (LINK_N_FIELDS, n), status (n,)) for (n, 3) float64 pairs; gateway may be None."""
    n = _rows(sat_pos_m, "link_states", "sat_pos_m")
    expect("link_states", *((k, a, (n, 3), F64) for k, a in (
        ("sat_pos_m", sat_pos_m), ("sat_vel_mps", sat_vel_mps), ("sat_acc_mps2", sat_acc_mps2),
        ("ue_ecef_m", ue_ecef_m), ("gateway_ecef_m", gateway_ecef_m)) if a is not None))
    out, status = line_aligned_empty((lib.NTN_LINK_N_FIELDS, n)), new_status(n)
    gw = ffi.NULL if gateway_ecef_m is None else dptr(gateway_ecef_m)
    call(lib.ntn_link_states(dptr(out), iptr(status), dptr(sat_pos_m), dptr(sat_vel_mps),
                             dptr(sat_acc_mps2), dptr(ue_ecef_m), gw, float(freq_dl_hz),
                             float(freq_ul_hz), n), "link_states")
    return out, status


def link_grid(sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m, gateway_ecef_m, freq_dl_hz,
              freq_ul_hz, out=None, fields=None):
    """(planes (P, S, U, T), status (S, U, T)) from satellite states (S, T, 3), terminals
    (U, 3) and gateways (S, 3) or None: one plane per field whose bit is set in ``fields``
    (default LINK_ALL_FIELDS, P = 15); into ``out`` = (planes, status) when given (float64
    and int32, C-contiguous, exactly those shapes)."""
    mask = lib.NTN_LINK_ALL_FIELDS if fields is None else int(fields)
    if not 0 < mask <= lib.NTN_LINK_ALL_FIELDS:
        raise_value_error(f"link_grid: fields: {mask:#x} selects no field or an unknown one")
    if not isinstance(sat_pos_m, np.ndarray) or sat_pos_m.ndim != 3:
        expect("link_grid", ("sat_pos_m", sat_pos_m, ("S", "T", 3), F64))
    n_sat, n_t = sat_pos_m.shape[:2]
    n_ue = _rows(ue_ecef_m, "link_grid", "ue_ecef_m")
    expect("link_grid", *((k, a, (n_sat, n_t, 3), F64) for k, a in (
        ("sat_pos_m", sat_pos_m), ("sat_vel_mps", sat_vel_mps), ("sat_acc_mps2", sat_acc_mps2))),
        ("ue_ecef_m", ue_ecef_m, (n_ue, 3), F64),
        *([] if gateway_ecef_m is None else [("gateway_ecef_m", gateway_ecef_m, (n_sat, 3), F64)]))
    shape, n_planes = (n_sat, n_ue, n_t), bin(mask & lib.NTN_LINK_ALL_FIELDS).count("1")
    if out is None:
        out = (line_aligned_empty((n_planes, *shape)), np.empty(shape, dtype=np.int32))
    elif not (isinstance(out, tuple) and len(out) == 2):
        raise_value_error("link_grid: out: expected a (fields, status) pair")
    planes, status = out
    expect("link_grid", ("out fields", planes, (n_planes, *shape), F64),
           ("out status", status, shape, np.int32))
    if not (planes.flags.writeable and status.flags.writeable):
        raise_value_error("link_grid: out: read-only array")
    gw = ffi.NULL if gateway_ecef_m is None else dptr(gateway_ecef_m)
    args = (dptr(planes), iptr(status), mask, dptr(sat_pos_m), dptr(sat_vel_mps),
            dptr(sat_acc_mps2), dptr(ue_ecef_m), gw, float(freq_dl_hz), float(freq_ul_hz),
            n_sat, n_ue, n_t)
    codes = run_ranges(lambda begin, end: lib.ntn_link_grid_rows(*args, begin, end),
                       ranges(n_sat, n_ue * n_t))
    for code in codes:
        call(code, "link_grid")
    return planes, status
# NTN:link:end

# ================================================================ timing
# NTN:timing:begin
def ta_counts(ta_s):
    """(n_tc, n_ts (int64), status) from a 1-D float64 array of timing advances (s)."""
    n = _vector(ta_s, "ta_counts", "ta_s")
    expect("ta_counts", ("ta_s", ta_s, (n,), F64))
    n_tc, n_ts, status = np.empty(n, np.int64), np.empty(n, np.int64), new_status(n)
    call(lib.ntn_ta_counts(ffi.cast("int64_t *", ffi.from_buffer(n_tc)),
                           ffi.cast("int64_t *", ffi.from_buffer(n_ts)), iptr(status),
                           dptr(ta_s), n), "ta_ue_counts")
    return n_tc, n_ts, status


def common_ta_fit(t_s, rp_delay_s, epoch_s, validity_s):
    """(ta_common_s, drift_s_per_s, drift_variation_s_per_s2, max_residual_s) floats."""
    n = _vector(t_s, "common_ta_fit", "t_s")
    expect("common_ta_fit", ("t_s", t_s, (n,), F64), ("rp_delay_s", rp_delay_s, (n,), F64))
    out = ffi.new("double[4]")
    call(lib.ntn_common_ta_fit(out, out + 1, out + 2, out + 3, dptr(t_s), dptr(rp_delay_s),
                               t_s.size, float(epoch_s), float(validity_s)), "common_ta_fit")
    return tuple(out)


def required_k_offset_ms(rtt_service_s, ta_common_s, margin_ms):
    """(k_offset_ms (int32), status) from equal-length 1-D float64 arrays."""
    n = _vector(rtt_service_s, "required_k_offset_ms", "rtt_service_s")
    expect("required_k_offset_ms", ("rtt_service_s", rtt_service_s, (n,), F64),
           ("ta_common_s", ta_common_s, (n,), F64))
    k, status = np.empty(n, np.int32), new_status(n)
    call(lib.ntn_required_k_offset_ms(iptr(k), iptr(status), dptr(rtt_service_s),
                                      dptr(ta_common_s), n, int(margin_ms)),
         "required_k_offset_ms: margin_ms")
    return k, status


def required_k_mac_ms(feeder_rtt_s, ta_common_s, margin_ms):
    """(k_mac_ms (int32), status) from equal-length 1-D float64 arrays."""
    n = _vector(feeder_rtt_s, "required_k_mac_ms", "feeder_rtt_s")
    expect("required_k_mac_ms", ("feeder_rtt_s", feeder_rtt_s, (n,), F64),
           ("ta_common_s", ta_common_s, (n,), F64))
    k, status = np.empty(n, np.int32), new_status(n)
    call(lib.ntn_required_k_mac_ms(iptr(k), iptr(status), dptr(feeder_rtt_s),
                                   dptr(ta_common_s), n, int(margin_ms)),
         "required_k_mac_ms: margin_ms")
    return k, status
# NTN:timing:end

# ================================================================ pathloss
# NTN:pathloss:begin
def fspl_db(distance_m, freq_hz):
    """(fspl_db, status) from 1-D float64 arrays of equal length."""
    n = _vector(distance_m, "fspl_db", "distance_m")
    expect("fspl_db", ("distance_m", distance_m, (n,), F64), ("freq_hz", freq_hz, (n,), F64))
    out, status = np.empty(n), new_status(n)
    call(lib.ntn_fspl_db(dptr(out), iptr(status), dptr(distance_m), dptr(freq_hz), n), "fspl_db")
    return out, status


def gas_zenith_attenuation_db(freq_hz):
    """(zenith_db, status) from a 1-D float64 array."""
    n = _vector(freq_hz, "gas_zenith_attenuation_db", "freq_hz")
    expect("gas_zenith_attenuation_db", ("freq_hz", freq_hz, (n,), F64))
    out, status = np.empty(n), new_status(n)
    call(lib.ntn_gas_zenith_attenuation_db(dptr(out), iptr(status), dptr(freq_hz), n),
         "gas_zenith_attenuation_db")
    return out, status


def pathloss_table(elevation_deg, environment: int, band: int):
    """(los_probability, sigma_sf_los_db, sigma_sf_nlos_db, clutter_loss_db,
    tropo_scintillation_db, status) at 1-D float64 elevations."""
    n = _vector(elevation_deg, "pathloss_table", "elevation_deg")
    expect("pathloss_table", ("elevation_deg", elevation_deg, (n,), F64))
    cols, status = [np.empty(n) for _ in range(5)], new_status(n)
    call(lib.ntn_pathloss_table(*(dptr(c) for c in cols), iptr(status), dptr(elevation_deg), n,
                                environment, band), "pathloss_table")
    return (*cols, status)


def pathloss(distance_m, elevation_deg, freq_hz, environment: int, seed: int | None):
    """(total, fspl, gas, scintillation, shadow_fading, clutter, los_probability (dB / 0..1),
    los (bool), status): the mean when seed is None, else one seeded draw per element."""
    n = _vector(distance_m, "pathloss", "distance_m")
    expect("pathloss", ("distance_m", distance_m, (n,), F64),
           ("elevation_deg", elevation_deg, (n,), F64), ("freq_hz", freq_hz, (n,), F64))
    out = [np.empty(n) for _ in range(7)]
    los, status = new_status(n), new_status(n)
    args = [*(dptr(a) for a in out), iptr(los), iptr(status), dptr(distance_m),
            dptr(elevation_deg), dptr(freq_hz), n, environment]
    if seed is None:
        call(lib.ntn_pathloss_mean(*args), "pathloss")
    else:
        call(lib.ntn_pathloss_draw(*args, seed), "pathloss")
    return (*out, los.astype(bool), status)
# NTN:pathloss:end

# ================================================================ ue_ephemeris
# NTN:ue_ephemeris:begin
def ue_propagate_ephemeris(ephemeris, fmt, dt_s):
    """(pos (n, 3), vel (n, 3), status (n,), call status) for a 6-double ephemeris."""
    n = _vector(dt_s, "ue_propagate_ephemeris", "dt_s")
    expect("ue_propagate_ephemeris", ("ephemeris", ephemeris, (6,), F64),
           ("dt_s", dt_s, (n,), F64))
    pos, vel, status = np.empty((n, 3)), np.empty((n, 3)), new_status(n)
    st = lib.ntn_ue_propagate_ephemeris(dptr(pos), dptr(vel), iptr(status), dptr(ephemeris),
                                        int(fmt), dptr(dt_s), n)
    if st == lib.NTN_ERR_NULL:
        call(st, "ue_propagate_ephemeris")
    return pos, vel, status, st


def ue_ta_doppler(ephemeris, fmt, common_ta, validity_s, ul_freq_hz, dt_s, ue_ecef_m):
    """(ta_s, doppler_ul_hz, expired (bool), status, call status) for n ages and UEs."""
    n = _vector(dt_s, "ue_ta_doppler", "dt_s")
    expect("ue_ta_doppler", ("ephemeris", ephemeris, (6,), F64),
           ("common_ta", common_ta, (3,), F64), ("dt_s", dt_s, (n,), F64),
           ("ue_ecef_m", ue_ecef_m, (n, 3), F64))
    ta, dop, expired, status = np.empty(n), np.empty(n), new_status(n), new_status(n)
    st = lib.ntn_ue_ta_doppler(dptr(ta), dptr(dop), iptr(expired), iptr(status),
                               dptr(ephemeris), int(fmt), dptr(common_ta), float(validity_s),
                               float(ul_freq_hz), dptr(dt_s), dptr(ue_ecef_m), n)
    if st == lib.NTN_ERR_NULL:
        call(st, "ue_ta_doppler")
    return ta, dop, expired.astype(bool), status, st


class UeTimingPoint:
    """ue_ta_doppler at one age per call for one ephemeris and UE position, the arrays
    checked and the pointers made once."""

    def __init__(self, ephemeris, fmt, common_ta, validity_s, ul_freq_hz, ue_ecef_m):
        expect("ue_ta_doppler", ("ephemeris", ephemeris, (6,), F64),
               ("common_ta", common_ta, (3,), F64), ("ue_ecef_m", ue_ecef_m, (1, 3), F64))
        self._keep = (ephemeris, common_ta, ue_ecef_m)
        self._out = np.empty(3)                    # ta_s, doppler_ul_hz, dt_s
        self._flags = np.zeros(2, dtype=np.int32)  # expired, status
        o, f = self._out, self._flags
        self._args = (dptr(o[0:1]), dptr(o[1:2]), iptr(f[0:1]), iptr(f[1:2]), dptr(ephemeris),
                      int(fmt), dptr(common_ta), float(validity_s), float(ul_freq_hz),
                      dptr(o[2:3]), dptr(ue_ecef_m), 1)

    def __call__(self, dt_s: float) -> tuple[float, float, int, int]:
        """(ta_s, doppler_ul_hz, status, call status) at age dt_s."""
        self._out[2] = dt_s
        st = lib.ntn_ue_ta_doppler(*self._args)
        if st == lib.NTN_ERR_NULL:
            call(st, "ue_ta_doppler")
        return float(self._out[0]), float(self._out[1]), int(self._flags[1]), st
# NTN:ue_ephemeris:end

# ================================================================ iq_channel
# NTN:iq_channel:begin
def iq_history_len(max_delay_s: float, rate_hz: float) -> int:
    """History ring length (complex samples, a power of two) for delays up to max_delay_s."""
    out = ffi.new("size_t *")
    call(lib.ntn_iq_history_len(out, float(max_delay_s), float(rate_hz)), "iq_history_len")
    return int(out[0])


def iq_channel_new(history_len: int, rate_hz: float, start_s: float, noise_power: float,
                   seed: int):
    """(state, history): an initialised ``ntn_iq_channel`` and the float32 history it points
    into; the caller keeps both alive together."""
    state = ffi.new("ntn_iq_channel *")
    history = np.zeros(2 * (history_len + lib.NTN_IQ_TAPS), dtype=np.float32)
    hist_ptr = ffi.cast("float *", ffi.from_buffer(history))
    call(lib.ntn_iq_channel_init(state, hist_ptr, history_len, float(rate_hz), float(start_s),
                                 float(noise_power), int(seed) & 0xFFFFFFFFFFFFFFFF),
         "iq_channel_init")
    return state, history


def iq_trajectory_ptrs(t_s, delay_s, doppler_hz, gain_db) -> tuple:
    """``double *`` to the four float64 knot arrays (the caller keeps the arrays alive)."""
    n = _vector(t_s, "iq_channel", "t_s")
    expect("iq_channel", ("t_s", t_s, (n,), F64), ("delay_s", delay_s, (n,), F64),
           ("doppler_hz", doppler_hz, (n,), F64), ("gain_db", gain_db, (n,), F64))
    return tuple(dptr(a) for a in (t_s, delay_s, doppler_hz, gain_db))


def iq_channel_process(state, out: np.ndarray, block: np.ndarray, ptrs: tuple,
                       n_traj: int) -> int:
    """Run one block (complex64 arrays, out may be block); returns the C status."""
    n = _vector(block, "iq_channel_process", "block", np.complex64)
    expect("iq_channel_process", ("block", block, (n,), np.complex64),
           ("out", out, (n,), np.complex64))
    if not out.flags.writeable:
        raise_value_error("iq_channel_process: out: read-only array")
    return lib.ntn_iq_channel_process(state, ffi.cast("float *", ffi.from_buffer(out)),
                                      ffi.cast("float *", ffi.from_buffer(block)), block.size,
                                      *ptrs, n_traj)


def iq_samples_done(state) -> int:
    """Samples the channel state has processed."""
    return int(state.n)


def iq_sum_squares(total: float, x: np.ndarray) -> float:
    """``total`` plus the float32 squares of ``x`` (float32, 1-D, C-contiguous; read-only
    allowed) summed in float64 as numpy sums them (ntn_iq_sum_squares)."""
    n = _vector(x, "iq_sum_squares", "x", np.float32)
    expect("iq_sum_squares", ("x", x, (n,), np.float32))
    out = ffi.new("double *", float(total))
    call(lib.ntn_iq_sum_squares(out, ffi.cast("const float *", ffi.from_buffer(x)), n),
         "iq_sum_squares")
    return float(out[0])
# NTN:iq_channel:end

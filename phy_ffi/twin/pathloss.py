"""numpy twin of csrc/pathloss.c (TR 38.811 V15.4.0 clause 6.6 path loss).

The TR's tables are typed once, in C: the twin reads them through the C table functions at
their tabulated points (10..90 deg, 1..100 GHz) and re-implements everything else: the
nearest-elevation lookup, the interpolation, the formulas and the splitmix64 / Box-Muller
generator (in numpy uint64 arithmetic, so both backends draw the same numbers).
"""
from __future__ import annotations

import functools

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi._bindings import CONST
from phy_ffi.arrays import flat_pairs
from phy_ffi.twin.noise import splitmix64_at
from phy_ffi.pathloss import (
    Fspl,
    GasZenith,
    PathLoss,
    PathLossTable,
    band_code,
    environment_code,
    pathloss_seed,
)

__all__ = ["fspl_db", "gas_zenith_attenuation_db", "pathloss", "pathloss_table"]

GAS_MIN_ELEV_DEG = 5.0    # as in csrc/pathloss.c (ITU-R P.676 cosecant law from 5 deg)
IONO_FLUC_4GHZ_DB = 1.1   # as in csrc/pathloss.c (TR 38.811 6.6.6.1.4)
TABULATED_ELEV_DEG = np.arange(10.0, 91.0, 10.0)
TABULATED_FREQ_HZ = np.arange(1.0, 101.0) * 1e9


@functools.cache
def _tables(environment: int, band: int) -> np.ndarray:
    """(5, 9): P_LOS, sigma LOS, sigma NLOS, CL, tropospheric scintillation at 10..90 deg,
    read from the C tables."""
    return np.array(b.pathloss_table(TABULATED_ELEV_DEG, environment, band)[:5])


@functools.cache
def _zenith_table() -> np.ndarray:
    return b.gas_zenith_attenuation_db(TABULATED_FREQ_HZ)[0]


def _row(elevation_deg: np.ndarray) -> np.ndarray:
    """Index of the nearest tabulated elevation (as elevation_row in C)."""
    with np.errstate(invalid="ignore"):
        k = np.floor((elevation_deg + 5.0) / 10.0) - 1.0
    return np.clip(np.nan_to_num(k), 0, 8).astype(np.intp)


def _zenith(f_ghz: np.ndarray) -> np.ndarray:
    table = _zenith_table()
    j = np.clip(np.floor(np.nan_to_num(f_ghz)) - 1.0, 0.0, 98.0)
    k = j.astype(np.intp)
    return table[k] + (f_ghz - (j + 1.0)) * (table[k + 1] - table[k])


def _status(**checks) -> np.ndarray:
    """int32 status from named boolean masks ``nan`` and ``range`` (NaN wins)."""
    status = np.zeros(checks["nan"].size, np.int32)
    status[checks["range"]] = CONST.ERR_RANGE
    status[checks["nan"]] = CONST.ERR_NAN
    return status


def fspl_db(distance_m, freq_hz) -> Fspl:
    d, f = flat_pairs(distance_m=distance_m, freq_hz=freq_hz)
    nan = ~(np.isfinite(d) & np.isfinite(f))
    status = _status(nan=nan, range=~nan & ~((d > 0) & (f > 0)))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = 32.45 + 20.0 * np.log10(f * 1e-9 * d)
    status[(status == 0) & ~np.isfinite(out)] = CONST.ERR_RANGE   # f * d over/underflows
    out[status != 0] = np.nan
    return Fspl(out, status)


def gas_zenith_attenuation_db(freq_hz) -> GasZenith:
    (f,) = flat_pairs(freq_hz=freq_hz)
    f_ghz = f * 1e-9
    nan = ~np.isfinite(f_ghz)
    status = _status(nan=nan, range=~nan & ~((f_ghz >= 1.0) & (f_ghz <= 100.0)))
    out = _zenith(f_ghz)
    out[status != 0] = np.nan
    return GasZenith(out, status)


def pathloss_table(elevation_deg, environment: str = "rural", band: str = "S") -> PathLossTable:
    (el,) = flat_pairs(elevation_deg=elevation_deg)
    env, band_id = environment_code(environment), band_code(band)
    nan = ~np.isfinite(el)
    status = _status(nan=nan, range=~nan & ((el < 0) | (el > 90)))
    cols = _tables(env, band_id)[:, _row(el)]
    cols[:, status != 0] = np.nan
    return PathLossTable(*cols, status)


def _gas(f_ghz: np.ndarray, el: np.ndarray) -> np.ndarray:
    applies = (f_ghz >= 10.0) | ((el < 10.0) & (f_ghz > 1.0))
    with np.errstate(invalid="ignore"):
        gas = _zenith(f_ghz) / np.sin(np.maximum(el, GAS_MIN_ELEV_DEG) * (np.pi / 180.0))
    return np.where(applies, gas, 0.0)


def _scintillation(f: np.ndarray, tropo_db: np.ndarray) -> np.ndarray:
    """Ionospheric fade below the band split, the tabulated tropospheric fade above."""
    with np.errstate(invalid="ignore", divide="ignore"):
        x = f / 4.0e9
        iono = IONO_FLUC_4GHZ_DB / (x * np.sqrt(x) * np.sqrt(2.0))
    return np.where(f >= CONST.PATHLOSS_BAND_SPLIT_HZ, tropo_db, iono)


def _uniform(x: np.ndarray) -> np.ndarray:
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _draws(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(u for LOS, standard normal z) for elements 0..n-1, as ntn_pathloss_draw."""
    k = np.arange(n, dtype=np.uint64) * np.uint64(3)
    u_los = _uniform(splitmix64_at(np.uint64(seed), k))
    u1 = 1.0 - _uniform(splitmix64_at(np.uint64(seed), k + np.uint64(1)))
    u2 = _uniform(splitmix64_at(np.uint64(seed), k + np.uint64(2)))
    return u_los, np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def pathloss(distance_m, elevation_deg, freq_hz, environment: str = "rural", *,
             seed: int | None = None) -> PathLoss:
    env, seed = environment_code(environment), pathloss_seed(seed)
    d, el, f = flat_pairs(distance_m=distance_m, elevation_deg=elevation_deg, freq_hz=freq_hz)
    nan = ~(np.isfinite(d) & np.isfinite(el) & np.isfinite(f))
    bad_range = ((d <= 0) | (el < 0) | (el > 90) | (f < CONST.PATHLOSS_MIN_FREQ_HZ)
                 | (f > CONST.PATHLOSS_MAX_FREQ_HZ))
    status = _status(nan=nan, range=~nan & bad_range)
    row = _row(el)
    ka = f >= CONST.PATHLOSS_BAND_SPLIT_HZ
    table = np.where(ka, _tables(env, CONST.BAND_KA)[:, row], _tables(env, CONST.BAND_S)[:, row])
    p_los, sigma_los, sigma_nlos, clutter, tropo = table
    fspl = fspl_db(d, f).fspl_db
    status[(status == 0) & ~np.isfinite(fspl)] = CONST.ERR_RANGE   # f * d overflows
    gas, scint = _gas(f * 1e-9, el), _scintillation(f, tropo)
    if seed is None:
        los, shadow, clutter_db = p_los >= 0.5, np.zeros(d.size), (1.0 - p_los) * clutter
    else:
        u_los, z = _draws(seed, d.size)
        los = u_los < p_los
        shadow = np.where(los, sigma_los, sigma_nlos) * z
        clutter_db = np.where(los, 0.0, clutter)
    total = fspl + gas + scint + shadow + clutter_db
    bad = status != 0
    columns = [total, fspl, gas, scint, shadow, clutter_db, p_los.copy()]
    for column in columns:
        column[bad] = np.nan
    return PathLoss(*columns, los & ~bad, status)

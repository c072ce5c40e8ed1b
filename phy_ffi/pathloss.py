"""TR 38.811 (V15.4.0) clause 6.6 path loss of a satellite-to-ground link (C core).

``pathloss`` gives, per element, free-space path loss, gas absorption, scintillation, and the
LOS probability, shadow fading and clutter loss of the environment, in two modes:

- ``seed=None``: the mean, i.e. the expectation of the loss in dB over the LOS/NLOS state and
  the shadow fading: ``total = FSPL + gas + scintillation + (1 - P_LOS) * CL``; shadow fading
  is 0 (its mean), ``clutter_db`` is ``(1 - P_LOS) * CL`` and ``los`` marks ``P_LOS >= 0.5``.
- ``seed=int`` (0 <= seed < 2**64): one random draw per element: LOS with probability P_LOS,
  shadow fading normal(0, sigma of that state), clutter loss CL when NLOS. Element i depends
  only on (seed, i), so equal seeds give equal draws on both backends, and a longer array
  keeps the draws of a shorter one. Successive calls that must be independent need
  different seeds.

Gas and scintillation are deterministic in both modes (the TR gives them as a zenith
attenuation scaled by 1/sin(elevation) and as 99 % fade values). The band is chosen from the
frequency: below ``CONST.PATHLOSS_BAND_SPLIT_HZ`` (6 GHz) the S-band columns, at or above it
the Ka-band columns. Environments: "dense-urban", "urban", "suburban", "rural".
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phy_ffi import _bindings as b
from phy_ffi._bindings import CONST
from phy_ffi.arrays import flat_pairs
from phy_ffi.errors import PhyValueError

__all__ = [
    "BANDS",
    "ENVIRONMENTS",
    "Fspl",
    "GasZenith",
    "PathLoss",
    "PathLossTable",
    "band_code",
    "environment_code",
    "fspl_db",
    "gas_zenith_attenuation_db",
    "pathloss",
    "pathloss_seed",
    "pathloss_table",
]

ENVIRONMENTS = {
    "dense-urban": CONST.ENV_DENSE_URBAN,
    "urban": CONST.ENV_URBAN,
    "suburban": CONST.ENV_SUBURBAN,
    "rural": CONST.ENV_RURAL,
}
"""Environment names of TR 38.811 Table 6.6.1-1 -> NTN_ENV_* codes."""

BANDS = {"s": CONST.BAND_S, "ka": CONST.BAND_KA}
"""Band names (case-insensitive) of TR 38.811 Tables 6.6.2-1..3 -> NTN_BAND_* codes."""


class Fspl(NamedTuple):
    fspl_db: np.ndarray  # (n,) dB, NaN where status != 0
    status: np.ndarray   # (n,) int32 status codes


class GasZenith(NamedTuple):
    zenith_db: np.ndarray  # (n,) zenith attenuation by gases, dB
    status: np.ndarray


class PathLossTable(NamedTuple):
    los_probability: np.ndarray   # 0..1, TR 38.811 Table 6.6.1-1
    sigma_sf_los_db: np.ndarray   # shadow-fading sigma in LOS, dB
    sigma_sf_nlos_db: np.ndarray  # shadow-fading sigma in NLOS, dB
    clutter_loss_db: np.ndarray   # clutter loss CL in NLOS, dB
    tropo_scintillation_db: np.ndarray  # Table 6.6.6.2.1-1 (used at >= 6 GHz), dB
    status: np.ndarray


class PathLoss(NamedTuple):
    total_db: np.ndarray          # sum of the five terms below
    fspl_db: np.ndarray           # free-space path loss
    gas_db: np.ndarray            # atmospheric gases (6.6.4)
    scintillation_db: np.ndarray  # ionospheric (< 6 GHz) or tropospheric fade (6.6.6)
    shadow_fading_db: np.ndarray  # a draw, or 0 for the mean
    clutter_db: np.ndarray        # CL if NLOS (draw) or (1 - P_LOS) * CL (mean)
    los_probability: np.ndarray   # 0..1
    los: np.ndarray               # bool: the drawn state, or P_LOS >= 0.5 for the mean
    status: np.ndarray            # int32 per-element status; bad elements NaN


def environment_code(environment: str) -> int:
    """NTN_ENV_* code of an environment name; PhyValueError naming the choices otherwise."""
    try:
        return ENVIRONMENTS[environment]
    except (KeyError, TypeError):
        raise PhyValueError(f"environment: unknown {environment!r}, expected one of "
                            f"{', '.join(ENVIRONMENTS)}", CONST.ERR_RANGE) from None


def band_code(band: str) -> int:
    """NTN_BAND_* code of a band name ("S" or "Ka", any case)."""
    code = BANDS.get(band.lower()) if isinstance(band, str) else None
    if code is None:
        raise PhyValueError(f"band: unknown {band!r}, expected S or Ka", CONST.ERR_RANGE)
    return code


def pathloss_seed(seed) -> int | None:
    """``seed`` checked: None, or an int in [0, 2**64)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise PhyValueError(f"seed: expected None or an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**64:
        raise PhyValueError(f"seed: {seed} is outside [0, 2**64)", CONST.ERR_RANGE)
    return int(seed)


def fspl_db(distance_m, freq_hz) -> Fspl:
    """Free-space path loss (TR 38.811 eq. 6.6-2), dB: 32.45 + 20 log10(f_GHz) + 20 log10(d_m)."""
    return Fspl(*b.fspl_db(*flat_pairs(distance_m=distance_m, freq_hz=freq_hz)))


def gas_zenith_attenuation_db(freq_hz) -> GasZenith:
    """Zenith attenuation by atmospheric gases (dB) at 1..100 GHz (ITU-R P.676, ntn_phy.h)."""
    (freq,) = flat_pairs(freq_hz=freq_hz)
    return GasZenith(*b.gas_zenith_attenuation_db(freq))


def pathloss_table(elevation_deg, environment: str = "rural", band: str = "S") -> PathLossTable:
    """LOS probability, shadow-fading sigmas, clutter loss and tropospheric scintillation at
    the nearest tabulated elevation (10..90 deg) for an environment and band (TR 38.811
    Tables 6.6.1-1, 6.6.2-1..3, 6.6.6.2.1-1)."""
    (el,) = flat_pairs(elevation_deg=elevation_deg)
    return PathLossTable(*b.pathloss_table(el, environment_code(environment), band_code(band)))


def pathloss(distance_m, elevation_deg, freq_hz, environment: str = "rural", *,
             seed: int | None = None) -> PathLoss:
    """TR 38.811 6.6 path loss for slant ranges (m), elevations (deg, 0..90) and carrier
    frequencies (Hz, 0.5..100 GHz), broadcast over 1-D inputs; the mean when ``seed`` is
    None, else one seeded draw per element (see the module docstring)."""
    env, seed = environment_code(environment), pathloss_seed(seed)
    d, el, f = flat_pairs(distance_m=distance_m, elevation_deg=elevation_deg, freq_hz=freq_hz)
    return PathLoss(*b.pathloss(d, el, f, env, seed))

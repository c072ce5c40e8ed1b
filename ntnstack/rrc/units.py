"""The NTN system information in physical units, and the quantisation both ways.

``NtnSib`` holds one SIB31 / SIB31-NB / SIB19 in SI units (metres, m/s, seconds, radians,
milliseconds where the specification counts milliseconds). ``quantise`` maps a value to the
integer of its field (round to nearest, so the error is at most half a step; a value outside
the field's range raises InputError naming the field); ntnstack.rrc.fields applies it to
whole messages.

Steps and ranges (TS 36.331 V17.4.0 6.3.1 SystemInformationBlockType31 and 6.7.3.1 field
descriptions; TS 38.331 V17.4.0 6.3.2 NTN-Config, EphemerisInfo, TA-Info):
- position state vector (ECEF): 1.3 m, -33554432..33554431; velocity: 0.06 m/s, -131072..131071;
- semi-major axis: 6 500 000 m + n * 4.249e-3 m, n in 0..8589934591; eccentricity 1.431e-8,
  0..1048575; periapsis, longitude of the ascending node, mean anomaly: 2.341e-8 rad,
  0..268435455; inclination 2.341e-8 rad, -67108864..67108863 (Rel-17 meaning: the value
  times the step, so retrograde orbits, i > pi/2, cannot be carried; Rel-18 reinterprets
  negative values);
- LTE nta-Common: 1 T_s = 1/(15000*2048) s, 0..8316827; nta-CommonDrift 0.2e-3 us/s,
  -261935..261935; nta-CommonDriftVariation 0.2e-4 us/s^2, 0..29479;
- NR ta-Common: 4.072e-3 us, 0..66485757; ta-CommonDrift 0.2e-3 us/s, -257303..257303;
  ta-CommonDriftVariant 0.2e-4 us/s^2, 0..28949;
- k-Offset (LTE) 0..1023 ms, cellSpecificKoffset (NR) 1..1023 ms (slots at 15 kHz), k-Mac / kmac
  1..512 ms; validity s5..s60 in 5 s steps, s120, s180, s240, s900;
- SIB19 t-Service: 10 ms units since 1900-01-01 00:00:00 (as referenceTimeInfo), distanceThresh
  50 m, 0..65525; referenceLocation: Ellipsoid-Point of TS 37.355 (TS 23.032 6.1 coding);
- NTN-NeighCellConfig carrierFreq: ARFCN-ValueNR 0..3279165, the NR global frequency raster of
  TS 38.104 Table 5.4.2.1-1 (F = F_offs + dF (N - N_offs): 5 kHz from 0 below 3 GHz, 15 kHz
  from 3 GHz (N 600000) up to 24.25 GHz, 60 kHz from 24250.08 MHz (N 2016667) up to 100 GHz).

The common TA terms are round-trip quantities (TS 38.213 4.2: N_TA,adj^common(t) =
TA_Common + TA_CommonDrift (t - t_epoch) + TA_CommonDriftVariant (t - t_epoch)^2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ntnstack.errors import InputError
from phy_ffi import CONST

__all__ = ["NR_ARFCN_MAX", "VALIDITY_S", "CommonTa", "EpochTime", "Neighbour", "NtnConfig",
           "NtnSib", "OrbitalParameters", "STEPS", "StateVectors", "Step", "arfcn_to_hz",
           "hz_to_arfcn", "physical", "quantise"]

VALIDITY_S = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 120, 180, 240, 900)
"""ul-SyncValidityDuration / ntn-UlSyncValidityDuration values (s), in ENUMERATED order."""

NTP_UNIX_OFFSET_S = 2208988800
"""Seconds from 1900-01-01 00:00:00 to the Unix epoch 1970-01-01 (RFC 5905)."""


@dataclass(frozen=True)
class Step:
    """One quantised field: physical = offset + n * step, n in [lo, hi]."""

    step: float
    lo: int
    hi: int
    offset: float = 0.0


STEPS: dict[str, Step] = {
    "position_m": Step(1.3, -33554432, 33554431),
    "velocity_mps": Step(0.06, -131072, 131071),
    "semi_major_axis_m": Step(4.249e-3, 0, 8589934591, 6500000.0),
    "eccentricity": Step(1.431e-8, 0, 1048575),
    "angle_rad": Step(2.341e-8, 0, 268435455),
    "inclination_rad": Step(2.341e-8, -67108864, 67108863),
    "sib31_ta_common_s": Step(CONST.T_S_S, 0, 8316827),
    "sib31_drift_s_per_s": Step(0.2e-9, -261935, 261935),
    "sib31_variation_s_per_s2": Step(0.2e-10, 0, 29479),
    "sib19_ta_common_s": Step(4.072e-9, 0, 66485757),
    "sib19_drift_s_per_s": Step(0.2e-9, -257303, 257303),
    "sib19_variation_s_per_s2": Step(0.2e-10, 0, 28949),
    "t_service_s": Step(0.01, 0, 549755813887),
    "distance_thresh_m": Step(50.0, 0, 65525),
}


def quantise(value: float, step: Step, name: str) -> int:
    """Nearest integer field value; InputError naming ``name`` when outside the range."""
    if not math.isfinite(value):
        raise InputError(f"{name}: {value} is not finite")
    n = round((value - step.offset) / step.step)
    if not step.lo <= n <= step.hi:
        lo, hi = step.offset + step.lo * step.step, step.offset + step.hi * step.step
        raise InputError(f"{name}: {value:.9g} outside the field's range [{lo:.9g}, {hi:.9g}]")
    return int(n)


def physical(n: int, step: Step) -> float:
    return step.offset + n * step.step


# (first N, F_offs Hz, N_offs, dF Hz) of each NR global raster range, TS 38.104 Table 5.4.2.1-1.
_NR_RASTER = ((2016667, 24250.08e6, 2016667, 60e3), (600000, 3000e6, 600000, 15e3),
              (0, 0.0, 0, 5e3))
NR_ARFCN_MAX = 3279165


def arfcn_to_hz(n: int) -> float:
    """Frequency (Hz) of NR-ARFCN n (TS 38.104 5.4.2.1)."""
    if not 0 <= n <= NR_ARFCN_MAX:
        raise InputError(f"NR-ARFCN {n} outside 0..{NR_ARFCN_MAX}")
    _, f_offs, n_offs, df = next(r for r in _NR_RASTER if n >= r[0])
    return f_offs + df * (n - n_offs)


def hz_to_arfcn(freq_hz: float, name: str) -> int:
    """NR-ARFCN of a frequency on the global raster; InputError naming ``name`` when it is
    not on the raster (to 1 Hz) or outside 0..100 GHz."""
    for first, f_offs, n_offs, df in _NR_RASTER:
        if math.isfinite(freq_hz) and freq_hz >= f_offs + df * (first - n_offs) - 0.5:
            n = n_offs + round((freq_hz - f_offs) / df)
            if n <= NR_ARFCN_MAX and abs(arfcn_to_hz(n) - freq_hz) <= 1.0:
                return int(n)
            break
    raise InputError(f"{name}: {freq_hz} Hz is not on the NR global frequency raster "
                     f"(TS 38.104 5.4.2.1: 5 / 15 / 60 kHz steps up to 100 GHz)")


@dataclass(frozen=True)
class StateVectors:
    """Satellite position (m) and velocity (m/s) in ECEF at the epoch."""

    position_ecef_m: tuple[float, float, float]
    velocity_ecef_mps: tuple[float, float, float]


@dataclass(frozen=True)
class OrbitalParameters:
    """Osculating elements at the epoch, ECI frame aligned with ECEF at the epoch."""

    semi_major_axis_m: float
    eccentricity: float
    periapsis_rad: float
    longitude_ascending_node_rad: float
    inclination_rad: float
    mean_anomaly_rad: float


@dataclass(frozen=True)
class CommonTa:
    """Broadcast common TA (round trip, s), its drift (s/s) and drift variation (s/s^2)."""

    ta_common_s: float | None = None
    drift_s_per_s: float | None = None
    drift_variation_s_per_s2: float | None = None


@dataclass(frozen=True)
class EpochTime:
    """Epoch of the ephemeris and common TA: SFN (0..1023) and subframe (0..9)."""

    sfn: int
    subframe: int


@dataclass(frozen=True)
class NtnConfig:
    """ServingSatelliteInfo-r17 (LTE) / NTN-Config-r17 (NR) in physical units."""

    ephemeris: StateVectors | OrbitalParameters | None = None
    common_ta: CommonTa | None = None
    validity_s: int | None = None
    epoch: EpochTime | None = None
    k_offset_ms: int | None = None
    k_mac_ms: int | None = None
    polarisation_dl: str | None = None
    polarisation_ul: str | None = None
    ta_report: bool = False


@dataclass(frozen=True)
class Neighbour:
    """One NTN-NeighCellConfig-r17 entry (SIB19)."""

    config: NtnConfig | None = None
    carrier_arfcn: int | None = None
    pci: int | None = None

    @property
    def carrier_hz(self) -> float | None:
        """carrierFreq-r17 in Hz (NR global raster)."""
        return None if self.carrier_arfcn is None else arfcn_to_hz(self.carrier_arfcn)


@dataclass(frozen=True)
class NtnSib:
    """One NTN SIB of ``kind`` (sib31, sib31-nb, sib19); SIB19-only fields stay None else."""

    kind: str
    config: NtnConfig
    t_service_unix_s: float | None = None
    reference_location_deg: tuple[float, float] | None = None
    distance_thresh_m: float | None = None
    neighbours: tuple[Neighbour, ...] = field(default_factory=tuple)

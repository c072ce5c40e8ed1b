"""Cross-checks of a broadcast snapshot against ntnstack's link layer and orbit truth.

A target file can agree with the SIB builder and still be wrong if the builder is; these
checks recompute the physics along another path and bound the difference by named
allowances:

- ephemeris state vectors vs the orbit source at the epoch: half the SIB19 step per axis
  (1.3 m / 2, 0.06 m/s / 2; TS 38.331 PositionVelocity-r17);
- orbital parameters, turned back into a position, vs the orbit source: half a step of each
  of the four angles times the orbit radius, plus half the eccentricity and semi-major-axis
  steps (TS 38.331 Orbital-r17);
- ta-Common vs the link layer's common TA at the epoch (2 x feeder-link delay through the
  Hermite-interpolated table, ntnstack.link.series): half the ta-Common step + the builder's
  fit residual (round trip) + the interpolation bound of the orbit table
  (ntnstack.orbit.source.HERMITE_ERROR_BOUND_M, round trip);
- K_offset covers the terminal's round trip at the epoch (2 x service delay + common TA,
  TS 38.300 16.14.2), when a terminal is known and sees the satellite above the cell's
  minimum elevation (K_offset is sized for the coverage, not below it).
"""
from __future__ import annotations

import numpy as np

import phy_ffi
from ntnstack.export.snapshot import Snapshot
from ntnstack.link.series import link_series
from ntnstack.orbit import OrbitalElements, elements_to_state
from ntnstack.orbit.source import HERMITE_ERROR_BOUND_M
from ntnstack.rrc.units import STEPS

__all__ = ["ALLOWANCES", "cross_check"]

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
ALLOWANCES = {
    "position_m": 0.5 * STEPS["position_m"].step,
    "velocity_mps": 0.5 * STEPS["velocity_mps"].step,
    "hermite_round_trip_s": 2.0 * HERMITE_ERROR_BOUND_M / C,
}


def _orbital(snapshot: Snapshot, truth_pos: np.ndarray) -> list[str]:
    """Elements back to a position (ECI aligned with ECEF at the epoch = ECEF there)."""
    q = snapshot.quantities()
    pos, _ = elements_to_state(OrbitalElements(
        q["semi_major_axis_m"], q["eccentricity"], q["periapsis_rad"], q["longitude_rad"],
        q["inclination_rad"], q["mean_anomaly_rad"]))
    radius = float(np.linalg.norm(truth_pos))
    allowance = (radius * (4 * 0.5 * STEPS["angle_rad"].step + 0.5 * STEPS["eccentricity"].step)
                 + 0.5 * STEPS["semi_major_axis_m"].step)
    error = float(np.linalg.norm(pos - truth_pos))
    if error > allowance:
        return [f"orbital parameters: position {error:.3f} m from the orbit "
                f"(allowance {allowance:.3f} m)"]
    return []


def _ephemeris(snapshot: Snapshot) -> list[str]:
    q = snapshot.quantities()
    pos, vel = (a[0] for a in snapshot.inputs.source.states(np.array([snapshot.epoch_unix_s])))
    if snapshot.ephemeris_format != "state-vectors":
        return _orbital(snapshot, pos)
    out = []
    for i, axis in enumerate("xyz"):
        if abs(q[f"pos_{axis}_m"] - pos[i]) > ALLOWANCES["position_m"]:
            out.append(f"ephemeris pos_{axis}: {q[f'pos_{axis}_m']} m vs orbit {pos[i]:.3f} m")
        if abs(q[f"vel_{axis}_mps"] - vel[i]) > ALLOWANCES["velocity_mps"]:
            out.append(f"ephemeris vel_{axis}: {q[f'vel_{axis}_mps']} m/s vs orbit "
                       f"{vel[i]:.4f} m/s")
    return out


def _timing(snapshot: Snapshot) -> list[str]:
    inputs, built = snapshot.inputs, snapshot.built
    point = inputs.ue or inputs.gateway
    if point is None:
        return []
    feeder_on = inputs.payload == "transparent" and inputs.gateway is not None
    series = link_series(inputs.source, point, np.array([snapshot.epoch_unix_s]),
                         inputs.gateway if feeder_on else None, payload=inputs.payload,
                         min_elevation_deg=-90.0)
    q, out = snapshot.quantities(), []
    step = STEPS[f"{snapshot.kind.replace('-nb', '')}_ta_common_s"].step
    allowance = (0.5 * step + 2.0 * built.common_ta_residual_s
                 + ALLOWANCES["hermite_round_trip_s"])
    link_ta = float(series.ta_common_s[0])
    if abs(q["ta_common_s"] - link_ta) > allowance:
        out.append(f"ta_common: {q['ta_common_s']:.9e} s vs link layer {link_ta:.9e} s "
                   f"(allowance {allowance:.3e} s)")
    if inputs.ue is not None and series.elevation_deg[0] >= inputs.min_elevation_deg:
        needed_ms = (2.0 * float(series.delay_s[0]) + q["ta_common_s"]) * 1e3
        if q["k_offset_ms"] < needed_ms:
            out.append(f"k_offset: {q['k_offset_ms']} ms below the terminal's round trip "
                       f"{needed_ms:.3f} ms (TS 38.300 16.14.2)")
    return out


def cross_check(snapshot: Snapshot) -> list[str]:
    """Problems found (empty when the broadcast agrees with the link layer)."""
    return _ephemeris(snapshot) + _timing(snapshot)

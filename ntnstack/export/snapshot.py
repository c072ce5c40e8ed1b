"""The cell as it broadcasts at one instant: the SIB that ntnstack.rrc builds (quantised
fields and their physical values), and the same instant seen by the link layer.

``Snapshot.quantities`` flattens the broadcast to SI quantities with fixed names; every
target's field table reads from it. The values are the SIB's quantised ones (what a UE
decodes), so every target carries exactly what SIB19 / SIB31 carries; the unquantised truth
(``built.truth_pos_ecef_m`` ...) stays on the snapshot for the cross-checks of
ntnstack.export.validate.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ntnstack.errors import InputError
from ntnstack.export.inputs import ExportInputs
from ntnstack.rrc.builders import BuiltSib, CellConfig, build_sib, check_fixed_k_offset
from ntnstack.rrc.codec import encode_sib
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import OrbitalParameters, StateVectors

__all__ = ["POLARISATIONS", "Snapshot", "take_snapshot"]

POLARISATIONS = ("rhcp", "lhcp", "linear")   # ntn-PolarizationDL/UL-r17 (TS 38.331)


@dataclass(frozen=True)
class Snapshot:
    """One broadcast instant of the cell of ``inputs``."""

    inputs: ExportInputs
    kind: str                 # the SIB built: sib19 | sib31 | sib31-nb
    built: BuiltSib
    ephemeris_format: str     # state-vectors | orbital
    sfn0_unix_s: float = 0.0  # when the cell's SFN 0, subframe 0 started

    @property
    def epoch_unix_s(self) -> float:
        return self.built.epoch_unix_s

    def quantities(self) -> dict:
        """The broadcast in SI units (s, m, m/s, rad, deg; ms where 3GPP counts ms)."""
        cfg = self.built.sib.config
        q = {"k_offset_ms": cfg.k_offset_ms, "k_mac_ms": cfg.k_mac_ms,
             "validity_s": cfg.validity_s, "epoch_sfn": cfg.epoch.sfn,
             "epoch_subframe": cfg.epoch.subframe,
             "epoch_unix_ms": int(round(self.epoch_unix_s * 1000.0)),
             "polarisation_dl": cfg.polarisation_dl, "polarisation_ul": cfg.polarisation_ul,
             "ta_common_s": cfg.common_ta.ta_common_s,
             "ta_common_drift_s_per_s": cfg.common_ta.drift_s_per_s,
             "ta_common_drift_variation_s_per_s2": cfg.common_ta.drift_variation_s_per_s2}
        q.update(_ephemeris_quantities(cfg.ephemeris))
        gw = self.inputs.gateway
        if gw is not None:
            q.update(gateway_lat_deg=gw.lat_deg, gateway_lon_deg=gw.lon_deg,
                     gateway_alt_m=gw.alt_m)
        return q


def _ephemeris_quantities(eph) -> dict:
    if isinstance(eph, StateVectors):
        names = ("pos_x_m", "pos_y_m", "pos_z_m", "vel_x_mps", "vel_y_mps", "vel_z_mps")
        return dict(zip(names, (*eph.position_ecef_m, *eph.velocity_ecef_mps), strict=True))
    if isinstance(eph, OrbitalParameters):
        return {"semi_major_axis_m": eph.semi_major_axis_m, "eccentricity": eph.eccentricity,
                "periapsis_rad": eph.periapsis_rad,
                "longitude_rad": eph.longitude_ascending_node_rad,
                "inclination_rad": eph.inclination_rad, "mean_anomaly_rad": eph.mean_anomaly_rad}
    return {}


def _amend(built: BuiltSib, kind: str, **changes) -> BuiltSib:
    """``built`` with NtnConfig fields changed, re-quantised and re-encoded (constraints on)."""
    config = dataclasses.replace(built.sib.config, **changes)
    fields = to_fields(dataclasses.replace(built.sib, config=config))
    return dataclasses.replace(built, sib=from_fields(kind, fields), fields=fields,
                               message=encode_sib(kind, fields))


def take_snapshot(inputs: ExportInputs, t_unix_s: float, *, kind: str = "sib19",
                  ephemeris_format: str = "state-vectors",
                  polarisation: str | None = None, sfn0_unix_s: float = 0.0) -> Snapshot:
    """The ``kind`` SIB of the cell at ``t_unix_s``, with the cell's K_offset and polarisation.

    ``polarisation`` (rhcp | lhcp | linear) sets DL and UL alike; SIB19 only.
    ``sfn0_unix_s``: when the cell's SFN 0, subframe 0 started (the epoch's SFN counts from it).
    """
    if not np.isfinite(t_unix_s):
        raise InputError(f"--time: {t_unix_s} is not a time")
    cell = CellConfig(kind=kind, payload=inputs.payload,
                      gateway_ecef_m=None if inputs.gateway is None
                      else tuple(float(x) for x in inputs.gateway.ecef_m),
                      ephemeris_format=ephemeris_format, validity_s=inputs.validity_s,
                      min_elevation_deg=inputs.min_elevation_deg, sfn0_unix_s=sfn0_unix_s,
                      k_offset_ms=inputs.k_offset_ms)
    built = build_sib(inputs.source, cell, t_unix_s)
    if inputs.k_offset_ms is not None:
        check_fixed_k_offset(built)
    if polarisation is not None:
        if polarisation not in POLARISATIONS:
            raise InputError(f"--polarisation: {polarisation!r} is not one of "
                             f"{', '.join(POLARISATIONS)}")
        if kind != "sib19":
            raise InputError(f"--polarisation: {kind} carries no polarisation (SIB19 only)")
        built = _amend(built, kind, polarisation_dl=polarisation, polarisation_ul=polarisation)
    return Snapshot(inputs, kind, built, ephemeris_format, sfn0_unix_s)

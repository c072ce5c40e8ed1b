"""Amarisoft eNB / gNB: the NTN parameters of a cell, as one table (``FIELDS``).

What is public: Amarisoft ships NTN example configurations (gnb-sa-ntn.cfg, enb-nbiot-ntn.cfg,
listed on tech-academy.amarisoft.com with "NTN_MODE 0: GEO, 1: MEO, 2: LEO" and a built-in
satellite channel simulator), the tutorials "NR SA NTN" and "LTE NB NTN" (SIB19 / SIB31
carry ephemeris and common TA), and the companion tool ltesat, whose satellite inputs are
"compatible with eNB/gNB NTN configuration" (ltesat.doc). The key names and units of the
``ntn`` object in lteenb's reference manual were not reachable from the public material
searched for this export. The table below therefore names each value with the 3GPP IE it
fills, in snake case, in physical units (the way Amarisoft configurations state physical
quantities elsewhere), and marks every key "unconfirmed": check them against the lteenb
documentation of your release before loading. The values are exact: the SIB-quantised
physical values of the cell's own SIB (SIB19 for NR, SIB31 / SIB31-NB for LTE-M / NB-IoT).

Syntax: Amarisoft configuration files are JSON with comments; the export is a JSON object
``{"ntn": {...}}`` after a ``/* */`` header, to merge into the cell's entry.
"""
from __future__ import annotations

import json
import re

from ntnstack.clock import format_iso8601
from ntnstack.export.fields import Field, Mismatch, check_fields, render_value, set_path
from ntnstack.export.snapshot import Snapshot

__all__ = ["FIELDS", "check", "ntn_tree", "render"]

_UNCONFIRMED = "key unconfirmed (not in public Amarisoft material)"


def _row(key: str, quantity: str, unit: str, scale: float, ie: str) -> Field:
    return Field(f"ntn.{key}", quantity, unit, scale, None,
                 f"{_UNCONFIRMED}; value: TS 38.331 / 36.331 {ie}")


FIELDS: tuple[Field, ...] = (
    _row("k_offset", "k_offset_ms", "ms", 1.0, "cellSpecificKoffset-r17 / k-Offset-r17"),
    _row("k_mac", "k_mac_ms", "ms", 1.0, "kmac-r17 / k-Mac-r17"),
    _row("ul_sync_validity_duration", "validity_s", "s", 1.0,
         "ntn-UlSyncValidityDuration-r17 / ul-SyncValidityDuration-r17"),
    _row("epoch_time.sfn", "epoch_sfn", "SFN", 1.0, "epochTime-r17 sfn"),
    _row("epoch_time.subframe", "epoch_subframe", "subframe", 1.0, "epochTime-r17 subframe"),
    _row("ta_common", "ta_common_s", "us", 1e6, "ta-Common-r17 / nta-Common-r17"),
    _row("ta_common_drift", "ta_common_drift_s_per_s", "us/s", 1e6,
         "ta-CommonDrift-r17 / nta-CommonDrift-r17"),
    _row("ta_common_drift_variation", "ta_common_drift_variation_s_per_s2", "us/s^2", 1e6,
         "ta-CommonDriftVariant-r17 / nta-CommonDriftVariation-r17"),
    *(_row(f"ephemeris.{k}", q, "m", 1.0, f"position{k[-1].upper()}-r17 (ECEF)")
      for k, q in (("pos_x", "pos_x_m"), ("pos_y", "pos_y_m"), ("pos_z", "pos_z_m"))),
    *(_row(f"ephemeris.{k}", q, "m/s", 1.0, f"velocityV{k[-1].upper()}-r17 (ECEF)")
      for k, q in (("vel_x", "vel_x_mps"), ("vel_y", "vel_y_mps"), ("vel_z", "vel_z_mps"))),
    _row("ephemeris.semi_major_axis", "semi_major_axis_m", "m", 1.0, "semiMajorAxis-r17"),
    _row("ephemeris.eccentricity", "eccentricity", "1", 1.0, "eccentricity-r17"),
    _row("ephemeris.periapsis", "periapsis_rad", "rad", 1.0, "periapsis-r17"),
    _row("ephemeris.longitude", "longitude_rad", "rad", 1.0, "longitude-r17"),
    _row("ephemeris.inclination", "inclination_rad", "rad", 1.0, "inclination-r17"),
    _row("ephemeris.mean_anomaly", "mean_anomaly_rad", "rad", 1.0,
         "meanAnomaly-r17 / anomaly-r17"),
    _row("polarization_dl", "polarisation_dl", "rhcp | lhcp | linear", 1.0,
         "ntn-PolarizationDL-r17 (SIB19)"),
    _row("polarization_ul", "polarisation_ul", "rhcp | lhcp | linear", 1.0,
         "ntn-PolarizationUL-r17 (SIB19)"),
    _row("gateway.latitude", "gateway_lat_deg", "deg", 1.0, "(none: the feeder-link end)"),
    _row("gateway.longitude", "gateway_lon_deg", "deg", 1.0, "(none: the feeder-link end)"),
    _row("gateway.altitude", "gateway_alt_m", "m", 1.0, "(none: the feeder-link end)"),
)

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def ntn_tree(snapshot: Snapshot) -> dict:
    """``{"ntn": {...}}``: every field of ``FIELDS`` the snapshot has, in the target's units
    (what the exported file holds, and what ntnstack.live.ran pushes into a Callbox)."""
    q = snapshot.quantities()
    tree: dict = {}
    for field in FIELDS:
        if q.get(field.quantity) is not None:
            set_path(tree, field.path, render_value(field, q[field.quantity]))
    return tree


def render(snapshot: Snapshot) -> str:
    """A ``/* */`` header and the JSON object ``{"ntn": {...}}`` (``ntn_tree``)."""
    tree = ntn_tree(snapshot)
    head = (f"/* NTN parameters for an Amarisoft eNB/gNB cell, written by ntnstack export.\n"
            f"   Key names are UNCONFIRMED (see docs/export.md): check them against the lteenb\n"
            f"   reference of your release. Values: the {snapshot.kind.upper()} of cell "
            f"{snapshot.inputs.cell_name} ({snapshot.inputs.source.name}, "
            f"{snapshot.inputs.payload}),\n   epoch {format_iso8601(snapshot.epoch_unix_s)}, "
            f"in the units of docs/export.md. */\n")
    return head + json.dumps(tree, indent=2) + "\n"


def check(text: str, snapshot: Snapshot) -> list[Mismatch]:
    """Drop the comments, parse the JSON back and compare every field with the snapshot."""
    parsed = json.loads(_COMMENT.sub("", text))
    return check_fields(FIELDS, parsed, snapshot.quantities())

"""srsRAN Project gNB: the ``ntn:`` section of its YAML configuration.

Mapping followed: srsRAN Project source at commit fc4e810b949f (2025):
apps/units/flexible_o_du/o_du_high/du_high/du_high_config_cli11_ntn_schema.cpp (the option
names, ranges and units) and include/srsran/ran/ntn.h (``ntn_config``: units in the
comments). The top-level ``ntn:`` section is the "Default NTN configuration" applied to
every cell (du_high_config_cli11_schema.cpp). That srsRAN takes physical values (us, us/s,
m, m/s, rad) and quantises them itself into SIB19; ntnstack writes the SIB19-quantised
values, each the integer number of steps plus a quarter step away from zero: srsRAN
quantises by truncating value / step toward zero (a C cast, lib/du/du_high/du_manager/converters/
asn1_ntn_config_helpers.cpp), and n * step itself often divides to a hair below n in binary
floating point, which it would broadcast as n - 1; with the quarter step it re-derives n (and
so would a rounding parser).

``EXTENDED`` fields exist in srsRAN's ``ntn_config`` and YAML writer
(du_high_config_yaml_writer.cpp: epoch_timestamp, ntn_gateway_location) but the open-source
option parser leaves them to the "advanced" NTN arguments of other builds; they are written
only on request (``extended=True``): an open-source gNB is likely to reject keys its option
parser does not know.
"""
from __future__ import annotations

import yaml

from ntnstack.clock import format_iso8601
from ntnstack.export.fields import Field, Mismatch, check_fields, render_value, set_path
from ntnstack.export.snapshot import Snapshot

__all__ = ["BASE", "EXTENDED", "ORBITAL", "SOURCE", "STATE_VECTORS", "VERSION", "check",
           "render", "table"]

VERSION = "srsRAN Project source at commit fc4e810b949f (2025)"
SCHEMA = "du_high_config_cli11_ntn_schema.cpp"
SOURCE = f"srsRAN Project {SCHEMA} / include/srsran/ran/ntn.h @ fc4e810b"
_NTN_H = "srsRAN Project include/srsran/ran/ntn.h @ fc4e810b"
_WRITER = "srsRAN Project du_high_config_yaml_writer.cpp"

BASE: tuple[Field, ...] = (
    Field("ntn.cell_specific_koffset", "k_offset_ms", "slots at 15 kHz (= ms)", 1.0, None,
          f"{SCHEMA} --cell_specific_koffset (0..1023)"),
    Field("ntn.ntn_ul_sync_validity_dur", "validity_s", "s", 1.0, None,
          f"{SCHEMA} --ntn_ul_sync_validity_dur (5..60, 120, 180, 240, 900)"),
    Field("ntn.epoch_time.sfn", "epoch_sfn", "SFN", 1.0, None, f"{SCHEMA} epoch_time --sfn"),
    Field("ntn.epoch_time.subframe_number", "epoch_subframe", "subframe", 1.0, None,
          f"{SCHEMA} epoch_time --subframe_number"),
    Field("ntn.ta_info.ta_common", "ta_common_s", "us", 1e6, 4.072e-3,
          f"{SCHEMA} ta_info --ta_common (0..270730 us); step: TS 38.331 ta-Common-r17",
          truncates=True),
    Field("ntn.ta_info.ta_common_drift", "ta_common_drift_s_per_s", "us/s", 1e6, 0.2e-3,
          f"{SCHEMA} ta_info --ta_common_drift (+-51.4606 us/s); TS 38.331 ta-CommonDrift-r17",
          truncates=True),
    Field("ntn.ta_info.ta_common_drift_variant", "ta_common_drift_variation_s_per_s2",
          "us/s^2", 1e6, 0.2e-4, f"{SCHEMA} ta_info --ta_common_drift_variant (0..0.57898 "
          "us/s^2); TS 38.331 ta-CommonDriftVariant-r17", truncates=True),
)
STATE_VECTORS: tuple[Field, ...] = tuple(
    Field(f"ntn.ephemeris_info_ecef.{name}", quantity, unit, 1.0, step,
          f"{SCHEMA} ephemeris_info_ecef --{name}; step: TS 38.331 PositionVelocity-r17",
          truncates=True)
    for name, quantity, unit, step in (
        ("pos_x", "pos_x_m", "m", 1.3), ("pos_y", "pos_y_m", "m", 1.3),
        ("pos_z", "pos_z_m", "m", 1.3), ("vel_x", "vel_x_mps", "m/s", 0.06),
        ("vel_y", "vel_y_mps", "m/s", 0.06), ("vel_z", "vel_z_mps", "m/s", 0.06)))
ORBITAL: tuple[Field, ...] = tuple(
    Field(f"ntn.ephemeris_orbital.{name}", quantity, unit, 1.0, step,
          f"{SCHEMA} ephemeris_orbital --{name}; step: TS 38.331 Orbital-r17", origin=origin,
          truncates=True)
    for name, quantity, unit, step, origin in (
        ("semi_major_axis", "semi_major_axis_m", "m", 4.249e-3, 6.5e6),   # from 6,500 km
        ("eccentricity", "eccentricity", "1", 1.431e-8, 0.0),
        ("periapsis", "periapsis_rad", "rad", 2.341e-8, 0.0),
        ("longitude", "longitude_rad", "rad", 2.341e-8, 0.0),
        ("inclination", "inclination_rad", "rad", 2.341e-8, 0.0),
        ("mean_anomaly", "mean_anomaly_rad", "rad", 2.341e-8, 0.0)))
EXTENDED: tuple[Field, ...] = (
    Field("ntn.k_mac", "k_mac_ms", "slots at 15 kHz (= ms)", 1.0, None,
          f"{_NTN_H} ntn_config::k_mac"),
    Field("ntn.epoch_timestamp", "epoch_unix_ms", "ms since 1970-01-01 UTC", 1.0, None,
          f"{_NTN_H} ntn_config::epoch_timestamp; key as in {_WRITER}"),
    Field("ntn.ntn_gateway_location.latitude", "gateway_lat_deg", "deg", 1.0, None,
          f"{_NTN_H} geodetic_coordinates_t; key as in {_WRITER}"),
    Field("ntn.ntn_gateway_location.longitude", "gateway_lon_deg", "deg", 1.0, None,
          f"{_NTN_H} geodetic_coordinates_t; key as in {_WRITER}"),
    Field("ntn.ntn_gateway_location.altitude", "gateway_alt_m", "m", 1.0, None,
          f"{_NTN_H} geodetic_coordinates_t; key as in {_WRITER}"),
    Field("ntn.polarization.dl", "polarisation_dl", "rhcp | lhcp | linear", 1.0, None,
          f"{_NTN_H} ntn_polarization_t::dl"),
    Field("ntn.polarization.ul", "polarisation_ul", "rhcp | lhcp | linear", 1.0, None,
          f"{_NTN_H} ntn_polarization_t::ul"),
)


def table(snapshot: Snapshot, extended: bool) -> tuple[Field, ...]:
    """The fields this snapshot fills."""
    eph = STATE_VECTORS if snapshot.ephemeris_format == "state-vectors" else ORBITAL
    return BASE + eph + (EXTENDED if extended else ())


def _header(snapshot: Snapshot, extended: bool) -> str:
    q = snapshot.quantities()
    lines = [
        f"ntn section for an srsRAN Project gNB ({VERSION}), written by ntnstack export",
        f"cell {snapshot.inputs.cell_name}: {snapshot.inputs.source.name}, "
        f"{snapshot.inputs.payload} payload, SIB19 epoch {format_iso8601(snapshot.epoch_unix_s)}"
        f" (SFN {q['epoch_sfn']} subframe {q['epoch_subframe']}, SFN 0 at "
        f"{format_iso8601(snapshot.sfn0_unix_s)})",
        "values: the SIB19-quantised ones of ntnstack.rrc (TS 38.331 V17.4.0 steps)",
    ]
    if not extended:
        lines.append("not written (not in the open-source option schema; --srsran-extended "
                     f"adds them): k_mac={q['k_mac_ms'] or 'absent'}, "
                     f"epoch_timestamp={q['epoch_unix_ms']}, ntn_gateway_location, polarization")
    return "".join(f"# {line}\n" for line in lines)


def render(snapshot: Snapshot, extended: bool = False) -> str:
    """The YAML text: a header comment and the ``ntn:`` mapping."""
    q = snapshot.quantities()
    tree: dict = {}
    for field in table(snapshot, extended):
        if q.get(field.quantity) is not None:
            set_path(tree, field.path, render_value(field, q[field.quantity]))
    return _header(snapshot, extended) + yaml.safe_dump(tree, sort_keys=False)


def check(text: str, snapshot: Snapshot, extended: bool = False) -> list[Mismatch]:
    """Parse the YAML back (pyyaml) and compare each field with the snapshot."""
    parsed = yaml.safe_load(text)
    return check_fields(table(snapshot, extended), parsed, snapshot.quantities())

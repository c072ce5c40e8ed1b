"""OpenAirInterface gNB: the NTN parameters of ``servingCellConfigCommon`` (libconfig syntax),
and a trace of the same parameters over time.

Names and units: openairinterface5g openair2/GNB_APP/gnb_paramdef.h (GNB_CONFIG_STRING_
ULSYNCVALIDITYDURATION ... TA_COMMONDRIFT), doc/ntn-configuration.md and
ci-scripts/conf_files/gnb.sa.band254.u0.25prb.rfsim.ntn-leo.conf (OAI develop, 2025). OAI
reads every value as the integer of its SIB19 field (TS 38.331 V17.4.0): ta-Common-r17 in
steps of 4.072e-3 us, ta-CommonDrift-r17 in 0.2e-3 us/s, positions in 1.3 m, velocities in
0.06 m/s (ECEF), cellSpecificKoffset_r17 in slots at 15 kHz; ntn-UlSyncValidityDuration-r17
in seconds. OAI reads ephemeris as position/velocity only, and that gnb_paramdef.h has no
ta-CommonDriftVariant-r17 (written for completeness; libconfig ignores settings nobody
reads), no kmac and no epochTime (doc/ntn-configuration.md: "epochtime is not implemented").

The trace: OAI documents no trace-file format for ephemeris over time, so ntnstack defines
one (``TRACE_COLUMNS``): a CSV, one row per step, with the time, the SIB19 epoch (SFN,
subframe) and the same integers as the configuration.
"""
from __future__ import annotations

import csv
import io

import libconf
import numpy as np

from ntnstack.clock import format_iso8601
from ntnstack.errors import InputError
from ntnstack.export.fields import Field, Mismatch, check_fields, render_value
from ntnstack.export.inputs import ExportInputs
from ntnstack.export.snapshot import Snapshot, take_snapshot

__all__ = ["FIELDS", "PREFIX", "TRACE_COLUMNS", "check", "check_trace", "render",
           "render_trace", "trace_snapshots"]

PREFIX = "gNBs.0.servingCellConfigCommon.0."
_PARAMDEF = "OAI openair2/GNB_APP/gnb_paramdef.h"
_SPEC = "TS 38.331 V17.4.0"

FIELDS: tuple[Field, ...] = (
    Field("ntn-UlSyncValidityDuration-r17", "validity_s", "s", 1.0, None,
          f"{_PARAMDEF} ULSYNCVALIDITYDURATION; unit: OAI doc/ntn-configuration.md"),
    Field("cellSpecificKoffset_r17", "k_offset_ms", "slots at 15 kHz (= ms)", 1.0, None,
          f"{_PARAMDEF} CELLSPECIFICKOFFSET"),
    Field("ta-Common-r17", "ta_common_s", "4.072e-3 us", 1.0, 4.072e-9,
          f"{_PARAMDEF} TA_COMMON; step {_SPEC} TA-Info-r17", integer=True),
    Field("ta-CommonDrift-r17", "ta_common_drift_s_per_s", "0.2e-3 us/s", 1.0, 0.2e-9,
          f"{_PARAMDEF} TA_COMMONDRIFT; step {_SPEC} TA-Info-r17", integer=True),
    Field("ta-CommonDriftVariant-r17", "ta_common_drift_variation_s_per_s2", "0.2e-4 us/s^2",
          1.0, 0.2e-10, f"{_SPEC} TA-Info-r17 (not read by {_PARAMDEF})", integer=True),
    *(Field(f"position{a}-r17", f"pos_{a.lower()}_m", "1.3 m", 1.0, 1.3,
            f"{_PARAMDEF} EPHEMERIS_POSITION_{a}; step {_SPEC} PositionVelocity-r17",
            integer=True) for a in "XYZ"),
    *(Field(f"velocityV{a}-r17", f"vel_{a.lower()}_mps", "0.06 m/s", 1.0, 0.06,
            f"{_PARAMDEF} EPHEMERIS_VELOCITY_V{a}; step {_SPEC} PositionVelocity-r17",
            integer=True) for a in "XYZ"),
)
TRACE_COLUMNS = ("t_unix_s", "time_utc", "epoch_sfn", "epoch_subframe",
                 *(f.path for f in FIELDS))


def _require_state_vectors(snapshot: Snapshot) -> None:
    if snapshot.ephemeris_format != "state-vectors":
        raise InputError("--ephemeris: OAI reads the ephemeris as positionX-r17 ... "
                         "velocityVZ-r17 only; use --ephemeris state-vectors")


def _values(snapshot: Snapshot) -> dict[str, int]:
    q = snapshot.quantities()
    return {f.path: render_value(f, q[f.quantity]) for f in FIELDS
            if q.get(f.quantity) is not None}


def _literal(value: int) -> str:
    """A libconfig integer: 64-bit ones carry the L suffix."""
    return f"{value}L" if abs(value) > 2**31 - 1 else str(value)


def render(snapshot: Snapshot) -> str:
    """libconfig text: gNBs / servingCellConfigCommon holding the NTN settings only, to merge
    into a full OAI gNB configuration."""
    _require_state_vectors(snapshot)
    q = snapshot.quantities()
    head = [f"NTN parameters of an OpenAirInterface gNB (servingCellConfigCommon), written "
            f"by ntnstack export; names: {_PARAMDEF}",
            f"cell {snapshot.inputs.cell_name}: {snapshot.inputs.source.name}, "
            f"{snapshot.inputs.payload} payload, SIB19 epoch "
            f"{format_iso8601(snapshot.epoch_unix_s)} (SFN {q['epoch_sfn']} subframe "
            f"{q['epoch_subframe']}, SFN 0 at {format_iso8601(snapshot.sfn0_unix_s)}); OAI has "
            f"no epochTime: load it at that instant",
            "integers in the SIB19 steps of TS 38.331 V17.4.0"]
    body = "".join(f"        {name} = {_literal(v)};\n" for name, v in _values(snapshot).items())
    return ("".join(f"# {line}\n" for line in head)
            + "gNBs =\n(\n  {\n    servingCellConfigCommon =\n    (\n      {\n"
            + body + "      }\n    );\n  }\n);\n")


def _sib_integers(snapshot: Snapshot) -> dict[str, int]:
    """The same quantities read straight from the SIB19 fields ntnstack.rrc encoded."""
    cfg = snapshot.built.fields["ntn-Config-r17"]
    out = {"ntn-UlSyncValidityDuration-r17": int(cfg["ntn-UlSyncValidityDuration-r17"][1:]),
           "cellSpecificKoffset_r17": cfg["cellSpecificKoffset-r17"],
           **cfg["ta-Info-r17"]}
    choice, values = cfg["ephemerisInfo-r17"]
    if choice == "positionVelocity-r17":
        out.update(values)
    return out


def check(text: str, snapshot: Snapshot) -> list[Mismatch]:
    """Parse the libconfig back (libconf) and compare with the snapshot and its SIB19."""
    parsed = libconf.loads(text)
    out = check_fields(FIELDS, parsed, snapshot.quantities(), PREFIX)
    sib = _sib_integers(snapshot)
    for name, value in sib.items():
        found = parsed["gNBs"][0]["servingCellConfigCommon"][0].get(name)
        if found != value:
            out.append(Mismatch(f"{PREFIX}{name} (SIB19)", value, found, None))
    return out


def trace_snapshots(inputs: ExportInputs, start_unix_s: float, duration_s: float,
                    step_s: float, sfn0_unix_s: float = 0.0) -> list[Snapshot]:
    """One SIB19 snapshot per step over [start, start + duration]."""
    from ntnstack.link.series import sample_times

    return [take_snapshot(inputs, float(t), sfn0_unix_s=sfn0_unix_s)
            for t in sample_times(start_unix_s, duration_s, step_s)]


def render_trace(snapshots: list[Snapshot]) -> str:
    """The CSV trace (``TRACE_COLUMNS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRACE_COLUMNS)
    for snap in snapshots:
        q, values = snap.quantities(), _values(snap)
        writer.writerow([repr(snap.epoch_unix_s), format_iso8601(snap.epoch_unix_s),
                         q["epoch_sfn"], q["epoch_subframe"],
                         *(values.get(name, "") for name in TRACE_COLUMNS[4:])])
    return out.getvalue()


def check_trace(text: str, snapshots: list[Snapshot]) -> list[Mismatch]:
    """Parse the CSV back and compare every row with its snapshot's SIB19 integers."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if len(rows) != len(snapshots):
        return [Mismatch("trace rows", len(snapshots), len(rows), None)]
    out = []
    for i, (row, snap) in enumerate(zip(rows, snapshots, strict=True)):
        if not np.isclose(float(row["t_unix_s"]), snap.epoch_unix_s, rtol=0, atol=1e-6):
            out.append(Mismatch(f"row {i} t_unix_s", snap.epoch_unix_s, row["t_unix_s"], 1e-6))
        for name, value in _sib_integers(snap).items():
            if int(row[name]) != value:
                out.append(Mismatch(f"row {i} {name}", value, row[name], None))
    return out

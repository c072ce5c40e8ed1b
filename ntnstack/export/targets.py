"""The export targets: what each writes, and how each file is checked once parsed back."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ntnstack.errors import InputError
from ntnstack.export import amarisoft, oai, srsran, trajectory
from ntnstack.export.fields import Mismatch
from ntnstack.export.inputs import ExportInputs
from ntnstack.export.snapshot import take_snapshot
from ntnstack.export.validate import cross_check

__all__ = ["TARGETS", "ExportFile", "ExportOptions", "build"]

TARGETS = ("srsran", "oai", "amarisoft", "trajectory")


@dataclass(frozen=True)
class ExportOptions:
    """Target options. Times in s, frequencies in Hz."""

    ephemeris_format: str = "state-vectors"
    polarisation: str | None = None
    srsran_extended: bool = False
    duration_s: float = 600.0          # trajectory and OAI trace span
    step_s: float = 1.0                # trajectory and OAI trace step
    feeder_up_hz: float = trajectory.DEFAULT_FEEDER_UP_HZ
    feeder_down_hz: float = trajectory.DEFAULT_FEEDER_DOWN_HZ
    environment: str = "rural"
    trace: bool = True                 # OAI: also the trace file
    sfn0_unix_s: float = 0.0           # when the cell's SFN 0 started (unix s)


@dataclass(frozen=True)
class ExportFile:
    """One output: its suffix (added to the --out stem), text, and parse-back check."""

    suffix: str
    text: str
    check: Callable[[str], list[Mismatch]]
    problems: list[str] = field(default_factory=list)   # link-layer cross-check findings


def _srsran(inputs, t, opt) -> list[ExportFile]:
    snap = take_snapshot(inputs, t, ephemeris_format=opt.ephemeris_format,
                         polarisation=opt.polarisation, sfn0_unix_s=opt.sfn0_unix_s)
    text = srsran.render(snap, opt.srsran_extended)
    return [ExportFile(".yml", text, lambda s: srsran.check(s, snap, opt.srsran_extended),
                       cross_check(snap))]


def _oai(inputs, t, opt) -> list[ExportFile]:
    snap = take_snapshot(inputs, t, ephemeris_format=opt.ephemeris_format,
                         polarisation=opt.polarisation, sfn0_unix_s=opt.sfn0_unix_s)
    files = [ExportFile(".conf", oai.render(snap), lambda s: oai.check(s, snap),
                        cross_check(snap))]
    if opt.trace:
        snaps = oai.trace_snapshots(inputs, t, opt.duration_s, opt.step_s, opt.sfn0_unix_s)
        files.append(ExportFile(".trace.csv", oai.render_trace(snaps),
                                lambda s: oai.check_trace(s, snaps)))
    return files


def _amarisoft(inputs, t, opt) -> list[ExportFile]:
    snap = take_snapshot(inputs, t, kind=inputs.sib_kind, ephemeris_format=opt.ephemeris_format,
                         polarisation=opt.polarisation, sfn0_unix_s=opt.sfn0_unix_s)
    return [ExportFile(".cfg", amarisoft.render(snap), lambda s: amarisoft.check(s, snap),
                       cross_check(snap))]


def _trajectory(inputs, t, opt) -> list[ExportFile]:
    traj = trajectory.trajectory(inputs, t, opt.duration_s, opt.step_s,
                                 feeder_up_hz=opt.feeder_up_hz,
                                 feeder_down_hz=opt.feeder_down_hz,
                                 environment=opt.environment)
    return [ExportFile(".csv", trajectory.render_csv(traj),
                       lambda s: trajectory.check_csv(s, traj)),
            ExportFile(".json", trajectory.render_json(traj),
                       lambda s: trajectory.check_json(s, traj))]


_BUILDERS: dict[str, Callable] = {"srsran": _srsran, "oai": _oai, "amarisoft": _amarisoft,
                                  "trajectory": _trajectory}


def build(target: str, inputs: ExportInputs, t_unix_s: float,
          options: ExportOptions | None = None) -> list[ExportFile]:
    """The files of ``target`` for the cell at ``t_unix_s`` (the first is the main one)."""
    if target not in _BUILDERS:
        raise InputError(f"--target: {target!r} is not one of {', '.join(TARGETS)}")
    return _BUILDERS[target](inputs, t_unix_s, options or ExportOptions())

"""What an export describes: one NTN cell (satellite, payload, gateway, SIB policy) and the
terminal it serves, taken from a scenario file or given directly on the command line."""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.link.defaults import DEFAULT_FREQ_DL_HZ, DEFAULT_FREQ_UL_HZ, PAYLOADS
from ntnstack.link.terminals import GroundPoint, ground_point
from ntnstack.orbit import OrbitSource, parse_orbit_spec

__all__ = ["ExportInputs", "for_cell", "from_args", "from_scenario"]

DEFAULT_VALIDITY_S = 20   # ntn-UlSyncValidityDuration s20 when nothing says otherwise


@dataclass(frozen=True)
class ExportInputs:
    """One cell and its terminal. Frequencies in Hz, times in unix seconds."""

    cell_name: str
    source: OrbitSource
    payload: str                      # transparent | regenerative
    gateway: GroundPoint | None       # feeder-link end (transparent payload)
    ue: GroundPoint | None            # the terminal (needed by the trajectory target)
    sib_kind: str                     # sib19 | sib31 | sib31-nb: what the cell broadcasts
    validity_s: int                   # ul-SyncValidityDuration, s
    k_offset_ms: int | None           # fixed by the scenario; None: the SIB builder's policy
    freq_dl_hz: float = DEFAULT_FREQ_DL_HZ
    freq_ul_hz: float = DEFAULT_FREQ_UL_HZ
    start_unix_s: float = 0.0
    min_elevation_deg: float = 10.0   # TR 38.821 reference coverage edge

    def require_ue(self, where: str) -> GroundPoint:
        if self.ue is None:
            raise InputError(f"{where}: this target needs the terminal's position (--ue, or a "
                             f"scenario terminal served by cell {self.cell_name!r})")
        return self.ue


def _point(geodetic, where: str) -> GroundPoint:
    return ground_point(geodetic.lat_deg, geodetic.lon_deg, geodetic.alt_m, where=where)


def _pick_cell(scenario, cell_name: str | None, path: str):
    if not scenario.cells:
        raise InputError(f"--scenario {path}: defines no cells (an export needs a 'cells' entry)")
    if cell_name is None:
        if len(scenario.cells) > 1:
            raise InputError(f"--cell: {path} defines several cells "
                             f"({', '.join(scenario.cells)}); name one")
        cell_name = next(iter(scenario.cells))
    if cell_name not in scenario.cells:
        raise InputError(f"--cell {cell_name!r}: not a cell of {path} "
                         f"(one of: {', '.join(scenario.cells)})")
    return scenario.cells[cell_name]


def from_scenario(path: str, cell_name: str | None, ue_override: GroundPoint | None = None
                  ) -> ExportInputs:
    """The cell ``cell_name`` of the scenario file (the only cell when None); its terminal is
    the first scenario terminal served by the cell unless ``ue_override`` is given."""
    from pathlib import Path

    from ntnstack.scenario import load_scenario

    if not Path(path).is_file():
        raise InputError(f"--scenario {path}: no such file")
    scenario = load_scenario([path])
    return for_cell(scenario, _pick_cell(scenario, cell_name, path).name, ue_override, path)


def for_cell(scenario, cell_name: str, ue_override: GroundPoint | None = None,
             where: str = "scenario") -> ExportInputs:
    """The inputs of a loaded scenario's cell ``cell_name``; its terminal is the first one
    the cell serves unless ``ue_override`` is given (``where`` prefixes error messages)."""
    cell = scenario.cells[cell_name]
    sat = scenario.satellites[cell.satellite]
    source = parse_orbit_spec(sat.orbit, scenario.start_unix_s,
                              f"{where}: satellites.{sat.name}.orbit")
    gateway = None
    if cell.gateway is not None:
        gateway = _point(scenario.gateways[cell.gateway].position,
                         f"{where}: gateways.{cell.gateway}.position")
    ue = ue_override
    if ue is None:
        served = [t for t in scenario.terminals.values() if t.cell == cell.name]
        if served:
            ue = _point(served[0].position, f"{where}: terminals.{served[0].name}.position")
    return ExportInputs(
        cell_name=cell.name, source=source, payload=cell.payload, gateway=gateway, ue=ue,
        sib_kind="sib19" if cell.sib == "none" else cell.sib, validity_s=cell.validity_s,
        k_offset_ms=None if cell.k_offset == "auto" else int(cell.k_offset),
        freq_dl_hz=cell.carrier_dl_hz, freq_ul_hz=cell.carrier_ul_hz,
        start_unix_s=scenario.start_unix_s, min_elevation_deg=scenario.min_elevation_deg)


def from_args(sat: str, start_unix_s: float, *, ue: GroundPoint | None = None,
              gateway: GroundPoint | None = None, payload: str = "transparent",
              validity_s: int = DEFAULT_VALIDITY_S, freq_dl_hz: float = DEFAULT_FREQ_DL_HZ,
              freq_ul_hz: float = DEFAULT_FREQ_UL_HZ) -> ExportInputs:
    """A cell described on the command line (--sat, --ue, --gateway, --payload)."""
    if payload not in PAYLOADS:
        raise InputError(f"--payload: {payload!r} is not one of {', '.join(PAYLOADS)}")
    source = parse_orbit_spec(sat, start_unix_s, "--sat")
    return ExportInputs(cell_name=source.name, source=source, payload=payload,
                        gateway=gateway, ue=ue, sib_kind="sib19", validity_s=validity_s,
                        k_offset_ms=None, freq_dl_hz=freq_dl_hz, freq_ul_hz=freq_ul_hz,
                        start_unix_s=start_unix_s)

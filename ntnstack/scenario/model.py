"""Typed scenario and testbed objects (what the YAML files validate into). Units are in the
field names: ``_s`` seconds, ``_deg`` degrees, ``_m`` metres, ``_us`` microseconds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ntnstack.scenario.labgrid_spec import LabgridSpec
from ntnstack.scenario.power_spec import PowerSpec
from ntnstack.scenario.source import Mark



def family_group(family: str) -> str:
    """``nbntn-nordic`` -> ``nbntn``; ``beidou-bds3`` -> ``beidou``; ``tiantong`` -> itself."""
    return family.split("-", 1)[0]


@dataclass(frozen=True)
class Geodetic:
    """A WGS-84 position."""

    lat_deg: float
    lon_deg: float
    alt_m: float


@dataclass(frozen=True)
class Waypoint:
    """A trajectory point: the terminal is at ``position`` ``t_s`` seconds after the start."""

    t_s: float
    position: Geodetic


@dataclass(frozen=True)
class ClockSpec:
    """``virtual`` (event driven), ``scaled`` (real time divided by ``factor``), ``realtime``."""

    mode: str
    factor: float = 1.0

    def __str__(self) -> str:
        return f"scaled:{self.factor:g}" if self.mode == "scaled" else self.mode


@dataclass(frozen=True)
class Satellite:
    name: str
    orbit: str  # an orbit SPEC (geo:LON, circular:..., tle:PATH, preset:NAME)
    mark: Mark | None = None
    # the ground station a transparent payload relays to, for terminals on no cell (Tiantong,
    # BeiDou): their RTT is then 2 (service + feeder); None: 2 x service (regenerative)
    gateway: str | None = None


@dataclass(frozen=True)
class Gateway:
    name: str
    position: Geodetic
    mark: Mark | None = None


@dataclass(frozen=True)
class Cell:
    """A satellite cell: payload type, the SIB it broadcasts and its timing policy."""

    name: str
    satellite: str
    gateway: str | None
    payload: str  # transparent | regenerative
    sib: str  # sib31-nb | sib31 | sib19 | none
    validity_s: int  # ul-SyncValidityDuration (TS 36.331 / 38.331 enumerated seconds)
    k_offset: str | int  # "auto" (>= service RTT + common TA, TS 38.300 16.14) or ms
    sib_period_s: float  # how often the SIB is broadcast (for the capture)
    carrier_dl_hz: float
    carrier_ul_hz: float
    mark: Mark | None = None


@dataclass(frozen=True)
class Terminal:
    name: str
    family: str
    position: Geodetic
    trajectory: tuple[Waypoint, ...] = ()
    cell: str | None = None  # serving cell (NB-IoT NTN)
    satellite: str | None = None  # the satellite it looks at (Tiantong, BeiDou, or via cell)
    identity: dict[str, str] = field(default_factory=dict)
    port: str | None = None  # None: from the testbed; "virtual" or a pyserial URL / path
    mark: Mark | None = None


@dataclass(frozen=True)
class Expectation:
    """One verdict on a step: ``name`` (e.g. registered_within_s) and the expected value."""

    name: str
    expected: Any
    mark: Mark | None = None


@dataclass(frozen=True)
class Step:
    index: int
    terminal: str
    action: str
    params: dict[str, Any]
    at_s: float | None = None  # run no earlier than this emulated time after the start
    timeout_s: float | None = None
    expect: tuple[Expectation, ...] = ()
    mark: Mark | None = None

    @property
    def label(self) -> str:
        return f"{self.index:02d}-{self.action}"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    files: tuple[str, ...]
    clock: ClockSpec
    start_unix_s: float
    satellites: dict[str, Satellite]
    gateways: dict[str, Gateway]
    cells: dict[str, Cell]
    terminals: dict[str, Terminal]
    steps: tuple[Step, ...]
    min_elevation_deg: float = 10.0

    def satellite_of(self, terminal: Terminal) -> Satellite | None:
        """The satellite a terminal looks at: its own, or its cell's."""
        if terminal.satellite:
            return self.satellites[terminal.satellite]
        if terminal.cell:
            return self.satellites[self.cells[terminal.cell].satellite]
        return None


@dataclass(frozen=True)
class Port:
    """Where a scenario terminal is on a testbed: ``virtual`` or a pyserial URL / path."""

    terminal: str
    url: str
    family: str | None = None
    baudrate: int = 115200
    options: dict[str, Any] = field(default_factory=dict)
    mark: Mark | None = None
    power: PowerSpec | None = None  # the module's power switch, if any

    @property
    def virtual(self) -> bool:
        return self.url == "virtual"


@dataclass(frozen=True)
class Testbed:
    name: str
    files: tuple[str, ...]
    default: str  # "virtual" (unlisted terminals are virtual) or "none" (they are an error)
    ports: dict[str, Port]
    hardware: bool = False
    labgrid: LabgridSpec | None = None  # places to hold for a run
    ran: tuple = ()  # ntnstack.scenario.ran.RanEquipment: base stations fed during a run

    def port_for(self, terminal: str) -> Port | None:
        if terminal in self.ports:
            return self.ports[terminal]
        return Port(terminal, "virtual") if self.default == "virtual" else None

"""What a virtual module needs to know about its satellite link, at emulated time t.

:class:`LinkView` is the small protocol the modules use; two implementations live here:

- :class:`FixedGeometryLink`: the TR 38.811 reference geometry (altitude, elevation) from
  ``phy_ffi.reference_slant_range``, optionally switched on and off by a :class:`PassSchedule`
  (LEO passes); the test default.
- :class:`GeoSlotsLink`: GEO slots (Tiantong, BeiDou, NB-IoT over GEO) seen from a UE position
  through ``phy_ffi.look_angles``; one elevation per slot (the BeiDou beams).

:class:`ntnstack.terminals.orbit_link.OrbitLink` adapts ``ntnstack.orbit`` + ``ntnstack.link``.
Round-trip times: ``payload="transparent"`` counts UE-satellite-gateway both ways with the
feeder link taken equal to the service link (gateway near the UE, TR 38.821 reference case);
``"regenerative"`` counts the service link only (docs/reference.md 1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import phy_ffi
from phy_ffi import CONST
from ntnstack.errors import InputError
from ntnstack.terminals.signal import orbit_class

GEO_ALTITUDE_M = 35_786_000.0
"""GEO altitude above the spherical Earth (TR 38.821 reference geometry)."""
S_BAND_DL_HZ = 2.185e9
"""Centre of the band 256 / n256 downlink, 2170-2200 MHz (docs/reference.md 4)."""
DEFAULT_MIN_ELEVATION_DEG = 10.0
"""TR 38.821 minimum elevation on the service link."""


class LinkSample(NamedTuple):
    visible: bool                 # serving satellite at or above the minimum elevation
    elevation_deg: float          # of the serving satellite (NaN when none)
    rtt_s: float                  # UE <-> gateway (transparent) or UE <-> satellite, seconds
    pathloss_db: float            # basic path loss of the service link, dB
    doppler_hz: float             # service-link Doppler at the carrier, Hz (0 when unknown)
    beam_elevations_deg: tuple    # one elevation per GEO slot (BeiDou beams), degrees


class LinkView(Protocol):
    """The link as the modules see it."""

    min_elevation_deg: float
    orbit: str   # budget row of ntnstack.terminals.signal: geo, leo1200 or leo

    def sample(self, t_s: float) -> LinkSample:
        """The link at emulated time ``t_s`` (seconds since the clock started)."""

    def next_change_s(self, t_s: float) -> float | None:
        """The next emulated time after ``t_s`` when visibility changes, or None."""


def mean_path_loss_db(range_m: float, elevation_deg: float, carrier_hz: float,
                      environment: str) -> float:
    """TR 38.811 6.6 mean basic path loss (FSPL, gases, scintillation, LOS-weighted clutter)
    from ``phy_ffi.pathloss``, the same model ``ntnstack.link`` uses, dB."""
    res = phy_ffi.pathloss(range_m, min(90.0, elevation_deg), carrier_hz, environment)
    if int(res.status[0]):
        raise InputError(f"path loss at range {range_m:.0f} m, elevation {elevation_deg} deg: "
                         f"{phy_ffi.strerror(int(res.status[0]))}")
    return float(res.total_db[0])


def _rtt_s(service_m: float, payload: str) -> float:
    c = CONST.SPEED_OF_LIGHT_MPS
    if payload == "transparent":
        return 4.0 * service_m / c
    if payload == "regenerative":
        return 2.0 * service_m / c
    raise InputError(f"payload {payload!r}: expected transparent or regenerative")


@dataclass(frozen=True)
class PassSchedule:
    """Periodic passes: visible for ``visible_s`` every ``period_s``, the first rising at
    ``first_rise_s`` (emulated seconds)."""

    period_s: float
    visible_s: float
    first_rise_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.visible_s <= self.period_s:
            raise InputError(f"pass schedule: need 0 < visible_s <= period_s, got "
                             f"visible_s={self.visible_s}, period_s={self.period_s}")

    def visible(self, t_s: float) -> bool:
        if t_s < self.first_rise_s:
            return False
        return (t_s - self.first_rise_s) % self.period_s < self.visible_s

    def next_change_s(self, t_s: float) -> float:
        if t_s < self.first_rise_s:
            return self.first_rise_s
        k, phase = divmod(t_s - self.first_rise_s, self.period_s)
        base = self.first_rise_s + k * self.period_s
        return base + (self.visible_s if phase < self.visible_s else self.period_s)


class FixedGeometryLink:
    """A satellite at ``altitude_m`` seen at a fixed ``elevation_deg`` (while a pass lasts)."""

    def __init__(self, altitude_m: float = GEO_ALTITUDE_M, elevation_deg: float = 45.0, *,
                 carrier_hz: float = S_BAND_DL_HZ, payload: str = "transparent",
                 min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                 passes: PassSchedule | None = None, environment: str = "rural") -> None:
        res = phy_ffi.reference_slant_range(altitude_m, elevation_deg)
        if int(res.status[0]):
            raise InputError(f"fixed geometry altitude_m={altitude_m}, elevation_deg="
                             f"{elevation_deg}: {phy_ffi.strerror(int(res.status[0]))}")
        self.slant_range_m = float(res.slant_range_m[0])
        self.orbit = orbit_class(altitude_m)
        self.elevation_deg = float(elevation_deg)
        self.min_elevation_deg = float(min_elevation_deg)
        self.passes = passes
        self.payload = payload
        self._rtt_s = _rtt_s(self.slant_range_m, payload)
        self._loss_db = mean_path_loss_db(self.slant_range_m, elevation_deg, carrier_hz,
                                          environment) if elevation_deg > 0 else math.nan

    def sample(self, t_s: float) -> LinkSample:
        up = self.elevation_deg >= self.min_elevation_deg and (
            self.passes is None or self.passes.visible(t_s))
        el = self.elevation_deg if up else math.nan
        return LinkSample(up, el, self._rtt_s, self._loss_db, 0.0, (el,))

    def next_change_s(self, t_s: float) -> float | None:
        return None if self.passes is None else self.passes.next_change_s(t_s)

    def stack_cells(self, epoch_unix_s: float, ue_deg_m: tuple) -> list:
        """ntnstack.stack cell of this geometry: the satellite held at the slant range and
        elevation due north of the UE (ntnstack.terminals.nbntn_stack.FixedPointSource)."""
        from ntnstack.terminals.nbntn_stack import FixedPointSource, point_above, reference_cell

        sat = FixedPointSource(point_above(ue_deg_m, self.elevation_deg, self.slant_range_m))
        return [reference_cell(sat, epoch_unix_s, self.payload, self.min_elevation_deg,
                               gateway_deg_m=ue_deg_m)]


class GeoSlotsLink:
    """GEO satellites at ``slot_lons_deg`` seen from a UE; the highest one serves."""

    def __init__(self, slot_lons_deg, ue_lat_deg: float, ue_lon_deg: float, ue_alt_m: float,
                 *, carrier_hz: float = S_BAND_DL_HZ, payload: str = "transparent",
                 min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                 environment: str = "rural") -> None:
        lons = [float(x) for x in slot_lons_deg]
        if not lons:
            raise InputError("GEO slots: need at least one slot longitude")
        r_geo = CONST.WGS84_A_M + GEO_ALTITUDE_M  # 42 164 km, the geostationary radius
        sats = [(r_geo * math.cos(math.radians(lo)), r_geo * math.sin(math.radians(lo)), 0.0)
                for lo in lons]
        ue = phy_ffi.geodetic_to_ecef([ue_lat_deg], [ue_lon_deg], [ue_alt_m])
        if int(ue.status[0]):
            raise InputError(f"UE position {ue_lat_deg},{ue_lon_deg},{ue_alt_m}: "
                             f"{phy_ffi.strerror(int(ue.status[0]))}")
        look = phy_ffi.look_angles(sats, [ue.ecef_m[0]] * len(sats))
        self.slot_lons_deg = tuple(lons)
        self.orbit = "geo"
        self.elevations_deg = tuple(float(e) for e in look.elevation_deg)
        self.min_elevation_deg = float(min_elevation_deg)
        best = max(range(len(lons)), key=lambda i: self.elevations_deg[i])
        self.serving_index = best
        self.payload = payload
        rng = float(look.range_m[best])
        self._rtt_s = _rtt_s(rng, payload)
        el = self.elevations_deg[best]
        self._loss_db = mean_path_loss_db(rng, el, carrier_hz, environment) if el > 0 \
            else math.nan

    def sample(self, t_s: float) -> LinkSample:
        el = self.elevations_deg[self.serving_index]
        up = el >= self.min_elevation_deg
        return LinkSample(up, el if up else math.nan, self._rtt_s, self._loss_db, 0.0,
                          self.elevations_deg)

    def next_change_s(self, t_s: float) -> float | None:
        return None

    def stack_cells(self, epoch_unix_s: float, ue_deg_m: tuple) -> list:
        """ntnstack.stack cell of the serving GEO slot (``geo:LON``)."""
        from ntnstack.orbit import parse_orbit_spec
        from ntnstack.terminals.nbntn_stack import reference_cell

        source = parse_orbit_spec(f"geo:{self.slot_lons_deg[self.serving_index]}", epoch_unix_s)
        return [reference_cell(source, epoch_unix_s, self.payload, self.min_elevation_deg,
                               gateway_deg_m=ue_deg_m)]

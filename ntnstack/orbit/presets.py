"""Named orbits: Tiantong and BeiDou-3 GEO slots, TR 38.821 reference orbits, a Walker example.

Slot longitudes and where they come from (nominal slots; the satellites move inside a
station-keeping box of about +-0.1 deg, and operators relocate satellites - check a current
GP set before relying on one to better than ~0.5 deg):
- Tiantong-1 01, 101.4 E: commonly listed slot (satellite catalogues, e.g. Gunter's Space
  Page / UCS database); not confirmed by an operator publication - uncertainty ~1 deg.
- Tiantong-1 02, 125.0 E, and Tiantong-1 03, 81.4 E (81.43 E): UCS satellite database
  entries as reproduced by public satellite pages; uncertainty ~0.5 deg.
- BeiDou-3 GEO, 80 E, 110.5 E, 140 E: the BDS-3 GEO slots of the BDS ICD / docs/reference.md 4.
The TR 38.821 reference orbits are circular at 35 786 km, 600 km and 1 200 km over the
TR 38.811 spherical Earth (R = 6 371 km). TR 38.821 fixes no inclination or phase; here the
LEO ones (inclination 53 deg, ascending) culminate straight over REFERENCE_UE (Beijing) a
fixed time after the start (LEO-600: 600 s; LEO-1200: 900 s), so every start time gives an
overhead pass to study; the GEO one sits on REFERENCE_UE's meridian.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ntnstack.orbit.elements import OrbitalElements
from ntnstack.orbit.geo import GeoSlot
from ntnstack.orbit.kepler import KeplerSource
from ntnstack.orbit.source import OrbitSource
from ntnstack.orbit.walker import walker_delta
from phy_ffi import CONST, geodetic_to_ecef

__all__ = ["PRESETS", "REFERENCE_UE", "Preset", "list_presets", "overhead_pass_elements",
           "preset_sources"]

REFERENCE_UE = (39.9042, 116.4074, 50.0)
"""Default reference terminal (lat deg, lon deg, alt m): Beijing, Tiananmen."""


@dataclass(frozen=True)
class Preset:
    """A named orbit: ``make(epoch_unix_s)`` -> its satellites."""

    name: str
    description: str
    make: Callable[[float], list[OrbitSource]]


def overhead_pass_elements(lat_deg: float, lon_deg: float, alt_m: float, altitude_m: float,
                           inclination_deg: float, culmination_s: float) -> OrbitalElements:
    """Circular elements at the epoch whose ascending pass is over the point at epoch +
    ``culmination_s`` (through the point's geocentric radial, elevation ~90 deg).

    Raises ValueError when the inclination is below the point's geocentric latitude.
    """
    ecef = geodetic_to_ecef(lat_deg, lon_deg, alt_m).ecef_m[0]
    lat_c = np.arcsin(ecef[2] / np.linalg.norm(ecef))
    inc = np.radians(inclination_deg)
    if abs(np.sin(lat_c)) > np.sin(inc):
        raise ValueError(f"inclination {inclination_deg} deg never reaches latitude "
                         f"{lat_deg} deg")
    a = CONST.EARTH_RADIUS_3GPP_M + altitude_m
    arg_lat = np.arcsin(np.sin(lat_c) / np.sin(inc))
    lon_inertial = np.arctan2(ecef[1], ecef[0]) + CONST.EARTH_ROTATION_RADPS * culmination_s
    raan = lon_inertial - np.arctan2(np.sin(arg_lat) * np.cos(inc), np.cos(arg_lat))
    mean_motion = np.sqrt(CONST.EARTH_MU_M3PS2 / a**3)
    m0 = arg_lat - mean_motion * culmination_s
    return OrbitalElements(a, 0.0, 0.0, float(np.mod(raan, 2 * np.pi)), float(inc),
                           float(np.mod(m0, 2 * np.pi)))


def _geo(name: str, lon_deg: float) -> Callable[[float], list[OrbitSource]]:
    return lambda epoch: [GeoSlot(lon_deg, epoch, name=name)]


def _overhead(name: str, altitude_m: float, culmination_s: float):
    def make(epoch: float) -> list[OrbitSource]:
        el = overhead_pass_elements(*REFERENCE_UE, altitude_m, 53.0, culmination_s)
        return [KeplerSource(el, epoch, name)]
    return make


def _walker(epoch: float) -> list[OrbitSource]:
    return walker_delta(60, 6, 1, 600e3, 53.0, epoch, name="walker-leo600")


PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("tiantong-1-01", "Tiantong-1 01 GEO slot 101.4 E (catalogue value, +-1 deg)",
           _geo("Tiantong-1 01", 101.4)),
    Preset("tiantong-1-02", "Tiantong-1 02 GEO slot 125.0 E (UCS database, +-0.5 deg)",
           _geo("Tiantong-1 02", 125.0)),
    Preset("tiantong-1-03", "Tiantong-1 03 GEO slot 81.4 E (UCS database, +-0.5 deg)",
           _geo("Tiantong-1 03", 81.4)),
    Preset("beidou3-geo-80e", "BeiDou-3 GEO slot 80 E (RDSS short message)",
           _geo("BeiDou-3 GEO 80E", 80.0)),
    Preset("beidou3-geo-110.5e", "BeiDou-3 GEO slot 110.5 E (RDSS short message)",
           _geo("BeiDou-3 GEO 110.5E", 110.5)),
    Preset("beidou3-geo-140e", "BeiDou-3 GEO slot 140 E (RDSS short message)",
           _geo("BeiDou-3 GEO 140E", 140.0)),
    Preset("tr38821-geo", "TR 38.821 GEO reference (35 786 km) on the reference UE meridian",
           _geo("TR38821-GEO", REFERENCE_UE[1])),
    Preset("tr38821-leo600", "TR 38.821 LEO-600, circular 53 deg, overhead the reference UE "
           "600 s after its anchor (the start, or SPEC@ISO8601)",
           _overhead("TR38821-LEO600", 600e3, 600.0)),
    Preset("tr38821-leo1200", "TR 38.821 LEO-1200, circular 53 deg, overhead the reference "
           "UE 900 s after its anchor (the start, or SPEC@ISO8601)",
           _overhead("TR38821-LEO1200", 1200e3, 900.0)),
    Preset("walker-leo600", "Walker-delta 53 deg: 60/6/1 at 600 km (example constellation)",
           _walker),
]}


def list_presets() -> list[tuple[str, str]]:
    """(name, description) of every preset, sorted by name."""
    return sorted((p.name, p.description) for p in PRESETS.values())


def preset_sources(name: str, epoch_unix_s: float) -> list[OrbitSource]:
    """The satellites of preset ``name`` (KeyError if unknown)."""
    return PRESETS[name].make(epoch_unix_s)

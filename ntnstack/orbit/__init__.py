"""ntnstack.orbit - satellites as ECEF states and the sampled tables the C core interpolates.

Sources (``OrbitSource``: ``name``, ``states(t)``, ``table(start, duration, step)``): TLE and
OMM through python-sgp4 (``TleSource``), GEO slots (``GeoSlot``), Keplerian / circular orbits
(``KeplerSource``), Walker-delta constellations (``walker_delta``), named presets, and the
SPEC strings of the command line (``parse_orbit_spec``). ``ntnstack.orbit.elements`` holds
the 3GPP orbital-parameter form both ways.
"""
from ntnstack.orbit.elements import (
    OrbitalElements,
    ecef_state_to_elements,
    elements_to_ecef_state,
    elements_to_state,
    state_to_elements,
)
from ntnstack.orbit.geo import GeoSlot
from ntnstack.orbit.kepler import KeplerSource, circular_elements
from ntnstack.orbit.presets import PRESETS, REFERENCE_UE, list_presets
from ntnstack.orbit.source import EphemerisTable, OrbitSource
from ntnstack.orbit.spec import parse_orbit_spec, parse_orbit_specs
from ntnstack.orbit.tle import TleSource, load_satellites, parse_omm, parse_tle_text, states_of
from ntnstack.orbit.walker import walker_delta

__all__ = [
    "PRESETS", "REFERENCE_UE", "EphemerisTable", "GeoSlot", "KeplerSource", "OrbitSource",
    "OrbitalElements", "TleSource", "circular_elements", "ecef_state_to_elements",
    "elements_to_ecef_state", "elements_to_state", "list_presets",
    "load_satellites", "parse_omm", "parse_orbit_spec", "parse_orbit_specs", "parse_tle_text",
    "state_to_elements", "states_of", "walker_delta",
]

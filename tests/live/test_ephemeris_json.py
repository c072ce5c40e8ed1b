"""The live service's JSON of a SIB's ephemeris: state vectors as position / velocity, orbital
parameters (TS 36.331 EphemerisOrbitalParameters-r17) as their named elements."""
from __future__ import annotations

from ntnstack.live.state import _ephemeris
from ntnstack.rrc.units import OrbitalParameters, StateVectors


def test_state_vectors_become_position_and_velocity():
    sv = StateVectors((7_000_000.0, 0.0, 0.0), (0.0, 7_500.0, 0.0))
    assert _ephemeris(sv) == {"position_m": [7_000_000.0, 0.0, 0.0],
                              "velocity_mps": [0.0, 7_500.0, 0.0]}


def test_orbital_parameters_become_their_named_elements():
    # a 600 km circular orbit (TR 38.821 LEO-600: a = 6371 + 600 km) at 53 deg inclination
    elements = OrbitalParameters(6_971_000.0, 0.0, 0.0, 1.0, 0.925, 2.0)
    assert _ephemeris(elements) == {"orbital": {
        "semi_major_axis_m": 6_971_000.0, "eccentricity": 0.0, "periapsis_rad": 0.0,
        "longitude_ascending_node_rad": 1.0, "inclination_rad": 0.925,
        "mean_anomaly_rad": 2.0}}

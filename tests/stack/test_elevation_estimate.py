"""The session's quick elevation (``SatelliteCell.elevation_floor_deg``: numpy's
ntnstack.link.passes.elevation_from, reused for ELEVATION_REUSE_S less the most the line of
sight can turn) never exceeds the C core's look angles by more than rounding, so deciding "in
view" from it when it is ``ELEVATION_MARGIN_DEG`` above the mask cannot differ from the C
core's decision."""
from __future__ import annotations

import numpy as np
import pytest

from ntnstack.link import ground_point
from ntnstack.stack.access import ELEVATION_MARGIN_DEG
from ntnstack.stack.cell import ELEVATION_REUSE_S
from ntnstack.stack.presets import geo_cell, leo_cells
from tests.stack.conftest import START_UNIX_S

NANO_DEGREE = 1e-9     # both are the same angle computed in double precision (rounding only)
LEO_RATE_DEG_S = 0.75  # LEO-600 overhead: 7.56 km/s over 600 km is 0.72 deg/s at most
PLACES = [(39.9042, 116.4074, 50.0), (-33.87, 151.21, 0.0), (78.22, 15.65, 500.0),
          (0.0, -60.0, 0.0), (-89.0, 10.0, 2800.0)]


@pytest.mark.parametrize("lat, lon, alt", PLACES)
def test_fresh_floor_equals_the_c_core_elevation(lat, lon, alt):
    here = ground_point(lat, lon, alt)
    for cell in (*leo_cells(START_UNIX_S, (600.0,)), geo_cell(START_UNIX_S)):
        for t in START_UNIX_S + np.linspace(0.0, 1200.0, 97):   # 12.5 s apart: no reuse
            c_core = cell.elevation_deg(t, here.ecef_m)
            assert abs(cell.elevation_floor_deg(t, here) - c_core) < NANO_DEGREE, (cell.name, t)
    assert NANO_DEGREE < ELEVATION_MARGIN_DEG / 1e3


@pytest.mark.parametrize("lat, lon, alt", PLACES[:2])
def test_reused_floor_stays_below_and_near_the_c_core_elevation(lat, lon, alt):
    here = ground_point(lat, lon, alt)
    cell = leo_cells(START_UNIX_S, (600.0,))[0]
    below = 0
    for t in START_UNIX_S + np.arange(0.0, 1200.0, 0.05):    # a 10,000-UE load run's spacing
        c_core = cell.elevation_deg(t, here.ecef_m)
        floor = cell.elevation_floor_deg(t, here)
        assert c_core - LEO_RATE_DEG_S * 2 * ELEVATION_REUSE_S <= floor < c_core + NANO_DEGREE
        below += floor < c_core - NANO_DEGREE
    assert below > 0          # the anchors were reused

"""The session's quick elevation (``SatelliteCell.elevation_estimate_deg``, numpy's
ntnstack.link.passes.elevation_from) agrees with the C core's look angles, so deciding "in view"
from it when it is ``ELEVATION_MARGIN_DEG`` above the mask cannot differ from the C core's
decision."""
from __future__ import annotations

import numpy as np
import pytest

from ntnstack.link import ground_point
from ntnstack.stack.access import ELEVATION_MARGIN_DEG
from ntnstack.stack.presets import geo_cell, leo_cells
from tests.stack.conftest import START_UNIX_S

NANO_DEGREE = 1e-9     # both are the same angle computed in double precision (rounding only)
PLACES = [(39.9042, 116.4074, 50.0), (-33.87, 151.21, 0.0), (78.22, 15.65, 500.0),
          (0.0, -60.0, 0.0), (-89.0, 10.0, 2800.0)]


@pytest.mark.parametrize("lat, lon, alt", PLACES)
def test_estimate_equals_the_c_core_elevation(lat, lon, alt):
    here = ground_point(lat, lon, alt)
    for cell in (*leo_cells(START_UNIX_S, (600.0,)), geo_cell(START_UNIX_S)):
        for t in START_UNIX_S + np.linspace(0.0, 1200.0, 97):
            c_core = cell.elevation_deg(t, here.ecef_m)
            estimate = cell.elevation_estimate_deg(t, here)
            assert abs(estimate - c_core) < NANO_DEGREE, (cell.name, t)
    assert NANO_DEGREE < ELEVATION_MARGIN_DEG / 1e3

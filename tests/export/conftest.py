"""Fixtures of the export tests: the GEO and LEO-600 cells of data/lab.yaml at an instant
the LEO pass culminates over the terminal (600 s after the scenario start,
ntnstack.orbit.presets)."""
from pathlib import Path

import numpy as np
import pytest

from ntnstack.clock import parse_iso8601
from ntnstack.export import from_scenario, take_snapshot
from ntnstack.link.series import link_series

LAB = Path(__file__).resolve().parent / "data" / "lab.yaml"
CULMINATION = "2026-03-01T00:10:00Z"
T_CULMINATION = parse_iso8601(CULMINATION)
CELLS = ("geo-cell", "leo-cell")


@pytest.fixture(scope="session", params=CELLS)
def cell(request):
    """(name, ExportInputs) of the GEO and of the LEO-600 cell."""
    return request.param, from_scenario(str(LAB), request.param)


@pytest.fixture(scope="session")
def snapshot(cell):
    return take_snapshot(cell[1], T_CULMINATION)


def link_at(inputs, t_unix_s):
    """The link layer's view of the cell's terminal at the times (feeder via the gateway)."""
    return link_series(inputs.source, inputs.ue, np.atleast_1d(np.asarray(t_unix_s, float)),
                       inputs.gateway, payload=inputs.payload, min_elevation_deg=-90.0)

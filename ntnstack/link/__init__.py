"""ntnstack.link - satellites x gateways x terminals -> time series through phy_ffi:
``link_series`` (one satellite, one terminal), ``link_grid`` (S x U x T in one C call),
visibility and ``passes``, ``serving_plan`` with handover times, terminal positions."""
from ntnstack.link.grid import LinkGrid, grid_states, link_grid
from ntnstack.link.passes import (
    Handover,
    Pass,
    ServingInterval,
    elevations,
    passes,
    passes_many,
    serving_plan,
)
from ntnstack.link.series import LinkSeries, link_series, sample_times, satellite_states
from ntnstack.link.terminals import GroundPoint, ground_point, parse_position

__all__ = [
    "GroundPoint", "Handover", "LinkGrid", "LinkSeries", "Pass", "ServingInterval",
    "elevations", "grid_states", "ground_point", "link_grid", "link_series", "parse_position",
    "passes", "passes_many", "sample_times", "satellite_states", "serving_plan",
]

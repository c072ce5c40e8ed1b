"""ntnstack.link - satellites x gateways x terminals -> time series through phy_ffi:
``link_series`` (one satellite, one terminal), ``link_grid`` (S x U x T in one C call),
visibility and ``passes``, ``serving_plan`` with handover times, terminal positions;
``visible_counts`` (satellites in view per terminal and time, in bounded memory).

The names below load on first use (PEP 562), so that importing a light submodule (the CLI's
``ntnstack.link.options``) does not load numpy and the C core. The function ``passes`` is
imported from ``ntnstack.link.passes``: here the name is the submodule."""
from importlib import import_module

_HOME = {
    "LinkGrid": "grid", "grid_states": "grid", "link_grid": "grid",
    "Handover": "passes", "Pass": "passes", "ServingInterval": "passes",
    "elevations": "passes", "passes_many": "passes",
    "serving_plan": "passes",
    "LinkSeries": "series", "link_series": "series", "sample_times": "series",
    "satellite_states": "series",
    "GroundPoint": "terminals", "ground_point": "terminals", "parse_position": "terminals",
    "visible_counts": "stream",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'ntnstack.link' has no attribute {name!r}")
    value = getattr(import_module(f"ntnstack.link.{_HOME[name]}"), name)
    globals()[name] = value
    return value

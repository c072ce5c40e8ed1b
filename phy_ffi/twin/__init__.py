"""The numpy twin of the C core: the same functions, signatures and results as phy_ffi,
written with numpy for the tests and the benchmarks (STYLE rule 6)."""
from phy_ffi.twin.geometry import (
    ecef_to_geodetic,
    geodetic_to_ecef,
    look_angles,
    reference_slant_range,
)

__all__ = ["geodetic_to_ecef", "ecef_to_geodetic", "look_angles", "reference_slant_range"]

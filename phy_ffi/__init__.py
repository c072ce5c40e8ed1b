"""phy_ffi - the ntnstack C core (csrc/) bound with cffi, with a numpy twin of every kernel.

Layers (STYLE rule 1): ``_ntnphy`` (compiled) -> ``_bindings`` (the only importer of it) ->
the Pythonic modules re-exported here. ``phy_ffi.twin`` offers the same functions in numpy.

``NTNPHY_EXT_DIR`` (set by ``build.py test --sanitize``) points the import at another build
of the compiled module, e.g. the AddressSanitizer one.
"""
import os as _os

if _os.environ.get("NTNPHY_EXT_DIR"):
    __path__.insert(0, _os.environ["NTNPHY_EXT_DIR"])  # noqa: F821 - package __path__

from phy_ffi.errors import PhyError, PhyValueError, check_status  # noqa: E402
from phy_ffi.geometry import (  # noqa: E402
    ecef_to_geodetic,
    geodetic_to_ecef,
    look_angles,
    reference_slant_range,
)

__all__ = [
    "PhyError", "PhyValueError", "check_status",
    "geodetic_to_ecef", "ecef_to_geodetic", "look_angles", "reference_slant_range",
]

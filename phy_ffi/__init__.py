"""phy_ffi - the ntnstack C core (csrc/) bound with cffi, with a numpy twin of every kernel.

Layers (STYLE rule 1): ``_ntnphy`` (compiled) -> ``_bindings`` (the only importer of it) ->
the Pythonic modules re-exported here (each lists its public names in ``__all__``).
``phy_ffi.twin`` offers the same functions written in numpy.

``NTNPHY_EXT_DIR`` (set by ``build.py test --sanitize``) points the import at another build
of the compiled module, e.g. the AddressSanitizer one.
"""
import os as _os

if _os.environ.get("NTNPHY_EXT_DIR"):
    __path__.insert(0, _os.environ["NTNPHY_EXT_DIR"])

from phy_ffi._bindings import CONST, check_status, strerror
from phy_ffi.channel import *
from phy_ffi.ephemeris import *
from phy_ffi.errors import PhyError, PhyValueError
from phy_ffi.geometry import *
from phy_ffi.link import *
from phy_ffi.pathloss import *
from phy_ffi.timing import *
from phy_ffi.ue_ephemeris import *

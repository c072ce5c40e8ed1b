"""The numpy twin of the C core: the same functions, signatures and results as phy_ffi,
written with numpy for the tests and the benchmarks (STYLE rule 6). Result types are shared
with the C-backed modules; each twin module lists its names in ``__all__``."""
from phy_ffi.twin.channel import *
from phy_ffi.twin.ephemeris import *
from phy_ffi.twin.geometry import *
from phy_ffi.twin.link import *
from phy_ffi.twin.pathloss import *
from phy_ffi.twin.timing import *
from phy_ffi.twin.ue_ephemeris import *

"""The NB-IoT NTN vendors by the ``location`` key of a family's table (families.yaml):
which :class:`~ntnstack.terminals.nbntn_vendor.Vendor` subclass a module gets.

Apart from :mod:`nbntn_vendor` (the base class the vendors import), so that no vendor module
imports its own importer.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ntnstack.terminals.nbntn_murata import Murata
from ntnstack.terminals.nbntn_nordic import Nordic
from ntnstack.terminals.nbntn_quectel import Quectel
from ntnstack.terminals.nbntn_sierra import Sierra
from ntnstack.terminals.nbntn_vendor import Generic, Vendor

VENDORS: Mapping[str, type[Vendor]] = MappingProxyType({
    "ntnloc": Generic, "nordic": Nordic, "murata": Murata, "quectel": Quectel,
    "sierra": Sierra})
"""families.yaml ``location`` -> the vendor class."""


def install(m) -> Vendor:
    """The vendor of ``m``'s family, its handlers registered on ``m``."""
    return VENDORS[m.spec.location](m)

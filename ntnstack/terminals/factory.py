"""Build a virtual module of a family by name."""
from __future__ import annotations

from ntnstack.terminals.families import family_spec


def build_module(family: str, link, **kw):
    """``family`` (FAMILIES) on ``link`` (a LinkView) -> an unstarted module; keyword
    arguments as the module classes take them (network, serial, faults, seed, port_link, ...)."""
    spec = family_spec(family)
    if spec.kind == "nbntn":
        from ntnstack.terminals.nbntn import NbNtnModule
        return NbNtnModule(spec, link, **kw)
    kw.pop("timing", None)
    kw.pop("ue_position", None)
    if spec.kind == "tiantong":
        from ntnstack.terminals.tiantong import TiantongModule
        return TiantongModule(spec, link, **kw)
    if spec.protocol == "4.0":
        from ntnstack.terminals.beidou40 import Beidou40Module
        return Beidou40Module(spec, link, **kw)
    from ntnstack.terminals.beidou import Bds3Module, Beidou21Module
    return (Bds3Module if spec.protocol == "bds3" else Beidou21Module)(spec, link, **kw)

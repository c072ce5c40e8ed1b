"""Known defects a virtual module can be given, each breaking one certification requirement.

================================  ===========================================================
``no-ipv6-pdn``                   +CGDCONT with PDP type IPV6 or IPV4V6 answers +CME ERROR: 50
                                  (an IPv4-only firmware)
``identity-drift``                the IMEI (+CGSN) changes at every boot (a module that
                                  derives it from a volatile source)
``ignore-barring``                the module ignores the network's reject while its
                                  subscription is suspended: it stays registered and sends
``wrong-act``                     registration reports AcT 9 (terrestrial E-UTRAN NB-S1)
                                  instead of 14 (satellite E-UTRAN NB-S1), TS 27.007 7.3
``attach-without-location``       (NB-IoT NTN) the module attaches with no position given,
                                  using a stale stored one
``no-satellite-fallback``         (Tiantong dual mode) after losing the terrestrial cell the
                                  module keeps searching for terrestrial networks and does
                                  not select the satellite by itself (only a new CFUN=1 or
                                  a reboot makes it register there)
``ignore-validity``               (NB-IoT NTN) the module ignores T317: it keeps transmitting
                                  with the SIB31-NB it has (a stale ephemeris and common TA)
                                  after ul-SyncValidityDuration has run out, without
                                  re-reading SIB31-NB
================================  ===========================================================

Each sets one field of the module's ntnstack.terminals.firmware.FirmwareDefects, which the
module consults where the defect shows (its registration, +CGDCONT, boot, attach, stack
procedure or fallback); the network's reject of a suspended subscription is the virtual
network's (ntnstack.terminals.network.VirtualNetwork.suspend).
"""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.scenario.model import family_group
from ntnstack.terminals.firmware import FirmwareDefects
from ntnstack.terminals.modem import VirtualModule


@dataclass(frozen=True)
class Defect:
    """A defect: the FirmwareDefects field it sets and, when it breaks a behaviour that one
    family group only has, that group (``nbntn``, ``tiantong``) and what the others lack."""

    field: str
    group: str | None = None
    lacking: str = ""


DEFECTS = {
    "no-ipv6-pdn": Defect("rejects_ipv6_pdn"),
    "identity-drift": Defect("identity_drifts"),
    "ignore-barring": Defect("ignores_barring"),
    "wrong-act": Defect("reports_terrestrial_act"),
    "attach-without-location": Defect("attaches_without_location", "nbntn",
                                      "no location requirement to break"),
    "no-satellite-fallback": Defect("no_satellite_fallback", "tiantong",
                                    "no terrestrial network to fall back from"),
    "ignore-validity": Defect("ignores_validity", "nbntn",
                              "no NB-IoT NTN stack whose UL sync validity it could ignore"),
}


def check_defects(names: tuple[str, ...] | list[str], where: str = "--defect",
                  family: str | None = None) -> None:
    """InputError naming an unknown defect, or (``family`` given) one that a module of
    ``family`` cannot have."""
    for name in names:
        if name not in DEFECTS:
            raise InputError(f"{where} {name!r}: unknown defect (expected one of "
                             f"{', '.join(DEFECTS)})")
        group = DEFECTS[name].group
        if family is not None and group is not None and family_group(family) != group:
            raise InputError(f"{where} {name!r}: a {family} module has "
                             f"{DEFECTS[name].lacking}")


def apply_defects(module: VirtualModule, names: tuple[str, ...]) -> None:
    """Give ``module`` the defects ``names`` (call on the module host thread)."""
    check_defects(names, "defect", module.family)
    module.defects = FirmwareDefects(**{DEFECTS[name].field: True for name in names})
    for name in names:
        module.log("event", f"defect {name}")

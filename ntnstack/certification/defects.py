"""Known defects a virtual module can be given, each breaking one certification requirement,
and the network-side rejection that a suspended subscription meets.

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

They wrap the module's own methods on the instance, on the module host thread; the families'
classes are untouched.
"""
from __future__ import annotations

from dataclasses import replace

from ntnstack.errors import InputError
from ntnstack.terminals.at_engine import CmeError
from ntnstack.terminals.families import luhn_digit
from ntnstack.terminals.nbntn import ACT_SATELLITE_NB_S1  # 27.007 <AcT> 14

ACT_TERRESTRIAL_NB_S1 = 9  # TS 27.007 7.3 <AcT> 9: E-UTRAN (NB-S1)
REG_DENIED = 3  # +CEREG / +CREG stat 3: registration denied (TS 27.007 10.1.22)


def _no_ipv6_pdn(module) -> None:
    original = module.handlers["+CGDCONT"]

    def cgdcont(ch, cmd):
        params = cmd.params() if cmd.kind == "set" else []
        if len(params) > 1 and params[1].strip('"').upper() in ("IPV6", "IPV4V6"):
            raise CmeError(50)  # incorrect parameters (TS 27.007 9.2.1)
        return original(ch, cmd)
    module.on("+CGDCONT", cgdcont)


def _identity_drift(module) -> None:
    boot = module.boot

    def drifting_boot() -> None:
        boot()
        imei14 = module.identity.imei[:8] + f"{(int(module.identity.imei[8:14]) + 1) % 10**6:06d}"
        module.identity = replace(module.identity, imei=imei14 + luhn_digit(imei14))
    module.boot = drifting_boot


def _ignore_barring(module) -> None:
    module.cert_ignores_barring = True


def _wrong_act(module) -> None:
    set_registration = module.set_registration

    def reporting_terrestrial(stat: int, act: int | None = None) -> None:
        set_registration(stat, ACT_TERRESTRIAL_NB_S1 if act == ACT_SATELLITE_NB_S1 else act)
    module.set_registration = reporting_terrestrial


def _attach_without_location(module) -> None:
    if not hasattr(module, "location"):
        raise InputError(f"defect attach-without-location: a {module.family} module has no "
                         f"location requirement to break")
    start_attach = module.start_attach

    def attach_anyway() -> None:
        if module.location is None:
            module.location = module.ue_position
            module.log("event", "defect: attach with a stale stored location")
        start_attach()
    module.start_attach = attach_anyway


def _no_satellite_fallback(module) -> None:
    if not hasattr(module, "fall_back_to_satellite"):
        raise InputError(f"defect no-satellite-fallback: a {module.family} module has no "
                         f"terrestrial network to fall back from")

    def keep_searching_terrestrial() -> None:
        module.log("event", "defect: no satellite fallback, searching terrestrial networks")
    module.fall_back_to_satellite = keep_searching_terrestrial


def _ignore_validity(module) -> None:
    if getattr(type(module), "stack", None) is None:
        raise InputError(f"defect ignore-validity: a {module.family} module has no NB-IoT NTN "
                         f"stack whose UL sync validity it could ignore")
    run = module._run

    def run_with_stale_ephemeris(procedure: str, *args):
        module.stack.ignore_validity()
        return run(procedure, *args)
    module._run = run_with_stale_ephemeris


DEFECTS = {"no-ipv6-pdn": _no_ipv6_pdn, "identity-drift": _identity_drift,
           "ignore-barring": _ignore_barring, "wrong-act": _wrong_act,
           "attach-without-location": _attach_without_location,
           "no-satellite-fallback": _no_satellite_fallback, "ignore-validity": _ignore_validity}


def check_defects(names: tuple[str, ...] | list[str], where: str = "--defect") -> None:
    """InputError naming an unknown defect."""
    for name in names:
        if name not in DEFECTS:
            raise InputError(f"{where} {name!r}: unknown defect (expected one of "
                             f"{', '.join(DEFECTS)})")


def apply_defects(module, names: tuple[str, ...]) -> None:
    """Give ``module`` the defects ``names`` (call on the module host thread)."""
    check_defects(names)
    for name in names:
        DEFECTS[name](module)
        module.log("event", f"defect {name}")


def install_network_reject(module) -> None:
    """While ``module.cert_barred``, the network answers a registration with a reject
    (cause #8): the module reports stat 3 instead of 1 / 5, unless it ignores barring."""
    module.cert_barred = False
    set_registration = module.set_registration

    def network_decides(stat: int, act: int | None = None) -> None:
        if module.cert_barred and stat in (1, 5) and \
                not getattr(module, "cert_ignores_barring", False):
            module.log("event", "network: registration rejected, subscription suspended")
            stat, act = REG_DENIED, None
        set_registration(stat, act)
    module.set_registration = network_decides

"""Known firmware defects a virtual module can be given: one typed policy that the module
consults at its own decision points (ntnstack.certification.defects names each defect after
the certification requirement it breaks).

The 27.007 values the decisions use are here too, so that the module base class and the
families share them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ntnstack.stack.imei import luhn_digit
from ntnstack.terminals.families import Identity

ACT_TERRESTRIAL_NB_S1 = 9
"""TS 27.007 7.3 <AcT> 9: E-UTRAN (NB-S1)."""
ACT_SATELLITE_NB_S1 = 14
"""TS 27.007 7.3 <AcT> 14: satellite E-UTRAN (NB-S1)."""
IPV6_PDP_TYPES = ("IPV6", "IPV4V6")
"""TS 27.007 10.1.1 <PDP_type> values that ask for IPv6."""


@dataclass(frozen=True)
class FirmwareDefects:
    """Which known defects a module's firmware has (all False: a compliant module)."""

    rejects_ipv6_pdn: bool = False
    """+CGDCONT with PDP type IPV6 or IPV4V6 answers +CME ERROR: 50 (IPv4-only firmware)."""
    identity_drifts: bool = False
    """The IMEI (+CGSN) changes at every boot (derived from a volatile source)."""
    ignores_barring: bool = False
    """The network's reject of a suspended subscription is ignored: registered, it sends."""
    reports_terrestrial_act: bool = False
    """Registration reports <AcT> 9 (E-UTRAN NB-S1) instead of 14 (satellite NB-S1)."""
    attaches_without_location: bool = False
    """(NB-IoT NTN) attaches with no position given, using a stale stored one."""
    no_satellite_fallback: bool = False
    """(Tiantong dual mode) after losing the terrestrial cell, keeps searching terrestrial
    networks instead of selecting the satellite."""
    ignores_validity: bool = False
    """(NB-IoT NTN) ignores T317: transmits with an expired SIB31-NB, never re-reads it."""

    def reported_act(self, act: int | None) -> int | None:
        """The <AcT> the module reports for the access ``act`` it uses."""
        if self.reports_terrestrial_act and act == ACT_SATELLITE_NB_S1:
            return ACT_TERRESTRIAL_NB_S1
        return act

    def refuses_pdp_type(self, pdp_type: str) -> bool:
        """Whether +CGDCONT refuses ``pdp_type`` (as the host wrote it, quotes allowed)."""
        return self.rejects_ipv6_pdn and pdp_type.strip('"').upper() in IPV6_PDP_TYPES

    def identity_after_boot(self, identity: Identity) -> Identity:
        """The identity the module has after a boot: a drifting IMEI's serial part (digits
        9-14, TS 23.003 6.2.1) counts up by one, with a new Luhn check digit."""
        if not self.identity_drifts:
            return identity
        imei14 = identity.imei[:8] + f"{(int(identity.imei[8:14]) + 1) % 10**6:06d}"
        return replace(identity, imei=imei14 + luhn_digit(imei14))


NO_DEFECTS = FirmwareDefects()

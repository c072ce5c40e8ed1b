"""ntnstack.terminals - virtual terminal modules on pseudo-terminals (docs/design.md layer 6).

One serving loop (:class:`host.ModuleHost`) runs any number of modules; each family is a
table (``families.yaml``) plus behaviour: NB-IoT NTN (:mod:`nbntn`, :mod:`nbntn_vendor`, and
the vendor modules :mod:`nbntn_vendors` names; vendor settings as data through
:mod:`vendor_commands`),
Tiantong with the 27.010 multiplexer (:mod:`tiantong`), BeiDou RDSS sentences
(:mod:`beidou`) and 4.0 frames (:mod:`beidou40`) on one short-message service (:mod:`rdss`).
The link comes through :class:`link_view.LinkView`; time from the project clock (:mod:`clock`);
faults from :mod:`faults`. ``ntnstack module serve`` is the CLI.
"""
from ntnstack.terminals.families import FAMILIES

__all__ = ["FAMILIES"]

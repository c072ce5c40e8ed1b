"""Timing parameters of the NB-IoT NTN virtual modules that are not protocol round trips.

The procedures themselves (SIB31-NB acquisition, random access, RRC connection, EPS AKA,
security mode, default bearer, data, release) run in ntnstack.stack with real messages over
the emulated link (docs/stack.md); their time falls out of the link and the NB-IoT schedule.
What the stack does not emulate is the cell search of a real module at the coverage levels of
a satellite link: the NTN band raster, NPSS / NSSS synchronisation at low SNR, and MIB-NB /
SIB1-NB / SIB2-NB read with many repetitions (NPDSCH up to 2048 repetitions). That time is
``search_s``, an explicit parameter spent before the stack's attach begins (+CEREG: 2).

GEO (TR 38.821 transparent, 45 deg, RTT ~0.51 s): attach = search_s 50 s + the stack's attach
(~4 s: SIB31-NB schedule + 5 round trips) = ~54 s, inside the 50-120 s docs/reference.md 5
quotes for real GEO NB-IoT NTN modules. LEO-600: 50 s + ~1-2 s. The same search_s is used for
every orbit: the orbit-dependent part is what the stack computes.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NtnTiming:
    """Emulated seconds that are parameters, not link round trips."""

    search_s: float = 50.0              # cell search + MIB/SIB1/SIB2-NB at coverage levels
    rrc_inactivity_s: float = 20.0      # RRC release after this long without data
    gnss_ttff_s: float = 30.0           # internal GNSS time to first fix (Murata, Quectel)

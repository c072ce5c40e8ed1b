"""Timing of the emulated NB-IoT NTN procedures, as data: each step costs round trips of the
link (x the RTT at that moment) plus over-the-air time of its messages (NB-IoT repetitions).

Steps of the attach (TS 36.321 5.1 random access; TS 24.301 5.5.1 attach; TS 36.331 5.3.3
RRC connection establishment; control-plane CIoT optimisation, so no AS security):

============================  ===  ====  =====================================================
step                          RTT  msgs  what waits for the satellite
============================  ===  ====  =====================================================
rach                          2    4     Msg1 -> Msg2 (RAR), Msg3 (RRC request) -> Msg4 (setup)
nas_authentication            1    2     Attach Request (in Setup Complete) -> Auth Request/Resp
nas_security_mode             1    2     Security Mode Command / Complete
ue_capability                 1    2     UE Capability Enquiry / Information
attach_accept                 1    2     Attach Accept (default PDN) / Attach Complete
============================  ===  ====  =====================================================

Cell search and SIB31 acquisition take ``search_s`` (an explicit parameter: it dominates the
50-120 s that REFERENCE.md section 5 quotes for GEO). With the defaults below and a GEO RTT
of 0.54 s (transparent, 10 deg elevation) the attach takes 45 + 6 x 0.54 + 12 x 0.5 = 54 s.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Step(NamedTuple):
    name: str
    round_trips: int
    messages: int


ATTACH_STEPS = (Step("rach", 2, 4), Step("nas_authentication", 1, 2),
                Step("nas_security_mode", 1, 2), Step("ue_capability", 1, 2),
                Step("attach_accept", 1, 2))
RRC_RESUME_STEPS = (Step("rach", 2, 4),)
"""Leaving RRC idle to send data: random access again (the RRC request rides in Msg3)."""


@dataclass(frozen=True)
class NtnTiming:
    """Emulated seconds that are parameters, not link round trips."""

    search_s: float = 45.0              # cell search + SIB1-NB + SIB31-NB acquisition
    message_airtime_s: float = 0.5      # one NB-IoT message with CE-level repetitions
    rrc_inactivity_s: float = 20.0      # RRC release after this long without data
    gnss_ttff_s: float = 30.0           # internal GNSS time to first fix (Murata, Quectel)

    def step_s(self, step: Step, rtt_s: float) -> float:
        """Duration of one step at the current round-trip time ``rtt_s`` (s)."""
        return step.round_trips * rtt_s + step.messages * self.message_airtime_s

"""The shared in-process "network" that connects virtual modules.

Modules register their numbers (MSISDN, IP address, BeiDou card address); the network carries
SMS, non-IP data, UDP datagrams, BeiDou short messages and call set-up between them, each
delivered after the sender's one-way uplink delay plus the receiver's one-way downlink delay
(half of each link's RTT at that moment: satellite -> ground -> satellite). A destination
nobody owns gets the payload echoed back to the sender (an echo server behind the core).
"""
from __future__ import annotations

from collections.abc import Callable


class VirtualNetwork:
    def __init__(self) -> None:
        self._by_number: dict[str, object] = {}
        self.peers: dict[object, object] = {}
        self.stack_mme = None
        """The one ntnstack.stack MME of the NB-IoT NTN modules on this network (made by the
        first module that attaches): RANDs fresh per authentication, M-TMSIs unique."""
        self._suspended: set[object] = set()
        """The modules whose subscription is suspended."""

    def register(self, module, *numbers: str) -> None:
        for n in numbers:
            if n:
                self._by_number[n] = module

    def suspend(self, module, suspended: bool = True) -> None:
        """Suspend (or restore) ``module``'s subscription: while suspended the network
        rejects its registrations (EMM cause #8)."""
        (self._suspended.add if suspended else self._suspended.discard)(module)

    def is_suspended(self, module) -> bool:
        return module in self._suspended

    def lookup(self, number: str):
        """The module owning ``number`` (also without a leading + or country code 86)."""
        for key in (number, "+" + number.lstrip("+"), "+86" + number.lstrip("+")):
            if key in self._by_number:
                return self._by_number[key]
        return None

    def pair(self, a, b) -> None:
        """NIDD peers: data from a goes to b and back (unpaired modules get an echo)."""
        self.peers[a] = b
        self.peers[b] = a

    def deliver(self, sender, receiver, fn: Callable[[], None],
                up_s: float | None = None) -> None:
        """Run ``fn`` on the receiver's host after uplink + downlink one-way delays (s);
        ``up_s`` given: the uplink part already took place (0: the payload is at the core);
        no downlink delay to a receiver with ``stack_downlink`` (its ``fn`` runs the stack)."""
        up_s = sender.access_rtt_s() / 2 if up_s is None else up_s
        # a receiver whose downlink goes through its own stack session times it there
        down_s = 0.0 if receiver.stack_downlink else receiver.access_rtt_s() / 2
        host = receiver.host
        host.call_soon_threadsafe(lambda: host.call_later(up_s + down_s, fn))

"""eNB and MME in one process over userspace SCTP on an in-memory link: the S1AP path
with no network, for tests and benchmarks (the carrier needs no clock, see carrier.py)."""
from __future__ import annotations

from collections.abc import Callable

from ntnstack.s1ap.carrier import LocalCarrier
from ntnstack.s1ap.enb_node import S1apEnb
from ntnstack.s1ap.mme_node import S1apMme
from ntnstack.s1ap.ports import ENB_SCTP_PORT, S1AP_SCTP_PORT
from ntnstack.sctp.usrsctp import UsrsctpEndpoint, UsrsctpStack, memory_pair
from ntnstack.stack.mme import Mme

__all__ = ["Loopback"]


class Loopback:
    """An eNB for ``cell`` associated with ``mme`` and past S1 Setup; ``tap(token, packet)``
    sees every SCTP packet (ntnstack.sctp.usrsctp.memory_pair). Two loopbacks alive at once
    need distinct ``ports`` (MME, eNB). ``node`` is the MME's S1AP side (S1apMme or a class
    derived from it). ``close()`` shuts the association down and frees the ports."""

    def __init__(self, mme: Mme, cell, rat_type: str,
                 tap: Callable[[int, bytes], None] | None = None,
                 ports: tuple[int, int] = (S1AP_SCTP_PORT, ENB_SCTP_PORT),
                 node: type[S1apMme] = S1apMme):
        self.stack = UsrsctpStack.get()
        self.enb_link, self.mme_link = memory_pair(self.stack, tap)
        self._mme_endpoint = UsrsctpEndpoint(self.stack, ports[0])
        self._mme_endpoint.listen()
        self._enb_endpoint = UsrsctpEndpoint(self.stack, ports[1])
        self.carrier = LocalCarrier(self.stack)
        self.mme = node(mme, self._mme_endpoint)
        self.enb = S1apEnb.for_cell(self._enb_endpoint, self.carrier, cell, rat_type)
        self.carrier.nodes = [self.enb, self.mme]
        self.enb.associate(self.enb_link, ports[0])
        self._port = ports[0]

    def restart_mme(self, mme: Mme) -> None:
        """The MME goes down (its association shut down) and comes back with ``mme`` and a
        new endpoint on the same port; the eNB associates again when it next needs to."""
        self._mme_endpoint.close()
        self.carrier.drain()
        self._mme_endpoint = UsrsctpEndpoint(self.stack, self._port)
        self._mme_endpoint.listen()
        self.carrier.nodes.remove(self.mme)
        self.mme = S1apMme(mme, self._mme_endpoint)
        self.carrier.nodes.append(self.mme)

    def close(self) -> None:
        for endpoint in (self._enb_endpoint, self._mme_endpoint):
            endpoint.close()
            self.carrier.drain()
        for token in (self.enb_link, self.mme_link):
            self.stack.remove_link(token)

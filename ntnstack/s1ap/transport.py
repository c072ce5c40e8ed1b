"""The SCTP under ``ntnstack mme`` / ``ntnstack enb``, as ``--sctp`` chose it
(ntnstack.sctp.choice, called once by the command): an endpoint, the carrier that waits for
it, and how to reach a peer.

- usrsctp: ``local`` is the UDP address of the encapsulation (RFC 6951); the SCTP port
  inside is ``sctp_port``; a peer is its UDP address.
- kernel: ``local`` is the SCTP address itself (the MME's ``--listen``: port 36412 by
  TS 36.412; the eNB's: any port); a peer is its SCTP address.
- raw: usrsctp over raw IP; ``local`` is the SCTP address (port 0: ``sctp_port``); a peer
  is its SCTP address.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.s1ap.carrier import KernelCarrier, RawIpCarrier, Tap, UdpCarrier
from ntnstack.s1ap.ports import S1AP_SCTP_PORT

__all__ = ["Transport", "open_transport"]


@dataclass
class Transport:
    """``address_of(peer)`` -> the arguments of ``S1apEnb.associate`` for that peer."""

    kind: str
    endpoint: object
    carrier: object
    address_of: Callable[[tuple[str, int]], tuple[object, int]]
    local: tuple[str, int]

    def close(self) -> None:
        """Close the carrier and the endpoint: its SCTP port is free again (usrsctp's stack
        lives as long as the process, so an endpoint left open kept the port bound)."""
        self.carrier.close()
        if self.kind != "kernel":        # the kernel's carrier closes its endpoint itself
            self.endpoint.close()


def open_transport(kind: str, local: tuple[str, int], sctp_port: int,
                   answer_timeout_s: float = 10.0, tap: Tap | None = None) -> Transport:
    """The endpoint and carrier of SCTP ``kind`` ("kernel", "usrsctp" or "raw": what
    ntnstack.sctp.choice.choose_sctp chose for ``--sctp``) at ``local``; ``tap`` (a capture)
    needs usrsctp, whose packets pass through this process."""
    if kind == "kernel":
        from ntnstack.sctp.kernel import KernelEndpoint

        if tap is not None:
            raise InputError("--pcap: needs --sctp usrsctp or raw (the kernel's SCTP packets "
                             "do not pass through ntnstack; capture them with tcpdump)")
        endpoint = KernelEndpoint(local)
        carrier = KernelCarrier(endpoint, answer_timeout_s=answer_timeout_s)
        return Transport(kind, endpoint, carrier, lambda peer: peer,
                         endpoint.sock.getsockname()[:2])
    from ntnstack.sctp.usrsctp import UsrsctpEndpoint, UsrsctpStack

    stack = UsrsctpStack.get()
    if kind == "raw":
        port = local[1] or sctp_port
        raw = RawIpCarrier(stack, local[0], port, answer_timeout_s=answer_timeout_s, tap=tap)
        return Transport(kind, UsrsctpEndpoint(stack, port), raw,
                         lambda peer: (raw.peer(peer[0]), peer[1]), (raw.local[0], port))
    carrier = UdpCarrier(stack, local, answer_timeout_s=answer_timeout_s, tap=tap)
    endpoint = UsrsctpEndpoint(stack, sctp_port)
    return Transport(kind, endpoint, carrier,
                     lambda peer: (carrier.token(peer), S1AP_SCTP_PORT), carrier.local)

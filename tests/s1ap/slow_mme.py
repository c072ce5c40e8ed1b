"""Test MMEs (a process of their own) that answer late, as a real core and SMSC may:
``second``: the second of two downlink NAS answers ``GAP_S`` after the first (an MO SMS's
CP-ACK, then its CP-DATA(RP-ACK) in a separate datagram later); ``every``: every
UE-associated message ``GAP_S`` late, NAS ciphered with EEA0 (so that tshark reads it).
Usage: ``python -m tests.s1ap.slow_mme SUBSCRIBERS GAP_S [second|every]``; prints the UDP
port, serves until SIGTERM.
"""
from __future__ import annotations

import signal
import sys

from ntnstack.s1ap.codec import S1apPdu
from ntnstack.s1ap.mme_node import S1apMme
from ntnstack.s1ap.ports import S1AP_SCTP_PORT
from ntnstack.s1ap.subscribers import load_subscribers
from ntnstack.s1ap.transport import open_transport
from ntnstack.stack.mme import Mme


class SlowMme(S1apMme):
    """Each answer after the first goes ``gap_s`` of real time after the one before, the
    network carried meanwhile (SACKs, timers)."""

    def __init__(self, mme: Mme, endpoint, carrier, gap_s: float):
        super().__init__(mme, endpoint)
        self.carrier, self.gap_s = carrier, gap_s

    def _downlink(self, mme_ue_id: int, ctx, answers: list[bytes]) -> None:
        for i, answer in enumerate(answers):
            if i:
                self.carrier.pump(lambda: False, timeout_s=self.gap_s)
            super()._downlink(mme_ue_id, ctx, [answer])


class LateMme(SlowMme):
    """Every UE-associated message ``gap_s`` of real time late (not only second answers)."""

    def _downlink(self, mme_ue_id: int, ctx, answers: list[bytes]) -> None:
        S1apMme._downlink(self, mme_ue_id, ctx, answers)

    def _send(self, assoc_id: int, pdu: S1apPdu) -> None:
        if pdu.ue_associated:
            self.carrier.pump(lambda: False, timeout_s=self.gap_s)
        super()._send(assoc_id, pdu)


def main(subscribers: str, gap_s: str, which: str = "second") -> None:
    mme = Mme(eea="eea0" if which == "every" else "eea2")
    for subscriber in load_subscribers(subscribers):
        mme.add(subscriber)
    transport = open_transport("usrsctp", ("127.0.0.1", 0), S1AP_SCTP_PORT)
    transport.endpoint.listen()
    node = {"second": SlowMme, "every": LateMme}[which]
    transport.carrier.nodes.append(node(mme, transport.endpoint, transport.carrier,
                                        float(gap_s)))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(transport.local[1], flush=True)
    transport.carrier.pump(lambda: bool(stopping), timeout_s=float("inf"))


if __name__ == "__main__":
    main(*sys.argv[1:])

"""The MME side of S1 (TS 36.413 clause 8): ntnstack's MME (ntnstack.stack.mme) behind an
SCTP endpoint, for any eNB that connects (ntnstack enb, a callbox, srsRAN).

Per association: S1 Setup (a response when one of the eNB's supported TAs carries the MME's
PLMN, a failure otherwise), then the UE-associated procedures. The UE is known by the EPS
mobile identity of its first NAS message (IMSI, or the M-TMSI of a GUTI / S-TMSI); each NAS
message goes to the MME's handler and each answer back in a DOWNLINK NAS TRANSPORT, the
ATTACH ACCEPT too: every PDN connection the MME grants is for Control Plane CIoT EPS
optimisation only (its ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST carries the control plane
only indication, TS 24.301 9.9.4.23), so there is no S1-U bearer and no AS security to set up
and no INITIAL CONTEXT SETUP (TS 23.401 5.3.2.1 step 17, 5.3.4B). After a DETACH REQUEST the
MME releases the UE's S1 connection (UE CONTEXT RELEASE COMMAND, cause detach).
What it cannot decode or handle is answered with an ERROR INDICATION (8.7.2), never a crash.
``seen`` counts what arrived, by message name, for reports and tests.

User plane: with ``forward`` each UE's uplink data (ESM DATA TRANSPORT, alone or in a
CONTROL PLANE SERVICE REQUEST) leaves the core: to the application server
(ntnstack.s1ap.forward.UdpForward) or into the host's IP stack (ntnstack.s1ap.tun.TunForward);
``deliver_data`` / ``deliver_packet`` bring the server's reply / the host's packet to the
UE: in a DOWNLINK NAS TRANSPORT when it has an S1 connection, else after PAGING, with the
answers to its service request.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ntnstack.capture.sctp import PPID_S1AP
from ntnstack.errors import InputError
from ntnstack.s1ap import messages as m
from ntnstack.s1ap.ports import UE_STREAM
from ntnstack.s1ap.codec import S1apDecodeError, S1apPdu, decode_pdu, encode_pdu
from ntnstack.s1ap.identity import attach_request_identity, imsi_from_identity
from ntnstack.stack.sms_relay import (RP_CAUSE_DESTINATION_OUT_OF_ORDER,
                                     RP_CAUSE_UNASSIGNED_NUMBER,
                                     RP_CAUSE_UNIDENTIFIED_SUBSCRIBER, submit_destination,
                                     submit_to_deliver)
from ntnstack.s1ap.tun import packet_addresses
from ntnstack.sctp.usrsctp import AssociationEvent, SctpMessage
from ntnstack.stack import nas as n
from ntnstack.stack.mme import Mme
from ntnstack.stack.user_plane import ue_ip

__all__ = ["S1apMme"]

log = logging.getLogger(__name__)
SMS_TO_OTHERS = ("accept", "reject")   # an MO SMS to a number that is no subscriber's


def check_sms_to_others(policy: str) -> None:
    """InputError unless ``policy`` is one of SMS_TO_OTHERS."""
    if policy not in SMS_TO_OTHERS:
        raise InputError(f"--sms-to-others {policy!r}: one of {', '.join(SMS_TO_OTHERS)}")


@dataclass
class _S1Context:
    imsi: str
    assoc_id: int
    enb_ue_id: int


class S1apMme:
    """``mme`` (the stack's MME) serving S1AP on ``endpoint`` (a listening SCTP endpoint)."""

    def __init__(self, mme: Mme, endpoint, name: str = "ntnstack-mme", forward=None,
                 sms_to_others: str = "accept", clock: Callable[[], float] = time.time):
        self.mme, self.endpoint, self.name, self.forward = mme, endpoint, name, forward
        check_sms_to_others(sms_to_others)
        self.sms_to_others, self.clock = sms_to_others, clock
        mme.sms_router = self._route_sms
        self.seen: Counter[str] = Counter()
        self.errors: list[str] = []
        self._contexts: dict[int, _S1Context] = {}     # MME UE S1AP ID -> context
        self.enbs: set[int] = set()                   # associations past S1 Setup
        self._next_id = 1

    def poll(self) -> int:
        """Handle what has arrived; how many messages and events."""
        items = self.endpoint.poll()
        for item in items:
            if isinstance(item, SctpMessage):
                self._on_message(item)
            elif isinstance(item, AssociationEvent) and item.state != "up":
                self._forget_association(item.assoc_id)
        return len(items)

    def _send(self, assoc_id: int, pdu: S1apPdu) -> None:
        self.endpoint.send(assoc_id, UE_STREAM if pdu.ue_associated else 0, PPID_S1AP,
                           encode_pdu(pdu))

    def _on_message(self, message: SctpMessage) -> None:
        try:
            pdu = decode_pdu(message.data)
        except S1apDecodeError as exc:
            self._error(message.assoc_id, str(exc), ("protocol", "abstract-syntax-error-reject"))
            return
        self.seen[pdu.message] += 1
        handler = _HANDLERS.get(pdu.message)
        if handler is None:
            self._error(message.assoc_id, f"{pdu.message} is not handled by this MME",
                        ("protocol", "message-not-compatible-with-receiver-state"))
            return
        try:
            handler(self, message.assoc_id, pdu)
        except (InputError, KeyError, ValueError, IndexError) as exc:   # untrusted NAS / IDs
            self._error(message.assoc_id, f"{pdu.message}: {exc}", ("nas", "unspecified"),
                        pdu.ies.get("MME-UE-S1AP-ID"), pdu.ies.get("eNB-UE-S1AP-ID"))

    def _error(self, assoc_id: int, what: str, cause: tuple[str, str],
               mme_ue_id: int | None = None, enb_ue_id: int | None = None) -> None:
        log.warning("S1AP from association %d: %s", assoc_id, what)
        self.errors.append(what)
        self._send(assoc_id, m.error_indication(cause, mme_ue_id, enb_ue_id))

    def _on_S1SetupRequest(self, assoc_id: int, pdu: S1apPdu) -> None:
        plmns = {plmn for ta in pdu.ies["SupportedTAs"] for plmn in ta["broadcastPLMNs"]}
        if self.mme.plmn not in plmns:
            self._send(assoc_id, m.s1_setup_failure(("misc", "unknown-PLMN")))
            return
        self.enbs.add(assoc_id)
        self._send(assoc_id, m.s1_setup_response(self.mme.plmn, self.mme.mmegi,
                                                 self.mme.mmec, self.name))

    def _on_InitialUEMessage(self, assoc_id: int, pdu: S1apPdu) -> None:
        nas_pdu = pdu.ies["NAS-PDU"]
        imsi = self._imsi(nas_pdu, pdu.ies.get("S-TMSI"))
        mme_ue_id, self._next_id = self._next_id, self._next_id + 1
        self._contexts[mme_ue_id] = _S1Context(imsi, assoc_id, pdu.ies["eNB-UE-S1AP-ID"])
        self._nas(mme_ue_id, nas_pdu)

    def _imsi(self, nas_pdu: bytes, s_tmsi: dict | None) -> str:
        """The IMSI of the UE: the ATTACH REQUEST's identity, else the S-TMSI IE's."""
        if nas_pdu[:1] and nas_pdu[0] >> 4 == 0 and n.parse(nas_pdu).message == "attach-request":
            return imsi_from_identity(attach_request_identity(nas_pdu), self.mme.imsi_of_m_tmsi)
        if s_tmsi is None:
            raise InputError("a NAS message other than a plain ATTACH REQUEST without S-TMSI "
                             "names no UE")
        return self.mme.imsi_of_m_tmsi(int.from_bytes(s_tmsi["m-TMSI"], "big"))

    def _on_UplinkNASTransport(self, assoc_id: int, pdu: S1apPdu) -> None:
        self._nas(pdu.ies["MME-UE-S1AP-ID"], pdu.ies["NAS-PDU"])

    def _nas(self, mme_ue_id: int, nas_pdu: bytes) -> None:
        """The MME's answers to one uplink NAS message, then the release it implies."""
        ctx = self._contexts[mme_ue_id]
        had_bearer = self._has_bearer(ctx.imsi)
        uplink = self.mme.context(ctx.imsi).uplink_data if had_bearer else []
        forwarded = len(uplink)
        self._downlink(mme_ue_id, ctx, self.mme.handle(ctx.imsi, nas_pdu))
        if self.forward is not None:
            for data in uplink[forwarded:]:
                self._forward(ctx.imsi, data)
        if had_bearer and not self._known(ctx.imsi):          # detached
            self._send(ctx.assoc_id, m.ue_context_release_command(
                mme_ue_id, ctx.enb_ue_id, ("nas", "detach")))
        elif not self._known(ctx.imsi):                        # attach rejected
            self._send(ctx.assoc_id, m.ue_context_release_command(
                mme_ue_id, ctx.enb_ue_id, ("nas", "normal-release")))

    def _downlink(self, mme_ue_id: int, ctx: _S1Context, answers: list[bytes]) -> None:
        """Each downlink NAS message in a DOWNLINK NAS TRANSPORT (8.6.2.1)."""
        for answer in answers:
            self._send(ctx.assoc_id, m.nas_transport(mme_ue_id, ctx.enb_ue_id, answer,
                                                     uplink=False))

    def _forward(self, imsi: str, data: bytes) -> None:
        """One uplink user data container out of the core (the UDP forward: its payload to
        the application server; the TUN: the IP packet to the host)."""
        ue = self.mme.context(imsi)
        self.forward.uplink(imsi, ue.pdn_type, ue.pdn_address, data)

    def deliver_data(self, imsi: str, payload: bytes) -> None:
        """MT data to UE ``imsi`` (the application server's reply): DOWNLINK NAS TRANSPORT
        when the UE has an S1 connection, else PAGING and the data after its service
        request (TS 23.401 5.3.4B.3); dropped, with a warning, when it is not registered."""
        self._deliver(imsi, "data", lambda connected: self.mme.deliver_data(imsi, payload,
                                                                             connected))

    def deliver_packet(self, imsi: str, packet: bytes) -> None:
        """An IP packet the host routed to UE ``imsi`` (ntnstack.s1ap.tun), as it is, in an
        ESM DATA TRANSPORT as ``deliver_data``; dropped when the UE holds no IP PDN with the
        packet's destination address."""
        def to_ue(connected: bool) -> list[bytes]:
            ue = self.mme.context(imsi)
            address = ue_ip(ue.pdn_type, ue.pdn_address)
            if address is None or address != packet_addresses(packet)[1]:
                raise InputError(f"its PDN address is {address}, not the packet's destination")
            return self.mme.deliver_packet(imsi, packet, connected)

        self._deliver(imsi, "packet", to_ue)

    def deliver_sms(self, imsi: str, tpdu: bytes) -> None:
        """MT SMS (SMS-DELIVER ``tpdu``) to UE ``imsi``, as ``deliver_data``."""
        self._deliver(imsi, "SMS", lambda connected: self.mme.deliver_sms(imsi, tpdu,
                                                                           connected))

    def _route_sms(self, imsi: str, submit: bytes) -> int | None:
        """The SMSC's answer to UE ``imsi``'s SMS-SUBMIT (ntnstack.stack.sms_relay): to a
        subscriber's MSISDN, the SMS-DELIVER goes to that UE (paged when idle) and None
        (RP-ACK) follows; to another number, None when ``sms_to_others`` is "accept" (an SC
        that would pass it on to another network, not emulated), else an RP-Cause."""
        sender = self.mme.subscribers[imsi].msisdn
        target = self.mme.imsi_of_msisdn(submit_destination(submit)[0])
        if target is None:
            return None if self.sms_to_others == "accept" else RP_CAUSE_UNASSIGNED_NUMBER
        if sender is None:
            return RP_CAUSE_UNIDENTIFIED_SUBSCRIBER
        if not self._known(target) or self.mme.context(target).state != "registered":
            return RP_CAUSE_DESTINATION_OUT_OF_ORDER
        scts = datetime.fromtimestamp(round(self.clock()), UTC)
        self.deliver_sms(target, submit_to_deliver(submit, sender, scts))
        return None

    def _deliver(self, imsi: str, what: str, to_ue) -> None:
        """``to_ue(connected)``: the MME's downlink NAS for the UE (queued when idle)."""
        found = [(i, c) for i, c in self._contexts.items() if c.imsi == imsi]
        try:
            if found:
                self._downlink(*found[-1], to_ue(True))
            else:
                to_ue(False)
                self.page(imsi)
        except (InputError, KeyError) as exc:
            log.warning("MT %s for IMSI %s dropped: %s", what, imsi, exc)
            self.errors.append(f"MT {what} for IMSI {imsi} dropped: {exc}")

    def _known(self, imsi: str) -> bool:
        try:
            self.mme.context(imsi)
        except KeyError:
            return False
        return True

    def _has_bearer(self, imsi: str) -> bool:
        return self._known(imsi) and bool(self.mme.context(imsi).pdn_address)

    def _on_UEContextReleaseRequest(self, assoc_id: int, pdu: S1apPdu) -> None:
        mme_ue_id = pdu.ies["MME-UE-S1AP-ID"]
        ctx = self._contexts[mme_ue_id]
        self._send(assoc_id, m.ue_context_release_command(mme_ue_id, ctx.enb_ue_id,
                                                          pdu.ies["Cause"]))

    def _on_UEContextReleaseComplete(self, assoc_id: int, pdu: S1apPdu) -> None:
        self._contexts.pop(pdu.ies["MME-UE-S1AP-ID"], None)

    def _on_ErrorIndication(self, assoc_id: int, pdu: S1apPdu) -> None:
        self.errors.append(f"ErrorIndication from the eNB: {pdu.ies.get('Cause')}")

    def page(self, imsi: str) -> None:
        """PAGING of an idle UE (by its S-TMSI) to every associated eNB, on stream 0."""
        ue = self.mme.context(imsi)
        pdu = m.paging(imsi, self.mme.mmec, ue.m_tmsi, self.mme.plmn, self.mme.tac)
        for assoc_id in sorted(self.enbs):
            self._send(assoc_id, pdu)

    def _forget_association(self, assoc_id: int) -> None:
        self.enbs.discard(assoc_id)
        for mme_ue_id in [i for i, c in self._contexts.items() if c.assoc_id == assoc_id]:
            del self._contexts[mme_ue_id]


_Handler = Callable[[S1apMme, int, S1apPdu], None]
_HANDLERS: dict[str, _Handler] = {
    "S1SetupRequest": S1apMme._on_S1SetupRequest,
    "InitialUEMessage": S1apMme._on_InitialUEMessage,
    "UplinkNASTransport": S1apMme._on_UplinkNASTransport,
    "UEContextReleaseRequest": S1apMme._on_UEContextReleaseRequest,
    "UEContextReleaseComplete": S1apMme._on_UEContextReleaseComplete,
    "ErrorIndication": S1apMme._on_ErrorIndication,
}
"""What the MME does with each S1AP message from an eNB, by message type name (clause
9.3.3); any other message is answered with an ERROR INDICATION."""

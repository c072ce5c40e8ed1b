"""The eNB side of S1 (TS 36.413 clause 8) for the emulated NB-IoT NTN cell: its UEs' NAS
goes to an MME over S1AP instead of to the in-process MME.

:class:`S1apEnb` stands where ``StackSession`` expects its ``mme``: ``handle(imsi, nas)``
sends the NAS message (INITIAL UE MESSAGE when the UE has no S1 connection, else UPLINK NAS
TRANSPORT, both with the cell's LTE NTN TAI Information) and returns the answers as a
sequence that waits for them only when it is read (the session reads the answers of the
messages that have one, and ignores the others; a procedure owed several answers says how
many, ``wait_for(count)``: nothing is decided on silence). Waiting is ``carrier.pump(until)``: the
carrier moves SCTP packets until the condition holds or nothing can move any more.
The eNB answers INITIAL CONTEXT SETUP REQUEST (a core that sets up S1-U; the NAS-PDU it
carries goes to the UE after the answer) and UE CONTEXT RELEASE COMMAND itself, as it
handles the MME's messages: in the order they came, before the UE reads what they carry.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ntnstack.capture.sctp import PPID_S1AP
from ntnstack.errors import InputError
from ntnstack.s1ap import messages as m
from ntnstack.s1ap.ports import UE_STREAM
from ntnstack.s1ap.codec import S1apDecodeError, S1apPdu, decode_pdu, encode_pdu
from ntnstack.sctp.usrsctp import AssociationEvent, SctpMessage

__all__ = ["CoreUnreachable", "S1apEnb"]

log = logging.getLogger(__name__)
MAX_ENB_UE_ID = 2**24 - 1      # ENB-UE-S1AP-ID INTEGER (0..16777215), 9.2.3.4


class CoreUnreachable(InputError, ConnectionError):
    """The MME did not answer (association lost, S1 Setup refused, no answer)."""


@dataclass
class _Ue:
    enb_ue_id: int
    mme_ue_id: int | None = None
    inbox: list[bytes] = field(default_factory=list)


class _Answers(Sequence):
    """The downlink NAS answering one uplink message, as it arrives: reading waits for the
    first; ``wait_for(count)`` for the first ``count`` (a procedure that knows it is owed
    several, e.g. an MO SMS: CP-ACK then CP-DATA with RP-ACK, TS 24.011 5.2)."""

    def __init__(self, enb: S1apEnb, ue: _Ue):
        self._enb, self._ue, self._items = enb, ue, []

    def wait_for(self, count: int) -> list[bytes]:
        """The first ``count`` answers, waiting for those not yet arrived (the carrier's
        answer timeout at most; CoreUnreachable when they do not come)."""
        if len(self._items) < count:
            inbox, enb = self._ue.inbox, self._enb
            enb.carrier.pump(lambda: len(self._items) + len(inbox) >= count
                             or enb.assoc_id is None)
            self._items += inbox
            inbox[:] = []
        if len(self._items) < count:
            why = "association lost" if self._enb.assoc_id is None else "no answer"
            raise CoreUnreachable(f"S1AP: {why} from the MME for eNB UE S1AP ID "
                                  f"{self._ue.enb_ue_id} ({len(self._items)} of {count} "
                                  f"downlink NAS messages)")
        return self._items

    def __getitem__(self, index):
        return self.wait_for(1)[index]

    def __len__(self) -> int:
        return len(self.wait_for(1))


class S1apEnb:
    """One eNB (``enb_id``, cell ``cell_id`` in TA ``tac``, RAT Type ``rat_type``, default
    paging cycle ``paging_cycle_rf`` radio frames as its cell broadcasts) on an SCTP
    association."""

    def __init__(self, endpoint, carrier, plmn: bytes, tac: int, enb_id: int, cell_id: int,
                 rat_type: str, paging_cycle_rf: int, smsc: str = "+8613800000000",
                 name: str = "ntnstack-enb"):
        self.endpoint, self.carrier = endpoint, carrier
        self.plmn, self.tac, self.enb_id, self.cell_id = plmn, tac, enb_id, cell_id
        self.rat_type, self.paging_cycle_rf = rat_type, paging_cycle_rf
        self.smsc, self.name = smsc, name
        self.assoc_id: int | None = None
        self.setup: S1apPdu | None = None
        self.seen: Counter[str] = Counter()
        self.errors: list[str] = []
        self.paged: list[S1apPdu] = []
        self._ues: dict[str, _Ue] = {}
        self._by_enb_id: dict[int, _Ue] = {}
        self._next_id = 1
        self._mme_address: tuple[int, int] | None = None    # (link token, SCTP port)
        self.s_tmsi: dict[str, tuple[int, int]] = {}
        """IMSI -> (MMEC, M-TMSI) the UE names in its next RRC Connection Request (Msg3);
        used once, in that connection's INITIAL UE MESSAGE."""
        self.associations = 0                                  # how many came up
        self._closing = False                                  # shutdown() under way

    def associate(self, token: int, port: int) -> None:
        """Start the association to the MME at ``port`` over the link ``token``, then S1
        Setup; again by itself when the association is lost (the MME restarted)."""
        self._mme_address = (token, port)
        self.endpoint.connect(token, port)
        self.s1_setup()

    @classmethod
    def for_cell(cls, endpoint, carrier, cell, rat_type: str) -> S1apEnb:
        """The eNB of a stack cell (ntnstack.stack.cell.SatelliteCell): its PLMN, TAC, cell
        identity and the defaultPagingCycle its SIB2-NB broadcasts; the eNB ID is the cell
        identity's 20 high bits (9.2.1.37/38)."""
        from ntnstack.stack import nas

        return cls(endpoint, carrier, nas.plmn_octets(*cell.plmn), cell.tac,
                   cell.cell_identity >> 8, cell.cell_identity, rat_type, cell.paging_cycle_rf)

    def s1_setup(self) -> None:
        """Wait for the association, then S1 SETUP (8.7.3); CoreUnreachable if refused."""
        self.setup = None
        self.carrier.pump(lambda: self.assoc_id is not None)
        if self.assoc_id is None:
            raise CoreUnreachable("S1AP: the SCTP association to the MME did not come up")
        self._send(m.s1_setup_request(self.enb_id, self.plmn, self.tac, self.name,
                                      self.paging_cycle_rf, self.rat_type))
        self.carrier.pump(lambda: self.setup is not None)
        if self.setup is None or self.setup.message != "S1SetupResponse":
            raise CoreUnreachable(f"S1AP: S1 Setup failed: "
                                  f"{self.setup.ies if self.setup else 'no answer'}")

    def _send(self, pdu: S1apPdu) -> None:
        self.endpoint.send(self.assoc_id, UE_STREAM if pdu.ue_associated else 0, PPID_S1AP,
                           encode_pdu(pdu))

    # --- what StackSession asks of its MME ---

    def handle(self, imsi: str, data: bytes) -> Sequence[bytes]:
        """Send one uplink NAS message of UE ``imsi``; its answers (read lazily)."""
        if self.assoc_id is None and self._mme_address is not None:
            self.associate(*self._mme_address)
        ue = self._ues.get(imsi)
        if ue is None:
            ue = self._ues[imsi] = self._new_ue()
            self._send(m.initial_ue_message(ue.enb_ue_id, data, self.plmn, self.tac,
                                            self.cell_id, s_tmsi=self.s_tmsi.pop(imsi, None),
                                            ntn_tacs=[self.tac]))
        else:
            self._send(m.nas_transport(ue.mme_ue_id, ue.enb_ue_id, data, uplink=True,
                                       plmn=self.plmn, tac=self.tac, cell_id=self.cell_id,
                                       ntn_tacs=[self.tac]))
        return _Answers(self, ue)

    def _new_ue(self) -> _Ue:
        enb_ue_id = self._next_id
        self._next_id = self._next_id % MAX_ENB_UE_ID + 1
        ue = self._by_enb_id[enb_ue_id] = _Ue(enb_ue_id)
        return ue

    def release(self, imsi: str) -> None:
        """UE CONTEXT RELEASE REQUEST (8.3.2) for a UE whose RRC connection ended."""
        ue = self._ues.get(imsi)
        if ue is None or ue.mme_ue_id is None:
            return
        self._send(m.ue_context_release_request(ue.mme_ue_id, ue.enb_ue_id))
        self.carrier.pump(lambda: imsi not in self._ues)

    def detached(self, imsi: str) -> None:
        """Wait for the UE CONTEXT RELEASE COMMAND the MME owes UE ``imsi`` after its detach
        (TS 23.401 5.3.8.2.1), so that what follows comes after it; CoreUnreachable when it
        does not come."""
        self.carrier.pump(lambda: imsi not in self._ues or self.assoc_id is None)
        if imsi in self._ues:
            raise CoreUnreachable(f"S1AP: no UE CONTEXT RELEASE COMMAND from the MME after "
                                  f"the detach of IMSI {imsi}")

    def shutdown(self) -> None:
        """End the association gracefully and wait for its end: first the UE contexts the
        MME still owes a release (UE CONTEXT RELEASE COMMAND after a detach, TS 23.401
        5.3.8.2.1) are released, then SCTP SHUTDOWN (sent once everything the eNB sent is
        acknowledged)."""
        self.carrier.pump(lambda: not self._ues or self.assoc_id is None)
        if self.assoc_id is None:
            return
        self._closing = True
        self.endpoint.shutdown(self.assoc_id)
        self.carrier.pump(lambda: self.assoc_id is None)
        self._closing = False

    def connected(self, imsi: str) -> bool:
        """True while UE ``imsi`` has a UE-associated S1 connection."""
        return imsi in self._ues

    def deliver_data(self, imsi: str, payload: bytes, connected: bool) -> Sequence[bytes]:
        """Downlink data the MME sends on its own (an application server's reply, not
        ``payload``: the core decides): for a ``connected`` UE the DOWNLINK NAS TRANSPORT
        that carries it (read lazily); for an idle one, wait for the PAGING naming its
        S-TMSI (``s_tmsi``) and return nothing: the data answers its service request."""
        return self._unsolicited(imsi, connected)

    def deliver_sms(self, imsi: str, tpdu: bytes, connected: bool) -> Sequence[bytes]:
        """An MT SMS the MME sends on its own: as ``deliver_data``."""
        return self._unsolicited(imsi, connected)

    def _unsolicited(self, imsi: str, connected: bool) -> Sequence[bytes]:
        if connected:
            if imsi not in self._ues:
                raise CoreUnreachable(f"S1AP: IMSI {imsi} has no S1 connection")
            return _Answers(self, self._ues[imsi])
        wanted = ("s-TMSI", m.s_tmsi_ie(*self.s_tmsi[imsi]))

        def paged() -> bool:
            return any(p.ies["UEPagingID"] == wanted for p in self.paged)
        self.carrier.pump(lambda: paged() or self.assoc_id is None)
        if not paged():
            raise CoreUnreachable(f"S1AP: no PAGING from the MME for IMSI {imsi}")
        self.paged = [p for p in self.paged if p.ies["UEPagingID"] != wanted]
        return []

    def paging_failed(self, imsi: str) -> None:
        """Nothing to tell the MME: it supervises its own paging."""

    # --- what arrives from the MME ---

    def poll(self) -> int:
        """Handle what has arrived; how many messages and events."""
        items = self.endpoint.poll()
        for item in items:
            if isinstance(item, AssociationEvent):
                self._on_event(item)
            elif isinstance(item, SctpMessage):
                self._on_message(item)
        return len(items)

    def _on_event(self, event: AssociationEvent) -> None:
        if event.state in ("up", "restart"):
            self.assoc_id = event.assoc_id
            self.associations += 1
        elif event.assoc_id == self.assoc_id:
            report = log.info if self._closing else log.warning
            report("S1AP: SCTP association to the MME %s", event.state)
            self.assoc_id = None
            self._ues.clear()              # every UE-associated S1 connection is gone
            self._by_enb_id.clear()

    def _on_message(self, message: SctpMessage) -> None:
        try:
            pdu = decode_pdu(message.data)
        except S1apDecodeError as exc:
            self.errors.append(str(exc))
            self._send(m.error_indication(("protocol", "abstract-syntax-error-reject")))
            return
        self.seen[pdu.message] += 1
        if pdu.message in ("S1SetupResponse", "S1SetupFailure"):
            self.setup = pdu
        elif pdu.message == "Paging":
            self.paged.append(pdu)
        elif pdu.message == "ErrorIndication":
            self.errors.append(f"ErrorIndication from the MME: {pdu.ies.get('Cause')}")
        else:
            self._ue_associated(pdu)

    def _ue_associated(self, pdu: S1apPdu) -> None:
        mme_ue_id, enb_ue_id = _ue_ids(pdu)
        ue = self._by_enb_id.get(enb_ue_id)
        if ue is None:
            self.errors.append(f"{pdu.message} for an unknown UE (eNB UE S1AP ID {enb_ue_id})")
            return
        ue.mme_ue_id = mme_ue_id
        if pdu.message == "DownlinkNASTransport":
            ue.inbox.append(pdu.ies["NAS-PDU"])
        elif pdu.message == "InitialContextSetupRequest":
            self._initial_context_setup(ue, pdu)
        elif pdu.message == "UEContextReleaseCommand":
            self._send(m.ue_context_release_complete(ue.mme_ue_id, ue.enb_ue_id))
            self._forget(ue)

    def _initial_context_setup(self, ue: _Ue, pdu: S1apPdu) -> None:
        """INITIAL CONTEXT SETUP (8.3.1.2): every E-RAB set up (GTP TEID: eNB UE S1AP ID x 16
        + E-RAB ID, one per bearer), then each E-RAB's NAS-PDU to the UE (the ATTACH ACCEPT of
        TS 23.401 5.3.2.1 step 17: RRC reconfiguration, its completion and this response come
        before the UE's ATTACH COMPLETE, steps 18-21)."""
        bearers = pdu.ies["E-RABToBeSetupListCtxtSUReq"]
        teids = {b["e-RAB-ID"]: ue.enb_ue_id * 16 + b["e-RAB-ID"] for b in bearers}
        self._send(m.initial_context_setup_response(ue.mme_ue_id, ue.enb_ue_id,
                                                    bytes([127, 0, 0, 1]), teids))
        ue.inbox += [b["nAS-PDU"] for b in bearers if "nAS-PDU" in b]

    def _forget(self, ue: _Ue) -> None:
        del self._by_enb_id[ue.enb_ue_id]
        for imsi in [i for i, u in self._ues.items() if u is ue]:
            del self._ues[imsi]


def _ue_ids(pdu: S1apPdu) -> tuple[int | None, int | None]:
    """(MME UE S1AP ID, eNB UE S1AP ID) of a UE-associated message: its two IEs, or the
    pair of UE-S1AP-IDs (9.2.3.18; the MME ID alone names no UE at the eNB)."""
    choice, value = pdu.ies.get("UE-S1AP-IDs", (None, None))
    if choice == "uE-S1AP-ID-pair":
        return value["mME-UE-S1AP-ID"], value["eNB-UE-S1AP-ID"]
    return pdu.ies.get("MME-UE-S1AP-ID"), pdu.ies.get("eNB-UE-S1AP-ID")

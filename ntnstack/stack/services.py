"""Services over the NAS of an attached UE: control-plane data (ESM DATA TRANSPORT, from
RRC_CONNECTED or from idle with a CONTROL PLANE SERVICE REQUEST; downlink, paging an idle
UE), SMS over NAS (MO and MT, TS 24.011 relay layers with TS 23.040 TPDUs from
at_bridge.sms_pdu; from idle in the CPSR's NAS message container, to idle after paging) and
detach (with or without switch-off)."""
from __future__ import annotations

from datetime import UTC, datetime


from at_bridge.sms_pdu import decode_deliver, encode_deliver, encode_submit
from ntnstack.stack import crypto
from ntnstack.stack import nas as n
from ntnstack.stack.access import CellLost, fails_on_cell_loss
from ntnstack.stack.nas_codes import NasCodecError
from ntnstack.stack.model import ProcedureResult
from ntnstack.stack.user_plane import UDP_SERVER, from_datagram, to_datagram

__all__ = ["UDP_SERVER", "ServicesMixin"]

"""Application server of IP data: CoAP port, RFC 5737 / RFC 3849 documentation addresses."""

MO_SMS_ANSWERS = 2
"""An MO CP-DATA(RP-DATA) is answered by CP-ACK, then CP-DATA(RP-ACK) (TS 24.011 5.2)."""

NO_SMS_SERVICE = ("not registered for SMS: the attach was accepted without \"SMS only\" "
                  "(TS 24.301 5.5.1.3.4.2), so there is no SMS over NAS")


class ServicesMixin:
    """Data, SMS and detach procedures of StackSession."""

    @fails_on_cell_loss
    def send_data(self, payload: bytes) -> ProcedureResult:
        """Mobile-originated data over NAS (ESM DATA TRANSPORT); latency = submit to MME.
        RRC_CONNECTED: one scheduling request, then ULInformationTransfer-NB. RRC_IDLE:
        random access and RRC connection with a CONTROL PLANE SERVICE REQUEST carrying the
        data in Msg5 (TS 24.301 5.6.1.2.2, control-plane CIoT optimisation)."""
        proc = self._begin("data")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not attached")
        esm = n.esm_data_transport(5, self._user_packet(payload))
        if self.rrc_state == "idle":
            return self._data_from_idle(proc, esm)
        try:
            t_tx = self._ul_request(proc.start_unix_s)
        except CellLost as lost:     # RLF with uplink pending: CP re-establishment (T311)
            ok, t_tx, reason = self._reestablish(lost)
            if not ok:
                self.rrc_state = "idle"
                return self._end(False, t_tx, reason)
        data, t_enb = self._ul_nas(t_tx, esm, 2)
        t_mme = t_enb + self.core_delay_s
        self.mme.handle(self.ue.imsi, data)
        proc.details["latency_s"] = t_mme - proc.start_unix_s
        return self._end(True, t_mme)

    def _user_packet(self, payload: bytes) -> bytes:
        """The user data container of an uplink ``payload`` on the granted PDN
        (ntnstack.stack.user_plane: the payload on non-IP, else UDP to the UE's
        ``app_server`` or UDP_SERVER)."""
        granted = n.decode_pdn_address(self.pdn_address).pdn_type   # the network's choice
        return to_datagram(granted, self.pdn_address[1:], payload, uplink=True,
                           server=self.ue.app_server)

    def _data_from_idle(self, proc: ProcedureResult, esm: bytes) -> ProcedureResult:
        ok, t_enb, t_ue = self._service_request(proc.start_unix_s, "mo-Data", esm=esm)
        if not ok:
            return self._end(False, t_ue, proc.details["reason"])
        self.mme.handle(self.ue.imsi, self._last_ul_nas)
        t_mme = t_enb + self.core_delay_s
        proc.details["latency_s"] = t_mme - proc.start_unix_s
        return self._end(True, t_mme)

    def _service_request(self, t_ue: float, cause: str, service: str = "mo", esm: bytes = b"",
                         container: bytes = b"") -> tuple[bool, float, float]:
        """Random access and RRC connection with a CONTROL PLANE SERVICE REQUEST (integrity
        protected, header type 1; the ESM / NAS message container ciphered by the UE, TS
        24.301 4.4.5) in Msg5; (ok, eNB arrival of Msg5, UE time)."""
        t = self._uplink_sync(t_ue)
        ctx = self.security

        def cipher(value: bytes) -> bytes:
            if not value or ctx.eea == "eea0":
                return value
            return crypto.eea2(ctx.k_nas_enc, ctx.ul_count, 0, 0, value)
        cpsr = n.protect(ctx, n.control_plane_service_request(ctx.ksi, cipher(esm),
                                                              cipher(container), service),
                         uplink=True, header_type=1)
        return self._connect(t, cpsr, "control-plane-service-request", cause)

    @fails_on_cell_loss
    def send_sms(self, destination: str, text: str = "", tpdu: bytes | None = None
                 ) -> ProcedureResult:
        """MO SMS over NAS: CP-DATA(RP-DATA(SMS-SUBMIT)) up, CP-ACK and CP-DATA(RP-ACK) down,
        CP-ACK up (TS 24.011 5.2 / 6.2); latency = submit to RP-ACK at the UE. ``tpdu``: the
        SMS-SUBMIT as the host composed it, else one is encoded from ``text``. RRC_CONNECTED:
        scheduling request, UPLINK NAS TRANSPORT. RRC_IDLE: random access and a CONTROL PLANE
        SERVICE REQUEST carrying the CP-DATA in its NAS message container (TS 24.301
        5.6.1.2.2, establishment cause mo-Data)."""
        proc = self._begin("sms")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not attached")
        if not self.sms_registered:
            return self._end(False, proc.start_unix_s, NO_SMS_SERVICE)
        self._mo_sms_mr = (self._mo_sms_mr + 1) % 256
        if tpdu is None:
            tpdu = encode_submit(destination, text, mr=self._mo_sms_mr)
        cp = n.cp_data(0, n.rp_data_mo(self._mo_sms_mr, self.mme.smsc, tpdu), allocator=True)
        if self.rrc_state == "idle":
            ok, t_enb, t_ue = self._service_request(proc.start_unix_s, "mo-Data", container=cp)
            if not ok:
                return self._end(False, t_ue, proc.details["reason"])
        else:
            t_enb = self._ul_nas(self._ul_request(proc.start_unix_s),
                                 n.uplink_nas_transport(cp), 2)[1]
        t_back, dl = self._mme(t_enb, self._last_ul_nas, answers=MO_SMS_ANSWERS)
        proc.round_trips += 1
        proc.details["smsc_rx_unix_s"] = t_enb + self.core_delay_s
        t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
        answers = [n.parse(p.ies["container"]) for p in parsed]
        rpdu = answers[-1].ies["rpdu"] if answers[-1].message == "cp-data" else b""
        if rpdu[:1] != bytes([n.RP_ACK_N_MS]):
            return self._end(False, t_rx, f"RP-ERROR cause #{rpdu[3] & 0x7F} from the SMSC"
                             if rpdu[:1] == bytes([n.RP_ERROR_N_MS]) and len(rpdu) > 3
                             else "no RP-ACK from the SMSC")
        data, _ = self._ul_nas(self._ul_after_dl(t_rx), n.uplink_nas_transport(
            n.cp_ack(0, allocator=True)), 2)
        self.mme.handle(self.ue.imsi, data)
        proc.details["latency_s"] = t_rx - proc.start_unix_s
        return self._end(True, t_rx)

    def _downlink(self, proc: ProcedureResult, deliver) -> tuple[bool, float, list]:
        """Downlink NAS from the MME at the procedure's start: ``deliver(connected)`` gives
        it (or queues it for an idle UE, paged first); (ok, UE arrival of the last DL
        message, the plain messages the UE read)."""
        if self.rrc_state == "connected":
            return (True, *self._nas_dl(proc.start_unix_s + self.core_delay_s, deliver(True)))
        deliver(False)
        try:
            ok, t_enb, t_ue = self._paged_service_request(proc.start_unix_s)
        except CellLost:
            self.mme.paging_failed(self.ue.imsi)
            raise
        if not ok:
            self.mme.paging_failed(self.ue.imsi)
            proc.details.setdefault("reason", "paging record without the UE's S-TMSI")
            return False, t_ue, []
        t_back, dl = self._mme(t_enb, self._last_ul_nas)
        proc.round_trips += 1
        return (True, *self._nas_dl(t_back + self.enb_processing_s, dl))

    @fails_on_cell_loss
    def receive_sms(self, sender: str, text: str = "", tpdu: bytes | None = None
                    ) -> ProcedureResult:
        """MT SMS: the SMSC's SMS-DELIVER (``tpdu``, else encoded from ``text``) in
        CP-DATA(RP-DATA) down, CP-ACK and CP-DATA(RP-ACK) up, CP-ACK down (TS 24.011 5.2 /
        6.2); an idle UE is paged first (``paging``). The decoded message is appended to
        ``sms_received`` (at_bridge.sms_pdu.Deliver); latency = SMSC to UE."""
        proc = self._begin("sms-mt")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not attached")
        if not self.sms_registered:
            return self._end(False, proc.start_unix_s, NO_SMS_SERVICE)
        if tpdu is None:
            scts = datetime.fromtimestamp(round(proc.start_unix_s), tz=UTC)
            tpdu = encode_deliver(sender, text, scts)
        ok, t_rx, parsed = self._downlink(
            proc, lambda connected: self.mme.deliver_sms(self.ue.imsi, tpdu, connected))
        if not ok:
            return self._end(False, t_rx, proc.details["reason"])
        rpdu = n.parse(parsed[-1].ies["container"]).ies["rpdu"]
        mr = rpdu[1]
        self.sms_received.append(decode_deliver(n.rp_data_tpdu(rpdu), with_smsc=False))
        t_ue = self._ul_after_dl(t_rx)
        self._ul_nas(t_ue, n.uplink_nas_transport(n.cp_ack(0, allocator=False)), 2)
        data, t_enb = self._ul_nas(t_ue + 1e-3, n.uplink_nas_transport(
            n.cp_data(0, n.rp_ack(mr, from_network=False), allocator=False)), 2)
        t_back, dl = self._mme(t_enb, data)
        proc.round_trips += 1
        self._nas_dl(t_back + self.enb_processing_s, dl)
        proc.details["latency_s"] = t_rx - proc.start_unix_s
        return self._end(True, t_rx)

    @fails_on_cell_loss
    def receive_data(self, payload: bytes) -> ProcedureResult:
        """MT data over NAS: ESM DATA TRANSPORT down (an idle UE is paged first): on an IP
        PDN a UDP datagram from UDP_SERVER to the UE, whose payload is appended to
        ``data_received``; latency = MME to UE."""
        proc = self._begin("data-mt")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not attached")
        ok, t_rx, parsed = self._downlink(
            proc, lambda connected: self.mme.deliver_data(self.ue.imsi, payload, connected))
        if not ok:
            return self._end(False, t_rx, proc.details["reason"])
        if parsed[-1].message != "esm-data-transport":
            raise NasCodecError(f"UE: expected ESM DATA TRANSPORT, got {parsed[-1].message}")
        granted = n.decode_pdn_address(self.pdn_address).pdn_type
        self.data_received.append(from_datagram(granted, self.pdn_address[1:],
                                                parsed[-1].ies["data"], uplink=False))
        proc.details["latency_s"] = t_rx - proc.start_unix_s
        return self._end(True, t_rx)

    @fails_on_cell_loss
    def detach(self, switch_off: bool = False) -> ProcedureResult:
        """UE-initiated detach (TS 24.301 5.5.2.2): DETACH REQUEST up - in RRC_CONNECTED after
        a scheduling request (ciphered, header type 2), from RRC_IDLE after random access in
        Msg5 (integrity protected, header type 1, cause mo-Signalling). Without switch-off
        the UE is deregistered when DETACH ACCEPT arrives; with switch-off (AT+CFUN=0) the
        MME sends no accept and the procedure ends when the request reaches the eNB."""
        proc = self._begin("detach")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not attached")
        request = n.detach_request(switch_off, n.guti_identity(self.guti), self.security.ksi)
        if self.rrc_state == "idle":
            ok, t_enb, t_ue = self._connect(
                proc.start_unix_s,
                n.protect(self.security, request, uplink=True, header_type=1),
                "detach-request", "mo-Signalling")
            if not ok:
                return self._end(False, t_ue, proc.details["reason"])
        else:
            t_enb = self._ul_nas(self._ul_request(proc.start_unix_s), request, 2)[1]
        t_back, dl = self._mme(t_enb, self._last_ul_nas)
        if switch_off:
            self._deregistered()
            self.rrc_state = "idle"
            return self._end(True, t_enb)
        proc.round_trips += 1
        t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
        if parsed[-1].message != "detach-accept":
            return self._end(False, t_rx, f"expected DETACH ACCEPT, got {parsed[-1].message}")
        self._deregistered()
        return self._end(True, t_rx)

    def _deregistered(self) -> None:
        self.attached, self.security, self.s_tmsi = False, None, None

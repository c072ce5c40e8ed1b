"""Services over the NAS of an attached UE: control-plane data (ESM DATA TRANSPORT, from
RRC_CONNECTED or from idle with a CONTROL PLANE SERVICE REQUEST), SMS over NAS (MO and MT,
TS 24.011 relay layers with TS 23.040 TPDUs from at_bridge.sms_pdu) and detach."""
from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from at_bridge.sms_pdu import decode_deliver, encode_deliver, encode_submit
from ntnstack.stack import crypto
from ntnstack.stack import nas as n
from ntnstack.stack.access import fails_on_cell_loss
from ntnstack.stack.model import ProcedureResult

__all__ = ["UDP_SERVER", "ServicesMixin"]

UDP_SERVER = (5683, "192.0.2.10", "2001:db8::10")
"""Application server of IP data: CoAP port, RFC 5737 / RFC 3849 documentation addresses."""


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
        t_tx = self._ul_request(proc.start_unix_s)
        data, t_enb = self._ul_nas(t_tx, esm, 2)
        t_mme = t_enb + self.core_delay_s
        self.mme.handle(self.ue.imsi, data)
        proc.details["latency_s"] = t_mme - proc.start_unix_s
        return self._end(True, t_mme)

    def _user_packet(self, payload: bytes) -> bytes:
        """Non-IP: the payload as is. IP PDN: an IPv4 / UDP datagram (scapy) from the address
        of the default bearer to ``UDP_SERVER`` (an IPv6-only PDN: IPv6 from the interface
        identifier with the link-local prefix, as TS 24.301 9.9.4.9 gives only the IID)."""
        if self.ue.pdn_type == "non-ip":
            return bytes(payload)
        address = self.pdn_address[1:]
        port, host_v4, host_v6 = UDP_SERVER
        if self.ue.pdn_type == "ipv6":
            src = str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + address[:8]))
            return bytes(IPv6(src=src, dst=host_v6) / UDP(sport=port, dport=port) / payload)
        src = str(ipaddress.IPv4Address(address[-4:]))
        return bytes(IP(src=src, dst=host_v4) / UDP(sport=port, dport=port) / payload)

    def _data_from_idle(self, proc: ProcedureResult, esm: bytes) -> ProcedureResult:
        t = self._uplink_sync(proc.start_unix_s)
        ctx = self.security
        container = esm if ctx.eea == "eea0" else \
            crypto.eea2(ctx.k_nas_enc, ctx.ul_count, 0, 0, esm)      # partial ciphering, 4.4.5
        cpsr = n.protect(ctx, n.control_plane_service_request(ctx.ksi, container), uplink=True,
                         header_type=1)
        ok, t_enb, t_ue = self._connect(t, cpsr, "control-plane-service-request", "mo-Data")
        if not ok:
            return self._end(False, t_ue, proc.details["reason"])
        self.mme.handle(self.ue.imsi, cpsr)
        t_mme = t_enb + self.core_delay_s
        proc.details["latency_s"] = t_mme - proc.start_unix_s
        return self._end(True, t_mme)

    @fails_on_cell_loss
    def send_sms(self, destination: str, text: str) -> ProcedureResult:
        """MO SMS over NAS: CP-DATA(RP-DATA(SMS-SUBMIT)) up, CP-ACK and CP-DATA(RP-ACK) down,
        CP-ACK up (TS 24.011 5.2 / 6.2); latency = submit to RP-ACK at the UE."""
        proc = self._begin("sms")
        if not self.attached or self.rrc_state != "connected":
            return self._end(False, proc.start_unix_s, "not attached and RRC connected")
        self._mo_sms_mr = (self._mo_sms_mr + 1) % 256
        tpdu = encode_submit(destination, text, mr=self._mo_sms_mr)
        cp = n.cp_data(0, n.rp_data_mo(self._mo_sms_mr, self.mme.smsc, tpdu), allocator=True)
        t_tx = self._ul_request(proc.start_unix_s)
        data, t_enb = self._ul_nas(t_tx, n.uplink_nas_transport(cp), 2)
        t_back, dl = self._mme(t_enb, data)
        proc.round_trips += 1
        t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
        answers = [n.parse(p.ies["container"]) for p in parsed]
        if answers[-1].message != "cp-data" or answers[-1].ies["rpdu"][0] != n.RP_ACK_N_MS:
            return self._end(False, t_rx, "no RP-ACK from the SMSC")
        data, _ = self._ul_nas(self._ul_after_dl(t_rx), n.uplink_nas_transport(
            n.cp_ack(0, allocator=True)), 2)
        self.mme.handle(self.ue.imsi, data)
        proc.details["latency_s"] = t_rx - proc.start_unix_s
        return self._end(True, t_rx)

    @fails_on_cell_loss
    def receive_sms(self, sender: str, text: str) -> ProcedureResult:
        """MT SMS in RRC_CONNECTED: the SMSC's SMS-DELIVER in CP-DATA(RP-DATA) down, CP-ACK and
        CP-DATA(RP-ACK) up, CP-ACK down (TS 24.011 5.2 / 6.2). The decoded message is appended
        to ``sms_received`` (at_bridge.sms_pdu.Deliver); latency = SMSC to UE."""
        proc = self._begin("sms-mt")
        if not self.attached or self.rrc_state != "connected":
            return self._end(False, proc.start_unix_s, "not attached and RRC connected (no "
                                                       "paging in this emulation)")
        scts = datetime.fromtimestamp(round(proc.start_unix_s), tz=UTC)
        dl = self.mme.deliver_sms(self.ue.imsi, encode_deliver(sender, text, scts))
        t_rx, parsed = self._nas_dl(proc.start_unix_s + self.core_delay_s, dl)
        rpdu = n.parse(parsed[0].ies["container"]).ies["rpdu"]
        mr, tpdu = rpdu[1], rpdu[4 + rpdu[2]:][1:]
        self.sms_received.append(decode_deliver(tpdu, with_smsc=False))
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
    def detach(self) -> ProcedureResult:
        """UE-initiated detach (not switch-off) in RRC_CONNECTED: DETACH REQUEST up, DETACH
        ACCEPT down (TS 24.301 5.5.2.2); the UE is deregistered when the accept arrives."""
        proc = self._begin("detach")
        if not self.attached or self.rrc_state != "connected":
            return self._end(False, proc.start_unix_s, "not attached and RRC connected")
        t_tx = self._ul_request(proc.start_unix_s)
        _, t_enb = self._ul_nas(t_tx, n.detach_request(False, self.ue.imsi, 0), 2)
        t_back, dl = self._mme(t_enb, self._last_ul_nas)
        proc.round_trips += 1
        t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
        if parsed[-1].message != "detach-accept":
            return self._end(False, t_rx, f"expected DETACH ACCEPT, got {parsed[-1].message}")
        self.attached, self.security = False, None
        return self._end(True, t_rx)

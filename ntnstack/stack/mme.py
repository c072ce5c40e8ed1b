"""The MME functions the emulation needs: EPS attach with EPS AKA and NAS security mode,
the default bearer with control-plane CIoT optimisation and the PDN type the network's
policy allows (TS 24.301 6.2.2 / 6.5.1: IPv4 only, IPv6 only or dual stack; non-IP always),
ESM data transport and SMS over NAS both ways (the SMSC answers an MO SMS with RP-ACK), the
control plane service request, downlink NAS held for a paged UE, detach. One ``Mme`` serves
every cell of a run.

Each handler takes one uplink NAS message (octets as the UE sent them) and returns the
downlink NAS messages (octets, already security protected where TS 24.301 4.4.4 requires).
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ntnstack.errors import InputError
from ntnstack.stack import crypto
from ntnstack.stack import nas as n
from ntnstack.stack.model import derived_seed
from ntnstack.stack.nas_codes import (
    RP_CAUSE_INVALID_MANDATORY_INFORMATION,
    RP_CAUSE_MESSAGE_TYPE_NONEXISTENT,
    RP_ERROR_MS_N,
    RP_SMMA_MS_N,
)
from ntnstack.stack.nas_security import reestablishment_mac
from ntnstack.stack.user_plane import to_datagram

__all__ = ["ATTACH_FACTS", "PDN_POLICIES", "Mme", "Subscriber"]

PDN_POLICIES = {
    "dual-stack": {"ipv4": ("ipv4", None), "ipv6": ("ipv6", None), "ipv4v6": ("ipv4v6", None)},
    "ipv4-only": {"ipv4": ("ipv4", None), "ipv6": (None, 50), "ipv4v6": ("ipv4", 50)},
    "ipv6-only": {"ipv4": (None, 51), "ipv6": ("ipv6", None), "ipv4v6": ("ipv6", 51)},
}
"""Network policy -> requested PDN type -> (PDN type granted or None: rejected, ESM cause)
(TS 24.301 6.2.2, 6.5.1.3 / 6.5.1.4): an IPv4v6 request is narrowed to the one IP version
allowed with ESM cause #50 "PDN type IPv4 only allowed" / #51 "PDN type IPv6 only allowed"
in the ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST; a single-version request of the other
version gets a PDN CONNECTIVITY REJECT with that cause. Non-IP is granted under every policy."""


@dataclass
class Subscriber:
    """HSS record: IMSI, K, OPc, the next SQN (6 octets as an integer), AMF; optionally the
    one device the IMSI is bound to (``imei``: TAC + SNR, 14 digits, TS 23.003 6.2.1), its
    number (``msisdn``, the originator of its MO SMS) and its own PDN policy (a key of
    PDN_POLICIES, instead of the MME's)."""

    imsi: str
    k: bytes
    opc: bytes
    sqn: int = 0x20
    amf: bytes = b"\x80\x00"     # separation bit set: EPS (TS 33.401 6.1.1)
    ipv4: str = "10.45.0.2"                       # the PDN's IPv4 address for this UE
    ipv6_iid: bytes = bytes(7) + b"\x02"          # its IPv6 interface identifier (64 bits)
    imei: str | None = None
    msisdn: str | None = None
    pdn_policy: str | None = None


@dataclass
class _UeContext:
    subscriber: Subscriber
    vector: crypto.AuthVector | None = None
    security: n.NasSecurityContext | None = None
    state: str = "idle"
    ebi: int = 5
    pti: int = 1
    pdn_type: str = "non-ip"
    m_tmsi: int = 0
    sms_only: bool = False     # the UE asked for SMS without CS services (granted)
    pdn_address: bytes = b""   # the PDN address octets given (after the PDN type octet)
    uplink_data: list = field(default_factory=list)
    mt_sms_acked: list = field(default_factory=list)
    mt_sms_refused: list = field(default_factory=list)   # (RP-MR, RP-Cause) of RP-ERRORs
    sms_mr: int = 0
    pending_dl: list = field(default_factory=list)   # DL NAS waiting for the paged UE
    mo_sms: list = field(default_factory=list)       # TPDUs of the MO SMS received
    attach_facts: dict = field(default_factory=dict)  # ATTACH_FACTS, once decided


SmsRouter = Callable[[str, bytes], "int | None"]
"""router(sender's IMSI, SMS-SUBMIT TPDU): None when the SMSC accepts the message (RP-ACK),
else the RP-Cause of its refusal (RP-ERROR, TS 24.011 8.2.5.4)."""

ProcedureObserver = Callable[[str, str, str, str, dict], None]
"""observer(imsi, procedure, result, detail, facts): result ``started``, ``passed`` or
``failed``; detail: the cause of a failure, or what identifies the outcome (e.g. an SMS's
originator); facts: what an attach established, by name (``ATTACH_FACTS``)."""

ATTACH_FACTS = ("pdn_requested", "pdn_type", "esm_cause", "imeisv", "imei_bound")
"""An attach's facts: the PDN type the UE requested and the one granted (None: rejected), the
ESM cause sent with it (or None), the IMEISV the UE gave and the IMEI (TAC + SNR) its
subscription is bound to (None: not bound; then the UE is not asked for its IMEISV)."""


@dataclass
class Mme:
    """The MME of the emulated PLMN (TS 23.401 procedures, TS 24.301 messages)."""

    mcc: str = "001"
    mnc: str = "01"
    tac: int = 1
    mmegi: int = 0x8001
    mmec: int = 0x01
    apn: str = "ntn.iot"
    eea: str = "eea2"
    eia: str = "eia2"
    pdn_policy: str = "dual-stack"    # a key of PDN_POLICIES
    smsc: str = "+8613800000000"
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    seed: int = 1      # the run's seed: RANDs and M-TMSIs are a function of it
    rand_source: Callable[[int], bytes] | None = None   # n -> n random octets (RAND)
    observer: ProcedureObserver | None = None    # told of each procedure (ntnstack mme --journal)
    sms_router: SmsRouter | None = None   # MO SMS routing (ntnstack mme); None: all accepted
    smsc_inbox: list[tuple[str | None, bytes]] = field(default_factory=list)
    """What the SMSC received: (originator MSISDN, None when the subscriber has none; the
    SMS-SUBMIT TPDU), the MSISDN as the MSC / MME puts it in the forwarded short message."""
    _ues: dict[str, _UeContext] = field(default_factory=dict)
    _m_tmsis: dict[int, str] = field(default_factory=dict)   # M-TMSI -> IMSI, allocated ones
    _msisdns: dict[str, str] = field(default_factory=dict)   # MSISDN -> IMSI

    def __post_init__(self) -> None:
        if self.pdn_policy not in PDN_POLICIES:
            raise InputError(f"Mme.pdn_policy {self.pdn_policy!r}: one of "
                             f"{', '.join(PDN_POLICIES)}")
        self._rng = random.Random(derived_seed(self.seed, "mme", self.mmegi, self.mmec))
        if self.rand_source is None:
            self.rand_source = self._rng.randbytes

    def _new_m_tmsi(self) -> int:
        """An M-TMSI no other UE of this MME holds (TS 23.003 2.8: a GUTI is unique within
        its MME), drawn from the MME's own random source (not from the RAND)."""
        while (m_tmsi := self._rng.getrandbits(32)) in self._m_tmsis or \
                m_tmsi in (0, 0xFFFFFFFF):     # 0 marks "none allocated" in _UeContext
            pass
        return m_tmsi

    def add(self, subscriber: Subscriber) -> None:
        """Put a subscriber into the HSS database (keyed by IMSI, and by its MSISDN)."""
        self.subscribers[subscriber.imsi] = subscriber
        if subscriber.msisdn is not None:
            self._msisdns[_digits(subscriber.msisdn)] = subscriber.imsi

    def imsi_of_msisdn(self, msisdn: str) -> str | None:
        """The IMSI of the subscriber whose number is ``msisdn``, None when none is; "+" and
        no "+" alike (a module's AT+CMGS="8613800000002" is type 129, unknown: the same
        subscriber as +8613800000002)."""
        return self._msisdns.get(_digits(msisdn))

    @property
    def plmn(self) -> bytes:
        """The serving PLMN identity, 3 octets (TS 24.008 10.5.1.13)."""
        return n.plmn_octets(self.mcc, self.mnc)

    def _drop(self, imsi: str) -> _UeContext | None:
        """Forget UE ``imsi``'s context and free its M-TMSI."""
        ctx = self._ues.pop(imsi, None)
        if ctx is not None and self._m_tmsis.get(ctx.m_tmsi) == imsi:
            del self._m_tmsis[ctx.m_tmsi]
        return ctx

    def imsi_of_m_tmsi(self, m_tmsi: int) -> str:
        """The IMSI of the UE holding M-TMSI ``m_tmsi`` (InputError when none does)."""
        try:
            return self._m_tmsis[m_tmsi]
        except KeyError:
            raise InputError(f"MME: no UE holds M-TMSI {m_tmsi:#010x}") from None

    def context(self, imsi: str) -> _UeContext:
        """The MME's context of UE ``imsi`` (KeyError before its attach request)."""
        return self._ues[imsi]

    def _note(self, imsi: str, procedure: str, result: str, detail: str = "",
              facts: dict | None = None) -> None:
        if self.observer is not None:
            self.observer(imsi, procedure, result, detail, facts or {})

    def handle(self, imsi: str, data: bytes) -> list[bytes]:
        """Downlink NAS messages answering the uplink NAS ``data`` of UE ``imsi``."""
        ctx = self._ues.get(imsi)
        unprotected = data[0] >> 4 == 0   # security header type 0 (an ATTACH REQUEST anew)
        plain = data if ctx is None or ctx.security is None or unprotected else \
            n.unprotect(ctx.security, data, uplink=True)
        msg = n.parse(plain)
        handler = _HANDLERS.get(msg.message)
        if handler is None:
            raise InputError(f"MME: unexpected {msg.message} from IMSI {imsi}")
        if unprotected and msg.message in INTEGRITY_REQUIRED:
            raise InputError(f"MME: {msg.message} of IMSI {imsi} without integrity protection "
                             f"(TS 24.301 4.4.4.3)")
        return handler(self, imsi, msg, plain)

    def _on_attach_request(self, imsi: str, msg: n.ParsedNas, plain: bytes) -> list[bytes]:
        sub = self.subscribers.get(imsi)
        if sub is None:
            self._note(imsi, "attach", "failed", "IMSI not in the subscriber database")
            raise InputError(f"MME: IMSI {imsi} is not in the subscriber database")
        self._note(imsi, "attach", "started")
        pdn_request = n.parse(msg.ies["esm"])
        if pdn_request.message != "pdn-connectivity-request":
            raise InputError(f"MME: the ATTACH REQUEST of IMSI {imsi} carries a "
                             f"{pdn_request.message}, not a PDN CONNECTIVITY REQUEST")
        self._drop(imsi)
        ctx = self._ues[imsi] = _UeContext(sub, pti=pdn_request.ies["pti"],
                                           pdn_type=pdn_request.ies["pdn_type"],
                                           sms_only=msg.ies["sms_only"])
        rand = self.rand_source(16)
        ctx.vector = crypto.auth_vector(sub.k, sub.opc, rand, sub.sqn.to_bytes(6, "big"),
                                        sub.amf, self.plmn)
        sub.sqn += 0x20                       # next SEQ, IND unchanged (TS 33.102 C.3.2)
        return [n.authentication_request(0, ctx.vector.rand, ctx.vector.autn)]

    def _on_authentication_response(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        ctx = self._ues[imsi]
        if msg.ies["res"] != ctx.vector.xres:
            self._note(imsi, "attach", "failed", "authentication: RES is not XRES")
            raise InputError(f"MME: RES of IMSI {imsi} does not match XRES")
        kasme = ctx.vector.kasme
        ctx.security = n.NasSecurityContext(
            crypto.k_nas(kasme, crypto.ALG_DISTINGUISHER_NAS_INT, n.ALGORITHMS[self.eia]),
            crypto.k_nas(kasme, crypto.ALG_DISTINGUISHER_NAS_ENC, n.ALGORITHMS[self.eea]),
            self.eea, self.eia)
        smc = n.security_mode_command(0, self.eea, self.eia,
                                      imeisv_request=ctx.subscriber.imei is not None)
        return [n.protect(ctx.security, smc, uplink=False, header_type=3)]

    def _on_security_mode_complete(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        """The subscription is known now (TS 23.401 5.3.2.1, after Update Location): a UE
        bound to another device (IMEISV's TAC + SNR not the subscriber's IMEI) gets ATTACH
        REJECT #6 "Illegal ME"; else the default bearer with the PDN type the policy (the
        subscriber's, else the MME's) grants, its address, and ESM cause #50 /
        #51 when an IPv4v6 request was narrowed; a request the policy cannot grant gets an
        ATTACH REJECT, EMM cause #19 "ESM failure" with the PDN CONNECTIVITY REJECT
        (TS 24.301 5.5.1.2.5, 6.5.1.4)."""
        ctx = self._ues[imsi]
        bound = ctx.subscriber.imei
        facts = ctx.attach_facts = {"pdn_requested": ctx.pdn_type, "pdn_type": None,
                                    "esm_cause": None, "imeisv": msg.ies["imeisv"],
                                    "imei_bound": bound}
        if bound is not None and (msg.ies["imeisv"] or "")[:14] != bound:
            self._drop(imsi)         # ME identity check failed (TS 23.401 5.3.2.1 step 5b)
            reject = n.attach_reject(n.EMM_CAUSE_ILLEGAL_ME)        # TS 24.301 5.5.1.2.5
            self._note(imsi, "attach", "failed", f"EMM cause #6 Illegal ME: IMEISV "
                       f"{msg.ies['imeisv']}, bound to IMEI {bound}", facts)
            return [n.protect(ctx.security, reject, uplink=False, header_type=2)]
        policy = PDN_POLICIES[ctx.subscriber.pdn_policy or self.pdn_policy]
        granted, cause = policy.get(ctx.pdn_type, (ctx.pdn_type, None))
        facts.update(pdn_type=granted, esm_cause=cause)
        if granted is None:
            self._drop(imsi)
            reject = n.attach_reject(n.EMM_CAUSE_ESM_FAILURE,
                                     n.pdn_connectivity_reject(ctx.pti, cause))
            self._note(imsi, "attach", "failed", f"EMM cause #19 ESM failure, ESM cause "
                       f"#{cause} ({ctx.pdn_type} requested)", facts)
            return [n.protect(ctx.security, reject, uplink=False, header_type=2)]
        ctx.pdn_type = granted
        ctx.m_tmsi = self._new_m_tmsi()
        self._m_tmsis[ctx.m_tmsi] = imsi
        sub = ctx.subscriber
        address = ctx.pdn_address = n.pdn_address(granted, sub.ipv4, sub.ipv6_iid)[1:]
        esm = n.activate_default_bearer_request(ctx.ebi, ctx.pti, granted, self.apn, address,
                                                esm_cause=cause)
        accept = n.attach_accept((self.plmn, self.mmegi, self.mmec, ctx.m_tmsi), self.tac, esm,
                                 sms_only=ctx.sms_only)
        return [n.protect(ctx.security, accept, uplink=False, header_type=2)]

    def _on_attach_complete(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        ctx = self._ues[imsi]
        ctx.state = "registered"
        self._note(imsi, "attach", "passed", f"PDN {ctx.pdn_type}", ctx.attach_facts)
        return []

    def _on_esm_data_transport(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        self._ues[imsi].uplink_data.append(msg.ies["data"])
        self._note(imsi, "data", "passed", f"{len(msg.ies['data'])} octets")
        return []

    def _on_control_plane_service_request(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        """CP CIoT service request (TS 24.301 5.6.1.2.2 / 5.6.1.4.2): decipher the container
        with the NAS COUNT of the message (4.4.5); an ESM DATA TRANSPORT goes to the data
        path, an SMS (NAS message container) to the SMSC; then the downlink NAS that waited
        for the UE (paging: a mobile terminating request) follows."""
        ctx = self._ues[imsi]
        out = []
        for name, handle in (("esm", self._cpsr_esm), ("container", self._cpsr_sms)):
            value = msg.ies[name]
            if not value:
                continue
            if ctx.security.eea == "eea2":
                value = crypto.eea2(ctx.security.k_nas_enc, ctx.security.ul_count - 1, 0, 0,
                                    value)
            out += handle(imsi, value)
        out += ctx.pending_dl
        ctx.pending_dl = []
        return out

    def _cpsr_esm(self, imsi: str, esm: bytes) -> list[bytes]:
        return self._on_esm_data_transport(imsi, n.parse(esm), esm)

    def _cpsr_sms(self, imsi: str, cp: bytes) -> list[bytes]:
        return self._sms(imsi, n.parse(cp))

    def _on_uplink_nas_transport(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        return self._sms(imsi, n.parse(msg.ies["container"]))

    def _sms(self, imsi: str, cp: n.ParsedNas) -> list[bytes]:
        """SMS over NAS (TS 24.011 5.2 / 6.2): an MO CP-DATA(RP-DATA) is answered by CP-ACK
        and CP-DATA(RP-ACK) from the SMSC (RP-ERROR when ``sms_router`` refuses it, #96 when
        the RP-DATA or its SMS-SUBMIT is cut short, #97 for an unknown RP message type), an
        RP-SMMA likewise with RP-ACK; an MT transfer's RP-ACK or RP-ERROR (recorded in
        ``mt_sms_refused``) by CP-ACK; a CP-ACK ends the transfer."""
        ctx = self._ues[imsi]
        if cp.message != "cp-data":
            return []
        ti, rpdu = cp.ies["ti"], cp.ies["rpdu"]
        rp_type, mr = rpdu[0], rpdu[1]
        if rp_type == n.RP_ACK_MS_N:
            ctx.mt_sms_acked.append(mr)
            return self._sms_down(ctx, [n.cp_ack(ti, allocator=True)])
        if rp_type == RP_ERROR_MS_N:   # the UE refuses an MT SMS (e.g. #22, memory full)
            cause = rpdu[3] & 0x7F if len(rpdu) > 3 and rpdu[2] else None
            ctx.mt_sms_refused.append((mr, cause))
            self._note(imsi, "sms", "failed", f"MT SMS refused by the UE: RP-ERROR cause "
                                              f"#{cause}")
            return self._sms_down(ctx, [n.cp_ack(ti, allocator=True)])
        tpdu = None
        if rp_type == RP_SMMA_MS_N:    # memory available again: acknowledged (8.2.2)
            cause = None
        elif rp_type != n.RP_DATA_MS_N:
            cause = RP_CAUSE_MESSAGE_TYPE_NONEXISTENT
        else:
            try:
                tpdu = n.rp_data_tpdu(rpdu)
                cause = None if self.sms_router is None else self.sms_router(imsi, tpdu)
            except (n.NasCodecError, InputError):   # an RP-DATA or SMS-SUBMIT cut short
                cause = RP_CAUSE_INVALID_MANDATORY_INFORMATION
        if tpdu is None and cause is None:
            answer = n.rp_ack(mr, from_network=True)
        elif cause is None:
            ctx.mo_sms.append(tpdu)
            self.smsc_inbox.append((ctx.subscriber.msisdn, tpdu))
            self._note(imsi, "sms", "passed",
                       f"originator {ctx.subscriber.msisdn or 'without MSISDN'}")
            answer = n.rp_ack(mr, from_network=True)
        else:
            self._note(imsi, "sms", "failed", f"RP-ERROR cause #{cause}")
            answer = n.rp_error(mr, cause)
        return self._sms_down(ctx, [n.cp_ack(ti, allocator=False),
                                    n.cp_data(ti, answer, allocator=False)])

    def _sms_down(self, ctx: _UeContext, out: list[bytes]) -> list[bytes]:
        """Each CP message in a protected DOWNLINK NAS TRANSPORT."""
        return [n.protect(ctx.security, n.downlink_nas_transport(c), uplink=False, header_type=2)
                for c in out]

    def deliver_sms(self, imsi: str, tpdu: bytes, connected: bool = True) -> list[bytes]:
        """MT SMS from the SMSC: DOWNLINK NAS TRANSPORT with CP-DATA(RP-DATA) carrying the
        SMS-DELIVER ``tpdu``. A UE in ECM-CONNECTED gets it now (returned); an idle one is
        paged and gets it after its service request (kept in ``pending_dl``, [] returned)."""
        ctx = self._ues[imsi]
        ctx.sms_mr = (ctx.sms_mr + 1) % 256
        cp = n.cp_data(0, n.rp_data_mt(ctx.sms_mr, self.smsc, tpdu), allocator=True)
        return self._to_ue(ctx, n.downlink_nas_transport(cp), connected)

    def deliver_data(self, imsi: str, payload: bytes, connected: bool = True) -> list[bytes]:
        """MT data over NAS: ESM DATA TRANSPORT on the default bearer (CP CIoT, TS 24.301
        6.6.4.3), on an IP PDN a UDP datagram from the application server to the UE's
        address; like ``deliver_sms`` for an idle UE."""
        ctx = self._ues[imsi]
        packet = to_datagram(ctx.pdn_type, ctx.pdn_address, payload, uplink=False)
        return self.deliver_packet(imsi, packet, connected)

    def deliver_packet(self, imsi: str, container: bytes, connected: bool = True) -> list[bytes]:
        """MT data as ``deliver_data``, the user data container given as it is (an IP
        packet from the host's routing, ntnstack mme --tun)."""
        ctx = self._ues[imsi]
        return self._to_ue(ctx, n.esm_data_transport(ctx.ebi, container), connected)

    def _to_ue(self, ctx: _UeContext, plain: bytes, connected: bool) -> list[bytes]:
        if ctx.state != "registered":
            raise InputError(f"MME: IMSI {ctx.subscriber.imsi} is not registered")
        protected = n.protect(ctx.security, plain, uplink=False, header_type=2)
        if connected:
            return [protected]
        ctx.pending_dl.append(protected)
        return []

    def verify_reestablishment(self, s_tmsi: tuple[int, int], ul_nas_mac: int,
                               ul_nas_count: int, cell_identity: int, pci: int, c_rnti: int
                               ) -> int | None:
        """The eNB's S1 request to verify a CP RRC connection re-establishment (TS 23.401
        5.3.4B.x, TS 33.401 9.5): the UE found by S-TMSI, its uplink NAS COUNT rebuilt from the
        5 LSBs, the UL NAS MAC checked; on success both NAS COUNTs step by one and the DL NAS
        MAC is returned, else None (unknown S-TMSI or wrong MAC)."""
        mmec, m_tmsi = s_tmsi
        ctx = self._ues.get(self._m_tmsis.get(m_tmsi, ""))
        if mmec != self.mmec or ctx is None or ctx.state != "registered" or ctx.security is None:
            return None
        sec = ctx.security
        count = (sec.ul_count & ~0x1F) | (ul_nas_count & 0x1F)
        if count < sec.ul_count:
            count += 0x20
        if reestablishment_mac(sec, count, cell_identity, pci, c_rnti, uplink=True) != ul_nas_mac:
            return None
        sec.ul_count = count + 1
        dl_mac = reestablishment_mac(sec, sec.dl_count, cell_identity, pci, c_rnti, uplink=False)
        sec.dl_count += 1
        return dl_mac

    def paging_failed(self, imsi: str) -> None:
        """No service request answered the paging (T3413 expired, TS 24.301 5.6.2.2.1): the
        MME drops the downlink NAS that waited for it."""
        self._ues[imsi].pending_dl = []

    def _check_guti(self, imsi: str, identity: bytes, what: str) -> _UeContext:
        """The context of UE ``imsi``, whose ``what`` names it by ``identity``: InputError
        when that is a GUTI other than the one this MME gave it."""
        ctx = self._ues[imsi]
        if identity[:1] == b"\xf6" and identity != n.guti_identity(
                (self.plmn, self.mmegi, self.mmec, ctx.m_tmsi)):
            raise InputError(f"MME: {what} of IMSI {imsi} names GUTI {identity.hex()}, "
                             f"not the one allocated (M-TMSI {ctx.m_tmsi:08x})")
        return ctx

    def _on_tracking_area_update_request(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        """TAU of a registered UE (TS 24.301 5.5.3.2.4): the request names the GUTI this MME
        gave it and the KSI of its EPS security context, which verified its MAC (``handle``);
        TRACKING AREA UPDATE ACCEPT with the GUTI kept. No mobile reachable timer or implicit
        detach (TS 23.401 4.3.5.2): the context waits however long the UE was away."""
        if imsi not in self._ues or self._ues[imsi].security is None:
            raise InputError(f"MME: TRACKING AREA UPDATE REQUEST of IMSI {imsi}, which has no "
                             f"EPS security context here (not attached)")
        ctx = self._check_guti(imsi, msg.ies["identity"], "TRACKING AREA UPDATE REQUEST")
        if msg.ies["ksi"] != ctx.security.ksi:
            raise InputError(f"MME: TRACKING AREA UPDATE REQUEST of IMSI {imsi} with KSI "
                             f"{msg.ies['ksi']}, the context's is {ctx.security.ksi}")
        self._note(imsi, "tau", "passed", msg.ies["update_type"])
        return [n.protect(ctx.security, n.tracking_area_update_accept(self.plmn, self.tac),
                          uplink=False, header_type=2)]

    def _on_detach_request(self, imsi: str, msg: n.ParsedNas, plain: bytes):
        """UE-initiated detach (TS 24.301 5.5.2.2): DETACH ACCEPT, none for a switch-off.
        The UE names itself by the GUTI this MME gave it (5.5.2.2.1)."""
        ctx = self._check_guti(imsi, msg.ies["identity"], "DETACH REQUEST")
        self._drop(imsi)
        self._note(imsi, "detach", "passed", "switch off" if msg.ies["switch_off"] else "")
        if msg.ies["switch_off"]:
            return []
        return [n.protect(ctx.security, n.detach_accept(), uplink=False, header_type=2)]


_Handler = Callable[[Mme, str, n.ParsedNas, bytes], list[bytes]]
_HANDLERS: dict[str, _Handler] = {
    "attach-request": Mme._on_attach_request,
    "authentication-response": Mme._on_authentication_response,
    "security-mode-complete": Mme._on_security_mode_complete,
    "attach-complete": Mme._on_attach_complete,
    "esm-data-transport": Mme._on_esm_data_transport,
    "control-plane-service-request": Mme._on_control_plane_service_request,
    "uplink-nas-transport": Mme._on_uplink_nas_transport,
    "detach-request": Mme._on_detach_request,
    "tracking-area-update-request": Mme._on_tracking_area_update_request,
}
"""The MME's handler of each uplink NAS message (ntnstack.stack.nas_parse names); any other
is unexpected."""


INTEGRITY_REQUIRED = frozenset({"tracking-area-update-request"})
"""Uplink NAS the MME takes only integrity protected from a UE it has a context for."""


def _digits(msisdn: str) -> str:
    """The number without its international "+" (TS 23.040 9.1.2.5 type of number aside)."""
    return msisdn.removeprefix("+")

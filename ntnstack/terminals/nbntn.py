"""NB-IoT NTN virtual modules: registration, RRC state and non-IP data over ntnstack.stack.

CFUN=1 answers OK at once. With the satellite visible (elevation >= minimum) and a location
known, the module searches for ``timing.search_s`` (+CEREG: 2; see :mod:`procedures`), then
its stack session (:mod:`nbntn_stack`, one per module) runs the attach with real RRC / NAS
messages over the cell of the module's link, and the module replays the session's timeline:
SIB31-NB decoded -> cell found (vendor URCs), RRCConnectionSetup-NB at the UE -> +CSCON: 1,
Attach Accept at the UE -> +CGEV: ME PDN ACT and +CEREG: 1/5 with AcT 14. The attach asks for
the PDN type of the host's default context (+CGDCONT <PDP_type>); +CGPADDR then shows what the
network's PDN address IE gave: the IPv4 address and / or the IPv6 link-local address
fe80::/64 + interface identifier (the emulated core sends no Router Advertisement, so no
global prefix is known to the UE). Data goes up
through the session (+CSODCP, sockets); RRC inactivity -> RRCConnectionRelease-NB -> +CSCON: 0.
SMS over NAS: +CMGS answers when the RP-ACK reaches the UE, +CMT when the SMS-DELIVER does;
downlink data and SMS to an idle module page it first. AT+CFUN=0/4 sends a switch-off DETACH
REQUEST. The location the host gives (or the module's GNSS fix) is the UE's position estimate
for TA / Doppler pre-compensation; the true position stays ``ue_position``.
When the satellite sets the module reports +CEREG: 2 (searching) and +CSCON: 0; its UE stays
EMM-REGISTERED with its GUTI and NAS security context, and on the next pass reads the cell
and, when T3412 expired meanwhile, does a periodic TRACKING AREA UPDATE (TS 24.301 5.3.5,
5.5.3.2.2; ``StackSession.return_to_coverage``): +CEREG: 1/5 again when the TAU ACCEPT (or,
without a TAU, the SIBs) reach the UE, the default bearer as it was. The module searches
only while its vendor radio settings include NTN (Nordic %XSYSTEMMODE, Quectel
+QCFG="iotopmode", Murata %RATACT, Sierra +KSRAT) and asks the host for a position its
vendor's way when it has none. Vendor commands (location,
settings, URCs) live in :mod:`nbntn_vendor` and the modules :mod:`nbntn_vendors` names.
"""
from __future__ import annotations

import ipaddress
from dataclasses import replace

from ntnstack.terminals.at_engine import AtChannel, CmeError, CmsError, Command, Prompt, Reply
from ntnstack.terminals.modem import AtModule
from ntnstack.terminals.pdp import PDP_TYPES
from ntnstack.errors import InputError
from ntnstack.stack import ProcedureResult, UeConfig
from ntnstack.stack import nas
from ntnstack.terminals.power_saving import PowerSaving
from ntnstack.terminals.nbntn_stack import ModuleStack, Procedure, network_mme
from ntnstack.terminals.procedures import NtnTiming
from ntnstack.terminals import nbntn_sockets, nbntn_vendors
from ntnstack.terminals import sms as smsc
from ntnstack.terminals.vendor_commands import VendorSettings

RRC_SETUP = "rrcConnectionSetup-r13"
"""ntnstack.stack.rrc_nb name of RRCConnectionSetup-NB (Msg4)."""
DEFAULT_TIMING = NtnTiming()
ELEVATION_SLACK_DEG = 1e-6
"""The LinkView decides visibility; the stack's own minimum-elevation check sits this far
below it, so that rounding of the same geometry (10 deg computed as 9.9999999) agrees."""
DEFAULT_UE_POSITION = (39.9042, 116.4074, 50.0)
"""lat deg, lon deg, alt m (Beijing) when no --ue is given: what the internal GNSS reports."""
CMS_NETWORK_TIMEOUT = 332
"""+CMS ERROR: 332 network timeout (TS 27.005 3.2.5): the MO SMS got no RP-ACK."""
CGEV_REASON = {("ipv4v6", "ipv4"): 0, ("ipv4v6", "ipv6"): 1}
"""+CGEV: ME PDN ACT <cid>,<reason> (TS 27.007 10.1.19): 0 "IPv4 only allowed", 1 "IPv6 only
allowed" - the network narrowed an IPv4v6 request (ESM cause #50 / #51)."""


class NbNtnModule(PowerSaving, AtModule):
    stack_downlink = True
    """VirtualNetwork: downlink to this module goes through its stack session (paging, NAS),
    which times it; the network adds no downlink delay of its own."""

    def __init__(self, spec, link, *, timing: NtnTiming = DEFAULT_TIMING,
                 ue_position: tuple = DEFAULT_UE_POSITION, stack_pcap: str | None = None,
                 **kw) -> None:
        super().__init__(spec, link, **kw)
        self.timing = timing
        self.ue_position = ue_position
        self.stack_pcap = stack_pcap
        self._stack: ModuleStack | None = None
        self.pdp: dict = {}  # no context before the first boot (reset_state makes them)
        self.register_power_saving()
        self.on("+CSODCP", self.cmd_csodcp)
        self.on("+CRTDCP", self.cmd_crtdcp)
        self.on("D", lambda ch, c: Reply(final="NO CARRIER"))
        self.vendor_settings = VendorSettings(self, spec.commands)
        self.vendor = nbntn_vendors.install(self)
        self.socket_dialect = nbntn_sockets.install(self)

    def reset_state(self) -> None:
        kept = self.pdp if self.vendor.keeps_pdp_contexts else None
        super().reset_state()
        self.pdp = kept or self.pdp
        self.location = None          # (lat, lon, alt) the module believes, or None
        self.crtdcp = 0
        self._ntn_excluded = False    # the search waits for NTN in the vendor radio settings
        self._attach_token = 0
        self._inactivity = None
        self._sms_waiting: list[tuple] = []     # MT SMS held by the SMSC until registered
        self.reset_power_saving()
        self.vendor_settings.reset(power_on=self.boot_count == 0)
        self.vendor.reset()

    def vendor_setting(self, name: str, key: str | None, values: tuple[str, ...]) -> None:
        """A vendor data command takes ``values`` (the vendor may refuse them); a search
        that waits for NTN in the radio settings is tried again."""
        self.vendor.setting(name, key, values)
        if self.cfun == 1 and self._ntn_excluded:
            self.later(0.0, self.start_attach)

    def race_urc(self) -> str:
        if self.reg_n["+CEREG"] >= 2 and self.registered:
            return f"+CEREG: {self.reg_stat},{self.reg_fields()}"
        return f"+CEREG: {self.reg_stat}"

    # -- CFUN and the attach --------------------------------------------------------------
    def set_cfun(self, fun: int) -> None:
        if self.vendor.set_cfun(fun):
            self.cfun = fun
            self.log("event", f"cfun {fun}")
            self._radio_off(keep_registration=True)
            return
        if fun in (0, 4):
            self._switch_off_detach()
        super().set_cfun(fun)
        if fun == 1:
            self.later(0.0, self.start_attach)
        else:
            self._radio_off(keep_registration=False)

    def _switch_off_detach(self) -> None:
        """AT+CFUN=0/4 while attached: DETACH REQUEST with switch-off through the stack (no
        DETACH ACCEPT comes, TS 24.301 5.5.2.2.2); the module answers OK at once."""
        if self._stack is None or not self._stack.session.attached:
            return
        result, _ = self._run(lambda s: s.detach(True))
        self.log("event", f"stack detach ok={result.ok} {result.duration_s:.3f} s"
                          + ("" if result.ok else f": {result.reason}"))

    def _radio_off(self, keep_registration: bool) -> None:
        self._attach_token += 1
        self._rrc_lost()
        if not keep_registration:
            self.set_registration(0)

    def start_attach(self) -> None:
        """Search for the satellite cell and attach when visible and located."""
        if self.defects.attaches_without_location and self.location is None:
            self.location = self.ue_position
            self.log("event", "defect: attach with a stale stored location")
        if self.cfun != 1:
            return
        self._watch_visibility()
        if self.registered:
            return
        self._attach_token += 1
        token = self._attach_token
        if self.reg_stat != 2:
            self.set_registration(2)
            self.vendor.event("search_started")
        self._ntn_excluded = not self.vendor.ntn_selected()
        if self._ntn_excluded:
            self.log("event", "attach waits: the vendor radio settings exclude NTN")
            return
        if self.location is None:
            self.vendor.event("location_needed")
            self.log("event", "attach waits for a location")
            return
        if not self.link_sample().visible:
            self.log("event", "attach waits for the satellite")
            return
        self.later(self.timing.search_s, lambda: self._stack_attach(token))

    def started_stack(self) -> ModuleStack | None:
        return self._stack

    @property
    def stack(self) -> ModuleStack:
        """The module's ntnstack.stack session (made at first use, on the host clock's axis)."""
        if self._stack is None:
            epoch = self.host.clock.epoch_unix_s
            ue = UeConfig(imsi=self.identity.imsi, position_deg_m=tuple(self.ue_position),
                          min_elevation_deg=self.link.min_elevation_deg - ELEVATION_SLACK_DEG)
            if self.network.stack_mme is None:
                self.network.stack_mme = network_mme()
            self._stack = ModuleStack(self.link.stack_cells(epoch, tuple(self.ue_position)),
                                      ue, epoch, self.stack_pcap, self.network.stack_mme)
            self._subscribe_addresses()
        return self._stack

    def _subscribe_addresses(self) -> None:
        """The core gives this module its test IPv4 address (the one the in-process network
        routes datagrams to) and the IPv6 interface identifier ::<that IPv4 in hex>, e.g.
        10.45.0.2 -> IID 0:0:a2d:2 (link-local fe80::a2d:2)."""
        mme = self._stack.session.mme
        v4 = ipaddress.IPv4Address(self.identity.ip).packed
        mme.add(replace(mme.subscribers[self.identity.imsi], ipv4=self.identity.ip,
                        ipv6_iid=bytes(4) + v4))

    def pdp_addresses(self, cid: int) -> tuple[bytes | None, bytes | None]:
        """What the PDN address IE of the last attach gave the bearer of ``cid`` (while
        registered): IPv4 and the IPv6 link-local address."""
        return self.pdp_active.get(cid, (None, None))

    def _run(self, procedure: Procedure) -> tuple:
        """A stack procedure from now, the UE's position estimate being the location the
        host (or the GNSS) gave last: (ProcedureResult, its session events)."""
        if self.defects.ignores_validity:
            self.stack.ignore_validity()
        if self.location is not None:
            try:
                self.stack.session.set_gnss_position(*self.location)
            except InputError as exc:
                self.log("event", f"location not used: {exc}")
        return self.stack.run(self.now(), procedure)

    def _procedure(self, procedure: Procedure, name: str, failure: str) -> ProcedureResult:
        """``procedure`` through the stack now, logged as ``stack <name> ok=...``; failed:
        ``<failure>: <reason>`` logged; passed: +CSCON 1 at its RRC set-up and the inactivity
        timer from its end. The stack's ProcedureResult."""
        token = self._attach_token
        result, _ = self._run(procedure)
        self.log("event", f"stack {name} ok={result.ok} {result.duration_s:.3f} s")
        if not result.ok:
            self.log("event", f"{failure}: {result.reason}")
            return result
        self._rrc_up_at(token, result)
        self._touch_rrc(result)
        return result

    def _at(self, token: int, t_s: float, fn) -> None:
        """Run ``fn`` at module time ``t_s`` unless the attempt ``token`` was superseded."""
        self.later(t_s - self.now(), lambda: fn() if token == self._attach_token else None)

    def _stack_attach(self, token: int) -> None:
        """Cell search done: the stack's attach; its timeline becomes URCs (SIB31-NB decoded:
        cell found; RRCConnectionSetup-NB at the UE: +CSCON 1; Attach Accept: +CGEV, +CEREG)."""
        if token != self._attach_token or not self.link_sample().visible:
            return
        try:
            self.stack.session.set_gnss_position(*self.location)   # what the host told it
        except InputError as exc:
            self.log("event", f"attach waits for a usable location: {exc}")
            return
        cid, requested = self.attach_cid(), PDP_TYPES[self.attach_context().pdp_type]
        session = self.stack.session
        if session.attached:
            self._back_in_coverage(token, cid)
            return
        session.ue = replace(session.ue, pdn_type=requested)
        result, events = self._run(lambda s: s.attach())
        self.log("event", f"stack attach ok={result.ok} {result.duration_s:.3f} s "
                          f"{result.round_trips} round trips, cid {cid} PDN type {requested}")
        self._replay_access(token, result, events)
        if result.ok:
            pdn = nas.decode_pdn_address(session.pdn_address)
            self._at(token, self.stack.t_s(result.details["attach_accept_rx_unix_s"]),
                     lambda: self._attached(cid, requested, pdn))
        else:
            self._at(token, self.stack.t_s(result.end_unix_s),
                     lambda: self._attach_failed(result.reason))

    def _back_in_coverage(self, token: int, cid: int) -> None:
        """Still registered (the satellite set and rose again): the session reads the cell
        and does a periodic TAU if T3412 expired; registered again, the default bearer of
        ``cid`` as the attach gave it, when that reaches the UE."""
        result, events = self._run(lambda s: s.return_to_coverage())
        self.log("event", f"stack return-to-coverage ok={result.ok} {result.duration_s:.3f} s "
                          f"{result.round_trips} round trips, periodic TAU "
                          f"{result.details.get('t3412_expired', False)}")
        self._replay_access(token, result, events)
        if result.ok:
            pdn = nas.decode_pdn_address(self.stack.session.pdn_address)
            self._at(token, self.stack.t_s(result.details["in_service_rx_unix_s"]),
                     lambda: self._in_service(cid, pdn))
        else:
            self._at(token, self.stack.t_s(result.end_unix_s),
                     lambda: self._attach_failed(result.reason, "tracking area update"))

    def _replay_access(self, token: int, result, events: list) -> None:
        """URCs of a procedure's access: cell found at SIB31-NB decoded, +CSCON 1 at its
        RRCConnectionSetup-NB."""
        for t, kind, _ in events:
            if kind == "sib31-nb acquired":
                self._at(token, self.stack.t_s(t), self._cell_found)
        self._rrc_up_at(token, result)

    def _rrc_up_at(self, token: int, result) -> None:
        """+CSCON 1 when the procedure's RRCConnectionSetup-NB reaches the UE (if it had one)."""
        setup = next((m for m in result.messages if m.rrc == RRC_SETUP), None)
        if setup is not None:
            self._at(token, self.stack.dl_arrival_s(setup.t_unix_s), lambda: self.set_rrc(True))

    def _cell_found(self) -> None:
        self.log("event", "cell found")
        self.vendor.event("cell_found")

    def _attach_failed(self, reason: str, what: str = "attach") -> None:
        """The stack's attach (or ``what``) failed (its reason logged): idle, and search
        again."""
        self.log("event", f"{what} failed: {reason}")
        self.set_rrc(False)
        self.later(0.0, self.start_attach)

    def _attached(self, cid: int, requested: str, pdn: nas.PdnAddress) -> None:
        """Attach Accept at the UE: the default bearer of ``cid`` holds the addresses of
        ``pdn``; +CGEV (with the reason when an IPv4v6 request was narrowed), +CEREG."""
        self._bearer(cid, pdn)
        if self.cgerep:
            reason = CGEV_REASON.get((requested, pdn.pdn_type))
            self.urc(f"+CGEV: ME PDN ACT {cid}" + ("" if reason is None else f",{reason}"))
        self._in_service()

    def _bearer(self, cid: int, pdn: nas.PdnAddress) -> None:
        """The default bearer of ``cid`` holds the addresses of ``pdn`` (logged)."""
        v4 = None if pdn.ipv4 is None else ipaddress.IPv4Address(pdn.ipv4).packed
        v6 = pdn.ipv6_link_local
        self.pdp_active = {cid: (v4, v6)}
        self.log("event", f"pdn {cid} {pdn.pdn_type} ipv4 {pdn.ipv4} ipv6 "
                          f"{None if v6 is None else ipaddress.IPv6Address(v6)}")

    def _in_service(self, cid: int | None = None, pdn: nas.PdnAddress | None = None) -> None:
        """Registered (again): +CEREG 1/5, SMS that waited; back in coverage the bearer of
        ``cid`` is ``pdn`` again (it stayed up in the network: no +CGEV)."""
        if pdn is not None:
            self._bearer(cid, pdn)
        self.set_registration(self.spec.cereg_stat, self.spec.act)
        self.vendor.event("registered")
        self._touch_rrc()
        waiting, self._sms_waiting = self._sms_waiting, []
        for sms in waiting:
            self.later(0.0, lambda sms=sms: self.sms_arrived(*sms))

    def _touch_rrc(self, result=None) -> None:
        """Data or signalling: restart the RRC inactivity timer, from now or from the end of
        the procedure ``result`` (a stack ProcedureResult) when it ends later."""
        if self._inactivity is not None:
            self._inactivity.cancel()
        end_s = self.now() if result is None else max(self.now(),
                                                      self.stack.t_s(result.end_unix_s))
        self._inactivity = self.later(end_s - self.now() + self.timing.rrc_inactivity_s,
                                      self._rrc_inactive)

    def _rrc_inactive(self) -> None:
        """Inactivity: the eNB releases the connection (RRCConnectionRelease-NB), +CSCON 0
        when it reaches the UE."""
        if self._stack is None or self._stack.session.rrc_state != "connected":
            self.set_rrc(False)
            return
        result, _ = self.stack.run(self.now(), lambda s: s.release())
        self.later(self.stack.t_s(result.end_unix_s) - self.now(), lambda: self.set_rrc(False))

    def satellite_rose(self) -> None:
        self.start_attach()

    def _rrc_lost(self) -> None:
        """Radio off or the satellite gone: RRC idle at once, in the module and in its stack
        session (UE-local: no RRCConnectionRelease-NB goes over the air)."""
        self.set_rrc(False)
        if self._stack is not None:
            self._stack.session.rrc_state = "idle"

    def satellite_set(self) -> None:
        self._attach_token += 1
        self._rrc_lost()
        self.set_registration(2)

    def location_known(self, lat: float, lon: float, alt_m: float) -> None:
        """The module has a position now (set by the host or its GNSS)."""
        self.location = (lat, lon, alt_m)
        self.log("event", f"location {lat:.5f},{lon:.5f},{alt_m:.1f}")
        if self.cfun == 1 and not self.registered:
            self.later(0.0, self.start_attach)

    # -- non-IP data (TS 27.007 10.1.43 / 10.1.44) --------------------------------------------
    def cmd_crtdcp(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"+CRTDCP: {self.crtdcp}"])
        if cmd.kind == "test":
            return Reply(["+CRTDCP: (0,1),(0-11),(1600)"])
        self.crtdcp = cmd.int_param(0, 0)
        return Reply()

    def cmd_csodcp(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CSODCP: (0-11),(1600),(0-2),(0,1)"])
        p = cmd.params()
        cid, length = cmd.int_param(0), cmd.int_param(1)
        try:
            payload = bytes.fromhex(p[2] if len(p) > 2 else "")
        except ValueError:
            raise CmeError(50) from None
        if len(payload) != length or length > 1600:
            raise CmeError(50)
        if not self.registered:
            raise CmeError(30)
        self.log("event", f"nidd sent {length} bytes")
        self.send_uplink(lambda peer: peer.nidd_arrived(cid, payload), payload=payload)
        return Reply()

    def send_uplink(self, arrive, target=None, payload: bytes = b"") -> None:
        """``payload`` up through the stack (RRC_CONNECTED: scheduling request and
        ULInformationTransfer-NB; idle: random access and a CONTROL PLANE SERVICE REQUEST),
        then ``arrive(peer)`` after the downlink one-way delay to the peer, which is
        ``target``, else the NIDD peer, else this module (echo)."""
        token = self._attach_token
        peer = target or self.network.peers.get(self) or self
        result = self._procedure(lambda s: s.send_data(payload), "data", "data not sent")
        if not result.ok:
            return

        def at_core() -> None:
            self._touch_rrc()
            if peer.stack_downlink:
                self.network.deliver(self, peer, lambda: peer.receive_downlink(
                    payload, lambda: arrive(peer)), up_s=0.0)
            else:
                self.network.deliver(self, peer, lambda: arrive(peer), up_s=0.0)
        self._at(token, self.stack.t_s(result.end_unix_s), at_core)

    def receive_downlink(self, payload: bytes, arrive) -> None:
        """Downlink data at the core now: down through the stack (ESM DATA TRANSPORT; an idle
        module is paged first), ``arrive()`` when it reaches the UE."""
        if self._stack is None or not self._stack.session.attached:
            self.log("event", "downlink data dropped: not attached")
            return
        token = self._attach_token
        result = self._procedure(lambda s: s.receive_data(payload), "data-mt",
                                 "downlink data lost")
        if not result.ok:
            return

        def at_ue() -> None:
            self._touch_rrc()
            arrive()
        self._at(token, self.stack.t_s(result.start_unix_s + result.details["latency_s"]), at_ue)

    # -- SMS over NAS (TS 24.011 through the stack) ------------------------------------------
    def cmd_cmgs(self, ch: AtChannel, cmd: Command) -> Reply | Prompt:
        """+CMGS: the SMS-SUBMIT goes up through the stack; the final result waits for the
        RP-ACK at the UE (+CMGS: <mr> then OK) or its absence (+CMS ERROR: 332)."""
        if cmd.kind == "test":
            return Reply()
        if self.cmgf == 0:
            tpdu_len = cmd.int_param(0)
            return Prompt(lambda data: self._sms_submit_pdu_stack(ch, data, tpdu_len))
        dest = cmd.params()[0] if cmd.params() else ""
        return Prompt(lambda data: self._sms_submit_text_stack(ch, dest, data))

    def _sms_submit_pdu_stack(self, ch: AtChannel, data: bytes, tpdu_len: int) -> Reply:
        text = data.decode("latin-1")
        sub = smsc.parse_submit(text, tpdu_len)
        tpdu = bytes.fromhex(text.strip())[-tpdu_len:]
        return self._stack_sms(ch, sub, tpdu)

    def _sms_submit_text_stack(self, ch: AtChannel, dest: str, data: bytes) -> Reply:
        return self._stack_sms(ch, *self.text_submit(dest, data))

    def _stack_sms(self, ch: AtChannel, sub, tpdu: bytes) -> Reply:
        """MO SMS through the stack (TP-MR set to the module's counter); at the SMSC the SMS
        goes on to the module owning the destination, else back to this one (echo)."""
        if not self.registered:
            raise CmsError(331)  # no network service (TS 27.005 3.2.5)
        self.mr = (self.mr + 1) % 256
        mr = self.mr
        tpdu = tpdu[:1] + bytes([mr]) + tpdu[2:]
        result = self._procedure(lambda s: s.send_sms(sub.dest, "", tpdu), "sms", "sms not sent")
        if not result.ok:
            self.later(max(0.0, self.stack.t_s(result.end_unix_s) - self.now()),
                       lambda: ch.error(CmsError(CMS_NETWORK_TIMEOUT)))
            return Reply(final=None)
        peer = self.network.lookup(sub.dest) or self
        me = self.identity.msisdn
        self.log("event", f"sms to {sub.dest} via {'echo' if peer is self else peer.family}")

        def at_smsc() -> None:
            self.network.deliver(self, peer, lambda: peer.sms_arrived(
                me, sub.pid, sub.dcs, sub.udl, sub.ud, sub.udhi), up_s=0.0)

        def rp_ack() -> None:
            self._touch_rrc()
            self.log("event", f"sms rp-ack mr {mr}")
            ch.info(f"+CMGS: {mr}")
            ch.final("OK")
        self.later(self.stack.t_s(result.details["smsc_rx_unix_s"]) - self.now(), at_smsc)
        self.later(self.stack.t_s(result.end_unix_s) - self.now(), rp_ack)
        return Reply(final=None)

    def sms_arrived(self, origin: str, pid: int, dcs: int, udl: int, ud: bytes,
                    udhi: bool) -> None:
        """SMS-DELIVER at the SMSC now: down through the stack (an idle module is paged),
        +CMT / +CMTI when CP-DATA(RP-DATA) reaches the UE; held until the module is
        registered."""
        if self._stack is None or not self._stack.session.attached or not self.registered:
            self.log("event", f"sms from {origin} held: not registered")
            self._sms_waiting.append((origin, pid, dcs, udl, ud, udhi))
            return
        pdu_hex, tpdu_len = smsc.build_deliver(origin, pid, dcs, udl, ud, udhi,
                                               scts_unix_s=self.unix_now_s())
        token = self._attach_token
        tpdu = bytes.fromhex(pdu_hex)[-tpdu_len:]
        result = self._procedure(lambda s: s.receive_sms(origin, "", tpdu), "sms-mt",
                                 f"sms from {origin} lost")
        if not result.ok:
            return

        def at_ue() -> None:
            self._touch_rrc()
            super(NbNtnModule, self).sms_arrived(origin, pid, dcs, udl, ud, udhi)
        self._at(token, self.stack.t_s(result.start_unix_s + result.details["latency_s"]), at_ue)

    def nidd_arrived(self, cid: int, payload: bytes) -> None:
        self.log("event", f"nidd {len(payload)} bytes")
        self.set_rrc(True)
        self._touch_rrc()
        if self.crtdcp:
            self.urc(f'+CRTDCP: {cid},{len(payload)},"{payload.hex().upper()}"')

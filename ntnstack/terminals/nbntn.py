"""NB-IoT NTN virtual modules: registration, RRC state and non-IP data over ntnstack.stack.

CFUN=1 answers OK at once. With the satellite visible (elevation >= minimum) and a location
known, the module searches for ``timing.search_s`` (+CEREG: 2; see :mod:`procedures`), then
its stack session (:mod:`nbntn_stack`, one per module) runs the attach with real RRC / NAS
messages over the cell of the module's link, and the module replays the session's timeline:
SIB31-NB decoded -> cell found (vendor URCs), RRCConnectionSetup-NB at the UE -> +CSCON: 1,
Attach Accept at the UE -> +CGEV: ME PDN ACT and +CEREG: 1/5 with AcT 14. Data goes up
through the session (+CSODCP, sockets); RRC inactivity -> RRCConnectionRelease-NB -> +CSCON: 0.
When the satellite sets the module reports +CEREG: 2 (searching) and +CSCON: 0, and attaches
again on the next pass. Vendor commands (location, sockets, Nordic/Murata URCs) live in
:mod:`nbntn_vendor`.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply
from ntnstack.terminals.modem import AtModule
from ntnstack.errors import InputError
from ntnstack.stack import UeConfig
from ntnstack.terminals.nbntn_stack import ModuleStack
from ntnstack.terminals.procedures import NtnTiming
from ntnstack.terminals import nbntn_vendor

ACT_SATELLITE_NB_S1 = 14
"""TS 27.007 7.3 <AcT> 14: satellite E-UTRAN (NB-S1)."""
RRC_SETUP = "rrcConnectionSetup-r13"
"""ntnstack.stack.rrc_nb name of RRCConnectionSetup-NB (Msg4)."""
DEFAULT_TIMING = NtnTiming()
ELEVATION_SLACK_DEG = 1e-6
"""The LinkView decides visibility; the stack's own minimum-elevation check sits this far
below it, so that rounding of the same geometry (10 deg computed as 9.9999999) agrees."""
DEFAULT_UE_POSITION = (39.9042, 116.4074, 50.0)
"""lat deg, lon deg, alt m (Beijing) when no --ue is given: what the internal GNSS reports."""


class NbNtnModule(AtModule):
    def __init__(self, spec, link, *, timing: NtnTiming = DEFAULT_TIMING,
                 ue_position: tuple = DEFAULT_UE_POSITION, stack_pcap: str | None = None,
                 **kw) -> None:
        super().__init__(spec, link, **kw)
        self.timing = timing
        self.ue_position = ue_position
        self.stack_pcap = stack_pcap
        self._stack: ModuleStack | None = None
        self.on("+CSODCP", self.cmd_csodcp)
        self.on("+CRTDCP", self.cmd_crtdcp)
        self.on("D", lambda ch, c: Reply(final="NO CARRIER"))
        nbntn_vendor.install(self)

    def reset_state(self) -> None:
        super().reset_state()
        self.location = None          # (lat, lon, alt) the module believes, or None
        self.crtdcp = 0
        self.mdmev = 0
        self._attach_token = 0
        self._inactivity = None
        self.vendor_reset()

    def vendor_reset(self) -> None:
        """Vendor state reset (set by nbntn_vendor.install)."""

    def race_urc(self) -> str:
        if self.reg_n["+CEREG"] >= 2 and self.registered:
            return f"+CEREG: {self.reg_stat},{self.reg_fields()}"
        return f"+CEREG: {self.reg_stat}"

    # -- CFUN and the attach --------------------------------------------------------------
    def set_cfun(self, fun: int) -> None:
        if fun in (45, 46) and self.spec.location == "nordic":
            self.cfun = fun
            self.log("event", f"cfun {fun}")
            self._radio_off(keep_registration=True)
            return
        super().set_cfun(fun)
        if fun == 1:
            self.later(0.0, self.start_attach)
        else:
            self._radio_off(keep_registration=False)

    def _radio_off(self, keep_registration: bool) -> None:
        self._attach_token += 1
        self._rrc_lost()
        if not keep_registration:
            self.set_registration(0)

    def start_attach(self) -> None:
        """Search for the satellite cell and attach when visible and located."""
        if self.cfun != 1:
            return
        self._watch_visibility()
        if self.registered:
            return
        self._attach_token += 1
        token = self._attach_token
        if self.reg_stat != 2:
            self.set_registration(2)
            self.vendor_event("search_started")
        if self.location is None:
            self.vendor_event("location_needed")
            self.log("event", "attach waits for a location")
            return
        if not self.link_sample().visible:
            self.log("event", "attach waits for the satellite")
            return
        self.later(self.timing.search_s, lambda: self._stack_attach(token))

    @property
    def stack(self) -> ModuleStack:
        """The module's ntnstack.stack session (made at first use, on the host clock's axis)."""
        if self._stack is None:
            epoch = self.host.clock.epoch_unix_s
            ue = UeConfig(imsi=self.identity.imsi, position_deg_m=tuple(self.ue_position),
                          min_elevation_deg=self.link.min_elevation_deg - ELEVATION_SLACK_DEG)
            self._stack = ModuleStack(self.link.stack_cells(epoch, tuple(self.ue_position)),
                                      ue, epoch, self.stack_pcap)
        return self._stack

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
        result, events = self.stack.run(self.now(), "attach")
        self.log("event", f"stack attach ok={result.ok} {result.duration_s:.3f} s "
                          f"{result.round_trips} round trips")
        for t, kind, _ in events:
            if kind == "sib31-nb acquired":
                self._at(token, self.stack.t_s(t), self._cell_found)
        self._rrc_up_at(token, result)
        if result.ok:
            self._at(token, self.stack.t_s(result.details["attach_accept_rx_unix_s"]),
                     self._attached)
        else:
            self._at(token, self.stack.t_s(result.end_unix_s),
                     lambda: self._attach_failed(result.reason))

    def _rrc_up_at(self, token: int, result) -> None:
        """+CSCON 1 when the procedure's RRCConnectionSetup-NB reaches the UE (if it had one)."""
        setup = next((m for m in result.messages if m.rrc == RRC_SETUP), None)
        if setup is not None:
            self._at(token, self.stack.dl_arrival_s(setup.t_unix_s), lambda: self.set_rrc(True))

    def _cell_found(self) -> None:
        self.log("event", "cell found")
        self.vendor_event("cell_found")

    def _attach_failed(self, reason: str) -> None:
        """The stack's attach failed (its reason logged): idle, and search again."""
        self.log("event", f"attach failed: {reason}")
        self.set_rrc(False)
        self.later(0.0, self.start_attach)

    def _attached(self) -> None:
        cid = min(self.pdp) if self.pdp else 0
        if self.cgerep:
            self.urc(f"+CGEV: ME PDN ACT {cid}")
        self.set_registration(self.spec.cereg_stat, ACT_SATELLITE_NB_S1)
        self.vendor_event("registered")
        self._touch_rrc()

    def _touch_rrc(self) -> None:
        """Data or signalling: restart the RRC inactivity timer."""
        if self._inactivity is not None:
            self._inactivity.cancel()
        self._inactivity = self.later(self.timing.rrc_inactivity_s, self._rrc_inactive)

    def _rrc_inactive(self) -> None:
        """Inactivity: the eNB releases the connection (RRCConnectionRelease-NB), +CSCON 0
        when it reaches the UE."""
        if self._stack is None or self._stack.session.rrc_state != "connected":
            self.set_rrc(False)
            return
        result, _ = self.stack.run(self.now(), "release")
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
        result, _ = self.stack.run(self.now(), "send_data", payload)
        self.log("event", f"stack data ok={result.ok} {result.duration_s:.3f} s")
        if not result.ok:
            self.log("event", f"data not sent: {result.reason}")
            return
        self._rrc_up_at(token, result)
        self._touch_rrc()

        def at_core() -> None:
            self._touch_rrc()
            self.network.deliver(self, peer, lambda: arrive(peer), up_s=0.0)
        self._at(token, self.stack.t_s(result.end_unix_s), at_core)

    def nidd_arrived(self, cid: int, payload: bytes) -> None:
        self.log("event", f"nidd {len(payload)} bytes")
        self.set_rrc(True)
        self._touch_rrc()
        if self.crtdcp:
            self.urc(f'+CRTDCP: {cid},{len(payload)},"{payload.hex().upper()}"')

    def vendor_event(self, what: str) -> None:
        """search_started / location_needed / cell_found / registered (set by vendors)."""

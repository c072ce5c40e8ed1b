"""NB-IoT NTN virtual modules: registration, RRC state and non-IP data over the emulated link.

CFUN=1 answers OK at once; the attach then runs as timed steps (:mod:`procedures`), each
re-checking that the satellite is still up. Registration needs the satellite visible
(elevation >= minimum) and a known location. When the satellite sets the module reports
+CEREG: 2 (searching) and +CSCON: 0, and attaches again on the next pass. Vendor commands
(location, sockets, Nordic/Murata URCs) live in :mod:`nbntn_vendor`.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply
from ntnstack.terminals.modem import AtModule
from ntnstack.terminals.procedures import ATTACH_STEPS, RRC_RESUME_STEPS, NtnTiming
from ntnstack.terminals import nbntn_vendor

ACT_SATELLITE_NB_S1 = 14
"""TS 27.007 7.3 <AcT> 14: satellite E-UTRAN (NB-S1)."""
DEFAULT_TIMING = NtnTiming()
DEFAULT_UE_POSITION = (39.9042, 116.4074, 50.0)
"""lat deg, lon deg, alt m (Beijing) when no --ue is given: what the internal GNSS reports."""


class NbNtnModule(AtModule):
    def __init__(self, spec, link, *, timing: NtnTiming = DEFAULT_TIMING,
                 ue_position: tuple = DEFAULT_UE_POSITION, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.timing = timing
        self.ue_position = ue_position
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
        self.set_rrc(False)
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
        self.later(self.timing.search_s, lambda: self._cell_found(token))

    def _cell_found(self, token: int) -> None:
        if token != self._attach_token or not self.link_sample().visible:
            return
        self.log("event", "cell found")
        self.vendor_event("cell_found")
        self._run_steps(token, list(ATTACH_STEPS), self._attached)

    def _run_steps(self, token: int, steps: list, done) -> None:
        if token != self._attach_token:
            return
        if not self.link_sample().visible:
            self.log("event", "satellite lost during the procedure")
            return
        if not steps:
            done(token)
            return
        step = steps.pop(0)
        duration = self.timing.step_s(step, self.link_sample().rtt_s)
        self.log("event", f"step {step.name} {duration:.3f} s")

        def next_step() -> None:
            if step.name == "rach" and token == self._attach_token:
                self.set_rrc(True)
            self._run_steps(token, steps, done)
        self.later(duration, next_step)

    def _attached(self, token: int) -> None:
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
        self._inactivity = self.later(self.timing.rrc_inactivity_s,
                                      lambda: self.set_rrc(False))

    def satellite_rose(self) -> None:
        self.start_attach()

    def satellite_set(self) -> None:
        self._attach_token += 1
        self.set_rrc(False)
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
        self.send_uplink(lambda peer: peer.nidd_arrived(cid, payload))
        return Reply()

    def send_uplink(self, arrive, target=None) -> None:
        """Bring RRC up if idle (random access), then hand ``arrive(peer)`` to the network;
        the peer is ``target``, else the NIDD peer, else this module (echo)."""
        token = self._attach_token
        peer = target or self.network.peers.get(self) or self

        def go(_token: int = token) -> None:
            self._touch_rrc()
            self.network.deliver(self, peer, lambda: arrive(peer))
        if self.rrc_connected:
            go()
        else:
            self._run_steps(token, list(RRC_RESUME_STEPS), go)

    def nidd_arrived(self, cid: int, payload: bytes) -> None:
        self.log("event", f"nidd {len(payload)} bytes")
        self.set_rrc(True)
        self._touch_rrc()
        if self.crtdcp:
            self.urc(f'+CRTDCP: {cid},{len(payload)},"{payload.hex().upper()}"')

    def vendor_event(self, what: str) -> None:
        """search_started / location_needed / cell_found / registered (set by vendors)."""

"""Voice calls of the Tiantong module, Huawei style: a typed class the module owns (as it owns
its ^IP links and ^TETYPE, :mod:`tiantong_huawei`), holding the call state and writing every
call-state URC.

Calls between two virtual modules meet in the shared network by MSISDN. The call-state URCs
are written as Huawei modules write them, with no space after the colon (``^ORIG:1,0``,
``^CONF:1``, ``^CONN:1,0``, ``^CEND:1,<duration>,<end_status>,<cause>``; HUAWEI MU509 AT
Command Interface Specification, call control), then the TS 27.007 / V.250 ones: RING or
+CRING (+CRC), +CLIP (+CLIP=1), NO CARRIER, BUSY.
"""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply
from ntnstack.terminals.modem import AtModule
from ntnstack.terminals.settings import CLIP, CRC, CVHU, setting_handler

CME_NOT_ALLOWED = 3      # TS 27.007 9.2.1: operation not allowed
CME_NOT_SUPPORTED = 4    # TS 27.007 9.2.1: operation not supported
CME_BAD_PARAMETER = 50   # TS 27.007 9.2.1: incorrect parameters
DTMF_TONES = "0123456789#*ABCD"
"""+VTS <DTMF> characters (TS 27.007 C.11, the 3GPP TS 23.014 DTMF set)."""
CALL_URC_PREFIXES = ("RING", "+CRING", "+CLIP", "^ORIG", "^CONF", "^CONN", "^CEND", "NO CARRIER",
                     "BUSY", "NO ANSWER")
"""The URCs of this class: the module sends them on the voice channel."""
RING_PERIOD_S = 6.0
"""Repeat of RING / +CLIP while an incoming call is unanswered (typical alerting cadence)."""
CALL_SETUP_ROUND_TRIPS = 2
"""Set-up to alerting seen by the caller: request/proceeding, then alerting."""
END_STATUS_NORMAL = 104
"""^CEND <end_status> of a normal release ((check) against the Huawei specification)."""
CAUSE_UNASSIGNED_NUMBER = 1     # TS 24.008 10.5.4.11 cause values
CAUSE_NORMAL_CLEARING = 16
CAUSE_USER_BUSY = 17
CAUSE_RADIO_LOST = 0            # no cause from the network: the radio link is gone


@dataclass
class Call:
    """One call between two modules' HuaweiCalls."""

    caller: HuaweiCalls
    callee: HuaweiCalls | None
    number: str                 # as dialled
    state: str = "dialing"      # dialing, alerting, active, ended
    answered_s: float | None = None
    """Emulated time of ATA: both sides' ^CEND <call_duration> count from it, whichever side
    ends first."""


class HuaweiCalls:
    """ATD / ATA / ATH / +CHUP / +CLCC / +CLIP / +CRC / +CVHU / +VTS of module ``m`` and the
    call-state URCs; the peer's side of a call is the peer module's HuaweiCalls (its
    ``calls``)."""

    def __init__(self, m: AtModule) -> None:
        self.m = m
        self.reset()
        m.on("D", self.dial)
        m.on("A", self.answer)
        m.on("H +CHUP", self.hang_up)
        m.on("+CLCC", self.clcc)
        m.on("+CLIP", setting_handler(CLIP, lambda ch: [self.clip], self._set_clip,
                                      lambda: ",1"))   # <m> 1: CLIP provisioned
        m.on("+CRC", setting_handler(CRC, lambda ch: [self.crc], self._set_crc))
        m.on("+CVHU", setting_handler(CVHU, lambda ch: [self.cvhu], self._set_cvhu))
        m.on("+VTS", self.vts)

    def reset(self) -> None:
        """After a boot: no call, the settings at their defaults."""
        self.clip, self.crc, self.cvhu = 0, 0, 0
        self.call: Call | None = None

    def _set_clip(self, ch: AtChannel, values: list[int]) -> None:
        self.clip = values[0]

    def _set_crc(self, ch: AtChannel, values: list[int]) -> None:
        self.crc = values[0]

    def _set_cvhu(self, ch: AtChannel, values: list[int]) -> None:
        self.cvhu = values[0]

    def active(self) -> bool:
        """A call is up (answered) on this module."""
        return self.call is not None and self.call.state == "active"

    def _peer(self, call: Call) -> HuaweiCalls | None:
        return call.callee if call.caller is self else call.caller

    def _reach(self, peer: HuaweiCalls, fn) -> None:
        """``fn`` at ``peer`` after the network's delivery delay."""
        self.m.network.deliver(self.m, peer.m, fn)

    def _lookup(self, number: str) -> HuaweiCalls | None:
        """The calls of the module that has ``number``; None when no module has it or the
        one that has it takes no voice calls."""
        peer = self.m.network.lookup(number)
        return peer.calls if isinstance(peer, AtModule) and isinstance(
            peer.calls, HuaweiCalls) else None

    # -- this module's side ------------------------------------------------------------------
    def dial(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATD<number>; (voice only): ^ORIG, then the peer rings, or NO CARRIER when no
        module has that number."""
        m = self.m
        number = cmd.arg.rstrip(";").strip()
        if not cmd.arg.endswith(";") or not number:
            raise CmeError(CME_NOT_SUPPORTED)
        if not m.registered or self.call is not None:
            return Reply(final="NO CARRIER")
        peer = self._lookup(number)
        call = self.call = Call(self, peer, number)
        m.later(0.0, lambda: m.urc("^ORIG:1,0"))
        if peer is None:
            m.later(CALL_SETUP_ROUND_TRIPS * m.access_rtt_s(),
                    lambda: self.end("NO CARRIER", CAUSE_UNASSIGNED_NUMBER))
        elif peer is self:   # its own number: the callee is this busy module
            m.later(CALL_SETUP_ROUND_TRIPS * m.access_rtt_s(),
                    lambda: self.end("BUSY", CAUSE_USER_BUSY))
        else:
            self._reach(peer, lambda: peer.incoming(call))
        return Reply()

    def answer(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATA: ^CONN here and at the caller."""
        m, call = self.m, self.call
        if call is None or call.callee is not self or call.state != "alerting":
            return Reply(final="NO CARRIER")
        call.state, call.answered_s = "active", m.now()
        m.later(0.0, self.connected)
        self._reach(call.caller, call.caller.connected)
        return Reply()

    def hang_up(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATH (V.250 6.3.6) and +CHUP (TS 27.007 6.5) end the call; +CHUP=? only answers
        OK; with +CVHU=1 ATH is ignored with OK (TS 27.007 6.20)."""
        if cmd.kind == "test":
            return Reply()
        if cmd.kind != "exec":
            raise CmeError(CME_NOT_SUPPORTED)
        call = self.call
        if call is None or (cmd.name == "H" and self.cvhu == 1):
            return Reply()
        peer = self._peer(call)
        self.end(None, CAUSE_NORMAL_CLEARING)
        if peer is not None and peer.call is call:
            self._reach(peer, lambda: peer.end("NO CARRIER", CAUSE_NORMAL_CLEARING))
        return Reply()

    def radio_lost(self) -> None:
        """The radio link under a call is gone: NO CARRIER here and at the other end."""
        call = self.call
        if call is None:
            return
        peer = self._peer(call)
        self.end("NO CARRIER", CAUSE_RADIO_LOST)
        if peer is not None and peer.call is call:
            self._reach(peer, lambda: peer.end("NO CARRIER", CAUSE_RADIO_LOST))

    def vts(self, ch: AtChannel, cmd: Command) -> Reply:
        """+VTS=<DTMF> (TS 27.007 C.11): tones into the active call (a journal event each);
        no active call: +CME ERROR: 3."""
        if cmd.kind == "test":
            return Reply(["+VTS: (0-9,#,*,A-D)"])
        tones = "".join(cmd.params()).upper()
        if cmd.kind != "set" or not tones or any(t not in DTMF_TONES for t in tones):
            raise CmeError(CME_BAD_PARAMETER)
        if not self.active():
            raise CmeError(CME_NOT_ALLOWED)
        for tone in tones:
            self.m.log("event", f"dtmf {tone}")
        return Reply()

    def clcc(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CLCC (TS 27.007 7.18): the one call, its direction, state and number."""
        call = self.call
        if call is None:
            return Reply()
        mo = call.caller is self
        state = {"dialing": 2, "alerting": 3 if mo else 4, "active": 0}[call.state]
        number = call.number if mo else call.caller.m.identity.msisdn
        kind = 145 if number.startswith("+") else 129
        return Reply([f'+CLCC: 1,{0 if mo else 1},{state},0,0,"{number}",{kind}'])

    # -- what the network brings ---------------------------------------------------------------
    def incoming(self, call: Call) -> None:
        """A call for this module: it rings, the caller hears ^CONF; busy or not registered,
        the caller gets BUSY."""
        caller = call.caller
        if call.state == "ended":
            return    # the caller hung up while the set-up was on its way
        if self.call is not None or not self.m.registered:
            call.callee = None
            self._reach(caller, lambda: caller.end("BUSY", CAUSE_USER_BUSY))
            return
        self.call = call
        call.state = "alerting"
        self._reach(caller, caller.alerting)
        self._ring()

    def alerting(self) -> None:
        """The callee rings (caller side)."""
        self.m.urc("^CONF:1")

    def connected(self) -> None:
        """The call is up (either side); nothing when this side ended it meanwhile (a caller
        that hung up while the answer was on its way)."""
        if self.call is not None and self.call.state == "active":
            self.m.urc("^CONN:1,0")

    def _ring(self) -> None:
        m, call = self.m, self.call
        if call is None or call.state != "alerting" or call.callee is not self:
            return
        m.urc("+CRING: VOICE" if self.crc else "RING")   # TS 27.007 6.11
        if self.clip:
            number = call.caller.m.identity.msisdn
            m.urc(f'+CLIP: "{number}",{145 if number.startswith("+") else 129},,,,0')
        m.later(RING_PERIOD_S, self._ring)

    def end(self, result: str | None, cause: int) -> None:
        """End this side of the call: ^CEND (duration s, end status, cause) and ``result``."""
        call = self.call
        if call is None:
            return
        answered = call.answered_s
        duration = int(self.m.now() - answered) if answered is not None else 0
        call.state = "ended"
        self.call = None
        self.m.urc(f"^CEND:1,{duration},{END_STATUS_NORMAL},{cause}")
        if result:
            self.m.urc(result)

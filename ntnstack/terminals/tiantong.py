"""Tiantong GEO satellite module: Huawei-style ^ commands, 27.010 multiplexer, voice calls.

Registration (+CREG) follows the GEO slot: while the slot is visible the module registers
``search_s`` after CFUN=1 plus the location-update round trips; calls and SMS need it.
After AT+CMUX=0,0,5,1600 the port carries 27.010 frames; each DLCI the client opens
(SABM) is an AT channel of its own (echo per channel). Call URCs go to the voice channel
(DLCI 2), SMS URCs to the SMS channel (DLCI 3), the rest to control (DLCI 1), each falling back
to DLCI 1 and then to the plain port when that channel is not open (dialect tiantong.yaml).
Voice calls (ATD, ATA, ATH, the Huawei call-state URCs ^ORIG / ^CONF / ^CONN / ^CEND, RING,
+CLIP, NO CARRIER) are :class:`tiantong_calls.HuaweiCalls`, a typed class the module owns.

Dual mode (a direct-to-phone handset): while the network side says a terrestrial cell covers
the module (``set_terrestrial_coverage``), the module prefers it and registers there, reported
as TS 27.007 +CREG with <AcT> 7 (E-UTRAN) and the terrestrial cell's LAC / CI. When the cell
goes, the module notices after T310, reports +CREG: 2 and selects the Tiantong satellite with
the same SIM and number; on the satellite +CREG carries no <AcT> (TS 27.007 7.3 has none for
the Tiantong system). No vendor system-information command (a ^SYSINFOEX-like report) of a
Tiantong dual-mode phone could be confirmed from public sources, so only the 27.007 form is
emulated.

Packet data (Huawei's ^IP commands on the data channel, DLCI 4) and ^TETYPE are Huawei
extensions, typed classes of :mod:`tiantong_huawei` the module owns.
"""
from __future__ import annotations

from at_bridge.cmux import DISC, DM, SABM, UI, UIH, Frame, Mux
from at_bridge.timebase import REALTIME
from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply
from ntnstack.terminals.modem import AtModule
from ntnstack.terminals.tiantong_calls import CALL_URC_PREFIXES, HuaweiCalls
from ntnstack.terminals.tiantong_huawei import HuaweiIpLinks, TerminalType

CHANNEL_CONTROL, CHANNEL_VOICE, CHANNEL_SMS, CHANNEL_DATA = 1, 2, 3, 4
DEFAULT_N1 = 31
"""+CMUX <N1> when the host gives none: 31 octets (TS 27.010 5.7.2, basic option)."""
CME_NOT_SUPPORTED = 4    # TS 27.007 9.2.1: operation not supported
LOCATION_UPDATE_ROUND_TRIPS = 4
"""Access (2) + location update request/accept (2) before +CREG: 1."""
ACT_E_UTRAN = 7
"""TS 27.007 7.3 <AcT> 7: E-UTRAN, the terrestrial network of the dual-mode phone."""
TERRESTRIAL_CELL = {"tac": "2B01", "ci": "0A1B2C01", "plmn": "00101"}
"""The terrestrial cell over the module (test PLMN 001-01, TS 23.003)."""
TERRESTRIAL_RTT_S = 0.04
"""Round trip of the terrestrial access and core (assumption: a few tens of ms for LTE; the
spec sets no bound)."""
TERRESTRIAL_SEARCH_S = 2.0
"""Emulated seconds to find and camp on the terrestrial cell (measurements, system
information; assumption)."""
RADIO_LINK_FAILURE_S = 1.0
"""Loss of the terrestrial cell noticed after T310 = 1000 ms (TS 36.331 UE-TimersAndConstants,
a common broadcast value)."""


class _ModulePort:
    """The module's pty as the transport of an at_bridge Mux (bytes in come from on_bytes;
    the module side never waits on the Mux, so its time base is real time)."""

    timebase = REALTIME

    def __init__(self, module: TiantongModule) -> None:
        self.module = module

    def __repr__(self) -> str:
        return self.module.path

    def write(self, data: bytes) -> None:
        self.module.write(data)

    def set_receiver(self, receiver) -> None:
        """The module feeds the Mux itself (on_bytes)."""

    def add_state_listener(self, listener) -> None:
        """A pty of the module's own does not vanish under the Mux."""


class ModuleMux(Mux):
    """at_bridge's TS 27.010 basic-mode Mux on the module side (``initiator=False``: UA to
    SABM / DISC, answers to control commands), telling the module when a DLCI opens or
    closes, and answering DM to data on a DLCI that is not open (27.010 5.4.1)."""

    def __init__(self, module: TiantongModule, n1: int) -> None:
        self.module = module
        super().__init__(_ModulePort(module), initiator=False, n1=n1)

    def _dispatch(self, frame: Frame) -> None:
        if frame.control in (UIH, UI) and frame.dlci and not (
                frame.dlci in self.channels and self.channels[frame.dlci].open.is_set()):
            self.send(Frame(frame.dlci, DM, True, True))
            return
        super()._dispatch(frame)
        if frame.control == SABM and frame.dlci:
            self.module.dlci_opened(frame.dlci)
        elif frame.control == DISC:
            self.module.dlci_closed(frame.dlci)
        elif self.closed.is_set() and self.module.mux is self:    # CLD on DLCI 0
            self.module._leave_mux()


class TiantongModule(AtModule):
    search_s = 10.0   # emulated seconds to find the GEO beam's broadcast channel

    def __init__(self, spec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.system: str | None = None  # "terrestrial" | "satellite" while registered
        self.terrestrial_covered = False  # network side: kept across the module's reboots
        self.mux_channels: dict[int, AtChannel] = {}
        self.mux: ModuleMux | None = None
        self._nowhere = AtChannel(lambda data: None, self.execute)  # mux on, no DLCI open
        self.on("+CMUX", self.cmd_cmux)
        self.calls = HuaweiCalls(self)
        self.terminal_type = TerminalType(self)
        self.socket_dialect = HuaweiIpLinks(self)

    def reset_state(self) -> None:
        super().reset_state()
        self.cfun = 1
        self.calls.reset()
        self.system: str | None = None  # "terrestrial" | "satellite" while registered
        self._search_timer = None
        self.mux_channels = {}
        self.mux = None
        self.n1 = DEFAULT_N1
        self.socket_dialect.reset()
        self.terminal_type.boot()

    def after_ready(self) -> None:
        self.later(0.0, self.start_registration)

    def race_urc(self) -> str:
        return f"+CREG: {self.reg_stat}"

    @property
    def cell(self) -> dict:
        """The cell the module camps on: the terrestrial one, else the GEO beam's."""
        return TERRESTRIAL_CELL if self.system == "terrestrial" \
            else AtModule.cell

    def access_rtt_s(self) -> float:
        """Round trip of the access in use (VirtualNetwork.deliver): terrestrial or GEO."""
        if self.system == "terrestrial":
            return TERRESTRIAL_RTT_S
        return super().access_rtt_s()

    # -- registration: the terrestrial cell when there is one, else the GEO slot ------------
    def set_cfun(self, fun: int) -> None:
        super().set_cfun(fun)
        if fun == 1:
            self.later(0.0, self.start_registration)
        else:
            self.system = None
            self.set_registration(0)

    def start_registration(self) -> None:
        if self.cfun != 1:
            return
        self._watch_visibility()
        if self.registered:
            return
        self.set_registration(2)
        if self.terrestrial_covered:
            self._search_terrestrial()
            return
        s = self.link_sample()
        if not s.visible:
            self.log("event", "GEO slot not visible: no registration")
            return
        self._search(self.search_s + LOCATION_UPDATE_ROUND_TRIPS * s.rtt_s, self._registered)

    def _search(self, delay_s: float, registered) -> None:
        """One search at a time: a new one (another system) replaces the pending one."""
        if self._search_timer is not None:
            self._search_timer.cancel()
        self._search_timer = self.later(delay_s, registered)

    def satellite_rose(self) -> None:
        self.start_registration()

    def satellite_set(self) -> None:
        """The GEO slot left the mask (a moving satellite, or a pass schedule): calls drop."""
        if self.system == "terrestrial":
            return
        self._lose_service()

    def _lose_service(self) -> None:
        """No network any more: calls drop, searching (+CREG stat 2)."""
        self.calls.radio_lost()
        self.system = None
        self.set_registration(2)

    def _registered(self) -> None:
        if self.cfun == 1 and self.system != "terrestrial" and self.link_sample().visible:
            self.system = "satellite"
            self.set_registration(1)

    # -- the terrestrial network of a dual-mode phone -------------------------------------
    def set_terrestrial_coverage(self, covered: bool) -> None:
        """Network side: a terrestrial cell covers the module's location (``covered``) or no
        longer does. Covered, the module moves to it (the home network's cell is preferred
        to the satellite, TS 23.122 4.4.3.3); uncovered, it notices after T310 and falls
        back to the satellite."""
        if covered == self.terrestrial_covered:
            return
        self.terrestrial_covered = covered
        self.log("event", f"network: terrestrial coverage {'on' if covered else 'off'}")
        if self.cfun != 1:
            return
        if covered and self.system != "terrestrial":
            self._search_terrestrial()
        elif not covered and self.system == "terrestrial":
            self.later(RADIO_LINK_FAILURE_S, self._terrestrial_lost)
        elif not covered and not self.registered:
            self.start_registration()  # the terrestrial search in progress finds nothing

    def _search_terrestrial(self) -> None:
        self._search(TERRESTRIAL_SEARCH_S + LOCATION_UPDATE_ROUND_TRIPS * TERRESTRIAL_RTT_S,
                     self._registered_terrestrial)

    def _registered_terrestrial(self) -> None:
        if self.cfun == 1 and self.terrestrial_covered and self.system != "terrestrial":
            self.system = "terrestrial"
            self.set_registration(1, ACT_E_UTRAN)

    def _terrestrial_lost(self) -> None:
        if self.terrestrial_covered or self.system != "terrestrial":
            return  # the cell came back before T310 ran out
        self.log("event", "terrestrial cell lost (radio link failure)")
        self._lose_service()
        self.fall_back_to_satellite()

    def fall_back_to_satellite(self) -> None:
        """After losing the terrestrial network: select the satellite, same SIM and number
        (TS 23.122 4.4.3.1.1); with the defect no-satellite-fallback it keeps searching."""
        if self.defects.no_satellite_fallback:
            self.log("event", "defect: no satellite fallback, searching terrestrial networks")
            return
        self.log("event", "selecting the satellite")
        self.start_registration()

    # -- SMS to a module that is not registered ---------------------------------------------
    def sms_arrived(self, origin: str, pid: int, dcs: int, udl: int, ud: bytes,
                    udhi: bool) -> None:
        """A module with no registration is not reachable: the SMS is not delivered (the
        SMSC's store and forward, TS 23.040 3.2.5, is not emulated)."""
        if not self.registered:
            self.log("event", f"network: sms from {origin} not delivered (not registered)")
            return
        super().sms_arrived(origin, pid, dcs, udl, ud, udhi)

    # -- multiplexer ---------------------------------------------------------------------------
    def cmd_cmux(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CMUX: (0),(0),(1-5),(10-1600)"])
        if cmd.kind == "read":
            return Reply(["+CMUX: 0,0,5,1600"])
        p = cmd.params()
        if (p[:1] != ["0"]) or (len(p) > 1 and p[1] not in ("", "0")):
            raise CmeError(CME_NOT_SUPPORTED)  # basic option, UIH frames only
        self.n1 = cmd.int_param(3, DEFAULT_N1)
        self.later(0.0, self._enter_mux)
        return Reply()

    def _enter_mux(self) -> None:
        self.log("event", "mux on")
        self.mux = ModuleMux(self, self.n1)

    def on_bytes(self, data: bytes) -> None:
        if self.mux is None:
            self.channel.feed(data)
            return
        self.mux.feed(data)

    def dlci_opened(self, dlci: int) -> None:
        """ModuleMux: SABM on ``dlci`` answered; an AT channel runs on it."""
        dlci_channel = self.mux.channel(dlci)
        at = AtChannel(dlci_channel.write, self.execute, echo=self.spec.echo, name=f"DLCI{dlci}")
        dlci_channel.set_receiver(at.feed)
        self.mux_channels[dlci] = at
        self.log("event", f"dlci {dlci} open")

    def dlci_closed(self, dlci: int) -> None:
        """ModuleMux: DISC on ``dlci`` (DLCI 0: the multiplexer closes, 27.010 5.8.2)."""
        if dlci == 0:
            self._leave_mux()
        else:
            self.mux_channels.pop(dlci, None)

    def _leave_mux(self) -> None:
        self.log("event", "mux off")
        self.mux = None
        self.mux_channels = {}

    def channel_for_urc(self, line: str) -> AtChannel:
        if self.mux is None:
            return self.channel
        if line.startswith(CALL_URC_PREFIXES):
            want = CHANNEL_VOICE
        elif line.startswith(("+CMT", "+CMTI")):
            want = CHANNEL_SMS
        elif line.startswith("^IPDATA"):
            want = CHANNEL_DATA
        else:
            want = CHANNEL_CONTROL
        return (self.mux_channels.get(want) or self.mux_channels.get(CHANNEL_CONTROL)
                or self._nowhere)

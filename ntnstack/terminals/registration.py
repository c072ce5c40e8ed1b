"""Registration every AT family answers alike (TS 27.007 7.2-7.3, 8.2, 8.5, 8.69, 10.1.22):
+CFUN, +COPS, +CREG / +CGREG / +CEREG and their URCs, +CSQ / +CESQ, and the module's watch on
the serving satellite's visibility. A mixin of :class:`~ntnstack.terminals.modem.AtModule`,
like :mod:`sms_commands` and :mod:`pdp`.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply

COPS_FORMATS = ("long", "short", "plmn")
"""+COPS <format> 0 long alphanumeric, 1 short alphanumeric, 2 numeric (TS 27.007 7.3): the
keys of the operator's names in ``AtModule.cell``."""
REG_COMMANDS = ("+CREG", "+CGREG", "+CEREG")
REG_DENIED = 3
"""+CREG / +CEREG <stat> 3: registration denied (TS 27.007 10.1.22)."""


class RegistrationCommands:
    """Mixin of AtModule: the registration state (``reset_registration_state``) and its
    command handlers (registered by AtModule)."""

    def reset_registration_state(self) -> None:
        """+CFUN 0, not registered, every registration URC off, +COPS automatic, numeric."""
        self.cfun = 0
        self.reg_stat, self.reg_act = 0, None
        self.reg_n = dict.fromkeys(REG_COMMANDS, 0)
        self.cops_mode, self.cops_format = 0, 2
        self._vis_timer = None

    def cmd_cfun(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"+CFUN: {self.cfun}"])
        if cmd.kind == "test":
            return Reply(["+CFUN: (0,1,4),(0-1)"])
        fun = cmd.int_param(0)
        if cmd.int_param(1, 0) == 1:
            if fun not in (0, 1, 4):
                raise CmeError(50)
            self.later(0.0, lambda: self.reboot(fun))
            return Reply()
        self.set_cfun(fun)
        return Reply()

    def set_cfun(self, fun: int) -> None:
        if fun not in (0, 1, 4):
            raise CmeError(50)
        self.cfun = fun
        self.log("event", f"cfun {fun}")

    @property
    def registered(self) -> bool:
        return self.reg_stat in (1, 5)

    def cmd_cops(self, ch: AtChannel, cmd: Command) -> Reply:
        """+COPS (TS 27.007 7.3): read with the <mode> last set and in the <format>
        +COPS=3,<format> chose; set mode 0 (automatic) and 1 / 4 (manual) on the one PLMN
        there is; deregistration (2) is not emulated (+CME ERROR: 4, and not listed by the
        test form); another operator: 32 network not allowed. The test form lists the PLMN
        while the cell is seen: <stat> 2 current when registered, else 1 available."""
        if cmd.kind == "read":
            if self.registered:
                act = f",{self.reg_act}" if self.reg_act is not None else ""
                name = self.cell.get(COPS_FORMATS[self.cops_format], self.cell["plmn"])
                return Reply([f'+COPS: {self.cops_mode},{self.cops_format},"{name}"{act}'])
            return Reply([f"+COPS: {self.cops_mode}"])
        if cmd.kind == "test":
            return Reply([f"+COPS: {self._cops_operators()},,(0,1,3,4),(0-2)"])
        p = cmd.params()
        mode, fmt = cmd.int_param(0, 0), cmd.int_param(1, self.cops_format)
        if mode not in (0, 1, 2, 3, 4) or fmt not in (0, 1, 2) or len(p) > 4:
            raise CmeError(50)
        if mode == 2:
            raise CmeError(4)
        if mode in (1, 4) and (len(p) < 3 or p[2] not in self.cell.values()):
            raise CmeError(32 if len(p) >= 3 else 50)
        self.cops_format = fmt
        if mode != 3:                     # 3 sets the format only
            self.cops_mode = mode
        return Reply()

    def _cops_operators(self) -> str:
        """The +COPS=? operator entry: (<stat>,long,short,numeric[,<AcT>]) while seen."""
        if not (self.link_sample().visible and self.cfun == 1):
            return ""
        stat, act = (2, self.reg_act) if self.registered else (1, self.spec.act)
        tail = f",{act}" if act is not None else ""
        return (f'({stat},"{self.cell.get("long", "")}","{self.cell.get("short", "")}",'
                f'"{self.cell["plmn"]}"{tail})')

    def reg_fields(self) -> str:
        act = f",{self.reg_act}" if self.reg_act is not None else ""
        return f'"{self.cell["tac"]}","{self.cell["ci"]}"{act}'

    def cmd_reg(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply([f"{cmd.name}: (0-5)"])
        if cmd.kind == "set":
            n = cmd.int_param(0, 0)
            if not 0 <= n <= 5:
                raise CmeError(50)
            self.reg_n[cmd.name] = n
            return Reply()
        n = self.reg_n[cmd.name]
        loc = f",{self.reg_fields()}" if n >= 2 and self.registered else ""
        return Reply([f"{cmd.name}: {n},{self.reg_stat}{loc}"])

    def _watch_visibility(self) -> None:
        """Wake at the link's next visibility change (a pass rising or setting)."""
        nxt = self.link.next_change_s(self.now())
        if self._vis_timer is not None:
            self._vis_timer.cancel()
        self._vis_timer = self.later(nxt - self.now(), self._visibility_changed) \
            if nxt is not None else None

    def _visibility_changed(self) -> None:
        self._vis_timer = None
        if self.cfun != 1:
            return
        if self.link_sample().visible:
            self.log("event", "satellite rose")
            self.satellite_rose()
            return
        self.log("event", "satellite set")
        self.satellite_set()
        self._watch_visibility()

    def satellite_rose(self) -> None:
        """Family hook: the serving satellite is visible again (search and register)."""

    def satellite_set(self) -> None:
        """Family hook: the serving satellite went below the mask (lose registration)."""

    def set_registration(self, stat: int, act: int | None = None) -> None:
        """New registration state: +CREG/+CGREG/+CEREG URCs as each is enabled. While the
        network suspends the subscription it rejects a registration (EMM cause #8): stat 3
        instead of 1 / 5, unless the firmware ignores barring."""
        act = self.defects.reported_act(act)
        if stat in (1, 5) and self.network.is_suspended(self) and \
                not self.defects.ignores_barring:
            self.log("event", "network: registration rejected, subscription suspended")
            stat, act = REG_DENIED, None
        if stat == self.reg_stat and act == self.reg_act:
            return
        self.reg_stat, self.reg_act = stat, act
        self.log("event", f"registration {stat}")
        if not self.registered:
            self.pdp_active.clear()       # no EPS bearer without registration
        for name, n in self.reg_n.items():
            if n == 1 or (n >= 2 and not self.registered):
                self.urc(f"{name}: {stat}")
            elif n >= 2:
                self.urc(f"{name}: {stat},{self.reg_fields()}")

    def cmd_csq(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CSQ: (0-31,99),(0-7,99)"])
        rssi = self.signal().csq_rssi if self.cfun == 1 else 99
        return Reply([f"+CSQ: {rssi},99"])

    def cmd_cesq(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)"])
        s = self.signal()
        rsrq, rsrp = (s.cesq_rsrq, s.cesq_rsrp) if self.cfun == 1 else (255, 255)
        return Reply([f"+CESQ: 99,99,255,255,{rsrq},{rsrp}"])

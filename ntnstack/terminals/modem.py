"""The base of every virtual module: a pty, boot, output, journal, faults, timers.

:class:`VirtualModule` knows no command set; :class:`AtModule` adds one AT channel and the
TS 27.007 / 27.005 commands that every AT family answers alike (identity, ATE/ATV/ATQ/ATH,
+CMEE, +CPIN, +GCAP, +CFUN, +COPS, +WS46, +CREG/+CGREG/+CEREG, +CSQ/+CESQ, +CGDCONT /
+CGPADDR / +CGPIAF, +CGATT, SMS storage and +CMGS); the parameter commands among them come
from the settings table (settings.py). By concern, in mixins: registration
(:mod:`registration`), PDP contexts and data (:mod:`pdp`), SMS (:mod:`sms_commands`); calls are
the Tiantong family's (:mod:`tiantong`). Family differences come from the family table;
families add behaviour by subclassing.
"""
from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable

from ntnstack.errors import InputError
from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Prompt, Reply
from ntnstack.terminals.families import FamilySpec, Identity
from ntnstack.terminals.faults import FaultInjector, FaultPlan
from ntnstack.terminals.firmware import NO_DEFECTS, FirmwareDefects
from ntnstack.terminals.network import VirtualNetwork
from ntnstack.terminals.pdp import PdpCommands
from ntnstack.terminals.pty_port import PtyPort
from ntnstack.terminals.registration import REG_COMMANDS, RegistrationCommands
from ntnstack.terminals.settings import CGATT, CGEREP, CMEE, CSCON, WS46, setting_handler
from ntnstack.terminals.signal import signal_report
from ntnstack.terminals.sms_commands import SmsCommands

NO_FAULTS = FaultPlan()
JOURNAL_LINES = 20_000
"""Entries kept in memory per module (emulated time, kind rx / tx / event, text); with a
journal path every entry is also written as a JSON line as it happens."""
FIXED_SREGS = {"3": 13, "4": 10}
"""S3 (command line termination) and S4 (response formatting) of V.250 6.2.1 / 6.2.2: the AT
channel ends lines with CR and frames responses with CR LF, so only these values are taken."""
MAX_QUEUED_OUTPUT = 64 << 10
"""Bytes kept (beyond the pty's own buffer) for a client that does not read; older output is
dropped, as a UART with nobody listening loses it."""



def _open_journal(path: str):
    """The journal file, line-buffered; kept open for the module's life (closed in close())."""
    try:
        return open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the module
    except OSError as exc:
        raise InputError(f"--journal {path}: {exc.strerror}") from None


def _put_cmee(ch: AtChannel, values: list[int]) -> None:
    """+CMEE=<n> is the channel's own (error reports per channel)."""
    ch.cmee = values[0]


class VirtualModule(ABC):
    """A pty plus the life cycle every family shares (boot, reboot, faults)."""

    stack_downlink = False
    """True: the module's downlink runs through its own stack session, which times it
    (VirtualNetwork.deliver then adds no downlink delay)."""

    def __init__(self, spec: FamilySpec, link, *, network: VirtualNetwork | None = None,
                 serial: int = 0, faults: FaultPlan = NO_FAULTS, seed: int = 0,
                 port_link: str | None = None, identity: dict | None = None,
                 journal_path: str | None = None) -> None:
        self.spec = spec
        self.link = link
        self.network = network or VirtualNetwork()
        self.identity = Identity.for_serial(serial).with_overrides(identity or {})
        self.port = PtyPort(port_link)
        self.journal: deque = deque(maxlen=JOURNAL_LINES)
        self._journal_file = _open_journal(journal_path) if journal_path else None
        self.faults = FaultInjector(faults, seed)
        self.defects: FirmwareDefects = NO_DEFECTS
        """Known firmware defects this module has (ntnstack.certification.defects)."""
        self.host = None
        self._out = bytearray()
        self._generation = 0
        self.booting = True
        self.silent = False
        self.boot_count = 0

    @property
    def family(self) -> str:
        return self.spec.name

    @property
    def path(self) -> str:
        return self.port.path

    # -- host interface ------------------------------------------------------------------
    def attach(self, host) -> None:
        self.host = host
        plan = self.faults.plan
        if plan.silent_after_s is not None:
            host.call_at(plan.silent_after_s, self._go_silent)
        if plan.vanish_after_s is not None:
            host.call_at(plan.vanish_after_s, self._vanish)
        self.boot()

    def pending_output(self) -> bytearray:
        return self._out

    def wrote(self, n: int) -> None:
        del self._out[:n]

    def feed(self, data: bytes) -> None:
        self.log("rx", data)
        if self.silent or self.booting:
            return
        self.on_bytes(data)

    def power_off(self) -> None:
        """Switch off: every timer set with :meth:`later` is void from now on (a BeiDou
        status stream stops ticking); the journal and the pty stay as they are."""
        self._generation += 1

    def started_stack(self):
        """The module's ntnstack.stack session if it has made one, else None (families
        without an NB-IoT NTN stack never make one)."""
        return None

    def close(self) -> None:
        """Close the pty (and remove its link) and the journal file."""
        self.port.close()
        if self._journal_file is not None:
            self._journal_file.close()
            self._journal_file = None

    # -- helpers for subclasses -------------------------------------------------------------
    def now(self) -> float:
        """Emulated seconds since the run clock's epoch."""
        return self.host.now()

    def utc(self, fmt: str) -> str:
        """The emulated UTC time now, formatted with time.strftime's ``fmt``."""
        return time.strftime(fmt, time.gmtime(self.unix_now_s()))

    def unix_now_s(self) -> float:
        """The emulated time now, unix seconds."""
        return self.host.clock.now_unix_s()

    def link_sample(self):
        return self.link.sample(self.now())

    def access_rtt_s(self) -> float:
        """RTT (s) of the access in use (VirtualNetwork.deliver): the satellite link's."""
        return self.link_sample().rtt_s

    def signal(self):
        s = self.link_sample()
        return signal_report(s.pathloss_db if s.visible else float("nan"), self.link.orbit)

    def log(self, kind: str, data: bytes | str) -> None:
        t = self.host.now() if self.host else 0.0
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        self.journal.append((t, kind, text))
        if self._journal_file is not None:
            self._journal_file.write(json.dumps({"t_s": round(t, 6), "port": self.port.path,
                                                 "kind": kind, "text": text}) + "\n")

    def events(self, prefix: str = "") -> list[tuple[float, str]]:
        """(emulated time, text) of journal events starting with ``prefix``."""
        return [(t, x) for t, k, x in list(self.journal) if k == "event" and x.startswith(prefix)]

    def write(self, data: bytes) -> None:
        if self.silent or not self.port.is_open:
            return
        if data.startswith(b"\r\n") or data.startswith(b"$"):
            junk = self.faults.garbage()
            if junk:
                self._out += junk
                self.log("event", "fault garbage")
        self._out += data
        if len(self._out) > MAX_QUEUED_OUTPUT:
            del self._out[:len(self._out) - MAX_QUEUED_OUTPUT]
        self.log("tx", data)

    def later(self, delay_s: float, fn: Callable[[], None]):
        """Run ``fn`` after ``delay_s`` emulated seconds unless the module reboots first."""
        gen = self._generation

        def fire() -> None:
            if gen == self._generation:
                fn()
        return self.host.call_later(delay_s, fire)

    # -- life cycle --------------------------------------------------------------------------
    def boot(self) -> None:
        """Power-on: state reset now, the banner after the family's boot time."""
        self._generation += 1
        self.booting = True
        self.reset_state()
        self.log("event", "boot")
        self.later(self.spec.boot_s, self._booted)
        self.identity = self.defects.identity_after_boot(self.identity)

    def _booted(self) -> None:
        """Boot finished: ``booting`` clears and, once the host has written the banner to
        the pty (a call on its next turn), the clock's waiters are told: on a scaled or real
        clock a runner waiting for the boot wakes then, not at its limit, and a port opened
        after the wait finds the banner already written, as on the virtual clock."""
        self.booting = False
        self.boot_count += 1
        self.log("event", "ready")
        self.on_ready()
        self.host.call_soon_threadsafe(self.host.clock.notify)

    def _go_silent(self) -> None:
        self.silent = True
        self._out.clear()
        self.log("event", "fault silent")

    def _vanish(self) -> None:
        self.log("event", "fault vanish")
        self._out.clear()
        self.port.close()  # the link goes too, as udev drops /dev/serial/by-id on unplug
        self.host.call_later(self.faults.plan.vanish_for_s, self._return)

    def _return(self) -> None:
        self.port.open()
        self.log("event", f"fault return {self.port.path}")
        self.boot()

    # -- per family ----------------------------------------------------------------------------
    def reset_state(self) -> None:  # noqa: B027 - an optional hook
        """Forget everything volatile (called at boot)."""

    def on_ready(self) -> None:  # noqa: B027 - an optional hook
        """Boot finished: print the banner, start what runs on its own."""

    @abstractmethod
    def on_bytes(self, data: bytes) -> None:
        """Bytes the host wrote to the module's pty."""


class AtModule(RegistrationCommands, PdpCommands, SmsCommands, VirtualModule):
    """One AT channel on the pty and the commands common to 27.007 / 27.005 modules."""

    cell = {"tac": "0001", "ci": "01A2D001", "plmn": "00101", "long": "NTNSTACK",
            "short": "NTN"}
    socket_dialect = None
    """The family's UDP socket commands (ntnstack.terminals.nbntn_sockets, Tiantong's
    tiantong_huawei.HuaweiIpLinks), if it has any."""
    calls = None
    """The family's voice calls (Tiantong's tiantong_calls.HuaweiCalls), if it has any."""

    def __init__(self, spec: FamilySpec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.channel = AtChannel(self.write, self.execute, echo=spec.echo)
        self.fields = self.identity.fields(spec)
        self.network.register(self, self.identity.msisdn, self.identity.ip)
        self.handlers: dict[str, Callable] = {}
        self._fun_after_boot: int | None = None
        self.new_sms_store()
        self._install_common()

    # -- state ---------------------------------------------------------------------------------
    def reset_state(self) -> None:
        self.reset_registration_state()
        self.settings = dict(self.spec.settings)
        self.sregs = {"0": "0", "3": "13", "4": "10", "5": "8", "7": "60"}
        self.reset_sms_state()
        self.mr = 0
        self.reset_pdp_state()
        self.channel.reset()

    def reboot(self, fun: int | None = None) -> None:
        """Reset now; after +CFUN=<fun>,1 the module comes back at functionality <fun>
        (TS 27.007 8.2: <rst> 1 resets the MT "before setting it to <fun> power level")."""
        self.boot()
        self._fun_after_boot = fun

    def on_ready(self) -> None:
        for line, after_s in self.spec.banner:
            if after_s > 0:
                self.later(after_s, lambda line=line: self.urc(line))
            else:
                self.urc(line)
        self.after_ready()
        fun, self._fun_after_boot = self._fun_after_boot, None
        if fun is not None and fun != self.cfun:
            self.set_cfun(fun)

    def after_ready(self) -> None:
        """Family hook after the banner."""

    def on_bytes(self, data: bytes) -> None:
        self.channel.feed(data)

    def urc(self, line: str) -> None:
        self.log("event", f"urc {line}")
        self.channel_for_urc(line).urc(line)

    def channel_for_urc(self, line: str) -> AtChannel:
        return self.channel

    def race_urc(self) -> str:
        return f"+CEREG: {self.reg_stat}"

    # -- dispatch ----------------------------------------------------------------------------
    def execute(self, ch: AtChannel, cmd: Command) -> Reply | Prompt:
        if self.faults.reboot_now():
            self.log("event", f"fault reboot during {cmd.name}")
            self.boot()
            return Reply(final=None)
        race = self.faults.race()
        if race == "before":
            ch.urc(self.race_urc())
        elif race == "after":
            self.later(0.0, lambda: ch.urc(self.race_urc()))
        if self._is_reset(cmd):
            self.log("event", f"reset by {cmd.name}")
            fun = cmd.int_param(0) if cmd.name == "+CFUN" else None
            self.later(0.0, lambda: self.reboot(fun))
            return Reply()
        handler = self.handlers.get(cmd.name)
        if handler is not None:
            return handler(ch, cmd)
        return self._table_reply(cmd)

    def _is_reset(self, cmd: Command) -> bool:
        text = cmd.name + (f"={cmd.arg}" if cmd.kind == "set" else "")
        return text in self.spec.reset or (cmd.name in self.spec.reset and cmd.kind == "exec")

    def _table_reply(self, cmd: Command) -> Reply:
        if cmd.name in self.spec.replies and cmd.kind in ("exec", "read"):
            return Reply([s.format(**self.fields) for s in self.spec.replies[cmd.name]])
        if cmd.name in self.settings:
            if cmd.kind == "set":
                self.settings[cmd.name] = cmd.arg
            elif cmd.kind == "read":
                return Reply([f"{cmd.name}: {self.settings[cmd.name]}"])
            return Reply()
        raise CmeError(100)

    def on(self, names: str, fn: Callable) -> None:
        for n in names.split():
            self.handlers[n] = fn

    def _install_common(self) -> None:
        f = self.fields
        ident = {"+CGMI": f["manufacturer"], "+GMI": f["manufacturer"], "+CGMM": f["model"],
                 "+GMM": f["model"], "+CGMR": f["revision"], "+GMR": f["revision"],
                 "+GSN": f["imei"], "+CIMI": f["imsi"]}
        for name, text in ident.items():
            self.on(name, lambda ch, c, text=text: self._ident(c, text))
        self.on("E", self.cmd_echo)
        self.on("V", self.cmd_verbose)
        self.on("Q", self.cmd_quiet)
        self.on("&W &C &D X", lambda ch, c: Reply())
        self.on("H", lambda ch, c: Reply())  # V.250 6.3.6: on hook; no call to end here
        self.on("&F", self.cmd_factory)
        self.on("Z", self.cmd_factory)   # V.250 6.1.1: the stored profile, no reboot
        self.on("I", lambda ch, c: Reply([s.format(**f) for s in self.spec.identity["ati"]]))
        self.on("+CGSN", self.cmd_cgsn)
        self.on("+CMEE", setting_handler(CMEE, lambda ch: [ch.cmee],
                                         _put_cmee))
        if self.spec.act is not None:   # the satellite access is E-UTRAN: +WS46 28 only
            self.on("+WS46", setting_handler(WS46, lambda ch: list(WS46.defaults),
                                             lambda ch, v: None))
        self.on("+CPIN", lambda ch, c: Reply(["+CPIN: READY"]) if c.kind == "read" else Reply())
        self.on("+GCAP", lambda ch, c: Reply(["+GCAP: +CGSM"]))
        self.on("+CFUN", self.cmd_cfun)
        self.on("+COPS", self.cmd_cops)
        self.on(" ".join(REG_COMMANDS), self.cmd_reg)
        self.on("+CSQ", self.cmd_csq)
        self.on("+CESQ", self.cmd_cesq)
        self.on("+CGDCONT", self.cmd_cgdcont)
        self.on("+CGATT", setting_handler(CGATT, lambda ch: [int(self.registered)],
                                          self.set_cgatt))
        self.on("+CGPADDR", self.cmd_cgpaddr)
        self.on("+CGPIAF", self.cmd_cgpiaf)
        self.on("+CNUM", self.cmd_cnum)
        self.on("+CCLK", lambda ch, c: Reply([self.utc('+CCLK: "%y/%m/%d,%H:%M:%S+00"')]))
        self.on("+CRSM", self.cmd_crsm)
        self.on("+CGEREP", setting_handler(CGEREP, lambda ch: [self.cgerep, self.cgerep_bfr],
                                           self._set_cgerep))
        self.on("+CSCON", setting_handler(CSCON, lambda ch: [self.cscon_n],
                                          self._put_cscon,
                                          lambda: f",{int(self.rrc_connected)}"))
        self.register_sms_commands()
        self.on("S0 S3 S4 S5 S7 S8 S10", self.cmd_sreg)

    # -- common commands -------------------------------------------------------------------
    @staticmethod
    def _ident(cmd: Command, text: str) -> Reply:
        if cmd.kind == "test":
            return Reply()
        return Reply([text])

    @staticmethod
    def _flag(cmd: Command) -> bool:
        """A V.250 flag command's value: ``""`` / 0 off, 1 on; anything else CmeError(50)."""
        if cmd.arg not in ("", "0", "1"):
            raise CmeError(50)
        return cmd.arg == "1"

    def cmd_echo(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATE (V.250 6.2.4): the channel echoes what it receives."""
        ch.echo = self._flag(cmd)
        return Reply()

    def cmd_verbose(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATV (V.250 6.2.6): result codes as words (1) or numbers (0)."""
        ch.verbose = self._flag(cmd)
        return Reply()

    def cmd_quiet(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATQ (V.250 6.2.5): result codes suppressed (1)."""
        ch.quiet = self._flag(cmd)
        return Reply()

    def _put_cscon(self, ch: AtChannel, values: list[int]) -> None:
        self.cscon_n = values[0]

    def cmd_factory(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATZ / AT&F (V.250 6.1.1, 6.1.2): the channel's and the module's settings back to
        their defaults, no reboot (the URC levels of +CREG / +CGREG / +CEREG / +CSCON
        included); registration, contexts and stored SMS stay."""
        ch.reset()
        self.reset_sms_settings()
        self.cgerep, self.cgerep_bfr, self.cops_format = 0, 0, 2
        self.reg_n = dict.fromkeys(REG_COMMANDS, 0)
        self.cscon_n = 0
        return Reply()

    def cmd_sreg(self, ch: AtChannel, cmd: Command) -> Reply:
        reg = cmd.name[1:]
        if cmd.kind == "read":
            return Reply([f"{int(self.sregs.get(reg, '0')):03d}"])
        if not cmd.arg.isdigit() or int(cmd.arg) > 255:
            raise CmeError(50)    # V.250 6.2: S-parameter values 0-255, given as digits
        if reg in FIXED_SREGS and int(cmd.arg) != FIXED_SREGS[reg]:
            raise CmeError(4)     # operation not supported: the framing stays CR / LF
        self.sregs[reg] = str(int(cmd.arg))
        return Reply()

    def cmd_cgsn(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CGSN: (0-3)"])
        if cmd.kind == "set" and cmd.int_param(0) == 1:
            return Reply([f'+CGSN: "{self.identity.imei}"'])
        return Reply([self.identity.imei])

    def cmd_cnum(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CNUM (TS 27.007 7.1): the MSISDN with its <type> (145 international);
        the test form answers OK only."""
        if cmd.kind == "test":
            return Reply()
        number = self.identity.msisdn
        return Reply([f'+CNUM: ,"{number}",{145 if number.startswith("+") else 129}'])

    def cmd_crsm(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CRSM=176,12258,...: READ BINARY of EF_ICCID (TS 31.102 4.1.1 via TS 27.007 8.18),
        the digits nibble-swapped as stored on the card."""
        p = cmd.params()
        if p[:2] != ["176", "12258"]:
            return Reply(['+CRSM: 106,130,""'])  # 6A82: file not found (TS 102 221 10.2.1)
        iccid = self.identity.iccid + "F" * (20 - len(self.identity.iccid))
        swapped = "".join(iccid[i + 1] + iccid[i] for i in range(0, 20, 2))
        return Reply([f'+CRSM: 144,0,"{swapped}"'])


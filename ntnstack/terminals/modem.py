"""The base of every virtual module: a pty, boot, output, journal, faults, timers.

:class:`VirtualModule` knows no command set; :class:`AtModule` adds one AT channel and the
TS 27.007 / 27.005 commands that every AT family answers alike (identity, ATE/ATV/ATQ/ATH,
+CMEE, +CPIN, +GCAP, +CFUN, +COPS, +WS46, +CREG/+CGREG/+CEREG, +CSQ/+CESQ, +CGDCONT /
+CGPADDR / +CGPIAF, +CGATT, SMS storage and +CMGS); the parameter commands among them come
from the settings table (settings.py). Family differences come from the family table; families add
behaviour by subclassing.
"""
from __future__ import annotations

import ipaddress
import json
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Prompt, Reply
from ntnstack.terminals.families import FamilySpec, Identity
from ntnstack.terminals.faults import FaultInjector, FaultPlan
from ntnstack.terminals.firmware import NO_DEFECTS, FirmwareDefects
from ntnstack.terminals.network import VirtualNetwork
from ntnstack.terminals.pty_port import PtyPort
from ntnstack.terminals.settings import CGATT, CGEREP, CMEE, CSCON, WS46, setting_handler
from ntnstack.terminals.signal import signal_report
from ntnstack.terminals.sms_commands import SmsCommands

NO_FAULTS = FaultPlan()
JOURNAL_LINES = 20_000
"""Entries kept in memory per module (emulated time, kind rx / tx / event, text); with a
journal path every entry is also written as a JSON line as it happens."""
MAX_QUEUED_OUTPUT = 64 << 10
"""Bytes kept (beyond the pty's own buffer) for a client that does not read; older output is
dropped, as a UART with nobody listening loses it."""

PDP_TYPES = {"IP": "ipv4", "IPV6": "ipv6", "IPV4V6": "ipv4v6", "Non-IP": "non-ip"}
"""TS 27.007 10.1.1 <PDP_type> -> the PDN type (TS 24.301 9.9.4.10) the attach requests."""
MAX_CID = 11
"""Highest <cid> of +CGDCONT (the test command's range 0-11)."""
COPS_FORMATS = ("long", "short", "plmn")
"""+COPS <format> 0 long alphanumeric, 1 short alphanumeric, 2 numeric (TS 27.007 7.3): the
keys of the operator's names in ``AtModule.cell``."""
CGPIAF_DEFAULT = (0, 0, 0, 0)
"""+CGPIAF <IPv6_AddressFormat>, <IPv6_SubnetNotation>, <IPv6_LeadingZeros>,
<IPv6_CompressZeros> after boot: dot-separated IPv6, as TS 27.007 10.1.14 prints it."""


@dataclass
class PdpContext:
    """A context of +CGDCONT: <PDP_type> (27.007 spelling), <APN>, and the static <PDP_addr>
    the host gave (4 or 16 octets; b"" for a dynamic address)."""

    pdp_type: str = "IP"
    apn: str = ""
    static: bytes = b""


def format_ipv6(octets: bytes, piaf: tuple[int, int, int, int] = CGPIAF_DEFAULT) -> str:
    """16 octets as +CGPIAF says (TS 27.007 8.62): format 0 dot-separated decimal
    (a1.a2...a16); format 1 colon-separated hex groups, leading zeros kept if
    <IPv6_LeadingZeros> = 1, the longest run of two or more zero groups (the first of equal
    runs) written "::" if <IPv6_CompressZeros> = 1 (RFC 5952 4.2)."""
    if piaf[0] == 0:
        return ".".join(str(b) for b in octets)
    groups = [int.from_bytes(octets[i:i + 2], "big") for i in range(0, 16, 2)]
    text = [f"{g:04X}" if piaf[2] else f"{g:X}" for g in groups]
    start, length = _longest_zero_run(groups)
    if piaf[3] and length >= 2:
        return ":".join(text[:start]) + "::" + ":".join(text[start + length:])
    return ":".join(text)


def _longest_zero_run(groups: list[int]) -> tuple[int, int]:
    best, run_start = (0, 0), None
    for i, g in enumerate([*groups, 1]):
        if g == 0 and run_start is None:
            run_start = i
        elif g != 0 and run_start is not None:
            best = max(best, (i - run_start, -run_start))
            run_start = None
    return -best[1], best[0]


def parse_pdp_address(text: str) -> bytes:
    """A <PDP_addr> as a host may write it: IPv4 a1.a2.a3.a4, IPv6 as 16 dot-separated
    numbers or in colon notation; b"" for an empty one; CME ERROR 50 otherwise."""
    if not text:
        return b""
    parts = text.split(".")
    if ":" not in text and len(parts) in (4, 16) and all(x.isdigit() and int(x) < 256
                                                         for x in parts):
        return bytes(int(x) for x in parts)
    try:
        return ipaddress.IPv6Address(text).packed
    except ipaddress.AddressValueError:
        raise CmeError(50) from None


def _open_journal(path: str):
    """The journal file, line-buffered; kept open for the module's life (closed in close())."""
    try:
        return open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the module
    except OSError as exc:
        raise InputError(f"--journal {path}: {exc.strerror}") from None


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
        self.booting = False
        self.boot_count += 1
        self.log("event", "ready")
        self.on_ready()

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


REG_COMMANDS = ("+CREG", "+CGREG", "+CEREG")
REG_DENIED = 3
"""+CREG / +CEREG <stat> 3: registration denied (TS 27.007 10.1.22)."""


class AtModule(SmsCommands, VirtualModule):
    """One AT channel on the pty and the commands common to 27.007 / 27.005 modules."""

    cell = {"tac": "0001", "ci": "01A2D001", "plmn": "00101", "long": "NTNSTACK",
            "short": "NTN"}

    def __init__(self, spec: FamilySpec, link, **kw) -> None:
        super().__init__(spec, link, **kw)
        self.channel = AtChannel(self.write, self.execute, echo=spec.echo)
        self.fields = self.identity.fields(spec)
        self.network.register(self, self.identity.msisdn, self.identity.ip)
        self.handlers: dict[str, Callable] = {}
        self._install_common()

    # -- state ---------------------------------------------------------------------------------
    def reset_state(self) -> None:
        self.cfun = 0
        self.reg_stat, self.reg_act = 0, None
        self.reg_n = dict.fromkeys(REG_COMMANDS, 0)
        self.settings = dict(self.spec.settings)
        self.sregs = {"0": "0", "3": "13", "4": "10", "5": "8", "7": "60"}
        self.reset_sms_state()
        self.mr = 0
        self.pdp = {self.spec.default_cid: PdpContext()}
        self.pdp_active: dict[int, tuple[bytes | None, bytes | None]] = {}
        self.cgpiaf = CGPIAF_DEFAULT
        self.cgerep, self.cgerep_bfr = 0, 0
        self.cops_format = 2
        self.cscon_n, self.rrc_connected = 0, False
        self._vis_timer = None
        if hasattr(self, "channel"):
            self.channel.reset()

    def on_ready(self) -> None:
        for line, after_s in self.spec.banner:
            if after_s > 0:
                self.later(after_s, lambda line=line: self.urc(line))
            else:
                self.urc(line)
        self.after_ready()

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
            self.later(0.0, self.boot)
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
        self.on("E", lambda ch, c: self._flag(ch, "echo", c))
        self.on("V", lambda ch, c: self._flag(ch, "verbose", c))
        self.on("Q", lambda ch, c: self._flag(ch, "quiet", c))
        self.on("&W &C &D X", lambda ch, c: Reply())
        self.on("H", lambda ch, c: Reply())  # V.250 6.3.6: on hook; no call to end here
        self.on("&F", self.cmd_factory)
        self.on("Z", self.cmd_factory)   # V.250 6.1.1: the stored profile, no reboot
        self.on("I", lambda ch, c: Reply([s.format(**f) for s in self.spec.identity["ati"]]))
        self.on("+CGSN", self.cmd_cgsn)
        self.on("+CMEE", setting_handler(CMEE, lambda ch: [ch.cmee],
                                         lambda ch, v: setattr(ch, "cmee", v[0])))
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
                                          lambda ch, v: setattr(self, "cscon_n", v[0]),
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
    def _flag(ch: AtChannel, attr: str, cmd: Command) -> Reply:
        if cmd.arg not in ("", "0", "1"):
            raise CmeError(50)
        setattr(ch, attr, cmd.arg == "1")
        return Reply()

    def cmd_factory(self, ch: AtChannel, cmd: Command) -> Reply:
        """ATZ / AT&F (V.250 6.1.1, 6.1.2): the channel's and the module's settings back to
        their defaults, no reboot; registration, contexts and stored SMS stay."""
        ch.reset()
        self.reset_sms_settings()
        self.cgerep, self.cgerep_bfr, self.cops_format = 0, 0, 2
        return Reply()

    def cmd_sreg(self, ch: AtChannel, cmd: Command) -> Reply:
        reg = cmd.name[1:]
        if cmd.kind == "read":
            return Reply([f"{int(self.sregs.get(reg, '0')):03d}"])
        if not cmd.arg.isdigit() or int(cmd.arg) > 255:
            raise CmeError(50)    # V.250 6.2: S-parameter values 0-255, given as digits
        self.sregs[reg] = str(int(cmd.arg))
        return Reply()

    def cmd_cgsn(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CGSN: (0-3)"])
        if cmd.kind == "set" and cmd.int_param(0) == 1:
            return Reply([f'+CGSN: "{self.identity.imei}"'])
        return Reply([self.identity.imei])

    def _set_cgerep(self, ch: AtChannel, values: list[int]) -> None:
        self.cgerep, self.cgerep_bfr = values

    def set_cgatt(self, ch: AtChannel, values: list[int]) -> None:
        """+CGATT=1: the module attaches by itself after +CFUN=1 (OK); a detach (0) is not
        emulated: +CME ERROR: 4 operation not supported."""
        if values[0] == 0:
            raise CmeError(4)

    def cmd_cnum(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CNUM (TS 27.007 7.1): the MSISDN with its <type> (145 international);
        the test form answers OK only."""
        if cmd.kind == "test":
            return Reply()
        number = self.identity.msisdn
        return Reply([f'+CNUM: ,"{number}",{145 if number.startswith("+") else 129}'])

    def cmd_cfun(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"+CFUN: {self.cfun}"])
        if cmd.kind == "test":
            return Reply(["+CFUN: (0,1,4),(0-1)"])
        fun = cmd.int_param(0)
        if cmd.int_param(1, 0) == 1:
            self.later(0.0, self.boot)
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
        """+COPS (TS 27.007 7.3): read in the <format> +COPS=3,<format> chose; set mode 0
        (automatic) and 1 / 4 (manual) on the one PLMN there is; deregistration (2) is not
        emulated (+CME ERROR: 4); another operator: 32 network not allowed."""
        act = f",{self.reg_act}" if self.reg_act is not None else ""
        if cmd.kind == "read":
            if self.registered:
                name = self.cell.get(COPS_FORMATS[self.cops_format], self.cell["plmn"])
                return Reply([f'+COPS: 0,{self.cops_format},"{name}"{act}'])
            return Reply(["+COPS: 0"])
        if cmd.kind == "test":
            seen = self.link_sample().visible and self.cfun == 1
            ops = f'(2,"{self.cell.get("long", "")}","{self.cell.get("short", "")}",' \
                  f'"{self.cell["plmn"]}"{act})' if seen else ""
            return Reply([f"+COPS: {ops},,(0-4),(0-2)"])
        p = cmd.params()
        mode, fmt = cmd.int_param(0, 0), cmd.int_param(1, self.cops_format)
        if mode not in (0, 1, 2, 3, 4) or fmt not in (0, 1, 2) or len(p) > 4:
            raise CmeError(50)
        if mode == 2:
            raise CmeError(4)
        if mode in (1, 4) and (len(p) < 3 or p[2] not in self.cell.values()):
            raise CmeError(32 if len(p) >= 3 else 50)
        self.cops_format = fmt
        return Reply()

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

    # -- visibility of the serving satellite ----------------------------------------------
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

    # -- PDP contexts (TS 27.007 10.1.1, 10.1.14, 8.62) -------------------------------------
    def attach_cid(self) -> int:
        """The context the attach brings up as the default EPS bearer: the family's default
        <cid> (0 on nRF91, 1 elsewhere) when defined, else the lowest defined one."""
        if self.spec.default_cid in self.pdp or not self.pdp:
            return self.spec.default_cid
        return min(self.pdp)

    def attach_context(self) -> PdpContext:
        """The definition of ``attach_cid`` (IP with no APN when the host removed it)."""
        return self.pdp.get(self.attach_cid(), PdpContext())

    def pdp_addresses(self, cid: int) -> tuple[bytes | None, bytes | None]:
        """(IPv4 4 octets, IPv6 16 octets) the bearer of context ``cid`` has, None each where
        it has none: families without their own core give the registered module its IPv4
        test address on the attach context of type IP / IPV4V6."""
        if self.registered and cid == self.attach_cid() and \
                self.pdp[cid].pdp_type in ("IP", "IPV4V6"):
            return ipaddress.IPv4Address(self.identity.ip).packed, None
        return None, None

    def _address_text(self, octets: bytes) -> str:
        return ".".join(map(str, octets)) if len(octets) == 4 else \
            format_ipv6(octets, self.cgpiaf)

    def cmd_cgdcont(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGDCONT (27.007 10.1.1): the read form shows each context's <PDP_type>, <APN> and
        the static <PDP_addr> the host set, else the null string - an address the network
        allocated is read with +CGPADDR."""
        if cmd.kind == "read":
            return Reply([f'+CGDCONT: {cid},"{c.pdp_type}","{c.apn}",'
                          f'"{self._address_text(c.static) if c.static else ""}",0,0'
                          for cid, c in sorted(self.pdp.items())])
        if cmd.kind == "test":
            return Reply([f'+CGDCONT: (0-{MAX_CID}),"{t}",,,(0),(0)' for t in PDP_TYPES])
        p = cmd.params()
        if cmd.kind == "set" and len(p) > 1 and self.defects.refuses_pdp_type(p[1]):
            raise CmeError(50)  # incorrect parameters (TS 27.007 9.2.1)
        cid = cmd.int_param(0)
        if not 0 <= cid <= MAX_CID:
            raise CmeError(50)
        if len(p) == 1:
            self.pdp.pop(cid, None)
            return Reply()
        self.pdp[cid] = self._context(p)
        return Reply()

    @staticmethod
    def _context(p: list[str]) -> PdpContext:
        """A context from the +CGDCONT parameters; CME ERROR 50 for an unknown <PDP_type> or
        a static address that does not fit it."""
        pdp_type = next((t for t in PDP_TYPES if t.upper() == p[1].upper()), None)
        static = parse_pdp_address(p[3]) if len(p) > 3 else b""
        allowed = {"IP": (0, 4), "IPV6": (0, 16), "IPV4V6": (0, 4, 16), "Non-IP": (0,)}
        if pdp_type is None or len(static) not in allowed[pdp_type]:
            raise CmeError(50)
        return PdpContext(pdp_type, p[2] if len(p) > 2 else "", static)

    def cmd_cgpaddr(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGPADDR[=<cid>[,<cid>...]] (27.007 10.1.14): per context the address(es) of its
        bearer (else its static address): IPv4 in <PDP_addr_1>; IPv6 in <PDP_addr_2> of an
        IPV4V6 context, in <PDP_addr_1> of an IPV6 one (single IPv6 stack); none: the <cid>
        alone. IPv6 printed as +CGPIAF says."""
        if cmd.kind == "test":
            return Reply([f"+CGPADDR: ({','.join(map(str, sorted(self.pdp)))})"])
        cids = [cmd.int_param(i) for i in range(len(cmd.params()))] if cmd.kind == "set" \
            else sorted(self.pdp)
        if any(cid not in self.pdp for cid in cids):
            raise CmeError(50)
        return Reply([self._cgpaddr_line(cid) for cid in cids])

    def _cgpaddr_line(self, cid: int) -> str:
        ipv4, ipv6 = self.pdp_addresses(cid)
        static = self.pdp[cid].static
        if ipv4 is None and ipv6 is None and static:
            ipv4, ipv6 = (static, None) if len(static) == 4 else (None, static)
        fields = [ipv4, ipv6] if self.pdp[cid].pdp_type == "IPV4V6" else [ipv4 or ipv6]
        while fields and fields[-1] is None:
            fields.pop()
        return f"+CGPADDR: {cid}" + "".join(
            f',"{self._address_text(a) if a is not None else ""}"' for a in fields)

    def cmd_cgpiaf(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGPIAF (27.007 8.62): how IPv6 addresses are printed; omitted values are 0."""
        if cmd.kind == "read":
            return Reply(["+CGPIAF: " + ",".join(map(str, self.cgpiaf))])
        if cmd.kind == "test":
            return Reply(["+CGPIAF: (0,1),(0,1),(0,1),(0,1)"])
        values = tuple(cmd.int_param(i, 0) for i in range(4))
        if len(cmd.params()) > 4 or any(v not in (0, 1) for v in values):
            raise CmeError(50)
        self.cgpiaf = values
        return Reply()

    def cmd_crsm(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CRSM=176,12258,...: READ BINARY of EF_ICCID (TS 31.102 4.1.1 via TS 27.007 8.18),
        the digits nibble-swapped as stored on the card."""
        p = cmd.params()
        if p[:2] != ["176", "12258"]:
            return Reply(['+CRSM: 106,130,""'])  # 6A82: file not found (TS 102 221 10.2.1)
        iccid = self.identity.iccid + "F" * (20 - len(self.identity.iccid))
        swapped = "".join(iccid[i + 1] + iccid[i] for i in range(0, 20, 2))
        return Reply([f'+CRSM: 144,0,"{swapped}"'])

    def set_rrc(self, connected: bool) -> None:
        if connected != self.rrc_connected:
            self.rrc_connected = connected
            self.log("event", f"rrc {int(connected)}")
            if self.cscon_n:
                self.urc(f"+CSCON: {int(connected)}")

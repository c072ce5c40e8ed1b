"""The modules of a run: at_bridge drivers on virtual modules (served in-process on ptys, their
network side following the scenario's emulated link) or on testbed ports.

Time: the run's one ntnstack.clock.Clock is the time base of the drivers too, so every
driver timeout, URC stamp and raw-log stamp is in emulated seconds since the scenario start,
and on the virtual clock the runner, the module host and every serial reader are parties of
its agreement (docs/time.md): a step's measured times do not depend on how fast or how busy
this machine is.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ntnstack.clock import Clock
from ntnstack.runner.context import StepContext, StepError
from ntnstack.runner.handlers import HANDLERS
from ntnstack.runner.records import Event
from ntnstack.runner.shadow import StackShadow, module_procedures
from ntnstack.scenario.model import Port, Scenario

if TYPE_CHECKING:
    from ntnstack.terminals.modem import VirtualModule


BOOT_SLACK_REAL_S = 1.0
"""Real seconds a runner waits for a virtual module's boot beyond the family's boot time
(the module host's thread is scheduled by the operating system on a scaled or real clock);
on the virtual clock the boot ends at its boot time and this slack is never used."""


class BridgeModules:
    """Implements ntnstack.runner.context.RunModules over at_bridge + ntnstack.terminals."""

    def __init__(self, scenario: Scenario, ports: dict[str, Port], clock, world,
                 out_dir: Path):
        self.scenario, self.ports, self.world = scenario, ports, world
        self.clock: Clock = clock
        self.log_dir = Path(out_dir) / "serial"
        self.drivers: dict[str, Any] = {}
        self.virtual: dict[str, VirtualModule] = {}
        self.logs: list[Path] = []
        self._seen: dict[str, tuple] = {}
        self._decoders: dict[str, TrafficDecoder] = {}
        self._patterns: dict[str, list] = {}
        self._raw_seen: dict[str, int] = {}
        self._host = None
        self._network = None
        self.calls: dict[str, str] = {}
        self.dials: dict[str, Any] = {}
        self.switches: dict[str, Any] = {}
        self.last_use = _last_use(scenario)
        self.shadow = StackShadow(scenario, world, Path(out_dir))
        self.pcaps: list[Path] = []
        self.module_pcaps: list[Path] = []
        self.imsis: dict[str, str] = {}   # terminal -> IMSI of its UE (after close)
        self._step_actor: str | None = None   # the terminal of the step in progress
        self._log_marks: dict[str, int] = {}  # terminal -> its raw log's size then (bytes)

    # ------------------------------------------------------------------ engine interface
    def run_step(self, ctx: StepContext) -> None:
        t0 = ctx.t()
        self._mark_logs(ctx.terminal.name)
        try:
            HANDLERS[ctx.step.action](ctx)
            self._shadow(ctx, t0)
        finally:
            self.clock.sleep(0.0)   # the instant finishes (modules answer what is due now)
            ctx.events.extend(self.traffic())
            self._close_finished(ctx.step.index)

    def _shadow(self, ctx: StepContext, t0: float) -> None:
        """The same step by ntnstack.stack (real RRC/NAS into capture.pcap), when the module
        did it: attach registered, data echoed."""
        done = {"attach": "registered_after_s", "send_data": "delivered_after_s"}
        key = done.get(ctx.step.action)
        if key not in ctx.observed or not self.shadow.wants(ctx.terminal.name, ctx.step.action):
            return
        module = self.virtual.get(ctx.terminal.name)
        if module is not None:    # a virtual module runs on its own stack session: its record
            observed, events = module_procedures(module, ctx.terminal.name, ctx.step.action,
                                                t0)
            ctx.observed.update(observed)
            ctx.events.extend(events)
            return
        try:
            observed, events = self.shadow.run(ctx.terminal.name, ctx.step.action, t0,
                                               ctx.step.params)
        except Exception as exc:  # noqa: BLE001 - the shadow informs, it never decides
            ctx.note("stack", f"protocol shadow failed: {type(exc).__name__}: {exc}")
            return
        ctx.observed.update(observed)
        ctx.events.extend(events)

    def driver(self, ctx: StepContext, terminal: str) -> Any:
        self.check_host()
        if terminal not in self.drivers:
            self.drivers[terminal] = self._open(terminal)
        return self.drivers[terminal]

    def check_host(self) -> None:
        """StepError when the virtual-module host thread has died (its modules are gone)."""
        error = self._host.error if self._host is not None else None
        if error is not None:
            raise StepError(f"the virtual modules stopped: {type(error).__name__}: {error} "
                            f"(a fault of ntnstack.terminals, see the traceback on stderr)")

    # ------------------------------------------------------------------ power
    def has_switch(self, terminal: str) -> bool:
        """True when the terminal's module has a power switch (testbed or labgrid place)."""
        return self.ports[terminal].power is not None

    def switch(self, terminal: str) -> tuple[Any, Any]:
        """(switch, its PowerSpec) of the terminal's module; StepError when it has none."""
        spec = self.ports[terminal].power
        if spec is None:
            where = "a virtual module" if self.ports[terminal].virtual else \
                f"on {self.ports[terminal].url}"
            raise StepError(f"{terminal} ({where}) has no power switch: give its testbed "
                            f"port 'power: COMMAND' or its labgrid place a NetworkPowerPort")
        if terminal not in self.switches:
            from ntnstack.rigs.power import switch_for

            self.switches[terminal] = switch_for(spec, terminal)
        return self.switches[terminal], spec

    def drop(self, terminal: str) -> None:
        """Close the terminal's driver (its port is reopened at the next use)."""
        driver = self.drivers.pop(terminal, None)
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.close()

    def recover(self, ctx: StepContext):
        """ntnstack.runner.power.recover for the step's terminal."""
        from ntnstack.runner.power import recover

        return recover(ctx, self)

    def call_peer(self, terminal: str) -> str | None:
        return self.calls.get(terminal)

    def number(self, terminal: str, key: str) -> str:
        """How to reach ``terminal``: a virtual module's own test number, else the scenario's
        identity (msisdn, card_id) of the real module's SIM or card."""
        module = self.virtual.get(terminal)
        if module is not None:
            return module.identity.beidou_address if key == "card_id" else \
                module.identity.msisdn
        ident = self.scenario.terminals[terminal].identity
        if key not in ident:
            raise StepError(f"terminal {terminal} has no identity.{key} in the scenario "
                            f"(needed to reach the real module on {self.ports[terminal].url})")
        return ident[key]

    def wait_until(self, ctx: StepContext, predicate: Callable | None, deadline_s: float,
                   driver: Any) -> float | None:
        from at_bridge.errors import Timeout

        if driver is None:
            self.clock.sleep(deadline_s - self.clock.now())
            return None
        since_s = self.clock.now()   # URCs queued before the wait began are history
        while (left := deadline_s - self.clock.now()) > 0:
            self.check_host()
            try:
                urc = driver.urc(None, timeout_s=left)
            except Timeout:
                break
            if ctx.terminal.name not in self.virtual:  # virtual: from its journal
                ctx.note("urc", urc.line)
            if predicate is not None and urc.t_s >= since_s and predicate(urc):
                return urc.t_s
        return None

    def traffic(self) -> list[Event]:
        """New traffic of every terminal since the last call, as timeline events: a virtual
        module's own journal (exact emulated times), or for a real module the bridge's raw
        log (arrival stamps mapped onto emulated time)."""
        out = []
        for name, module in self.virtual.items():
            entries = list(module.journal)
            start = _after(entries, self._seen.get(name))
            if entries:
                self._seen[name] = entries[-1]
            out += self._decoder(name).events(entries[start:])
        for name in self.drivers:
            if name not in self.virtual:
                out += self._decoder(name).events(self._raw_entries(name))
        return sorted(out, key=lambda e: e.t_s)

    def arrival_s(self, terminal: str, procedure: str, since_s: float,
                  payload: bytes | str | None = None) -> float | None:
        """When the URC that ``procedure`` of the terminal's dialect waits for (with its
        field matches, or one of the step's alternatives such as +CMTI) reached the bridge
        for the step in progress, in emulated seconds from the raw log's receive stamps
        (None: not found, or the procedure waits for none). The step's URC is the first one
        logged after the step's first command (the rows logged before are earlier steps',
        even at the same emulated instant), at or after ``since_s``, and, when ``payload``
        is given, carrying it (:func:`_carried`: the echoed data of +CRTDCP / ^IPDATA, the
        text of the SMS after +CMT, all of a concatenated SMS's parts); a URC that carries
        no payload (+QIURC "recv", +CMTI, a BeiDou message) is the first such one."""
        from at_bridge.dialect import load_dialect

        dialect = load_dialect(self.scenario.terminals[terminal].family)
        step = next((s for s in dialect.procedures.get(procedure, ())
                     if s.kind == "wait_urc" and s.target in dialect.urcs), None)
        if step is None:
            return None
        rows = self._step_rows(terminal)
        if rows is None:
            return None
        pattern = dialect.urcs[step.target].pattern
        others = [dialect.urcs[name].pattern for name in step.alternatives]  # e.g. +CMTI
        events = TrafficDecoder(terminal, []).events(
            [(t, "tx", data.decode("latin-1")) for t, d, data in rows
             if d == "in" and t >= since_s])
        got = 0
        for i, event in enumerate(events):
            body = _urc_body(event.text)
            m = pattern.search(body)
            if m and all(rx.search(m.groupdict().get(k) or "") for k, rx in step.match.items()):
                after = _urc_body(events[i + 1].text) if i + 1 < len(events) else None
                part = _carried(m, after, payload)
                if part is None:
                    return event.t_s
                got += part
                if part and got >= len(payload):
                    return event.t_s
            elif any(rx.search(body) for rx in others):
                return event.t_s
        return None

    def _mark_logs(self, actor: str) -> None:
        """Where each raw log ends as a step of ``actor`` begins (bytes): the rows after
        the mark are the step's."""
        self._step_actor = actor
        self._log_marks = {p.stem: p.stat().st_size for p in self.log_dir.glob("*.rawlog")}

    def _step_rows(self, terminal: str) -> list | None:
        """Rows of the terminal's raw log logged during the step in progress (None: no log):
        on the actor's own log those after its first command, on another terminal's log
        (an SMS's recipient) those at or after that command's stamp."""
        if not (self.log_dir / f"{terminal}.rawlog").exists():
            return None
        rows = self._rows_after_mark(terminal)
        if self._step_actor is None:
            return rows
        sent_rows = rows if self._step_actor == terminal else \
            self._rows_after_mark(self._step_actor)
        sent = next((i for i, row in enumerate(sent_rows) if row[1] == "out"), None)
        if sent is None:
            return []
        if self._step_actor == terminal:
            return rows[sent + 1:]
        return [row for row in rows if row[0] >= sent_rows[sent][0]]

    def _rows_after_mark(self, terminal: str) -> list:
        """(emulated s, in | out | evt, bytes or text) rows of the terminal's raw log
        after the step's mark."""
        from at_bridge.transport import read_raw_log

        path = self.log_dir / f"{terminal}.rawlog"
        if not path.exists():
            return []
        return read_raw_log(path, self._log_marks.get(terminal, 0))

    def _decoder(self, name: str) -> TrafficDecoder:
        if name not in self._decoders:
            self._decoders[name] = TrafficDecoder(name, self._urc_patterns(name))
        return self._decoders[name]

    def _raw_entries(self, name: str) -> list[tuple[float, str, str]]:
        """New rows of a real port's raw log as (emulated s, rx | tx | event, text), seen
        from the module like its journal: what the bridge sent is what the module received."""
        from at_bridge.transport import read_raw_log

        path = self.log_dir / f"{name}.rawlog"
        rows = read_raw_log(path) if path.exists() else []
        start = self._raw_seen.get(name, 0)
        self._raw_seen[name] = len(rows)
        kinds = {"out": "rx", "in": "tx", "evt": "event"}
        return [(t, kinds[d], data.decode("latin-1") if isinstance(data, bytes) else data)
                for t, d, data in rows[start:]]

    def close(self) -> list[Path]:
        for name in list(self.drivers):
            self._close_terminal(name)
        if self._host is not None:
            self._host.stop()
            self._host.close()
            self._host = None
        for module in self.virtual.values():   # host stopped: flush the modules' sessions
            stack = module.started_stack()
            if stack is not None:
                stack.close()
        self.pcaps = self.shadow.close() + [p for p in self.module_pcaps if p.exists()]
        self.imsis = {name: m.identity.imsi for name, m in self.virtual.items()}
        self.imsis.update((name, s.ue.imsi) for name, s in self.shadow.sessions.items())
        return self.logs

    # ------------------------------------------------------------------ opening
    def _open(self, terminal: str) -> Any:
        from at_bridge.drivers import open_module

        port = self.ports[terminal]
        family = self.scenario.terminals[terminal].family
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{terminal}.rawlog"
        self.logs.append(log)
        url = self._start_virtual(terminal) if port.virtual else port.url
        try:
            return open_module(url, family, log_path=log, baudrate=port.baudrate,
                               timebase=self.clock)
        except OSError as exc:
            raise StepError(f"{terminal} ({family}): {exc}") from exc

    def _start_virtual(self, terminal: str) -> str:
        from ntnstack.runner.virtual import start_virtual_module

        if self._host is None:
            self._host, self._network = _new_host(self.clock)
        pcap = self.log_dir.parent / f"stack-{terminal}.pcap"
        module = start_virtual_module(self.scenario, self.world, terminal, self._host,
                                      self._network, serial=len(self.virtual) + 1,
                                      stack_pcap=str(pcap))
        self.module_pcaps.append(pcap)
        self.virtual[terminal] = module
        self._until_booted(terminal, module)
        return module.path

    def _until_booted(self, terminal: str, module: Any) -> None:
        """A virtual module is switched on when its port is opened: wait until it has booted
        (the module notifies the clock then), as a rig powers its modules before the test
        talks to them. The limit is the family's boot time plus BOOT_SLACK_REAL_S of real
        time: on the virtual clock the boot ends at exactly ``boot_s`` and the slack is
        never reached; on a scaled or real clock the host thread may run late."""
        limit_s = module.spec.boot_s + BOOT_SLACK_REAL_S * self.clock.scale
        booted = self.clock.wait_for(lambda: not module.booting or self._host.error,
                                     limit_s)
        self.check_host()
        if not booted or module.booting:
            raise StepError(f"{terminal}: the virtual {module.family} module did not boot "
                            f"within {limit_s:g} s emulated (boot time "
                            f"{module.spec.boot_s:g} s)")

    def _close_finished(self, step_index: int) -> None:
        for name in list(self.drivers):
            if self.last_use.get(name, -1) <= step_index:
                self._close_terminal(name)

    def _close_terminal(self, name: str) -> None:
        self.drop(name)
        module = self.virtual.get(name)
        if module is not None and self._host is not None:
            self._host.call_soon_threadsafe(lambda m=module: _retire(self._host, m))

    def _urc_patterns(self, terminal: str) -> list:
        family = self.scenario.terminals[terminal].family
        if family not in self._patterns:
            from at_bridge.dialect import load_dialect

            self._patterns[family] = [u.pattern for u in load_dialect(family).urcs.values()]
        return self._patterns[family]


def _urc_body(text: str) -> str:
    """An event's line without its 27.010 channel name, or an NMEA sentence's fields."""
    line = text.split(": ", 1)[1] if text.startswith("ch") else text
    return line[1:].rsplit("*", 1)[0] if line.startswith("$") else line


def _carried(match, after: str | None, payload: bytes | str | None) -> int | None:
    """How much of ``payload`` a URC carries (bytes of data, characters of an SMS's text;
    0: none of it), None when the URC or the step carries no payload. Data: the URC's
    ``data_hex`` field equal to the payload. SMS: the SMS-DELIVER PDU (TS 23.040) on the
    line ``after`` +CMT, or that line as the text in text mode; a concatenated SMS's part
    counts when its text is a part of the payload."""
    if not payload:
        return None
    fields = match.groupdict()
    if "data_hex" in fields:
        try:
            return len(payload) if bytes.fromhex(fields["data_hex"] or "") == payload else 0
        except ValueError:
            return 0
    if not isinstance(payload, str) or after is None:
        return None
    from at_bridge.sms_pdu import decode_deliver

    try:
        text = decode_deliver(after).text
    except ValueError:   # PduError: not a PDU, so a text-mode +CMT's text
        text = after
    return len(text) if text and text in payload else 0


def _new_host(clock: Clock):
    from ntnstack.terminals.host import ModuleHost
    from ntnstack.terminals.network import VirtualNetwork

    class WatchedHost(ModuleHost):
        """The module host, remembering why its thread stopped (every module stops then)."""

        error: BaseException | None = None

        def serve_forever(self) -> None:
            try:
                super().serve_forever()
            except Exception as exc:
                self.error = exc
                self.clock.notify()   # a runner waiting for a boot learns it now
                raise

    host = WatchedHost(clock)
    host.start()
    return host, VirtualNetwork()


def _retire(host, module: VirtualModule) -> None:
    """Stop serving a module whose terminal has no further step, and silence its timers (a
    BeiDou status stream ticks every second: left running, it would make the virtual clock
    crawl through the rest of the run)."""
    if module in host.modules:
        host.modules.remove(module)
    module.close()
    module.power_off()


def _last_use(scenario: Scenario) -> dict[str, int]:
    """Index of the last step that involves each terminal (as actor or as the peer)."""
    last: dict[str, int] = {}
    for step in scenario.steps:
        last[step.terminal] = step.index
        peer = step.params.get("to")
        if peer:
            last[peer] = step.index
    return last


def _after(entries: list, last: tuple | None) -> int:
    """Index after the entry ``last`` (the journal is a bounded deque: positions shift)."""
    for i in range(len(entries) - 1, -1, -1):
        if entries[i] is last:
            return i + 1
    return 0


STREAMS = ("BDPWI", "BDBSI")
"""BeiDou status sentences sent once a second: kept in the raw logs, not as events."""
CMUX_FLAG = 0xF9
"""TS 27.010 basic-mode frame flag: a module journal that carries it is multiplexed."""
UIH = 0xEF
"""TS 27.010 UIH control field (P/F bit cleared): the frames that carry channel data."""


class TrafficDecoder:
    """A virtual module's journal (emulated time, rx | tx | event, bytes as text) -> events
    of whole lines: rx lines are commands, tx lines responses or URCs (by the family's URC
    patterns); 27.010 frames are opened and their channel named."""

    def __init__(self, terminal: str, urc_patterns: list):
        self.terminal, self.urc_patterns = terminal, urc_patterns
        self.partial: dict[tuple[str, int], str] = {}
        self.deframers: dict[str, Any] = {}

    def events(self, entries: list) -> list[Event]:
        out = []
        for t, kind, text in entries:
            if kind == "event":
                # URCs and output appear again as tx lines; status streams are noise here
                if not text.startswith(("urc ", "out ")):
                    out.append(Event(t, self.terminal, "module", text))
                continue
            for channel, chunk in self._chunks(kind, text.encode("latin-1")):
                out += self._lines(t, kind, channel, chunk)
        return out

    def _chunks(self, kind: str, data: bytes) -> list[tuple[int, str]]:
        if kind not in self.deframers and CMUX_FLAG not in data:
            return [(0, data.decode("latin-1"))]
        if kind not in self.deframers:
            from at_bridge.cmux import Deframer

            self.deframers[kind] = Deframer()
        return [(f.dlci, f.info.decode("latin-1")) for f in self.deframers[kind].feed(data)
                if f.control == UIH and f.info]

    def _lines(self, t: float, kind: str, channel: int, chunk: str) -> list[Event]:
        buf = self.partial.get((kind, channel), "") + chunk
        *lines, rest = buf.replace("\r", "\n").split("\n")
        self.partial[(kind, channel)] = rest if not rest.startswith("> ") else ""
        if rest.startswith("> "):
            lines.append(rest)
        out = []
        for line in (x.strip() for x in lines):
            if not line:
                continue
            text = f"ch{channel}: {line}" if channel else line
            if kind == "rx":
                out.append(Event(t, self.terminal, "cmd", text))
            elif line.lstrip("$").startswith(STREAMS):
                continue
            else:
                body = line[1:].rsplit("*", 1)[0] if line.startswith("$") else line
                urc = any(p.search(body) or p.search(line) for p in self.urc_patterns)
                out.append(Event(t, self.terminal, "urc" if urc else "rsp", text))
        return out

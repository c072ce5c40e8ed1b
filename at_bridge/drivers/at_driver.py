"""The AT driver: NB-IoT NTN families and Tiantong (with the 27.010 multiplexer).

Everything a family sends comes from its dialect; this module only turns the named groups of
the responses into typed results (units converted per TS 27.007) and builds the payloads
(SMS PDUs with :mod:`at_bridge.sms_pdu`, hex data).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from at_bridge.at_engine import ESC, AtEngine
from at_bridge.cmux import CLOSE_DOWN, Mux
from at_bridge.dialect import PAYLOAD_ENDS, Dialect, Step
from at_bridge.drivers.base import (
    Driver,
    Identity,
    ProcedureRunner,
    Registration,
    Signal,
    Sms,
    format_template,
)
from at_bridge.drivers.location import LocationKeeper
from at_bridge.errors import (
    CommandError,
    ModuleRebooted,
    NotSupported,
    PortGone,
    ProtocolError,
    Timeout,
)
from at_bridge.sms_pdu import Deliver, decode_deliver, submit_pdus
from at_bridge.transport import Transport

_REBOOT_RESYNC_S = 30.0   # longest boot seen in the dialects' reset procedures (banner wait)
_CESQ_UNKNOWN = 255
_CSQ_UNKNOWN = 99


class AtDriver(Driver, ProcedureRunner):
    """A module that speaks AT on ``transport``; Tiantong switches to CMUX in power_on."""

    def __init__(self, transport: Transport, dialect: Dialect):
        ProcedureRunner.__init__(self, dialect)
        self.transport = transport
        self.engine = AtEngine.from_dialect(transport, dialect, name=f"{dialect.family} "
                                                                   f"{transport.url}")
        if dialect.cmux is not None:   # a crashed host may have left the module multiplexed
            self.engine.wakeups = (CLOSE_DOWN, ESC)
        self.engines: dict[str, AtEngine] = {}
        self.mux: Mux | None = None
        self._data_open = False
        self._sms_ref = 0
        self._sms_parts: dict[tuple[str, int], dict[int, Deliver]] = {}
        self.reboots = 0
        self.location = LocationKeeper(self)

    def close(self) -> None:
        if self.mux is not None and not self.mux.closed.is_set():
            self.mux.close(timeout_s=1.0)
        self.transport.close()

    def all_engines(self) -> list[AtEngine]:
        return [self.engine, *self.engines.values()]

    def engine_for(self, role: str) -> AtEngine:
        if self.mux is None:
            return self.engine
        try:
            return self.engines[role]
        except KeyError:
            raise NotSupported(f"{self.family}: no 27.010 channel for role {role!r} "
                               f"(cmux.channels in {self.dialect.source})") from None

    def urc(self, name: str | None = None, timeout_s: float = 0.0, channel: str = "control"):
        """The next queued URC (by name) of a channel; Timeout after ``timeout_s`` s."""
        return self.engine_for(channel).urcs.get(name, timeout_s)

    def execute(self, step: Step, fields: dict[str, Any]) -> dict[str, str]:
        """Send one dialect command with retries; return the response's named groups."""
        cmd = self.dialect.command(step.target)
        values = {**step.args, **fields}
        line = format_template(self.dialect, cmd.name, cmd.send, values)
        payload = None
        if cmd.payload is not None:
            payload = format_template(self.dialect, cmd.name, cmd.payload, values).encode()
        engine = self.engine_for(step.channel)
        for attempt in range(cmd.retries + 1):
            try:
                response = engine.command(line, timeout_s=cmd.timeout_s, claims=cmd.claims,
                                          ok=cmd.ok, error=cmd.error, prompt=cmd.prompt,
                                          payload=payload, reboots=cmd.reboots,
                                          payload_end=PAYLOAD_ENDS[cmd.payload_end])
                break
            except (Timeout, CommandError):
                if attempt == cmd.retries:
                    raise
                engine.timebase.sleep(cmd.retry_delay_s)
            except ModuleRebooted as exc:
                raise ModuleRebooted(f"{exc}; {self._resync(engine)}") from None
        if cmd.response is None:
            return {}
        text = "\n".join(response.lines)
        m = cmd.response.search(text)
        if m is None:
            raise ProtocolError(f"{engine.name}: {line!r}: reply {list(response.lines)} does not "
                                f"match commands.{cmd.name}.response in {self.dialect.source}")
        return m.groupdict(default="")

    def _resync(self, engine: AtEngine) -> str:
        """After a reboot: AT until OK (boot time allowed), say whether it worked."""
        try:
            engine.sync(timeout_s=_REBOOT_RESYNC_S)
        except (Timeout, PortGone) as exc:
            return f"not re-synced ({exc})"
        return "re-synced; power_on() restores the configuration"

    # ---- vocabulary ------------------------------------------------------------------------
    def power_on(self) -> None:
        self.run("power_on")
        if self.dialect.cmux is not None and self.mux is None:
            self._start_cmux()

    def after_command(self, step: Step) -> None:
        """A module that reboots leaves the multiplexer (talk raw AT again) and forgets its
        data link (open_data runs again before the next send_data / receive_data)."""
        if not self.dialect.command(step.target).reboots:
            return
        self.reboots += 1
        self._data_open = False
        if self.mux is not None:
            self.mux = None
            self.engines.clear()
            self.transport.set_receiver(self.engine.feed)

    def _start_cmux(self) -> None:
        cfg = self.dialect.cmux
        self.engine.command(cfg.command, timeout_s=5.0)
        self.mux = Mux(self.transport, initiator=True, n1=cfg.n1)
        self.mux.open(sorted(cfg.channels.values()))
        for role, dlci in cfg.channels.items():
            self.engines[role] = AtEngine.from_dialect(
                self.mux.channel(dlci), self.dialect,
                name=f"{self.family} {self.transport.url} {role}/DLCI{dlci}")
            self._channel_setup(role)
        for name in ("voice_setup", "sms_setup"):
            if name in self.dialect.procedures:
                self.run(name)

    def _channel_setup(self, role: str) -> None:
        """Run procedures.channel_setup on the channel of ``role`` (sync, echo off)."""
        for step in self.dialect.procedures.get("channel_setup", ()):
            if step.kind == "sync":
                self.engine_for(role).sync(step.timeout_s)
            elif step.kind == "cmd":
                self.execute(replace(step, channel=role), {})

    def reset(self) -> None:
        """Reboot the module (through the control channel when multiplexed) and re-sync;
        Tiantong needs power_on() again to restart the multiplexer."""
        self.run("reset")

    def identity(self) -> Identity:
        r = self.run("identity")
        iccid = r.get("iccid", "")
        if r.get("iccid_swapped"):
            raw = r["iccid_swapped"]
            iccid = "".join(raw[i + 1] + raw[i] for i in range(0, len(raw), 2))
        return Identity(r.get("imei", ""), r.get("imsi", ""), iccid.rstrip("Ff"),
                        r.get("firmware", "").strip())

    def set_location(self, lat_deg: float, lon_deg: float, alt_m: float,
                     accuracy_m: float = 10.0) -> dict[str, str]:
        """Give the position now; the driver also answers the module's later requests for
        it (at_bridge.drivers.location)."""
        return _plain(self.location.give(lat_deg, lon_deg, alt_m, accuracy_m))

    def wait(self, step: Step, timeout_s: float | None, since: int | None):
        return self.location.wait(super().wait, step, timeout_s, since)

    def attach(self, timeout_s: float | None = None) -> Registration:
        """Registered already (a Tiantong module registers by itself after boot): that
        state, read from the module. Otherwise the dialect's attach procedure (switch the
        radio on, wait up to ``timeout_s`` for the registration URC)."""
        if "registration" in self.dialect.procedures:
            now = self.registration()
            if now.registered:
                return now
        return _registration(self.run("attach", timeout_s=timeout_s))

    def detach(self) -> None:
        self.run("detach")

    def registration(self) -> Registration:
        return _registration(self.run("registration"))

    def signal(self) -> Signal:
        return _signal(self.run("signal"))

    def send_data(self, data: bytes) -> None:
        self._open_data()
        self.run("send_data", {"data_hex": data.hex().upper(), "data_len": len(data)})

    def receive_data(self, timeout_s: float | None = None) -> bytes:
        self._open_data()
        r = self.run("receive_data", timeout_s=timeout_s)
        try:
            return bytes.fromhex(r.get("data_hex", ""))
        except ValueError:
            raise ProtocolError(f"{self.family}: received data is not hex: "
                                f"{r.get('data_hex')!r}") from None

    def _open_data(self) -> None:
        if not self._data_open and "open_data" in self.dialect.procedures:
            self.run("open_data")
        self._data_open = True

    def send_sms(self, number: str, text: str) -> int:
        """Send in PDU mode (concatenated parts when longer than one PDU); the TP-MR of the
        first part."""
        self._sms_ref = (self._sms_ref + 1) % 256
        mrs = [int(self.run("send_sms", {"pdu_hex": pdu, "tpdu_len": n}).get("mr") or 0)
               for pdu, n in submit_pdus(number, text, ref=self._sms_ref)]
        return mrs[0]

    def receive_sms(self, timeout_s: float | None = None) -> Sms:
        """The next complete SMS; parts of concatenated messages are joined in order (parts
        of other messages that arrive meanwhile are kept for later calls)."""
        now = self.transport.timebase.now
        deadline = None if timeout_s is None else now() + timeout_s
        while True:
            left = None if deadline is None else max(0.0, deadline - now())
            d = self._next_deliver(left)
            if d.concat is None:
                return Sms(d.sender, d.text, d.scts)
            ref, total, seq = d.concat
            parts = self._sms_parts.setdefault((d.sender, ref), {})
            parts[seq] = d
            if len(parts) == total:
                del self._sms_parts[(d.sender, ref)]
                ordered = [parts[k] for k in sorted(parts)]
                return Sms(d.sender, "".join(p.text for p in ordered), ordered[0].scts)

    def _next_deliver(self, timeout_s: float | None) -> Deliver:
        """The next SMS-DELIVER: routed directly (+CMT and its PDU line), or stored with a
        new-message indication (+CMTI: <mem>,<index>, TS 27.005 3.4.1) that the dialect's
        read_stored_sms procedure reads (+CMGR) and deletes (+CMGD)."""
        urc = self.run("receive_sms", timeout_s=timeout_s)["urc"]
        announced = urc.fields.get("len")
        if urc.extra:
            pdu = urc.extra[0]
        elif urc.fields.get("index"):
            stored = self.run("read_stored_sms", {"index": urc.fields["index"],
                                                  "mem": urc.fields.get("mem", "")})
            pdu, announced = stored.get("pdu", ""), stored.get("len")
        else:
            raise ProtocolError(f"{self.family}: {urc.line!r} came without its PDU line")
        try:
            deliver = decode_deliver(pdu)
        except (ValueError, IndexError) as exc:
            raise ProtocolError(f"{self.family}: SMS-DELIVER PDU {pdu!r} does not "
                                f"decode: {exc}") from None
        tpdu_octets = len(pdu) // 2 - 1 - int(pdu[:2], 16)
        if announced and int(announced) != tpdu_octets:
            where = repr(urc.line) if urc.extra else f"AT+CMGR after {urc.line!r}"
            raise ProtocolError(f"{self.family}: {where} announces {announced} "
                                f"octets but the TPDU after the SMSC address has {tpdu_octets} "
                                f"(TS 27.005 3.4.1 <length>)")
        return deliver

    def dial(self, number: str, timeout_s: float | None = None) -> None:
        self.run("dial", {"number": number}, timeout_s=timeout_s)

    def answer(self, timeout_s: float | None = None) -> dict[str, str]:
        return _plain(self.run("answer", timeout_s=timeout_s))

    def hang_up(self) -> None:
        self.run("hang_up")

    def calls(self) -> list[dict[str, str]]:
        step = self.dialect.procedures.get("calls")
        if not step:
            raise NotSupported(f"{self.family}: calls is not supported")
        cmd = self.dialect.command(step[0].target)
        response = self.engine_for(step[0].channel).command(cmd.send, timeout_s=cmd.timeout_s)
        if cmd.response is None:
            return [{"line": line} for line in response.lines]
        return [m.groupdict(default="") for line in response.lines
                if (m := cmd.response.search(line))]


def _plain(r: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in r.items() if isinstance(v, str)}


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _registration(r: dict[str, Any]) -> Registration:
    if r.get("stat", "") == "":
        raise ProtocolError(f"registration reply without a stat field: {_plain(r)}")
    return Registration(int(r["stat"]), _int(r.get("act")), r.get("tac") or r.get("lac") or "",
                        r.get("ci", ""))


def _signal(r: dict[str, Any]) -> Signal:
    """Named groups -> Signal: rsrp / rsrq are +CESQ indices (TS 27.007 8.69), rssi a +CSQ
    index (8.5); groups ending in _dbm / _db are already physical values."""
    def direct(key: str) -> float | None:
        return float(r[key]) if r.get(key) not in (None, "") else None

    rsrp, rsrq, rssi = _int(r.get("rsrp")), _int(r.get("rsrq")), _int(r.get("rssi"))
    return Signal(
        rsrp_dbm=direct("rsrp_dbm") if rsrp is None else
        (None if rsrp == _CESQ_UNKNOWN else -141.0 + rsrp),
        rsrq_db=direct("rsrq_db") if rsrq is None else
        (None if rsrq == _CESQ_UNKNOWN else -20.0 + rsrq / 2),
        rssi_dbm=direct("rssi_dbm") if rssi is None else
        (None if rssi == _CSQ_UNKNOWN else -113.0 + 2 * rssi),
        sinr_db=direct("sinr_db"),
    )

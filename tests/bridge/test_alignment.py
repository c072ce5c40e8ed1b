"""Replies stay on their own command: late banners, late finals after a timeout or a reboot,
URC waits when the port goes, and linear line splitting (issue 14, serial faults)."""
from __future__ import annotations

import re
import threading
import time

import pytest

from at_bridge.at_engine import MAX_LINE_BYTES, AtEngine, UrcPattern
from at_bridge.dialect import load_dialect
from at_bridge.errors import ModuleRebooted, PortGone, Timeout
from at_bridge.transport import Transport
from at_bridge.urc import Unsolicited, UrcQueue
from tests.bridge.conftest import FakeChannel

QUECTEL = load_dialect("nbntn-quectel")
_ECHO_ONLY = re.compile(r"^AT(E[01])+$")


class LateModule:
    """A V.250 module side (echo per ATE) that answers the lines in ``late`` only when the
    next line arrives, right before that line's own echo and reply: a late final result."""

    def __init__(self, answers: dict[str, list[str]], late: set[str] = frozenset(),
                 echo: bool = False):
        self.answers, self.late, self.echo = answers, set(late), echo
        self.owed: list[bytes] = []
        self.heard: list[str] = []

    def __call__(self, data: bytes) -> list[bytes]:
        line = data.rstrip(b"\r").decode()
        self.heard.append(line)
        out = b"".join(self.owed)
        self.owed.clear()
        if self.echo:
            out += data
        if _ECHO_ONLY.match(line):
            self.echo = line.endswith("1")
            reply = ["OK"]
        else:
            reply = self.answers.get(line, ["ERROR"])
        text = "".join(f"\r\n{x}\r\n" for x in reply).encode()
        if line in self.late:
            self.late.discard(line)
            self.owed.append(text)
            return [out]
        return [out + text]


def engine_on(module: LateModule, dialect=QUECTEL) -> AtEngine:
    return AtEngine.from_dialect(FakeChannel(module), dialect)


def test_late_app_rdy_while_qgps_pending_is_not_a_reboot():
    """Quectel BG95 boot (docs/reference.md 5): RDY, then APP RDY later; commands are
    answered from RDY on. APP RDY arriving while AT+QGPS=1 waits is the same boot."""
    def script(data: bytes) -> list[bytes]:
        line = data.rstrip(b"\r").decode()
        if line == "AT+QGPS=1":
            return [b"\r\nAPP RDY\r\n", b"\r\nOK\r\n"]
        return [b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"] if line == "AT+CSQ" else [b"\r\nOK\r\n"]
    ch = FakeChannel(script)
    engine = AtEngine.from_dialect(ch, QUECTEL)
    ch.feed(b"\r\nRDY\r\n")
    assert engine.command("AT+QGPS=1").final == "OK"
    assert engine.command("AT+CSQ").lines == ("+CSQ: 20,99",)
    assert [u.line for u in engine.urcs.drain()] == ["RDY", "APP RDY"]
    assert engine.aligned


def test_late_app_rdy_without_its_rdy_still_waits_for_the_final():
    """The issue's case: RDY lost (flushed by the open), then APP RDY mid-command."""
    ch = FakeChannel(lambda d: [b"\r\nAPP RDY\r\n\r\nOK\r\n"] if d == b"AT+QGPS=1\r" else [])
    engine = AtEngine.from_dialect(ch, QUECTEL)
    assert engine.command("AT+QGPS=1").final == "OK"


def test_rdy_mid_command_is_a_reboot_and_the_late_final_goes_nowhere_wrong():
    module = LateModule({"AT+CSQ": ["+CSQ: 20,99", "OK"], "AT+CGSN": ["867730050000001", "OK"]})
    engine = engine_on(module)
    module.answers["AT+QGMR"] = ["RDY"]          # reboot banner, the real final comes late
    with pytest.raises(ModuleRebooted, match="RDY"):
        engine.command("AT+QGMR")
    module.owed.append(b"\r\nOK\r\n")            # ...just before the next line's answer
    assert not engine.aligned
    assert engine.command("AT+CSQ").lines == ("+CSQ: 20,99",)
    assert engine.command("AT+CGSN").lines == ("867730050000001",)
    assert engine.aligned and "OK" in [u.line for u in engine.urcs.drain() if u.name == "stray"]
    assert module.heard[-1] == "AT+CGSN" and "ATE0" not in module.heard   # echo left on


def test_late_final_after_a_timeout_never_shifts_replies():
    module = LateModule({"AT+CSQ": ["+CSQ: 20,99", "OK"], "AT+CGSN": ["867730050000001", "OK"],
                         "AT+COPS?": ['+COPS: 0,0,"NTN",14', "OK"]}, late={"AT+COPS?"})
    engine = engine_on(module)
    engine.command("ATE0")
    with pytest.raises(Timeout):
        engine.command("AT+COPS?", timeout_s=0.05)
    for _ in range(2):
        assert engine.command("AT+CSQ").lines == ("+CSQ: 20,99",)
        assert engine.command("AT+CGSN").lines == ("867730050000001",)
    assert not module.echo   # echo switched off again after the marker
    assert module.heard[-5:] == ["ATE0", "AT+CSQ", "AT+CGSN", "AT+CSQ", "AT+CGSN"]
    stray = [u.line for u in engine.urcs.drain()]
    assert '+COPS: 0,0,"NTN",14' in stray and "OK" in stray   # kept, not misrouted


def test_sync_after_a_reboot_takes_no_stale_ok():
    module = LateModule({"AT+CFUN=1": ["RDY"]})
    engine = engine_on(module)
    with pytest.raises(ModuleRebooted):
        engine.command("AT+CFUN=1")
    module.owed.append(b"\r\nOK\r\n")            # the abandoned command's final, late
    engine.sync(timeout_s=1.0)
    assert engine.aligned and module.heard[-1].startswith("ATE1E1")
    assert engine.urcs.get("banner").line == "RDY"


def waiting_for_cereg(q: UrcQueue) -> tuple[threading.Thread, list[BaseException]]:
    """A thread already waiting (30 s) for +CEREG on ``q``, and the PortGone it gets."""
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            q.get("cereg", timeout_s=30.0)
        except PortGone as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.1)
    return waiter, errors


def test_urc_wait_fails_fast_when_the_port_goes():
    q = UrcQueue()
    waiter, errors = waiting_for_cereg(q)
    t0 = time.monotonic()
    q.port_gone("ttyUSB2: port vanished")
    waiter.join(5.0)
    assert errors and "vanished" in str(errors[0]) and time.monotonic() - t0 < 1.0
    with pytest.raises(PortGone):
        q.get("cereg", timeout_s=30.0)           # while gone: at once, no 30 s wait


def test_a_waiter_from_before_a_restart_never_takes_the_new_modules_urc():
    q = UrcQueue()
    q.put(Unsolicited("cscon", "+CSCON: 1", {}))
    waiter, errors = waiting_for_cereg(q)
    # the port goes and comes back, and the restarted module's +CEREG is queued, all before
    # the waiter gets to look again: it must still fail
    with q.timebase.cond:
        q.port_gone("gone")
        q.port_back()
        q.put(Unsolicited("cereg", "+CEREG: 5", {}))
    waiter.join(5.0)
    assert errors and q.get("cereg").line == "+CEREG: 5"   # left for a new wait


def test_attach_wait_on_a_killed_module_raises_portgone_promptly(pty_peer):
    """Killing the module while attach() waits for +CEREG: PortGone, not a 40 s timeout."""
    nordic = load_dialect("nbntn-nordic")
    peer = pty_peer(lambda p, line, term: p.send_lines("OK"))
    t = Transport(peer.path, reconnect=False)
    engine = AtEngine.from_dialect(t, nordic)
    patterns = [u.name for u in engine.urc_patterns]
    assert "cereg" in patterns
    killer = threading.Timer(0.2, peer.vanish)
    killer.start()
    t0 = time.monotonic()
    with pytest.raises(PortGone):
        engine.urcs.get("cereg", timeout_s=40.0)
    assert time.monotonic() - t0 < 3.0
    t.close()


def test_one_megabyte_line_is_split_in_linear_time():
    """1 MB without a line end, then a reply: dropped as garbage in bounded time."""
    engine = AtEngine(FakeChannel(), urcs=[UrcPattern("x", re.compile(r"^\+X: "))])
    blob = b"A" * (1 << 20)
    t0 = time.process_time()
    for i in range(0, len(blob), 4096):
        engine.feed(blob[i:i + 4096])
    engine.feed(b"\r\n+X: 1\r\n")
    assert time.process_time() - t0 < 1.0
    assert engine.urcs.get("x").line == "+X: 1"
    assert engine.stats["garbage_bytes"] >= (1 << 20) - MAX_LINE_BYTES

"""Transport over real ptys: raw log, exclusive open, vanish and return, URL handlers."""
from __future__ import annotations

import os
import re
import resource
import threading
import time
import tty

import pytest
import serial

from at_bridge.at_engine import AtEngine
from at_bridge.dialect import load_dialect
from at_bridge.errors import PortGone, Timeout
from at_bridge.transport import Transport, read_available, read_raw_log


def answer_ok(peer, line, term):
    """OK to every AT line, echoing it after ATE1 (V.250 6.2.4; the engine's re-alignment
    marker needs the echo)."""
    if re.fullmatch(r"AT(E[01])+", line):
        peer.echo_on = line.endswith("1")
    if line.startswith("AT"):
        if getattr(peer, "echo_on", False):
            peer.send(line + "\r")
        peer.send_lines("OK")


def wait_for(predicate, timeout_s=3.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_raw_log_keeps_every_byte_in_and_out(pty_peer, tmp_path):
    peer = pty_peer(answer_ok)
    log = tmp_path / "port.rawlog"
    t = Transport(peer.path, log_path=log)
    engine = AtEngine(t)
    peer.send(b"\xff\x00garbage\r\n")
    engine.command("AT+CSQ", timeout_s=2.0)
    t.close()
    rows = read_raw_log(log)
    sent = b"".join(d for _, k, d in rows if k == "out")
    got = b"".join(d for _, k, d in rows if k == "in")
    assert sent == b"AT+CSQ\r" and got == b"\xff\x00garbage\r\n\r\nOK\r\n"
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert rows[0][1] == "evt" and rows[0][2].startswith("open")


def test_exclusive_open_refuses_a_second_opener(pty_peer):
    peer = pty_peer(answer_ok)
    t = Transport(peer.path)
    try:
        with pytest.raises(PortGone, match="cannot open"):
            Transport(peer.path)
    finally:
        t.close()


def test_port_vanishes_and_returns_at_the_same_link(pty_peer, tmp_path):
    link = tmp_path / "usb-Quectel_BG95-if02"   # a /dev/serial/by-id style symlink
    peer = pty_peer(answer_ok, link=link)
    states = []
    t = Transport(str(link), poll_min_s=0.02, poll_max_s=0.1)
    t.add_state_listener(states.append)
    engine = AtEngine(t)
    engine.command("AT", timeout_s=2.0)
    peer.vanish()
    assert wait_for(lambda: "gone" in states)
    with pytest.raises(PortGone, match="usb-Quectel"):
        engine.command("AT", timeout_s=1.0)
    peer.reappear()
    assert wait_for(lambda: states[-1:] == ["back"])
    engine.sync(timeout_s=3.0)
    t.close()


def test_port_vanishing_during_a_command_fails_it_clearly(pty_peer):
    peer = pty_peer(lambda p, line, term: p.vanish() if line == "AT+CFUN=1" else None)
    t = Transport(peer.path, reconnect=False)
    engine = AtEngine(t)
    with pytest.raises(PortGone, match="vanished"):
        engine.command("AT+CFUN=1", timeout_s=3.0)
    t.close()


def test_silent_module_is_a_timeout(pty_peer):
    peer = pty_peer()
    t = Transport(peer.path)
    with pytest.raises(Timeout, match="no final result within 0.2 s"):
        AtEngine(t).command("AT", timeout_s=0.2)
    t.close()


def test_loop_url_echoes_and_missing_device_is_portgone():
    t = Transport("loop://")
    got = []
    t.set_receiver(got.append)
    t.write(b"AT\r")
    assert wait_for(lambda: b"".join(got) == b"AT\r")
    t.close()
    with pytest.raises(PortGone, match="/dev/does-not-exist"):
        Transport("/dev/does-not-exist")
    assert serial.serial_for_url  # the transport goes through pyserial's URL handlers


def test_one_command_in_flight_per_channel(pty_peer):
    """Commands from several threads reach the module one at a time: when the module handles
    a line, no later command line has been written yet (it waits for this final result)."""
    seen = []

    def slow_ok(peer, line, term):
        seen.append((line, bytes(peer.received).count(b"\r"), len(seen) + 1))
        time.sleep(0.02)
        peer.send_lines("OK")

    peer = pty_peer(slow_ok)
    t = Transport(peer.path)
    engine = AtEngine(t)
    threads = [threading.Thread(target=engine.command, args=(f"AT+T{i}",)) for i in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    t.close()
    assert len(seen) == 5
    assert all(written == handled for _, written, handled in seen), seen


def test_unexpected_read_error_reports_gone_and_the_reader_lives_on():
    t = Transport("loop://", poll_min_s=0.01)
    states, got = [], []
    t.add_state_listener(states.append)
    t.set_receiver(got.append)
    real = t._read_chunk
    calls = iter([RuntimeError("driver bug"), None])

    def flaky(port):
        exc = next(calls, None)
        if exc is not None:
            raise exc
        return real(port)

    t._read_chunk = flaky
    assert wait_for(lambda: states == ["gone", "back"])
    t.write(b"AT\r")   # loop:// reopened: the thread still reads
    assert wait_for(lambda: b"".join(got) == b"AT\r")
    t.close()


def test_close_during_reconnect_leaves_no_open_port(pty_peer, tmp_path):
    link = tmp_path / "usb-module-if00"
    peer = pty_peer(answer_ok, link=link)
    t = Transport(str(link), poll_min_s=0.01)
    opened = []
    real_open = t._open_port

    def open_and_close_meanwhile():
        port = real_open()
        opened.append(port)
        t._closed.set()       # close() begins while the port is being reopened
        return port

    t._open_port = open_and_close_meanwhile
    peer.vanish()
    peer.reappear()
    assert wait_for(lambda: opened and not opened[0].is_open)
    t.close()


def test_banner_written_before_the_reopen_is_read_not_flushed(pty_peer, tmp_path):
    """pyserial's open discards received input (tcflush); a module that restarts prints its
    boot banner before the transport has reopened its port, so the transport must keep it."""
    link = tmp_path / "ttyNTN0"
    peer = pty_peer(answer_ok, link=link)
    t = Transport(str(link), poll_min_s=0.3, poll_max_s=0.3)   # the reopen comes 0.3 s late
    states = []
    t.add_state_listener(states.append)
    engine = AtEngine.from_dialect(t, load_dialect("nbntn-quectel"))
    peer.vanish()
    assert wait_for(lambda: "gone" in states)
    peer.reappear()
    peer.send_lines("RDY")               # before the transport opens the new pty
    assert wait_for(lambda: states[-1:] == ["back"])
    assert engine.urcs.get("banner", timeout_s=2.0).line == "RDY"
    t.close()


OPENS = 400
"""Opens right after a banner: TIOCINQ missed the banner in 100-137 of 3,000 such opens
here (about 3 %), so 400 opens miss at least once with probability above 1 - 0.97^400."""


def _write_then_set(fd: int, data: bytes, done: threading.Event) -> None:
    """The module host's side: write, then let the opener go (same emulated instant)."""
    os.write(fd, data)
    done.set()


def test_banner_written_an_instant_before_the_open_is_read_at_the_open():
    """The module host writes a banner and the runner opens the port in the same emulated
    instant; the kernel hands pty input to the line discipline in a work item, so the
    opening read must wait for that hand-over (the virtual clock does not count bytes written
    toward a port nobody had open; one read later would race the first command)."""
    banner = b"\r\n^SIMST: 1\r\n"
    missed = 0
    for _ in range(OPENS):
        master, slave = os.openpty()          # the host keeps the slave open (PtyPort)
        tty.setraw(slave)
        written = threading.Event()
        writer = threading.Thread(target=_write_then_set, args=(master, banner, written))
        writer.start()
        written.wait()
        fd = os.open(os.ttyname(slave), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        missed += read_available(fd) != banner
        writer.join()
        for f in (fd, slave, master):
            os.close(f)
    assert missed == 0


def test_ports_above_descriptor_1024_are_read(pty_peer):
    """select() cannot watch a descriptor >= FD_SETSIZE (1024); 256 modules with pyserial's
    five descriptors each pass it. The transport polls instead."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.fail(f"RLIMIT_NOFILE hard limit {hard} < 2048: cannot test descriptors > 1024")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    fillers = []
    try:
        while not fillers or fillers[-1] < 1100:
            fillers.append(os.dup(0 if not fillers else fillers[0]))
        peer = pty_peer(answer_ok)
        t = Transport(peer.path)
        assert AtEngine(t).command("AT", timeout_s=2.0).final == "OK"
        t.close()
    finally:
        for fd in fillers:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize("long_line", [False, True], ids=["short", "longer-than-the-window"])
def test_raw_log_from_an_offset_starts_at_that_offsets_line(tmp_path, monkeypatch, long_line):
    import at_bridge.transport as transport

    if long_line:   # the second line longer than the look-back window: found from the start
        monkeypatch.setattr(transport, "RAW_LOG_LINE_MAX", 8)
    lines = ["0.500000 evt open", "1.000000 in " + "41" * 20, "2.000000 out 0d",
             "3.000000 in 4f4b"]
    log = tmp_path / "port.rawlog"
    log.write_text("\n".join(lines) + "\n")
    whole = read_raw_log(log)
    at = [sum(len(x) + 1 for x in lines[:k]) for k in range(len(lines))]   # line starts
    assert read_raw_log(log, at[2]) == whole[2:]              # exactly at a line's start
    assert read_raw_log(log, at[1] + 5) == whole[1:]          # inside the second line
    assert read_raw_log(log, at[2] - 1) == whole[1:]          # on its newline
    assert read_raw_log(log, log.stat().st_size) == []        # nothing written since

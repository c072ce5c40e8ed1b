"""Faults on demand (ntnstack.terminals.faults): the spec syntax and each fault over a pty."""
from __future__ import annotations

import os
import time

import pytest
import serial

from ntnstack.errors import InputError
from ntnstack.terminals.at_engine import AtChannel, Reply
from ntnstack.terminals.faults import FaultPlan, parse_faults
from tests.terminals.conftest import Client


def test_parse_full_spec():
    plan = parse_faults("reboot-mid-command:0.1,garbage:0.05,urc-race,silent-after:30,"
                        "vanish-after:20:5")
    assert plan == FaultPlan(0.1, 0.05, 1.0, 30.0, 20.0, 5.0)
    assert parse_faults(None) == FaultPlan() and not FaultPlan().any


@pytest.mark.parametrize("spec,named", [
    ("garbage:1.5", "'garbage:1.5'"), ("garbage:x", "'garbage:x'"),
    ("flood:1", "unknown fault 'flood'"), ("vanish-after:3", "'vanish-after:3'"),
    ("urc-race,silent-after:-1", "'silent-after:-1'")])
def test_bad_items_are_named(spec, named):
    with pytest.raises(InputError, match=named.replace("(", r"\(")):
        parse_faults(spec)


def test_reboot_mid_command_resets_state_and_prints_the_banner(rig):
    m = rig.module("nbntn-quectel", faults=parse_faults("reboot-mid-command:1"))
    rig.start()
    c = rig.client(m)
    c.raw(b"AT+CMEE=1\r")
    c.wait("^RDY$")
    c.wait("^APP RDY$")
    assert "OK" not in c.lines                       # the command never got its answer
    assert m.events("fault reboot during +CMEE") and m.channel.cmee == 0
    assert m.boot_count == 2


def test_garbage_bursts_before_lines(rig):
    m = rig.module("nbntn-generic", faults=parse_faults("garbage:1"), seed=3)
    rig.start()
    c = rig.client(m)
    body, final = c.cmd("AT+CGMI")
    assert final == "OK" and m.spec.identity["manufacturer"] in body
    junk = [x for x in body if x != m.spec.identity["manufacturer"]]
    assert junk and m.events("fault garbage")


def test_urc_race_before_and_after_the_response(rig):
    m = rig.module("nbntn-generic", faults=parse_faults("urc-race"))
    rig.start()
    c = rig.client(m)
    c.cmd("ATE0")                       # race 1: after
    c.pending.clear()
    c.raw(b"AT+CEREG?\r")               # race 2: before the response line
    c.wait(r"^OK$")
    c.raw(b"AT+CEREG?\r")               # race 3: after the final result
    c.wait(r"^OK$")
    c.wait(r"^\+CEREG: \d$")
    seq = [x for x in c.lines if x.startswith("+CEREG") or x == "OK"]
    # URC "+CEREG: <stat>" (27.007 10.1.22, n=1 form) next to the read "+CEREG: <n>,<stat>".
    assert seq == ["OK", "+CEREG: 0",                  # ATE0, URC after
                   "+CEREG: 0", "+CEREG: 0,0", "OK",   # URC before the response line
                   "+CEREG: 0,0", "OK", "+CEREG: 0"]   # URC right after the final result


def test_silent_after(rig):
    m = rig.module("nbntn-generic", faults=parse_faults("silent-after:100"))
    rig.start()
    c = rig.client(m)
    assert c.cmd("AT")[1] == "OK"
    while rig.host.now() < 101:
        time.sleep(0.02)
    with pytest.raises(AssertionError, match="no final result"):
        c.cmd("AT", timeout_s=0.3)


def test_vanish_and_return_keeps_the_link(rig, tmp_path):
    link = str(tmp_path / "ttyNTN0")
    m = rig.module("nbntn-nordic", faults=parse_faults("vanish-after:100:30"), port_link=link)
    rig.start()
    rig.ready(m)
    c = Client(serial.Serial(link, 115200, timeout=0.05))
    assert c.cmd("AT")[1] == "OK"
    while not m.events("fault vanish"):
        time.sleep(0.01)
    with pytest.raises((serial.SerialException, OSError, AssertionError)):
        c.cmd("AT", timeout_s=0.2)     # EIO from a hung-up pty, or nothing at all
    c.close()
    assert not os.path.lexists(link) or m.events("fault return")   # gone while unplugged
    while not m.events("fault return"):
        time.sleep(0.01)
    assert os.path.realpath(link) == m.path
    rig.ready(m)
    c2 = Client(serial.Serial(link, 115200, timeout=0.05))
    rig.clients.append(c2)
    assert c2.cmd("AT")[1] == "OK"


@pytest.mark.parametrize("line", [b"AT" + b";" * (1 << 20), b'AT+X="' + b"a;" * (1 << 19) + b'"',
                                  b"AT" + b"E0" * (1 << 16)])
def test_one_megabyte_line_costs_the_module_linear_time(line):
    """A 1 MB command line (garbage from a client) is parsed in one pass: the quadratic
    split took 20 s of CPU for it (issue 14); linear parsing takes well under 5 s."""
    out: list[bytes] = []
    channel = AtChannel(out.append, lambda ch, cmd: Reply(), echo=False)
    t0 = time.process_time()
    channel.feed(line + b"\r")
    assert time.process_time() - t0 < 5.0
    assert b"".join(out).endswith(b"\r\nOK\r\n")

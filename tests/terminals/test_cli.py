"""``ntnstack module serve`` as a process: prints the device, keeps --link, exits cleanly on
SIGTERM / SIGINT removing the link; bad options exit 2 with one line naming the option."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.terminals.conftest import Client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def booted(device: str) -> Client:
    """A client once the module answers AT (input is ignored while it boots)."""
    c = Client(device)
    deadline = time.monotonic() + 10
    while True:
        try:
            c.cmd("AT", timeout_s=0.5)
            return c
        except AssertionError:
            assert time.monotonic() < deadline, f"{device} never answered AT"


def serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ntnstack", "module", "serve", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_device_keeps_the_link_and_exits_cleanly(tmp_path, sig):
    link = str(tmp_path / "ttyQ")
    proc = serve("--family", "nbntn-quectel", "--link", link, "--speed", "100")
    try:
        device = proc.stdout.readline().strip()
        assert device.startswith("/dev/pts/") and os.path.realpath(link) == device
        c = booted(link)
        assert c.cmd("AT+CGMM") == (["BG95-S5"], "OK")
        c.close()
    finally:
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    assert not os.path.lexists(link)


def test_journal_lines_carry_emulated_time_and_events(tmp_path):
    journal = tmp_path / "journal.jsonl"
    proc = serve("--family", "nbntn-generic", "--speed", "100", "--journal", str(journal))
    try:
        c = booted(proc.stdout.readline().strip())
        c.cmd("AT+CGMI")
        c.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    rows = [json.loads(x) for x in journal.read_text().splitlines()]
    assert {"t_s", "port", "kind", "text"} <= set(rows[0])
    assert [r["text"] for r in rows if r["kind"] == "event"][:2] == ["boot", "ready"]
    assert any(r["kind"] == "rx" and "AT+CGMI" in r["text"] for r in rows)
    times = [r["t_s"] for r in rows]
    assert times == sorted(times)


def test_two_modules_on_one_network_call_each_other(tmp_path):
    link = str(tmp_path / "tt")
    proc = serve("--family", "tiantong", "--count", "2", "--link", link, "--speed", "100")
    try:
        a, b = proc.stdout.readline().strip(), proc.stdout.readline().strip()
        assert os.path.realpath(link + "-0") == a and os.path.realpath(link + "-1") == b
        ca, cb = booted(a), booted(b)
        number = cb.cmd("AT+CNUM")[0][0].split('"')[1]
        for c in (ca, cb):
            deadline = time.monotonic() + 10
            while c.cmd("AT+CREG?")[0] != ["+CREG: 0,1"]:
                assert time.monotonic() < deadline, "no registration"
        assert ca.cmd(f"ATD{number};")[1] == "OK"
        cb.wait("^RING$")
        ca.close()
        cb.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert not os.path.lexists(link + "-0")


def test_serve_with_an_orbit_spec_geo_slot():
    proc = serve("--family", "tiantong", "--sat", "geo:101.4", "--ue", "39.9,116.4,50",
                 "--speed", "100")
    try:
        device = proc.stdout.readline().strip()
        c = booted(device)
        deadline = time.monotonic() + 10
        while c.cmd("AT+CREG?")[0] != ["+CREG: 0,1"]:
            assert time.monotonic() < deadline, "no registration with the GEO slot"
            time.sleep(0.05)
        c.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_serve_a_scenario_terminal_with_its_numbers():
    scenario = os.path.join(ROOT, "ntnstack", "configs", "scenarios", "default.yaml")
    proc = serve("--family", "tiantong", "--scenario", scenario, "--terminal", "tt-lhasa",
                 "--speed", "100")
    try:
        device = proc.stdout.readline().strip()
        c = booted(device)
        # tt-lhasa's identity in ntnstack/configs/scenarios/default.yaml; 129: no "+" (27.007 7.1)
        assert c.cmd("AT+CNUM")[0] == ['+CNUM: ,"17400000002",129']
        c.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("args,named", [
    (["--family", "nbntn-foo"], "--family"),
    (["--family", "tiantong", "--faults", "garbage:2"], "'garbage:2'"),
    (["--family", "tiantong", "--ue", "91,0,0"], "--ue"),
    (["--family", "tiantong", "--sat", "fixed:x:1"], "--sat"),
    (["--family", "tiantong", "--speed", "fast"], "--speed"),
    (["--family", "nbntn-generic", "--search-s", "-1"], "--search-s"),
    (["--family", "tiantong", "--journal", "/nonexistent/dir/j.jsonl"], "--journal"),
    # nb-geo of the default scenario is an nbntn-nordic module, not a Tiantong one
    (["--family", "tiantong", "--scenario", os.path.join(ROOT, "ntnstack", "configs",
                                                         "scenarios", "default.yaml"),
      "--terminal", "nb-geo"], "is nbntn-nordic, not --family tiantong")])
def test_bad_input_exits_2_naming_the_option(args, named):
    proc = serve(*args)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert named in err and len(err.strip().splitlines()) == 1

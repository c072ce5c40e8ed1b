"""ModemManager 1.20 (a real client we did not write) against a virtual module of every AT
family: probe, enable, registration and its access technology, signal, SMS out and back.

ModemManager runs on a private D-Bus daemon (``--test-session --test-enable --test-no-udev
--debug``); a module is added through its Test interface (SetProfile, generic plugin), whose
virtual ports are unix stream sockets (mm-base-modem.c base_modem_create_virtual_port), so a
bridge thread joins the socket to the module's pty. mmcli reaches the private daemon through
DBUS_SYSTEM_BUS_ADDRESS. The module gets its position with ``mmcli --command`` (debug mode)
as a host would; then ModemManager alone drives it.

What ModemManager 1.20 does with each family follows from the family table: it parses the
<AcT> of +CREG / +CEREG as one digit (mm-modem-helpers.c creg_regex), so a module that
reports the Rel-17 satellite value 14 never reaches "registered" for it ("searching", or
"enabled" when it registered first) although the module is registered, and SMS still goes
out and comes back (the module checks its own registration); a module with no or a
one-digit <AcT> reaches "registered".
"""
from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import threading
import time
import tty

import pytest

from tests.terminals.conftest import Rig
from tests.terminals.test_gsmmodem import LOCATION

SPEED = 50.0
"""Emulated seconds per real second: the 54 s GEO attach takes about 1 s (ModemManager has
its own real-time timeouts and no part in the virtual clock)."""
MM_START_S = 20.0
"""Real seconds for ModemManager to probe a module and export it (about 5 s seen)."""
STATE_S = 30.0
"""Real seconds for a state ModemManager reaches by polling (registration, signal, SMS)."""
MM_ONE_DIGIT_ACT = range(10)
"""<AcT> values ModemManager 1.20 parses (creg_regex: ``0*([0-9])`` before the line end)."""
MM_ACCESS_TECH = {None: [], 7: ["lte"], 9: ["lte"]}
"""mm-modem-helpers.c get_mm_access_tech_from_etsi_access_tech (7 E-UTRAN, 9 NB-S1); no
<AcT> (Tiantong +CREG) leaves it unknown (an empty list in mmcli)."""


class SocketBridge:
    """A unix stream socket at ``path`` joined byte for byte to the pty ``device``."""

    def __init__(self, path: str, device: str) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.device = device
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.server], [], [], 0.1)
            if ready:
                conn, _ = self.server.accept()
                self._join(conn)

    def _join(self, conn: socket.socket) -> None:
        fd = os.open(self.device, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        try:
            while not self.stop.is_set():
                ready, _, _ = select.select([conn, fd], [], [], 0.1)
                if conn in ready:
                    data = conn.recv(4096)
                    if not data:
                        return
                    os.write(fd, data)
                if fd in ready:
                    conn.sendall(os.read(fd, 4096))
        finally:
            os.close(fd)
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.server.close()


class ModemManager:
    """A private D-Bus daemon with ModemManager on it, and mmcli toward it."""

    def __init__(self, tools: dict, workdir) -> None:
        self.tools, self.workdir = tools, workdir
        self.bus = subprocess.Popen([tools["dbus-daemon"], "--session", "--nofork",
                                     "--print-address=1"], stdout=subprocess.PIPE, text=True)
        address = self.bus.stdout.readline().strip()
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address,
                        DBUS_SYSTEM_BUS_ADDRESS=address)
        self.log = open(workdir / "mm.log", "w")  # noqa: SIM115 - closed in close()
        self.daemon = subprocess.Popen(
            [tools["ModemManager"], "--test-session", "--test-enable", "--test-no-udev",
             "--debug", "--log-level=DEBUG"], env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT)
        self._until(lambda: self._call_ok(["mmcli", "-L"]), MM_START_S, "ModemManager on D-Bus")

    def _call_ok(self, argv) -> bool:
        return subprocess.run([self.tools[argv[0]], *argv[1:]], env=self.env,
                              capture_output=True, timeout=30).returncode == 0

    def mmcli(self, *args: str) -> dict:
        out = subprocess.run([self.tools["mmcli"], "-J", *args], env=self.env, text=True,
                             capture_output=True, timeout=60)
        assert out.returncode == 0, f"mmcli {' '.join(args)}: {out.stderr.strip()}"
        return json.loads(out.stdout) if out.stdout.startswith("{") else {"text": out.stdout}

    def command(self, path: str, line: str) -> str:
        """``mmcli --command`` (debug mode): the module's response text."""
        out = subprocess.run([self.tools["mmcli"], "-m", path, f"--command={line}"],
                             env=self.env, text=True, capture_output=True, timeout=60)
        assert out.returncode == 0, f"mmcli --command={line}: {out.stderr.strip()}"
        return out.stdout

    def add(self, name: str, socket_path: str) -> str:
        """SetProfile on the Test interface; the modem's object path once exported."""
        subprocess.run([self.tools["gdbus"], "call", "--session", "--dest",
                        "org.freedesktop.ModemManager1", "--object-path",
                        "/org/freedesktop/ModemManager1", "--method",
                        "org.freedesktop.ModemManager1.Test.SetProfile", name, "generic",
                        f"['{socket_path}']"], env=self.env, check=True, timeout=30,
                       capture_output=True)
        found: list[str] = []

        def exported() -> bool:
            for path in self.mmcli("-L").get("modem-list", []):
                if self.mmcli("-m", path)["modem"]["generic"]["device"] == f"/virtual/{name}":
                    found.append(path)
                    return True
            return False
        self._until(exported, MM_START_S, f"modem {name} exported")
        return found[0]

    @staticmethod
    def _until(predicate, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.25)
        raise AssertionError(f"{what}: not reached in {timeout_s} s")

    def wait(self, predicate, what: str, timeout_s: float = STATE_S) -> None:
        self._until(predicate, timeout_s, what)

    def close(self) -> None:
        for proc in (self.daemon, self.bus):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.log.close()


@pytest.fixture
def modem_manager(require_tool, tmp_path):
    tools = {name: require_tool(name) for name in ("dbus-daemon", "ModemManager", "mmcli",
                                                    "gdbus")}
    mm = ModemManager(tools, tmp_path)
    yield mm
    mm.close()


AT_FAMILIES = ["nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "nbntn-sierra",
               "tiantong"]
POSITION = {**LOCATION, "nbntn-murata": 'AT%IGNSSCFG="SET","POS","39.9","116.4","50",10'}
"""How each family is given its position (test_gsmmodem.py, test_registration.py)."""


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_modemmanager_drives_the_module(modem_manager, tmp_path, family):
    mm = modem_manager
    rig = Rig(speed=SPEED)
    m = rig.module(family)
    rig.start()
    rig.ready(m)
    # ModemManager probes at once: let every boot banner out first (a Quectel's APP RDY
    # comes 3 s after RDY, and ModemManager read it inside the AT+CGMM reply)
    rig.wait(max((after_s for _, after_s in m.spec.banner), default=0.0))
    bridge = SocketBridge(str(tmp_path / "module.sock"), m.path)
    try:
        _probe_enable_register_signal_sms(mm, m, family, str(tmp_path / "module.sock"))
    finally:
        bridge.close()
        rig.close()


def _probe_enable_register_signal_sms(mm: ModemManager, m, family: str, sock: str) -> None:
    path = mm.add("ntn0", sock)
    generic = mm.mmcli("-m", path)["modem"]["generic"]
    assert generic["manufacturer"] == m.spec.identity["manufacturer"]
    assert generic["model"] == m.spec.identity["model"]
    assert mm.mmcli("-m", path)["modem"]["3gpp"]["imei"] == m.identity.imei
    if m.spec.kind == "nbntn":
        # +WS46=? (28): E-UTRAN only, TS 27.007 5.9
        assert generic["supported-modes"] == ["allowed: 4g; preferred: none"]

    if POSITION[family]:
        mm.command(path, POSITION[family])
    mm.mmcli("-m", path, "--enable")
    mm.wait(lambda: m.registered, f"{family} registered (module side)")

    act = m.spec.act

    def state() -> dict:
        return mm.mmcli("-m", path)["modem"]
    if act is None or act in MM_ONE_DIGIT_ACT:
        mm.wait(lambda: state()["3gpp"]["registration-state"] in ("home", "roaming"),
                "ModemManager sees the registration")
        assert state()["generic"]["access-technologies"] == MM_ACCESS_TECH[act]
        # ModemManager's signal quality: +CSQ <rssi> 0-31 as a percentage, rssi * 100 / 31
        quality = int(m.signal().csq_rssi * 100 / 31)
        mm.wait(lambda: int(state()["generic"]["signal-quality"]["value"]) == quality,
                f"signal quality {quality} % from +CSQ")
    else:
        # the module is registered with <AcT> 14; ModemManager 1.20 cannot read it: it stays
        # "searching", or "enabled" when the module registered before it was enabled
        time.sleep(3.0)
        assert state()["generic"]["state"] in ("searching", "enabled")
        assert state()["3gpp"]["registration-state"] not in ("home", "roaming")

    mm.mmcli("-m", path, "--signal-setup=1")
    if m.spec.kind == "nbntn":
        mm.wait(lambda: mm.mmcli("-m", path, "--signal-get")["modem"]["signal"]["lte"]
                ["rsrp"] not in ("--", ""), "ModemManager reads +CESQ")
        rsrp = float(mm.mmcli("-m", path, "--signal-get")["modem"]["signal"]["lte"]["rsrp"])
        # +CESQ <rsrp> steps of 1 dB (TS 27.007 8.69): within one step of the module's RSRP
        assert abs(rsrp - m.signal().rsrp_dbm) <= 1.0, (rsrp, m.signal().rsrp_dbm)

    number = m.identity.msisdn
    created = mm.mmcli("-m", path, f"--messaging-create-sms=text='over the satellite',"
                                   f"number='{number}'")
    sms_path = re.search(r"/org/freedesktop/ModemManager1/SMS/\d+", created["text"])[0]
    mm.mmcli("-s", sms_path, "--send")
    mm.wait(lambda: any(_received(mm.mmcli("-s", p)["sms"], "over the satellite", number)
                        for p in mm.mmcli("-m", path, "--messaging-list-sms")
                        ["modem.messaging.sms"]), "the SMS came back (echo)")


def _received(sms: dict, text: str, number: str) -> bool:
    """An SMS-DELIVER from ``number`` ModemManager read from the module's store with
    ``text``."""
    return sms["content"]["text"] == text and sms["properties"]["pdu-type"] == "deliver" \
        and sms["properties"]["state"] == "received" and sms["content"]["number"] == number


def test_ci_installs_every_tool_the_tests_run():
    """Each Debian package of tests/conftest.py CI_TOOLS is on .ci/run's apt-get line, so a
    missing tool fails in CI instead of skipping."""
    from pathlib import Path

    from tests.conftest import CI_TOOLS
    run = (Path(__file__).parents[2] / ".ci" / "run").read_text()
    apt = run[run.index("apt-get install"):].split(">/dev/null")[0].replace("\\\n", " ").split()
    assert set(CI_TOOLS.values()) <= set(apt)

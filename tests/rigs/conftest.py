"""A rig farm on loopback: a real labgrid coordinator and exporter, virtual modules on their
own ptys (``ntnstack module serve``) behind a real ser2net, and two places rig-a and rig-b
(one Tiantong module each, tags family=tiantong and rig=a / rig=b). rig-a also exports a
NetworkPowerPort of labgrid's ``simplerest`` model, served by :class:`PowerRelays` in the
test process: switching it off kills the module's process (a power cut: its pty and link
vanish), switching it on starts the module again."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.bridge.test_rfc2217 import free_port

HERE = Path(__file__).parent
SCENARIO = str(HERE / "tiantong-one.yaml")
HOLD = str(HERE / "hold-30s.yaml")
HOST = "lab-host"           # LG_HOSTNAME of every client here: holders read "lab-host/<user>"
MODULE_SPEED = 20           # emulated seconds per real second of the virtual modules
START_S = 30                # real seconds any process of the farm may take to come up


def wait_for(what: str, ready, timeout_s: float = START_S, proc=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what} exited:\n{proc.log.read_text()}")
        time.sleep(0.1)
    raise AssertionError(f"{what}: not ready after {timeout_s} s")


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class PowerRelays(ThreadingHTTPServer):
    """labgrid's ``simplerest`` power model (labgrid/driver/power/simplerest.py) on loopback:
    ``GET /relay/<index>/<1|0>`` switches relay ``index`` on / off through ``switch(index,
    on)``, ``GET /relay/<index>`` reads it ("1" / "0"). ``log`` keeps every switching as
    (index, on)."""

    def __init__(self, switch: Callable[[int, bool], None]):
        super().__init__(("127.0.0.1", 0), _RelayHandler)
        self.switch, self.state, self.log = switch, {}, []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The NetworkPowerPort host of the simplerest model."""
        return f"http://127.0.0.1:{self.server_address[1]}/relay/{{index}}/{{value}}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _RelayHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        parts = self.path.strip("/").split("/")
        relays: PowerRelays = self.server
        if len(parts) == 3 and parts[0] == "relay" and parts[2] in ("0", "1"):
            index, on = int(parts[1]), parts[2] == "1"
            relays.switch(index, on)
            relays.state[index] = on
            relays.log.append((index, on))
            body = b"ok"
        elif len(parts) == 2 and parts[0] == "relay":
            body = b"1" if relays.state.get(int(parts[1]), True) else b"0"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):   # quiet: the test reads relays.log
        pass


def relay_command(relays: PowerRelays, index: int) -> str:
    """A testbed ``power:`` command switching relay ``index`` (tests/rigs/power_relay.py)."""
    return f"{sys.executable} {HERE / 'power_relay.py'} {relays.url} {index}"


class Farm:
    """The processes of the farm and helpers to drive it like a user would."""

    def __init__(self, tmp: Path, tools: dict[str, str]):
        self.tmp, self.tools = tmp, tools
        self.procs: list[subprocess.Popen] = []
        self.coordinator = f"127.0.0.1:{free_port()}"
        self.serial_ports: dict[str, int] = {}
        self.runs = 0
        self.modules: dict[str, subprocess.Popen] = {}
        self.relays = PowerRelays(self.switch)   # relay 0: the module of rig-a

    def spawn(self, cmd: list[str]) -> subprocess.Popen:
        """Start a process of the farm; its output goes to a log file beside it."""
        log = self.tmp / f"{Path(cmd[0]).name}-{len(self.procs)}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp)
        proc.log = log
        self.procs.append(proc)
        return proc

    def env(self, user: str) -> dict[str, str]:
        return {**os.environ, "LG_COORDINATOR": self.coordinator, "LG_HOSTNAME": HOST,
                "LG_USERNAME": user}

    def client(self, *args: str, user: str = "admin") -> str:
        res = subprocess.run([self.tools["labgrid-client"], *args], capture_output=True,
                             text=True, env=self.env(user), timeout=60, cwd=self.tmp)
        assert res.returncode == 0, f"labgrid-client {' '.join(args)}: {res.stderr}"
        return res.stdout

    def start(self) -> None:
        port = int(self.coordinator.rsplit(":", 1)[1])
        coord = self.spawn([self.tools["labgrid-coordinator"], "-l", self.coordinator])
        wait_for("labgrid-coordinator", lambda: listening(port), proc=coord)
        connections = []
        for rig in ("a", "b"):
            link = self.serve(rig)
            self.serial_ports[rig] = free_port()
            connections.append(f"connection: &rig{rig}\n"
                               f"  accepter: telnet(rfc2217),tcp,127.0.0.1,"
                               f"{self.serial_ports[rig]}\n"
                               f"  connector: serialdev,{link},115200n81,local\n"
                               "  options:\n    kickolduser: true\n")
        (self.tmp / "ser2net.yaml").write_text("%YAML 1.1\n---\n" + "".join(connections))
        s2n = self.spawn([self.tools["ser2net"], "-n", "-u", "-c", str(self.tmp / "ser2net.yaml"),
                          "-P", str(self.tmp / "ser2net.pid")])
        for port in self.serial_ports.values():
            wait_for("ser2net", lambda p=port: listening(p), proc=s2n)
        power = (f"  power:\n    cls: NetworkPowerPort\n    model: simplerest\n"
                 f"    host: '{self.relays.url}'\n    index: 0\n")
        (self.tmp / "exporter.yaml").write_text("".join(
            f"rig-{rig}:\n  tt-a:\n    cls: NetworkSerialPort\n    host: 127.0.0.1\n"
            f"    port: {port}\n    speed: 115200\n    protocol: rfc2217\n"
            + (power if rig == "a" else "") for rig, port in self.serial_ports.items()))
        exporter = self.spawn([self.tools["labgrid-exporter"], "-c", self.coordinator,
                               "-n", "righost", "--hostname", "127.0.0.1",
                               str(self.tmp / "exporter.yaml")])
        wait_for("labgrid-exporter",
                 lambda: self.client("resources").count("/NetworkSerialPort") == 2, proc=exporter)
        for rig in ("a", "b"):
            place = f"rig-{rig}"
            self.client("-p", place, "create")
            self.client("-p", place, "add-match", f"righost/{place}/NetworkSerialPort")
            if rig == "a":
                self.client("-p", place, "add-match", f"righost/{place}/NetworkPowerPort")
            self.client("-p", place, "set-tags", "family=tiantong", f"rig={rig}")

    def serve(self, rig: str, faults: str | None = None) -> Path:
        """Start the virtual module of place rig-<rig> on its own pty (with ``--faults``);
        its link path."""
        link = self.tmp / f"tt-{rig}"
        module = self.modules[rig] = self.spawn(
            [sys.executable, "-m", "ntnstack", "module", "serve", "--family", "tiantong",
             "--link", str(link), "--speed", str(MODULE_SPEED), "--serial", str(ord(rig)),
             *(["--faults", faults] if faults else [])])
        wait_for(f"module {link}", link.exists, proc=module)
        return link

    def switch(self, index: int, on: bool) -> None:
        """Relay ``index`` (0: rig-a's module): off kills the module's process as a power
        cut does (no goodbye; its pty goes, and with it the link), on boots it again."""
        rig = "ab"[index]
        if on:
            if self.modules[rig].poll() is not None:
                self.serve(rig)
            return
        self.modules[rig].kill()
        self.modules[rig].wait(timeout=30)
        (self.tmp / f"tt-{rig}").unlink(missing_ok=True)

    def power_cycle(self, rig: str) -> None:
        """Restart the module of rig-<rig> (a killed run may leave it in 27.010 CMUX mode);
        ser2net opens the new pty through the same link at the next connection."""
        module = self.modules[rig]
        module.send_signal(signal.SIGTERM)
        module.wait(timeout=30)
        wait_for("old link removed", lambda: not (self.tmp / f"tt-{rig}").exists())
        self.serve(rig)

    def holder(self, place: str) -> str | None:
        """labgrid-client's view: who holds ``place`` (None: free)."""
        for line in self.client("-p", place, "show").splitlines():
            key, _, value = line.strip().partition(": ")
            if key == "acquired":
                return None if value in ("None", "") else value
        raise AssertionError(f"no 'acquired' line for {place}")

    def run(self, *args: str, user: str) -> subprocess.Popen:
        """``ntnstack run`` as ``user`` on the farm (JSON result on stdout)."""
        self.runs += 1
        return subprocess.Popen([sys.executable, "-m", "ntnstack", "run", *args, "--json",
                                 "--out", str(self.tmp / f"run-{self.runs}")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env(user))

    def stop(self) -> None:
        self.relays.stop()
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def finished(proc: subprocess.Popen, timeout_s: float = 120) -> tuple[int, dict | None, str]:
    """Exit status, the JSON result (None when there is none) and stderr of a run."""
    out, err = proc.communicate(timeout=timeout_s)
    return proc.returncode, (json.loads(out) if out.strip() else None), err


@pytest.fixture(scope="module")
def farm(require_tool, tmp_path_factory):
    """One farm for the tests of a module (it takes tens of seconds to come up)."""
    bin_dir = Path(sys.executable).parent   # labgrid's programs come with its package
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        tools = {tool: require_tool(tool) for tool in
                 ("labgrid-coordinator", "labgrid-exporter", "labgrid-client", "ser2net")}
    f = Farm(tmp_path_factory.mktemp("farm"), tools)
    try:
        f.start()
        yield f
    finally:
        f.stop()


@pytest.fixture(autouse=True)
def free_places(request):
    """After each test of the farm, every place is free again (whoever held it)."""
    yield
    if "farm" in request.fixturenames:
        f = request.getfixturevalue("farm")
        for place in ("rig-a", "rig-b"):
            if f.holder(place):
                f.client("-p", place, "release", "--kick")

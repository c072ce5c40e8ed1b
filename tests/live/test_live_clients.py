"""``ntnstack live`` and its awkward clients: slow, stalled, vanished, sending deep JSON or
many requests, each met with a real websockets client (or a raw socket speaking RFC 6455
where the library would not misbehave) against the real service on a scaled clock."""
import asyncio
import base64
import json
import logging
import os
import socket
import subprocess
import threading
import time

import pytest
import websockets

import ntnstack.live.server as server
from ntnstack.clock import Clock
from ntnstack.live import LiveCells
from ntnstack.live.service import LiveService
from ntnstack.runner.world import World
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.live.clients import CLI, ScaledService, collect

SCENARIO = load_scenario([default_scenario_path()])
START = SCENARIO.start_unix_s
GET = json.dumps({"type": "get"})
STOP_LIMIT_S = 7.0   # docs/live.md "Stopping": 5 s for the queues + 2 s closing handshake


def _raw_client(port: int) -> socket.socket:
    """A TCP connection past the WebSocket handshake (RFC 6455 4.1) that reads nothing more
    by itself; a 4 KiB receive buffer, so that the server's messages back up soon."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: "
                 f"Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                 .encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def _masked_text_frame(text: str) -> bytes:
    """One client-to-server text frame (FIN, opcode 1, masked: RFC 6455 5.2), < 126 bytes."""
    payload, mask = text.encode(), os.urandom(4)
    assert len(payload) < 126
    return bytes([0x81, 0x80 | len(payload)]) + mask + \
        bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_json_nested_too_deeply_is_an_error_and_the_connection_stays_up():
    # 30,000 levels in 60 kB: under the 64 KiB request limit, beyond json's recursion limit
    service = ScaledService(LiveCells(SCENARIO, ["geo-cell"]), START, 1.0, 5.0)
    got = asyncio.run(collect(service.port, send=["[" * 30000 + "]" * 30000, GET]))
    service.thread.join(60)
    errors = [m["error"] for m in got if m["type"] == "error"]
    assert errors == ["JSON nested too deeply to be a request"]
    after = got[[m["type"] for m in got].index("error") + 1:]
    assert any(m["type"] == "state" and m["reason"] == "get" for m in after)


def test_a_client_gone_without_a_close_frame_is_one_info_line(caplog):
    caplog.set_level(logging.INFO, logger="ntnstack.live")
    service = ScaledService(LiveCells(SCENARIO, ["geo-cell"]), START, 1.0, 3.0)
    sock = _raw_client(service.port)
    peer = "{}:{}".format(*sock.getsockname())
    sock.close()                       # TCP FIN, no WebSocket close frame
    service.thread.join(60)
    assert not service.thread.is_alive()
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []
    mine = [r.getMessage() for r in caplog.records if r.name == "ntnstack.live"]
    assert len(mine) == 1 and peer in mine[0] and "without closing" in mine[0]


def test_a_reader_behind_the_keepalive_pings_is_not_cut_off(monkeypatch):
    # The service's keepalive on a time scale 200 times shorter (20 s -> 0.1 s; a ping
    # timeout, if the service had one, likewise): a reader that stops for 4 s lets ~40 pings
    # and their pongs wait behind the queued messages, as a reader 450 messages behind at
    # 20 s pings does. Only the backlog limit (10,000 messages) may cut it off.
    defaults = {"ping_interval": 20.0, "ping_timeout": 20.0}    # websockets' own defaults
    for option, default in defaults.items():
        value = server.SERVE_OPTIONS.get(option, default)
        if value is not None:
            monkeypatch.setitem(server.SERVE_OPTIONS, option, value / 200.0)
    assert server.SERVE_OPTIONS["ping_interval"] == pytest.approx(0.1)
    # scaled:50 and 5.12 s SIB periods: ~10 updates per real second, 40 queued while stalled
    service = ScaledService(LiveCells(SCENARIO, ["geo-cell"]), START, 50.0, 400.0)

    async def stalled_reader():
        async with websockets.connect(f"ws://127.0.0.1:{service.port}", max_queue=2) as ws:
            await asyncio.sleep(4.0)
            got = []
            try:
                async for raw in ws:
                    got.append(json.loads(raw))
            except websockets.ConnectionClosed:
                pass
            return got, ws.close_code, ws.close_reason

    got, code, reason = asyncio.run(stalled_reader())
    service.thread.join(60)
    assert (code, reason) == (1001, "")       # the service's end (going away), not 1011
    times = [m["t_unix_s"] for m in got]
    assert times == sorted(times) and times[-1] > START + 300.0


def test_every_get_is_answered_while_updates_stream():
    # scaled:500: a SIB update every ~10 ms real, often queued while an answer is computed
    service = ScaledService(LiveCells(SCENARIO, ["geo-cell"]), START, 500.0, 30000.0)

    async def asker():
        async with websockets.connect(f"ws://127.0.0.1:{service.port}") as ws:
            answers, last_t = [], 0.0
            for _ in range(60):
                await ws.send(GET)
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    assert msg["t_unix_s"] >= last_t        # time order still holds
                    last_t = msg["t_unix_s"]
                    if msg["reason"] == "get":
                        answers.append(msg)
                        break
            return answers

    answers = asyncio.run(asker())
    service.thread.join(120)
    assert len(answers) == 60 and all(m["cell"] == "geo-cell" for m in answers)


def test_a_stalled_client_holds_the_stop_only_for_the_drain_and_close_limits(monkeypatch):
    built = []

    class Recorded(server.LiveServer):
        def __init__(self, *args):
            super().__init__(*args)
            built.append(self)

    monkeypatch.setattr(server, "LiveServer", Recorded)
    service = LiveService(SCENARIO, "127.0.0.1", 0)
    service.prepare(World(SCENARIO))
    service.start(Clock("scaled", 10.0, start_unix_s=START))
    sock = _raw_client(service.port)
    # 4,000 requests (80 kB, taken by the sockets' buffers at once): 8,000 messages (~12 MB,
    # below the 10,000 of the backlog limit) for a 4 KiB receive buffer; wait until 1,000
    # of them wait for it (more than the 4 MB of Linux's largest send buffer holds)
    sock.settimeout(30)
    sock.sendall(_masked_text_frame(GET) * 4000)
    deadline = time.monotonic() + 120
    while not any(c.outbox.qsize() >= 1000 for c in list(built[0].clients.values())):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopping = time.monotonic()
    stopper = threading.Thread(target=service.stop)
    stopper.start()
    # 15 s of margin for a loaded machine; before the limits were bounded it took 30 + 30 s
    stopper.join(STOP_LIMIT_S + 15.0)
    held_s = time.monotonic() - stopping
    sock.close()
    assert not stopper.is_alive(), f"stop held {held_s:.1f} s"
    assert server.DRAIN_S + server.CLOSE_TIMEOUT_S == STOP_LIMIT_S


def test_cli_refuses_a_scenario_without_broadcasting_cell(tmp_path):
    scenario = tmp_path / "tiantong.yaml"
    scenario.write_text(
        "name: tt\nstart: 2026-03-01T00:00:00Z\n"
        "satellites:\n  tiantong: {orbit: \"preset:tiantong-1-01\", gateway: gw}\n"
        "gateways:\n  gw: {position: [40.07, 116.27, 60]}\n"
        "terminals:\n  a: {family: tiantong, satellite: tiantong, position: [30.67, 104.06, "
        "500], identity: {msisdn: \"17400000001\"}}\n"
        "steps:\n  - {terminal: a, do: power_on}\n")
    out = subprocess.run([*CLI, "live", str(scenario), "--listen", "127.0.0.1:0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        f"ntnstack live: error: {scenario}: no cell broadcasts (every cell's sib is none): "
        f"nothing to serve live"]

"""What the live tests share: a real websockets client that reads a service to its end, the
service on a scaled clock in a thread, a real websockets server in a thread of its own for
the test endpoints, and the `ntnstack sib encode` of the default scenario's GEO cell (the
independent path to its UPER bytes)."""
import abc
import asyncio
import json
import subprocess
import sys
import threading

import websockets

from ntnstack.clock import Clock, format_iso8601
from ntnstack.live.server import serve

CLI = [sys.executable, "-m", "ntnstack"]


async def collect(port: int, send=()) -> list[dict]:
    """Every message of the service on ``port`` until it closes (after sending ``send``)."""
    got = []
    # generous open timeout: 100 clients connect at once on a shared, busy machine
    async with websockets.connect(f"ws://127.0.0.1:{port}", open_timeout=120) as ws:
        for request in send:
            await ws.send(request)
        try:
            async for raw in ws:
                got.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
    return got


class ScaledService:
    """``serve`` on a scaled clock in a thread of its own; ``port`` once bound."""

    def __init__(self, live, start, scale, duration_s):
        self.ready = threading.Event()
        self.clock_args = (start, scale, duration_s)
        self.live = live
        self.result = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(60)

    def _run(self):
        start, scale, duration_s = self.clock_args
        clock = Clock("scaled", scale, start_unix_s=start)
        self.result = asyncio.run(serve(self.live, clock, "127.0.0.1", 0, start + duration_s,
                                        self._bound))

    def _bound(self, port):
        self.port = port
        self.ready.set()


def encode_geo_cell_sib(scenario, sent_unix_s: float) -> str:
    """UPER hex of the SIB31-NB the default scenario's geo-cell sends at ``sent_unix_s``, by
    `ntnstack sib encode` (the cell's satellite, gateway, validity and SFN 0)."""
    gw = scenario.gateways["gw-beijing"].position
    out = subprocess.run([*CLI, "sib", "encode", "--kind", "sib31-nb", "--sat",
                          "preset:tr38821-geo", "--time", format_iso8601(sent_unix_s),
                          "--gateway", f"{gw.lat_deg},{gw.lon_deg},{gw.alt_m}",
                          "--validity-s", "60", "--sfn0", format_iso8601(scenario.start_unix_s)],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


class ThreadedServer(abc.ABC):
    """A websockets server on 127.0.0.1 (any port) in a thread of its own, from ``with`` to
    its end; ``url`` once entered. Subclasses answer each connection in ``_session(ws)``."""

    def __init__(self):
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    def __enter__(self):
        self._thread.start()
        assert self._ready.wait(30)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _main(self):
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with websockets.serve(self._session, "127.0.0.1", 0) as server:
            self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            self._ready.set()
            await self._stop.wait()

    @abc.abstractmethod
    async def _session(self, ws):
        """Answer one connection."""

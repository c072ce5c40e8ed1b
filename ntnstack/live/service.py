"""``ntnstack run --live HOST:PORT``: the live service (ntnstack.live.server) in a thread of
its own for the length of a run, on the run's clock and the run's world (the same orbits,
passes and SIBs as the run's capture).

A run on the virtual clock cannot be served: its time moves by the agreement of the parties
inside the process (docs/time.md), which a client outside cannot join, and it runs far
faster than any client reads. ``ntnstack run`` refuses ``--live`` there (exit 2).
"""
from __future__ import annotations

import asyncio
import socket
import threading

from ntnstack.errors import InputError


def check_clock(clock_mode: str, option: str) -> None:
    """InputError when a live service is asked for on the virtual clock."""
    if clock_mode == "virtual":
        raise InputError(f"{option}: the run is on the virtual clock, whose time a client "
                         f"outside the process cannot follow; give --clock scaled:N or "
                         f"realtime")


class LiveService:
    """Serves the run's cells on host:port from the first step to the end of the last."""

    def __init__(self, scenario, host: str, port: int, on_ready=None):
        self.scenario, self.host, self.port, self.on_ready = scenario, host, port, on_ready
        self.ran_equipment: tuple[str, ...] = ()   # pushes into no base station
        self.server = None          # the LiveServer, once it has ended (its counters)
        self._ready = threading.Event()
        self._error: OSError | None = None   # listening failed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None   # bound by prepare, served by start

    def prepare(self, world) -> None:
        """The cells' passes on the run's ``world``, the ASN.1 compiled, and the address
        bound: InputError if it is unusable, before the run journals anything."""
        from ntnstack.live import LiveCells

        self.live = LiveCells(self.scenario, None, world, empty_ok=True)
        for cell in self.live.names:
            self.live.message(cell, self.scenario.start_unix_s)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            self._sock = socket.create_server((self.host, self.port), family=family)
        except OSError as exc:
            raise InputError(f"--live {self.host}:{self.port}: {exc.strerror or exc}") from None

    def start(self, clock) -> None:
        """Serve from now on ``clock`` on the address bound by ``prepare``."""
        check_clock(clock.mode, "--live")
        self._thread = threading.Thread(target=self._run, args=(self.live, clock),
                                        name="live-service", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise InputError(f"--live {self.host}:{self.port}: "
                             f"{self._error.strerror or self._error}")

    def _run(self, live, clock) -> None:
        try:
            self.server = asyncio.run(self._serve(live, clock))
        except OSError as exc:
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self, live, clock):
        from ntnstack.live.server import serve

        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        return await serve(live, clock, self.host, self.port, None, self._bound,
                           self._stopping, sock=self._sock)

    def _bound(self, port: int) -> None:
        self.port = port
        if self.on_ready is not None:
            self.on_ready(port)
        self._ready.set()

    def stop(self) -> None:
        """Stop serving: the clients get what is queued, then the connections close."""
        if self._thread is None or self._loop is None:
            if self._sock is not None:      # bound, never served (the run stopped first)
                self._sock.close()
            return
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join()

    def take(self) -> list:
        """Nothing for the journal (the service pushes into no equipment)."""
        return []

"""The WebSocket side of ``ntnstack live`` (the ``websockets`` library, asyncio).

On connect a client gets the current message of every cell it follows (all cells until it
subscribes), then each change as it falls due on the clock; to each client the messages of a
cell come in time order (a change due while its first messages are computed may come first,
then the first message only if it is newer). Client requests (JSON objects):
``{"type": "get"}`` -> the current messages again; ``{"type": "subscribe", "cells": [...]}``
-> follow only those cells (and get their current messages). Anything else is answered with
``{"type": "error", "error": "..."}`` naming the problem; the connection stays up. A message
is serialised once and broadcast to every follower of its cell.

The clock is realtime or scaled (ntnstack.clock): the server waits in real time for the next
change, as a live service must; the virtual clock has no meaning for a client outside.
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.live.state import LiveCells

MAX_REQUEST_BYTES = 65_536
CLOSE_TIMEOUT_S = 30.0   # at the end, a slow client's queued messages get this long (real s)


class LiveServer:
    """Serves ``live`` on ``clock`` until ``until_unix_s`` (None: until cancelled)."""

    def __init__(self, live: LiveCells, clock: Clock, until_unix_s: float | None = None):
        if clock.mode == "virtual":
            raise InputError("--clock virtual: a live service runs on realtime or scaled:N "
                             "(its clients are outside the emulated time)")
        self.live, self.clock, self.until = live, clock, until_unix_s
        self.followers: dict[object, set[str]] = {}
        self.last_sent: dict[object, dict[str, float]] = {}   # per client: cell -> t_unix_s
        self.sent = 0
        self.skipped = 0      # SIB updates superseded before they could be sent (a slow host)
        # Messages are computed off the event loop (SIB encoding, link series), one at a time.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-state")

    def close(self) -> None:
        """Stop the worker that computes messages (pending computations are dropped)."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    async def _compute(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)

    def _current(self, cells) -> list[dict]:
        now = self.clock.now_unix_s()
        return [self.live.message(c, now) for c in cells]

    async def current(self, cells) -> list[dict]:
        """The messages of ``cells`` at the clock's present."""
        return await self._compute(self._current, sorted(cells))

    async def _send_current(self, ws, cells, newer_only: bool = False) -> None:
        """The current messages to ``ws``; ``newer_only``: not where an update broadcast
        while they were computed is already newer (a client's first messages)."""
        for msg in await self.current(cells):
            cell, t = msg["cell"], msg["t_unix_s"]
            if newer_only and self.last_sent[ws].get(cell, t) > t:
                continue
            self.last_sent[ws][cell] = max(t, self.last_sent[ws].get(cell, t))
            await ws.send(json.dumps(msg))

    async def handle(self, ws) -> None:
        """One client: the current states, then its requests until it leaves."""
        self.followers[ws] = set(self.live.names)
        self.last_sent[ws] = {}
        try:
            await self._send_current(ws, self.live.names, newer_only=True)
            async for raw in ws:
                await self._request(ws, raw)
        finally:
            self.followers.pop(ws, None)
            self.last_sent.pop(ws, None)

    async def _request(self, ws, raw) -> None:
        try:
            try:
                request = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc}") from None
            if not isinstance(request, dict) or not isinstance(request.get("type"), str):
                raise ValueError('expected a JSON object with a "type"')
            if request["type"] == "get":
                cells = sorted(self.followers[ws])
            elif request["type"] == "subscribe":
                cells = request.get("cells")
                if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
                    raise ValueError('"cells": expected a list of cell names')
                unknown = [c for c in cells if c not in self.live.names]
                if unknown:
                    raise ValueError(f'"cells": unknown {", ".join(unknown)} (served: '
                                     f'{", ".join(self.live.names)})')
                self.followers[ws] = set(cells)
            else:
                raise ValueError(f'"type": {request["type"]!r} is not get or subscribe')
        except ValueError as exc:   # json.JSONDecodeError is a ValueError
            await ws.send(json.dumps({"type": "error", "error": str(exc)}))
            return
        await self._send_current(ws, cells)

    async def publish(self) -> None:
        """Send each change when the clock reaches it, until ``until_unix_s``."""
        import websockets

        horizon_s = 600.0    # changes are looked up this far ahead at a time (emulated s)
        t0 = self.clock.now_unix_s()
        while self.until is None or t0 < self.until:
            t1 = t0 + horizon_s if self.until is None else min(t0 + horizon_s, self.until)
            changes = self.live.updates(t0, t1)
            while (msg := await self._compute(next, changes, None)) is not None:
                t, cell = msg["t_unix_s"], msg["cell"]
                period = self.live.scenario.cells[cell].sib_period_s
                if msg["reason"] == "sib-update" and t + period <= self.clock.now_unix_s():
                    self.skipped += 1          # the next update is already due
                    continue
                await self._wait_until(t)
                # never older than what a client already has (its "get" may be newer)
                targets = [ws for ws, cells in self.followers.items()
                           if cell in cells and self.last_sent[ws].get(cell, t) <= t]
                for ws in targets:
                    self.last_sent[ws][cell] = t
                websockets.broadcast(targets, json.dumps(msg))
                self.sent += len(targets)
            await self._wait_until(t1)
            t0 = t1

    async def _wait_until(self, t_unix_s: float) -> None:
        """Until the clock shows ``t_unix_s``. asyncio may wake a timer up to its clock
        resolution early; a message sent before its time could then miss a client whose
        current state, computed just after, is already older than it: so wait again."""
        while (ahead_s := (t_unix_s - self.clock.now_unix_s()) / self.clock.scale) > 0:
            await asyncio.sleep(ahead_s)


async def serve(live: LiveCells, clock: Clock, host: str, port: int,
                until_unix_s: float | None = None, on_ready=None) -> LiveServer:
    """Listen on host:port; ``on_ready(port)`` once bound; return when ``until`` passes."""
    import websockets

    server = LiveServer(live, clock, until_unix_s)
    async with websockets.serve(server.handle, host, port, max_size=MAX_REQUEST_BYTES,
                                close_timeout=CLOSE_TIMEOUT_S) as ws_server:
        bound = ws_server.sockets[0].getsockname()[1]
        if on_ready is not None:
            on_ready(bound)
        try:
            await server.publish()
        finally:
            server.close()
    return server

"""The WebSocket side of ``ntnstack live`` (the ``websockets`` library, asyncio).

On connect a client gets the current message of every cell it follows (all cells until it
subscribes), then each change as it falls due on the clock; to each client the messages of a
cell come in time order, and every request is answered (a change due while an answer is
computed may come first: then it is sent again as the answer, reason "get"). Client
requests (JSON objects): ``{"type": "get"}`` -> the current messages again;
``{"type": "subscribe", "cells": [...]}`` -> follow only those cells (and get their current
messages). Anything else is answered with
``{"type": "error", "error": "..."}`` naming the problem; the connection stays up. A message
is serialised once and queued to every follower of its cell; each client has its own sender
task, so a slow reader delays only itself (and is disconnected, close code 1008, once
MAX_BACKLOG messages wait for it) and nothing is skipped silently. The keepalive pings never
disconnect a client: a pong late behind queued messages is a slow reader, not a dead one (a
vanished peer is found by TCP, whose pings keep retransmitting, or by the backlog). A client
that leaves without a close frame is one INFO line of the ``ntnstack.live`` logger.

The clock is realtime or scaled (ntnstack.clock): the server waits in real time for the next
change, as a live service must; the virtual clock has no meaning for a client outside.
"""
from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.live.state import LiveCells

log = logging.getLogger("ntnstack.live")

MAX_REQUEST_BYTES = 65_536
DRAIN_S = 5.0            # at the end, the clients' queued messages get this long (real s)
CLOSE_TIMEOUT_S = 2.0    # then each closing handshake this long before the TCP is cut (real s)
KEEPALIVE_S = 20.0       # a ping every this many real s (the answer is never waited for)
MAX_BACKLOG = 10_000     # messages queued to one client before it is dropped as too slow
# websockets.serve options. compression=None: no permessage-deflate; deflating each message
# for each client took a third of the CPU of serving 100 subscribers
# (tests/live/test_bench_live.py), and the messages (about 1.5 kB) are for a lab network.
# ping_timeout=None: a reader behind its queue answers pings late, and must not be cut off
# for it (only MAX_BACKLOG disconnects).
SERVE_OPTIONS = {"max_size": MAX_REQUEST_BYTES, "close_timeout": CLOSE_TIMEOUT_S,
                 "compression": None, "ping_interval": KEEPALIVE_S, "ping_timeout": None}


class _Client:
    """One connection: the cells it follows, the time of the last message sent per cell,
    and its outgoing messages in order (written by its own sender task)."""

    def __init__(self, ws, cells):
        self.ws, self.cells = ws, set(cells)
        self.last_sent: dict[str, tuple[float, str]] = {}   # cell -> (t_unix_s, text)
        self.outbox: asyncio.Queue[str] = asyncio.Queue()

    def offer(self, cell: str, t_unix_s: float, text: str) -> bool:
        """Queue ``text`` (a message of ``cell`` at ``t_unix_s``) unless the client already
        has a newer one of that cell."""
        if self.last_sent.get(cell, (t_unix_s,))[0] > t_unix_s:
            return False
        self.last_sent[cell] = (t_unix_s, text)
        self.outbox.put_nowait(text)
        return True

    def answer(self, cell: str, t_unix_s: float, text: str) -> None:
        """Queue ``text`` (the answer to a request: a message of ``cell`` at ``t_unix_s``);
        if an update queued meanwhile is newer, that update again as the answer (reason
        "get"), so that every request is answered and time order holds."""
        if not self.offer(cell, t_unix_s, text):
            newer = json.loads(self.last_sent[cell][1])
            self.outbox.put_nowait(json.dumps({**newer, "reason": "get"}))

    async def send_all(self) -> None:
        """Write the outbox to the connection, in order, until cancelled."""
        import websockets

        while True:
            text = await self.outbox.get()
            try:
                await self.ws.send(text)
            except websockets.ConnectionClosed:
                self._discard()   # the handler sees the connection end and forgets the client
                return
            finally:
                self.outbox.task_done()

    def _discard(self) -> None:
        """Mark every queued message done (the connection is gone)."""
        while not self.outbox.empty():
            self.outbox.get_nowait()
            self.outbox.task_done()


class LiveServer:
    """Serves ``live`` on ``clock`` until ``until_unix_s`` (None: until cancelled)."""

    def __init__(self, live: LiveCells, clock: Clock, until_unix_s: float | None = None):
        if clock.mode == "virtual":
            raise InputError("--clock virtual: a live service runs on realtime or scaled:N "
                             "(its clients are outside the emulated time)")
        self.live, self.clock, self.until = live, clock, until_unix_s
        self.clients: dict[object, _Client] = {}
        self.sent = 0         # messages queued to clients (each is written, in order)
        self.skipped = 0      # SIB updates superseded before they could be sent (a slow host)
        self.dropped = 0      # clients disconnected for falling MAX_BACKLOG messages behind
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

    async def _send_current(self, client: _Client, cells) -> None:
        """The current messages to ``client`` (where an update queued while they were
        computed is already newer: that update, as the answer)."""
        for msg in await self.current(cells):
            client.answer(msg["cell"], msg["t_unix_s"], json.dumps(msg))
            self.sent += 1

    async def handle(self, ws) -> None:
        """One client: the current states, then its requests until it leaves."""
        import websockets

        client = self.clients[ws] = _Client(ws, self.live.names)
        sender = asyncio.create_task(client.send_all())
        try:
            await self._send_current(client, self.live.names)
            async for raw in ws:
                await self._request(client, raw)
        except websockets.ConnectionClosedError as exc:
            log.info("client %s left without closing: %s", _peer(ws), exc)
        finally:
            self.clients.pop(ws, None)
            sender.cancel()

    async def _request(self, client: _Client, raw) -> None:
        try:
            try:
                request = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc}") from None
            except RecursionError:
                raise ValueError("JSON nested too deeply to be a request") from None
            if not isinstance(request, dict) or not isinstance(request.get("type"), str):
                raise ValueError('expected a JSON object with a "type"')
            if request["type"] == "get":
                cells = sorted(client.cells)
            elif request["type"] == "subscribe":
                cells = request.get("cells")
                if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
                    raise ValueError('"cells": expected a list of cell names')
                unknown = [c for c in cells if c not in self.live.names]
                if unknown:
                    raise ValueError(f'"cells": unknown {", ".join(unknown)} (served: '
                                     f'{", ".join(self.live.names)})')
                client.cells = set(cells)
            else:
                raise ValueError(f'"type": {request["type"]!r} is not get or subscribe')
        except ValueError as exc:   # json.JSONDecodeError is a ValueError
            client.outbox.put_nowait(json.dumps({"type": "error", "error": str(exc)}))
            return
        await self._send_current(client, cells)

    async def publish(self) -> None:
        """Queue each change to its followers when the clock reaches it, until
        ``until_unix_s``; then give the clients DRAIN_S to take what is queued."""
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
                self._queue(cell, t, json.dumps(msg))
            await self._wait_until(t1)
            t0 = t1
        await self.drain()

    def _queue(self, cell: str, t_unix_s: float, text: str) -> None:
        """``text`` to every follower of ``cell`` (never older than what a client already
        has: its "get" may be newer); a client MAX_BACKLOG messages behind is dropped."""
        for client in list(self.clients.values()):
            if cell not in client.cells:
                continue
            if client.outbox.qsize() >= MAX_BACKLOG:
                self.dropped += 1
                self.clients.pop(client.ws, None)
                asyncio.ensure_future(client.ws.close(1008, "too slow: messages backed up"))
            elif client.offer(cell, t_unix_s, text):
                self.sent += 1

    async def drain(self) -> None:
        """Wait (up to DRAIN_S real s) until every client's outbox is written."""
        waits = [asyncio.ensure_future(c.outbox.join()) for c in self.clients.values()]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=DRAIN_S)
            for wait in pending:
                wait.cancel()

    async def _wait_until(self, t_unix_s: float) -> None:
        """Until the clock shows ``t_unix_s``. asyncio may wake a timer up to its clock
        resolution early; a message sent before its time could then miss a client whose
        current state, computed just after, is already older than it: so wait again."""
        while (ahead_s := (t_unix_s - self.clock.now_unix_s()) / self.clock.scale) > 0:
            await asyncio.sleep(ahead_s)


def _peer(ws) -> str:
    """host:port of the client of ``ws`` ("?" once unknown)."""
    address = ws.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"


async def serve(live: LiveCells, clock: Clock, host: str, port: int,
                until_unix_s: float | None = None, on_ready=None,
                stop: asyncio.Event | None = None, sock=None) -> LiveServer:
    """Listen on host:port (or on ``sock``, a socket already listening); ``on_ready(port)``
    once bound; return when ``until`` passes or ``stop`` is set (then the clients get what is
    already queued, as at ``until``)."""
    import websockets

    server = LiveServer(live, clock, until_unix_s)
    where = {"sock": sock} if sock is not None else {"host": host, "port": port}
    async with websockets.serve(server.handle, **where, **SERVE_OPTIONS) as ws_server:
        bound = ws_server.sockets[0].getsockname()[1]
        if on_ready is not None:
            on_ready(bound)
        try:
            await _publish_until(server, stop)
        finally:
            server.close()
    return server


async def _publish_until(server: LiveServer, stop: asyncio.Event | None) -> None:
    publish = asyncio.ensure_future(server.publish())
    if stop is None:
        await publish
        return
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait([publish, stopped], return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not publish.done():
        publish.cancel()
        await asyncio.gather(publish, return_exceptions=True)
        await server.drain()

"""A client of a live service (``ntnstack live`` or ``ntnstack run --live``) that keeps one
terminal's latest state, so that the module's GNSS input (``ntnstack nmea --live``) follows
the same state the cells broadcast: a terminal on a trajectory moves in both at once.

The position is that of the last state message that named the terminal (one per SIB update
and coverage change of its cell); the time runs on from that message's ``t_unix_s`` at
``scale`` emulated seconds per real second (the service's clock).
"""
from __future__ import annotations

import json
import threading
import time

from ntnstack.errors import InputError

OPEN_TIMEOUT_S = 30.0   # real seconds to connect and receive the first messages


class LiveFollower:
    """The latest state of ``terminal`` from the service at ``url`` (ws://HOST:PORT)."""

    def __init__(self, url: str, terminal: str, scale: float = 1.0):
        self.url, self.terminal, self.scale = url, terminal, scale
        self._lock = threading.Lock()
        self._latest: tuple[float, float, tuple[float, float, float]] | None = None
        self._ws = None
        self._thread = threading.Thread(target=self._read, name="live-follow", daemon=True)

    def start(self) -> LiveFollower:
        """Connect and read the current state of every cell (InputError: no service there,
        or none of its cells serves the terminal)."""
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        try:
            self._ws = connect(self.url, open_timeout=OPEN_TIMEOUT_S)
            cells = self._first_states()
        except (OSError, TimeoutError, ValueError, WebSocketException) as exc:
            self.close()
            raise InputError(f"--live {self.url}: {exc}") from None
        if self._latest is None:
            self.close()
            raise InputError(f"--terminal {self.terminal}: no cell of {self.url} serves it "
                             f"(cells: {', '.join(sorted(cells)) or 'none'})")
        self._thread.start()
        return self

    def _first_states(self) -> set[str]:
        """Read the service's first message of every cell; the cells seen. Two ``get``
        requests sent at once are answered after them, in order (a client's messages keep
        their order), each with every cell's state: a second ``get`` answer for a cell
        means that the first messages are all in (an update may come before a ``get``
        answer, so the answers, not the first messages, mark the end)."""
        for _ in range(2):
            self._ws.send(json.dumps({"type": "get"}))
        cells, answered = set(), set()
        while True:
            msg = json.loads(self._ws.recv(timeout=OPEN_TIMEOUT_S))
            if msg.get("type") != "state":
                continue
            if msg["reason"] == "get":
                if msg["cell"] in answered:
                    return cells
                answered.add(msg["cell"])
            cells.add(msg["cell"])
            self._take(msg)

    def _read(self) -> None:
        import websockets

        try:
            for raw in self._ws:
                self._take(json.loads(raw))
        except (websockets.ConnectionClosed, OSError, ValueError):
            return

    def _take(self, msg: dict) -> None:
        for term in msg.get("terminals") or ():
            if term["name"] == self.terminal:
                with self._lock:
                    self._latest = (msg["t_unix_s"], time.monotonic(),
                                    tuple(term["position"]))

    def state(self) -> tuple[float, tuple[float, float, float]] | None:
        """(emulated unix s now, (lat_deg, lon_deg, alt_m)) or None before any message."""
        with self._lock:
            latest = self._latest
        if latest is None:
            return None
        t, received, position = latest
        return t + (time.monotonic() - received) * self.scale, position

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._thread.is_alive():
            self._thread.join()

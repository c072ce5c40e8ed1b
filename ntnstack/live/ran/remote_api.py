"""A client of the Amarisoft Remote API: WebSocket + JSON on the eNB / gNB's ``com_addr``.

The envelope, and where each part comes from (public material only; what no public source
confirms is marked and listed in docs/live.md "Amarisoft Remote API keys"):

- on connect the server sends ``{"message": "ready", "type": ..., "name": ..., "version":
  ...}`` (tech-academy.amarisoft.com, "Python Websocket example");
- a request is one JSON object whose ``message`` names it, with its parameters beside it
  (``{"message": "cell_gain", "cell_id": 1, "gain": -20}``: same page);
- the reply repeats ``message``; a failed request's reply carries ``error`` (text) (public
  client code of the API checks that key);
- ``message_id``: sent with each request and expected back in its reply, so that a reply is
  matched to its request and other traffic (logs, notifications) is skipped (UNCONFIRMED:
  the lteenb reference manual describes it; no public page reached says so).
"""
from __future__ import annotations

import contextlib
import itertools
import json

READY = "ready"
DEFAULT_REPLY_TIMEOUT_S = 10.0   # real seconds an equipment may take to answer one request


class RemoteApiError(Exception):
    """The equipment refused a request (its ``error``) or broke the protocol."""


class RemoteApi:
    """One connection to ``url`` (ws://HOST:PORT): ``request`` sends a message and returns
    its reply. Synchronous: the caller holds the run's clock while the equipment answers."""

    def __init__(self, url: str, reply_timeout_s: float = DEFAULT_REPLY_TIMEOUT_S):
        self.url, self.reply_timeout_s = url, reply_timeout_s
        self.ready: dict = {}
        self._ids = itertools.count(1)
        self._ws = None

    def open(self) -> dict:
        """Connect and read the ``ready`` message (returned). OSError / RemoteApiError."""
        from websockets.sync.client import connect

        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(connect(
            self.url, open_timeout=self.reply_timeout_s, origin="http://ntnstack",
            max_size=2**24))
        self.ready = self._receive()
        if self.ready.get("message") != READY:
            raise RemoteApiError(f"expected a 'ready' message on connect, got "
                                 f"{_short(self.ready)}")
        if "challenge" in self.ready:
            raise RemoteApiError("the Remote API asks for authentication (com_auth); "
                                 "ntnstack does not authenticate: disable com_auth")
        return self.ready

    def request(self, message: str, **params) -> dict:
        """Send ``{"message": message, "message_id": n, **params}``; its reply, or
        RemoteApiError with the equipment's ``error``."""
        if self._ws is None:
            raise RemoteApiError("not connected")
        from websockets.exceptions import ConnectionClosed

        message_id = next(self._ids)
        try:
            self._ws.send(json.dumps({"message": message, "message_id": message_id,
                                      **params}))
            while True:
                reply = self._receive()
                if reply.get("message_id") == message_id:
                    break
        except ConnectionClosed as exc:
            raise RemoteApiError(f"{message}: the connection closed ({exc})") from None
        if "error" in reply:
            raise RemoteApiError(f"{message}: {reply['error']}")
        if reply.get("message") != message:
            raise RemoteApiError(f"{message}: the reply names {reply.get('message')!r}")
        return reply

    def _receive(self) -> dict:
        try:
            text = self._ws.recv(timeout=self.reply_timeout_s)
        except TimeoutError:
            raise RemoteApiError(f"no answer within {self.reply_timeout_s:g} s") from None
        try:
            reply = json.loads(text)
        except (TypeError, ValueError):
            raise RemoteApiError(f"not JSON: {_short(text)}") from None
        if not isinstance(reply, dict):
            raise RemoteApiError(f"not a JSON object: {_short(text)}")
        return reply

    def close(self) -> None:
        if self._ws is not None:
            self._stack.close()
            self._ws = None


def _short(value, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."

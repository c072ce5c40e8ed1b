"""A test endpoint speaking the Amarisoft Remote API envelope (ntnstack.live.ran.remote_api
says where each part comes from): a real websockets server in a thread of its own.

On connect it sends ``ready``; to each request it first sends an unsolicited ``log``
message (as a busy eNB does), then the reply: the request's ``message`` and ``message_id``,
with ``error`` when the request is one the callbox refuses: an unknown message, a
``cell_gain`` outside -200..0 dB or for an unknown cell, a ``config_set`` for an unknown cell.
"""
from __future__ import annotations

import json
import threading

from tests.live.clients import ThreadedServer

GAIN_RANGE_DB = (-200.0, 0.0)   # the API's cell gain range (public client code of the API)


class Callbox(ThreadedServer):
    """``url`` once started; ``received``: every request, parsed, in order."""

    def __init__(self, cell_ids=(1, 2)):
        super().__init__()
        self.cell_ids = set(cell_ids)
        self.received: list[dict] = []
        self.hung_up = threading.Event()    # a client closed its connection

    async def _session(self, ws):
        try:
            await self._serve(ws)
        finally:
            self.hung_up.set()

    async def _serve(self, ws):
        await ws.send(json.dumps({"message": "ready", "type": "ENB", "name": "test-callbox",
                                  "version": "test"}))
        async for raw in ws:
            request = json.loads(raw)
            self.received.append(request)
            await ws.send(json.dumps({"message": "log", "logs": []}))   # no message_id
            reply = {"message": request.get("message"), "message_id": request.get("message_id")}
            problem = self._refusal(request)
            if problem:
                reply["error"] = problem
            await ws.send(json.dumps(reply))

    def _refusal(self, request: dict) -> str | None:
        message = request.get("message")
        if message == "cell_gain":
            if request.get("cell_id") not in self.cell_ids:
                return f"unknown cell_id {request.get('cell_id')}"
            if not GAIN_RANGE_DB[0] <= request.get("gain", 1) <= GAIN_RANGE_DB[1]:
                return f"gain {request.get('gain')} outside -200..0"
            return None
        if message == "config_set":
            unknown = [c for c in request.get("cells", {}) if int(c) not in self.cell_ids]
            return f"unknown cells {unknown}" if unknown else None
        return f"unknown message {message!r}"

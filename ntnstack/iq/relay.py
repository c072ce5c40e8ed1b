"""A ZeroMQ relay that puts the emulated channel between two software radios.

The srsRAN ZMQ radio convention (srsRAN 4G / Project ``device_name = zmq``): each radio has a
``tx_port``, a REP socket it binds and on which it answers every request with its next
transmit samples (raw cf32_le), and an ``rx_port``, a REQ socket it connects to its peer's
tx_port and on which it sends a request and receives samples. A base station (``tx_port=
tcp://*:2000``) and a UE (``tx_port=tcp://*:2001``) normally point their rx_port at each
other; with ntnstack in between, each rx_port points at one of the relay's REP sockets:

    BS tx_port (REP) <-REQ- [relay DL] -REP-> UE rx_port (REQ)     DL channel (doppler_dl)
    UE tx_port (REP) <-REQ- [relay UL] -REP-> BS rx_port (REQ)     UL channel (doppler_ul)

Each leg runs in its own thread with its own sockets: a request from the receiving radio is
forwarded to the transmitting radio, and its samples go back through the leg's IQChannel.
The channel's clock is the sample count, as for the radios themselves.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import zmq

__all__ = ["RelayLeg", "ZmqRelay"]

POLL_MS = 50          # how often a waiting leg checks for stop()


@dataclass
class RelayLeg:
    """One direction: ``serve`` is bound (REP) for the receiving radio's rx_port,
    ``upstream`` is the transmitting radio's tx_port (REP) the leg connects a REQ to;
    ``channel`` has ``process(complex64 block) -> block``."""

    name: str
    serve: str
    upstream: str
    channel: object
    samples: int = 0
    messages: int = 0
    endpoint: str | None = None       # the bound address (resolves a "*" port)
    error: BaseException | None = None
    _carry: bytes = field(default=b"", repr=False)

    def transform(self, payload: bytes) -> bytes:
        """Channel output for one reply; bytes beyond whole cf32 samples carry over."""
        data = self._carry + payload
        whole = len(data) - len(data) % 8
        self._carry = data[whole:]
        block = np.frombuffer(data[:whole], dtype="<c8").astype(np.complex64)
        out = self.channel.process(block)
        self.samples += block.size
        self.messages += 1
        return out.astype("<c8", copy=False).tobytes()


class ZmqRelay:
    """Runs the legs until ``stop()`` or the first error (kept in ``leg.error``)."""

    def __init__(self, legs: list[RelayLeg], context: zmq.Context | None = None):
        self.legs = legs
        self.context = context or zmq.Context.instance()
        self._stop = threading.Event()
        self._ready = threading.Barrier(len(legs) + 1)
        self._threads = [threading.Thread(target=self._run, args=(leg,), daemon=True,
                                          name=f"ntnstack-zmq-{leg.name}") for leg in legs]

    def start(self, timeout_s: float = 5.0) -> ZmqRelay:
        """Start every leg; returns once all serve sockets are bound."""
        for t in self._threads:
            t.start()
        self._ready.wait(timeout_s)
        failed = [leg for leg in self.legs if leg.error]
        if failed:
            self.stop()
            raise failed[0].error
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until stopped or a leg fails; True if the relay is still running."""
        self._stop.wait(timeout_s)
        return not self._stop.is_set()

    @property
    def failed(self) -> RelayLeg | None:
        return next((leg for leg in self.legs if leg.error), None)

    def _run(self, leg: RelayLeg) -> None:
        rep = self.context.socket(zmq.REP)
        req = self.context.socket(zmq.REQ)
        for s in (rep, req):
            s.setsockopt(zmq.LINGER, 0)
        try:
            try:
                rep.bind(leg.serve)
                leg.endpoint = rep.getsockopt_string(zmq.LAST_ENDPOINT)
                req.connect(leg.upstream)
            except zmq.ZMQError as exc:
                leg.error = OSError(f"{leg.name}: cannot bind {leg.serve} / connect "
                                    f"{leg.upstream}: {exc}")
            self._ready.wait()
            if leg.error is None:
                self._serve(leg, rep, req)
        except Exception as exc:  # kept for the caller: the leg's channel or socket failed
            leg.error = exc
            self._stop.set()
        finally:
            rep.close()
            req.close()

    def _serve(self, leg: RelayLeg, rep, req) -> None:
        while not self._stop.is_set():
            if not rep.poll(POLL_MS):
                continue
            req.send(rep.recv())
            while not req.poll(POLL_MS):
                if self._stop.is_set():
                    return
            rep.send(leg.transform(req.recv()))

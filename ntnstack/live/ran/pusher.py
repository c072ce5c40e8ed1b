"""The thread that hands each state message (ntnstack.live.state) to the adapters of its
cell when the run's clock reaches it, and keeps what they pushed for the journal.

On the virtual clock the pusher is a party of the agreement (docs/time.md) with a rank
between the modules' and the runner's: emulated time reaches a change, the pusher sends what
it calls for and waits for the equipment's answers while time stands, then the runner's step
goes on. The sequence of pushes is then a function of the scenario alone. On a scaled or
real clock it waits in real time, as ``ntnstack live`` does.
"""
from __future__ import annotations

import dataclasses
import threading

from ntnstack.runner.records import Push

RANK_RAN = 5               # after the modules (0), before the runner (10) at equal deadlines
HORIZON_S = 600.0          # changes are computed this far ahead at a time (emulated s)


class Pusher:
    """Started with the run's steps, stopped after them (ntnstack.runner.engine companions)."""

    def __init__(self, scenario, adapters: list):
        self.scenario, self.adapters = scenario, adapters
        self.ran_equipment = tuple(a.name for a in adapters)   # the ran: entries it feeds
        self._pushes: list[Push] = []
        self._lock = threading.Lock()
        self._stop = self._done = False
        self._joined = threading.Event()
        self._thread: threading.Thread | None = None

    def prepare(self, world) -> None:
        """The mapped cells' passes on the run's ``world``, and the ASN.1 compiled."""
        from ntnstack.live import LiveCells

        cells = sorted({c for a in self.adapters for c in a.cells})
        self.live = LiveCells(self.scenario, cells, world)
        for cell in self.live.names:
            self.live.message(cell, self.scenario.start_unix_s)

    def start(self, clock) -> None:
        """Push from now on ``clock``; returns once the thread has joined the clock's
        agreement."""
        self.clock = clock
        self._thread = threading.Thread(target=self._run, name="ran-pusher", daemon=True)
        self._thread.start()
        self._joined.wait()

    def stop(self) -> None:
        """No more pushes; returns when the thread has left (waiting through the clock, so
        that on the virtual clock the pusher can run to its end)."""
        if self._thread is not None:
            with self.clock.cond:
                self._stop = True
            self.clock.notify()
            self.clock.wait_for(lambda: self._done, None)
            self._thread.join()
        for adapter in self.adapters:    # also when the run failed before the pusher started
            adapter.close()

    def take(self) -> list[Push]:
        """The pushes since the last call, in time order."""
        with self._lock:
            out, self._pushes = self._pushes, []
        return out

    def _run(self) -> None:
        try:
            with self.clock.party("ran", rank=RANK_RAN):
                self._joined.set()
                try:
                    self._loop()
                except Exception as exc:  # noqa: BLE001 - journaled; the run goes on
                    with self._lock:
                        self._pushes.append(Push(self.clock.now(), "ntnstack", "", "error",
                                                 "pushing the live state",
                                                 f"{type(exc).__name__}: {exc}", False))
                finally:
                    with self.clock.cond:
                        self._done = True
        finally:
            self._joined.set()
            self.clock.notify()

    def _loop(self) -> None:
        t0 = self.clock.now_unix_s()
        for cell in self.live.names:
            self._push(self.live.message(cell, t0))
        while True:
            t1 = t0 + HORIZON_S
            for msg in self.live.updates(t0, t1):
                if self._stopped_before(msg["t_unix_s"]):
                    return
                self._push(msg)
            if self._stopped_before(t1):
                return
            t0 = t1

    def _stopped_before(self, t_unix_s: float) -> bool:
        """Wait until the clock shows ``t_unix_s``; True if stopped first."""
        ahead_s = t_unix_s - self.clock.now_unix_s()
        return self.clock.wait_for(lambda: self._stop, ahead_s) if ahead_s > 0 else self._stop

    def _push(self, msg: dict) -> None:
        t_s = self.clock.now()
        terminals = tuple(t["name"] for t in msg["terminals"])
        for adapter in self.adapters:
            if msg["cell"] in adapter.cells:
                pushed = [dataclasses.replace(p, terminals=terminals)
                          for p in adapter.push(msg, t_s)]
                with self._lock:
                    self._pushes.extend(pushed)

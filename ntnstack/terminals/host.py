"""One serving loop for any number of virtual modules in one process.

A single thread polls every module's pty master, feeds the bytes in, writes queued output as
the pty accepts it, and runs timers kept in emulated time (the clock decides how long that is
in real time; a virtual clock jumps to the next timer when nothing is waiting to be read).
Everything a module does happens on this thread, so modules need no locks.
"""
from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import select
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

VIRTUAL_IDLE_GRACE_S = 0.02
"""Real seconds with nothing to read before a virtual clock jumps to the next timer."""
MAX_POLL_S = 0.5
"""Longest real wait of one poll, so stop requests and newly opened ports are seen promptly."""


class Timer:
    """A scheduled callback; ``cancel()`` before it fires to drop it."""

    __slots__ = ("t_s", "fn", "cancelled")

    def __init__(self, t_s: float, fn: Callable[[], None]) -> None:
        self.t_s, self.fn, self.cancelled = t_s, fn, False

    def cancel(self) -> None:
        self.cancelled = True


class ModuleHost:
    """Serves modules (objects with ``port``, ``pending_output()``, ``wrote(n)``, ``feed(b)``)."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.modules: list = []
        self._timers: list = []
        self._seq = itertools.count()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._calls: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread: threading.Thread | None = None

    # -- scheduling (host thread) -------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def call_at(self, t_s: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(t_s, fn)
        heapq.heappush(self._timers, (t_s, next(self._seq), timer))
        return timer

    def call_later(self, delay_s: float, fn: Callable[[], None]) -> Timer:
        return self.call_at(self.now() + max(0.0, delay_s), fn)

    # -- from other threads --------------------------------------------------------------
    def call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._calls.append(fn)
        self.wake()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def add(self, module) -> None:
        """Register a module (before ``start`` or through ``call_soon_threadsafe``)."""
        self.modules.append(module)
        module.attach(self)

    def start(self) -> None:
        """Serve on a background thread (tests, benchmarks)."""
        self._thread = threading.Thread(target=self.serve_forever, name="ntnstack-modules",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        for m in self.modules:
            m.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    # -- the loop ------------------------------------------------------------------------
    def serve_forever(self) -> None:
        while not self._stop:
            self._run_calls()
            self._run_due_timers()
            poller = select.poll()
            poller.register(self._wake_r, select.POLLIN)
            by_fd = {}
            for m in self.modules:
                fd = m.port.master_fd
                if fd < 0:
                    continue
                by_fd[fd] = m
                poller.register(fd, select.POLLIN | (select.POLLOUT if m.pending_output()
                                                     else 0))
            events = poller.poll(self._poll_timeout_ms())
            if not events and self.clock.virtual and self._timers:
                self.clock.advance_to(self._timers[0][0])
            for fd, ev in events:
                if fd == self._wake_r:
                    self._drain_wake()
                    continue
                m = by_fd.get(fd)
                if m is None or m.port.master_fd != fd:
                    continue
                if ev & select.POLLOUT:
                    self._flush(m)
                if ev & select.POLLIN:
                    data = m.port.read()
                    if data:
                        self._guard(m, lambda m=m, data=data: m.feed(data))
                        self._flush(m)

    @staticmethod
    def _guard(m, fn: Callable[[], None]) -> None:
        """Run ``fn``; a bug in one module is logged (with the module) and the loop goes on
        serving the others."""
        try:
            fn()
        except Exception:
            where = f"{m.family} on {m.path}" if m is not None else "a module timer"
            log.exception("virtual module error in %s", where)
            if m is not None:
                m.log("event", "internal error (see the log)")

    def _flush(self, m) -> None:
        out = m.pending_output()
        if out and m.port.master_fd >= 0:
            m.wrote(m.port.write(out))

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _run_calls(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
        for fn in calls:
            fn()

    def _run_due_timers(self) -> None:
        now = self.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guard(None, timer.fn)
            now = self.now()
        for m in self.modules:
            if m.pending_output():
                self._flush(m)

    def _poll_timeout_ms(self) -> int:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        if self.clock.virtual:
            return int(VIRTUAL_IDLE_GRACE_S * 1000)
        if not self._timers:
            return int(MAX_POLL_S * 1000)
        wait = self.clock.real_wait_s(self._timers[0][0] - self.now())
        return max(0, min(int(wait * 1000) + 1, int(MAX_POLL_S * 1000)))

"""One serving loop for any number of virtual modules in one process.

A single thread polls every module's pty master, feeds the bytes in, writes queued output as
the pty accepts it, and runs timers kept in emulated time. The clock is the run's one
``ntnstack.clock.Clock``: on the virtual clock the host is a party of the agreement (it waits
for its next timer or for bytes, and announces every byte it reads and writes, so the clock
never jumps past a reply in flight); on a scaled or real clock a timer's emulated delay is
waited for in real time. Everything a module does happens on this thread, so modules need no
locks.
"""
from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import select
import threading
import time
from collections.abc import Callable

from ntnstack.clock import RANK_MODULES

log = logging.getLogger(__name__)

MAX_POLL_S = 0.5
"""Longest real wait of one poll, so stop requests and newly opened ports are seen promptly."""
TIMER_SLICE_REAL_S = 0.05
"""Wall seconds of timers at most in one pass of the host on a scaled or real clock."""


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
        self.clock = clock   # ntnstack.clock.Clock
        self.modules: list = []
        self._timers: list = []
        self._seq = itertools.count()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._calls: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()
        self._reading: dict[int, str] = {}   # id(module) -> pty path whose input is counted
        self._calls_key = f"module-host {id(self)} calls"
        self.clock.reader_open(self._calls_key, lambda: None)

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
        """Run ``fn`` on the host thread soon (counted as input in flight to the host)."""
        self.clock.sent(self._calls_key, 1)
        with self._lock:
            self._calls.append(fn)
        self.wake()

    def call_and_wait(self, fn: Callable[[], object], limit_real_s: float) -> object:
        """Run ``fn`` on the host thread and return its value (its exception is raised here).
        On the virtual clock the call is input in flight to the host, so the wait needs no
        limit; on a scaled or real clock TimeoutError after ``limit_real_s`` real seconds."""
        box: dict = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except Exception as exc:  # noqa: BLE001 - raised on the caller's thread
                box["error"] = exc
            box["done"] = True
            self.clock.notify()
        self.call_soon_threadsafe(run)
        limit = None if self.clock.virtual else limit_real_s * self.clock.scale
        if not self.clock.wait_for(lambda: "done" in box, limit):
            raise TimeoutError(f"the module host did not run {fn!r} within {limit_real_s:g} s")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def add(self, module) -> None:
        """Register a module (before ``start`` or through ``call_soon_threadsafe``)."""
        self.modules.append(module)
        module.attach(self)

    def start(self) -> None:
        """Serve on a background thread (tests, benchmarks); returns once that thread is a
        party of the clock, so a caller waiting on the virtual clock right after cannot see
        nobody running and jump past the modules' first timers (their boot)."""
        self._thread = threading.Thread(target=self.serve_forever, name="ntnstack-modules",
                                        daemon=True)
        self._thread.start()
        self._serving.wait()

    def stop(self) -> None:
        self._stop = True
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.clock.reader_closed(self._calls_key)
        for path in self._reading.values():
            self.clock.reader_closed(_device_key(path))
        self._reading.clear()
        for m in self.modules:
            m.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    # -- the loop ------------------------------------------------------------------------
    def serve_forever(self) -> None:
        with self.clock.party("module host", rank=RANK_MODULES):
            self._serving.set()
            while not self._stop:
                self._run_calls()
                self._run_due_timers()
                self._count_inputs()
                by_fd, poller = self._poller()
                deadline = self._next_timer_s()
                with self.clock.os_wait(deadline, self.wake):
                    events = poller.poll(self._poll_timeout_ms(deadline))
                self._run_calls()   # queued before any byte their caller wrote after them
                for fd, ev in events:
                    self._serve_fd(by_fd, fd, ev)

    def _poller(self) -> tuple[dict, select.poll]:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        by_fd = {}
        for m in self.modules:
            fd = m.port.master_fd
            if fd < 0:
                continue
            by_fd[fd] = m
            poller.register(fd, select.POLLIN | (select.POLLOUT if m.pending_output() else 0))
        return by_fd, poller

    def _serve_fd(self, by_fd: dict, fd: int, ev: int) -> None:
        if fd == self._wake_r:
            self._drain_wake()
            return
        m = by_fd.get(fd)
        if m is None or m.port.master_fd != fd:
            return
        if ev & select.POLLOUT:
            self._flush(m)
        if ev & select.POLLIN:
            data = m.port.read()
            if data:
                self.clock.received(_device_key(m.port.path), len(data))
                self._guard(m, lambda m=m, data=data: m.feed(data))
                self._flush(m)

    def _count_inputs(self) -> None:
        """Keep the clock's byte count of every served pty's input current (a pty that
        closed or was made anew, a module that left); only the virtual clock counts bytes."""
        if not self.clock.virtual:
            return
        now = {id(m): m.port.path for m in self.modules if m.port.master_fd >= 0}
        for key, path in list(self._reading.items()):
            if now.get(key) != path:   # closed: the client's reader has a hang-up to notice
                self.clock.reader_closed(_device_key(path))
                self.clock.sent(client_key(path), 1)
                del self._reading[key]
        for key, path in now.items():
            if key not in self._reading:
                self.clock.reader_open(_device_key(path), lambda: None)
                self._reading[key] = path

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
            key = client_key(m.port.path)
            self.clock.sent(key, len(out))
            n = m.port.write(out)
            self.clock.received(key, len(out) - n)   # what the pty did not take stays queued
            m.wrote(n)

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
        self.clock.received(self._calls_key, len(calls))

    def _run_due_timers(self) -> None:
        # Timers due now, the time read again after each (a timer put at "now" by another
        # runs before the output is flushed). On a scaled or real clock the pass also ends
        # after TIMER_SLICE_REAL_S of wall time: on a fast clock timers can fall due faster
        # than they run, and queued calls (a module being added) and the ptys never got a
        # turn. On the virtual clock the time does not move during a pass and wall time
        # decides nothing.
        now, began = self.now(), time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guard(None, timer.fn)
            if not self.clock.virtual and time.monotonic() - began > TIMER_SLICE_REAL_S:
                break
            now = self.now()
        for m in self.modules:
            if m.pending_output():
                self._flush(m)

    def _next_timer_s(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def _poll_timeout_ms(self, deadline_s: float | None) -> int:
        """Real milliseconds of one poll: on the virtual clock the clock wakes the host at
        its next timer (through the wake pipe); otherwise the timer's real wait."""
        if self.clock.virtual or deadline_s is None:
            return int(MAX_POLL_S * 1000)
        wait = max(0.0, deadline_s - self.now()) / self.clock.scale
        return max(0, min(int(wait * 1000) + 1, int(MAX_POLL_S * 1000)))


def client_key(pty_path: str) -> str:
    """The clock's byte-count key of what a module sends to the client of its pty (the
    reader is at_bridge's transport, which names its port the same way)."""
    return f"{pty_path}@client"


def _device_key(pty_path: str) -> str:
    return f"{pty_path}@device"

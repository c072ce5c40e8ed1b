"""The run's one clock (an ntnstack.clock.Clock) as the runner and the virtual-module host
both read it.

On the virtual clock, emulated time moves only while the runner waits (inside a driver call
or a wait step), and never past that wait's deadline: the module host may then jump to its
next timer, and when nothing is scheduled the runner jumps to the deadline itself.
"""
from __future__ import annotations

import bisect
import contextlib
import math
import threading
import time

JUMP_SPACING_REAL_S = 0.05
"""Least wall time between two jumps of the virtual clock requested by the module host."""


class RunClock:
    """The run's clock as the runner and the virtual-module host both read it.

    Times ``t_s`` are emulated seconds since the scenario start. On the virtual clock the
    offset is kept here exactly (not re-derived from unix seconds, whose float resolution at
    ~1.8e9 s is 0.24 us and would leave a timer forever a hair in the future) and mirrored
    into the ntnstack.clock.Clock. ``host_advance`` is honoured only while the runner waits,
    up to that wait's deadline.
    """

    def __init__(self, clock, start_unix_s: float):
        self.clock, self.start = clock, start_unix_s
        self.mode, self.scale = clock.mode, clock.scale
        self._t = 0.0
        self._limit_s: float | None = None
        self._last_jump_mono = 0.0
        self._spaced = True
        self._history: list[tuple[float, float]] = [(time.monotonic(), 0.0)]
        self._lock = threading.Lock()

    def now(self) -> float:
        if self.mode == "virtual":
            return self._t
        return self.clock.now_unix_s() - self.start

    def now_unix_s(self) -> float:
        return self.start + self.now()

    def advance_to(self, t_s: float) -> float:
        """Let emulated time reach ``t_s`` (a jump on the virtual clock, a real sleep
        otherwise); returns the new now."""
        if self.mode != "virtual":
            self.clock.sleep_until(self.start + t_s)
            return self.now()
        with self._lock:
            self._set(t_s)
        return self._t

    def sleep_until(self, t_unix_s: float) -> float:
        return self.start + self.advance_to(t_unix_s - self.start)

    def real_wait_s(self, emulated_s: float) -> float | None:
        return None if self.mode == "virtual" else max(emulated_s, 0.0) / self.scale

    def host_advance(self, t_s: float) -> None:
        """The host's request to jump to its next timer at ``t_s``. Jumps are spaced by at
        least JUMP_SPACING_REAL_S of wall time, so that the runner reads the clock after an
        answer or URC before the next jump (the host jumps after only 20 ms of silence)."""
        with self._lock:
            if self._limit_s is None:
                return
            if self._spaced and time.monotonic() - self._last_jump_mono < JUMP_SPACING_REAL_S:
                return
            self._last_jump_mono = time.monotonic()
            self._set(min(t_s, self._limit_s))

    def _set(self, t_s: float) -> None:
        if t_s > self._t:
            self._t = t_s
            self._history.append((time.monotonic(), t_s))
        self.clock.sleep_until(self.start + self._t)

    def t_at_mono(self, mono_s: float) -> float:
        """The emulated time at monotonic instant ``mono_s`` (the arrival stamp of a URC):
        exact on the virtual clock, whose time only moves in recorded jumps."""
        if self.mode != "virtual":
            return self.now() - (time.monotonic() - mono_s) * self.scale
        i = bisect.bisect_right(self._history, (mono_s, math.inf))
        return self._history[i - 1][1] if i else 0.0

    @contextlib.contextmanager
    def waiting(self, deadline_s: float, spaced: bool = True):
        """While inside, the virtual clock may run up to ``deadline_s``. ``spaced``: keep
        host jumps apart (the runner is blocked in a driver call and reads the clock only
        when it returns); a wait loop that stamps URCs by arrival needs no spacing."""
        with self._lock:
            previous = self._limit_s, self._spaced
            self._limit_s, self._spaced = deadline_s, spaced
        try:
            yield
        finally:
            with self._lock:
                self._limit_s, self._spaced = previous


def host_clock(run_clock: RunClock) -> HostClock:
    """The object ntnstack.terminals.host.ModuleHost reads."""
    return HostClock(run_clock)


class HostClock:
    """The module host's view (the interface of ntnstack.terminals.clock.ModuleClock):
    ``virtual``, ``now()`` (emulated s since the start), ``real_wait_s``, ``advance_to``."""

    def __init__(self, run_clock: RunClock):
        self.run_clock = run_clock
        self.virtual = run_clock.mode == "virtual"
        self.epoch_unix_s = run_clock.start  # unix time of emulated 0 (the scenario start)
        self.mode = str(run_clock.clock)

    def now(self) -> float:
        return self.run_clock.now()

    def real_wait_s(self, emulated_s: float) -> float | None:
        return self.run_clock.real_wait_s(emulated_s)

    def advance_to(self, t_s: float) -> None:
        """Virtual clock only: a jump to the host's next timer (see RunClock.host_advance)."""
        if self.virtual:
            self.run_clock.host_advance(t_s)

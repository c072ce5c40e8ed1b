"""The one clock (docs/time.md): every party of a run reads one :class:`Clock`.

Time base: seconds since the clock's epoch (``now()``; the epoch is the scenario start, or the
wall clock when the Clock was made), ``now_unix_s()`` = ``epoch_unix_s + now()`` (UTC, no leap
seconds). Modes (``parse_clock`` reads them from a CLI option or a YAML field):

- ``virtual``: emulated time moves only by agreement. Every party (a thread that takes part:
  the runner, the virtual-module host, each serial reader) says what it waits for: an emulated
  deadline, a condition on shared state, or input from the operating system. Writers announce
  the bytes they send (``sent``) and readers the bytes they consume (``received``). The clock
  jumps to the earliest deadline only when no party is running, no waiting party's condition
  holds and no announced byte is unread; then it wakes that one party (ties: the lower rank,
  then the earlier registration). A run is then a pure function of its inputs: no wall-clock
  silence, thread timing or machine speed decides anything, and no wait sleeps for real.
- ``scaled:N``: emulated time runs N times as fast as the monotonic clock (N = 10: a 60 s wait
  takes 6 s), for virtual modules behind a pty that a client outside the process opens.
- ``realtime``: the monotonic clock (hardware in the loop); ``scaled:1``.

The Clock is also the time base of at_bridge (``at_bridge.timebase``): drivers, engines and
transports wait, stamp and account bytes through it.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from ntnstack.errors import InputError

__all__ = ["Clock", "EARLIEST_YEAR", "LATEST_YEAR", "RANK_MODULES", "RANK_RUNNER",
           "format_iso8601", "make_clock", "parse_clock", "parse_iso8601"]

log = logging.getLogger(__name__)

EARLIEST_YEAR = 1957   # Sputnik 1: no satellite element set is older
LATEST_YEAR = 2199     # leaves any span of the commands (<= 1e6 steps) inside datetime's 9999
RANK_MODULES = 0
"""Rank of the virtual-module host: at equal deadlines the modules act before the runner, so
a URC due at a step's deadline is seen by that step."""
RANK_RUNNER = 10
"""Rank of the runner (and of a test driving a bench)."""


class _Party:
    """One thread's part in the agreement (virtual clock)."""

    __slots__ = ("blocked", "deadline", "depth", "name", "predicate", "rank", "seq", "wake")

    def __init__(self, name: str, rank: int, seq: int) -> None:
        self.name, self.rank, self.seq, self.depth = name, rank, seq, 1
        self.blocked = False
        self.deadline: float | None = None
        self.predicate: Callable[[], bool] | None = None
        self.wake: Callable[[], None] | None = None


class Clock:
    """Emulated time (module docstring). ``start_unix_s`` defaults to the wall clock now."""

    def __init__(self, mode: str = "virtual", scale: float = 1.0,
                 start_unix_s: float | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 wall: Callable[[], float] = time.time):
        if mode not in ("virtual", "scaled", "realtime"):
            raise InputError(f"clock: unknown mode {mode!r} (virtual, scaled:N, realtime)")
        if not (scale > 0 and scale < float("inf")):
            raise InputError(f"clock: scale must be a finite number > 0, got {scale}")
        self.mode = mode
        self.scale = 1.0 if mode == "realtime" else float(scale)
        self.epoch_unix_s = float(wall() if start_unix_s is None else start_unix_s)
        self._monotonic, self._sleep = monotonic, sleep
        self._origin = monotonic()
        self.cond = threading.Condition(threading.RLock())
        self._t = 0.0
        self._parties: dict[int, _Party] = {}
        self._seq = itertools.count()
        self._running = 0
        self._inflight: dict[str, int] = {}   # reader key -> announced bytes not yet read
        self._lazy: set[str] = set()          # keys whose reader reads only when it waits
        self._waited_on: set[str] = set()     # lazy keys whose reader waits on them now

    @property
    def virtual(self) -> bool:
        return self.mode == "virtual"

    def __str__(self) -> str:
        return f"scaled:{self.scale:g}" if self.mode == "scaled" else self.mode

    # ---- reading ------------------------------------------------------------------------
    def now(self) -> float:
        """Emulated seconds since the epoch."""
        if self.mode == "virtual":
            return self._t
        return (self._monotonic() - self._origin) * self.scale

    def now_unix_s(self) -> float:
        """The current emulated time, unix seconds."""
        return self.epoch_unix_s + self.now()

    # ---- waiting ------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], bool], timeout_s: float | None) -> bool:
        """Block until ``predicate()`` holds (True) or ``timeout_s`` emulated seconds passed
        (False; None: no limit). ``predicate`` reads state changed under ``cond`` and
        announced with ``notify()``."""
        if self.mode != "virtual":
            real = None if timeout_s is None else max(0.0, timeout_s) / self.scale
            with self.cond:
                return self.cond.wait_for(predicate, real)
        with self.cond:
            deadline = None if timeout_s is None else self._t + max(0.0, timeout_s)
            return self._wait(predicate, deadline)

    def sleep(self, dt_s: float) -> None:
        """Let ``dt_s`` emulated seconds pass for the calling party."""
        if self.mode != "virtual":
            if dt_s > 0:
                self._sleep(dt_s / self.scale)
            return
        with self.cond:
            self._wait(_never, self._t + max(0.0, dt_s))

    def sleep_until(self, t_unix_s: float) -> float:
        """Let emulated time reach ``t_unix_s`` (never goes back); returns the new now."""
        if self.mode != "virtual":
            self.sleep(float(t_unix_s) - self.now_unix_s())
            return self.now_unix_s()
        with self.cond:
            self._wait(_never, float(t_unix_s) - self.epoch_unix_s)
            return self.now_unix_s()

    def advance(self, dt_s: float) -> float:
        """Let ``dt_s`` >= 0 seconds of emulated time pass; returns the new now (unix s)."""
        if not dt_s >= 0:
            raise ValueError(f"clock: cannot advance by {dt_s} s")
        self.sleep(dt_s)
        return self.now_unix_s()

    def notify(self) -> None:
        """State that some waiter's predicate reads has changed. On the virtual clock the
        waiter is released when nobody runs any more (a running notifier releases it when it
        next waits), so the order of parties within one instant is fixed."""
        with self.cond:
            if self.mode == "virtual":
                self._settle()
            else:
                self.cond.notify_all()

    # ---- parties and bytes (the agreement; no-ops off the virtual clock) ---------------
    @contextlib.contextmanager
    def party(self, name: str, rank: int | None = None) -> Iterator[None]:
        """The calling thread takes part in the agreement while inside (it counts as
        running except while it waits through this clock)."""
        if self.mode != "virtual":
            yield
            return
        with self.cond:
            me = self._parties.get(threading.get_ident())
            if me is not None:
                me.depth += 1
            else:
                seq = next(self._seq)
                me = _Party(name, 100 + seq if rank is None else rank, seq)
                self._parties[threading.get_ident()] = me
                self._running += 1
        try:
            yield
        finally:
            with self.cond:
                me.depth -= 1
                if me.depth == 0:
                    self._leave(me)

    @contextlib.contextmanager
    def os_wait(self, deadline_s: float | None = None, wake: Callable[[], None] | None = None,
                reading: str | None = None) -> Iterator[None]:
        """The calling party blocks in the operating system for input (poll, select) while
        inside; on the virtual clock, reaching ``deadline_s`` (emulated s) calls ``wake``.
        ``reading``: the lazy reader key it waits on (its bytes count while inside)."""
        if self.mode != "virtual":
            yield
            return
        with self.cond:
            me, temporary = self._me()
            if reading is not None:
                self._waited_on.add(reading)
            self._block(me, deadline_s, None, wake)
            self._settle()
        try:
            yield
        finally:
            with self.cond:
                self._waited_on.discard(reading)
                if me.blocked:
                    self._unblock(me, notify=False)
                if temporary:
                    self._leave(me)

    def sent(self, key: str, n: int) -> None:
        """``n`` bytes are about to be written toward the reader of ``key``."""
        if self.mode == "virtual" and n > 0:
            with self.cond:
                if key in self._inflight:
                    self._inflight[key] += n

    def received(self, key: str, n: int) -> None:
        """The reader of ``key`` consumed ``n`` bytes (or a writer gives back unsent ones)."""
        if self.mode == "virtual" and n > 0:
            with self.cond:
                held = self._inflight.get(key, 0)
                if held:
                    self._inflight[key] = held - min(n, held)
                    self._settle()

    def reader_open(self, key: str, open_fn: Callable[[], object], eager: bool = True) -> object:
        """Run ``open_fn`` (which may flush what was written before) and start counting the
        bytes sent toward ``key``'s reader from zero. An ``eager`` reader (a reader thread)
        reads whatever arrives, so its unread bytes always hold the clock; a lazy one (a
        client read only when its thread asks, like a test's) holds it only while it waits
        on ``key`` (``os_wait(reading=key)``): bytes it leaves in its buffer meanwhile are a
        full UART FIFO, not traffic in flight."""
        if self.mode != "virtual":
            return open_fn()
        with self.cond:
            opened = open_fn()
            self._drop(key)
            self._inflight[key] = 0
            if not eager:
                self._lazy.add(key)
            return opened

    def reader_closed(self, key: str) -> None:
        """Nobody reads ``key`` any more: its bytes in flight will never be read."""
        if self.mode == "virtual":
            with self.cond:
                self._drop(key)
                self._settle()

    # ---- the agreement (virtual clock; ``cond`` held) ------------------------------------
    def _wait(self, predicate: Callable[[], bool], deadline: float | None) -> bool:
        if predicate():
            return True
        if deadline is not None and deadline <= self._t and predicate is not _never:
            return False
        me, temporary = self._me()
        self._block(me, deadline, predicate, None)
        self._settle()
        while me.blocked:   # released by _settle only: one party at a time, in rank order
            self.cond.wait()
        done = predicate()
        if temporary:
            self._leave(me)
        return done

    def _me(self) -> tuple[_Party, bool]:
        """The calling thread's party; a thread that is none joins for this one wait."""
        me = self._parties.get(threading.get_ident())
        if me is not None:
            return me, False
        seq = next(self._seq)
        me = self._parties[threading.get_ident()] = _Party("temporary", 100 + seq, seq)
        self._running += 1
        return me, True

    def _leave(self, me: _Party) -> None:
        self._parties.pop(threading.get_ident(), None)
        if not me.blocked:
            self._running -= 1
        self._settle()

    def _block(self, me: _Party, deadline: float | None, predicate, wake) -> None:
        me.blocked, me.deadline, me.predicate, me.wake = True, deadline, predicate, wake
        self._running -= 1

    def _unblock(self, me: _Party, notify: bool = True) -> None:
        me.blocked, me.deadline, me.predicate = False, None, None
        self._running += 1
        wake, me.wake = me.wake, None
        if notify:
            if wake is not None:
                wake()
            self.cond.notify_all()

    def _drop(self, key: str) -> None:
        self._inflight.pop(key, None)
        self._lazy.discard(key)

    def _unread(self) -> bool:
        return any(n for key, n in self._inflight.items()
                   if n and (key not in self._lazy or key in self._waited_on))

    def _settle(self) -> None:
        """If nobody can run and no byte is unread, wake the waiter whose condition holds,
        else jump to the earliest deadline and wake its party."""
        if self._running > 0 or self._unread():
            return
        blocked = sorted((p for p in self._parties.values() if p.blocked),
                         key=lambda p: (p.rank, p.seq))
        for p in blocked:
            if p.predicate is not None and p.predicate():
                self._unblock(p)
                return
        timed = [p for p in blocked if p.deadline is not None]
        if not timed:
            stuck = [p for p in blocked if p.predicate is not None]
            if stuck:
                log.warning("virtual clock: %s wait for each other with no deadline; "
                            "their waits end unsatisfied", ", ".join(p.name for p in stuck))
                for p in stuck:
                    self._unblock(p)
            return
        due = min(timed, key=lambda p: (p.deadline, p.rank, p.seq))
        self._t = max(self._t, due.deadline)
        self._unblock(due)


def _never() -> bool:
    return False


def parse_clock(text: str, start_unix_s: float | None = None, **hooks) -> Clock:
    """``virtual`` | ``scaled:N`` | ``realtime`` -> Clock (InputError naming the text)."""
    mode, _, factor = str(text).strip().lower().partition(":")
    if mode == "scaled":
        try:
            scale = float(factor)
        except ValueError:
            raise InputError(f"clock {text!r}: scaled:N needs a number N > 0") from None
        if not (0 < scale < float("inf")):
            raise InputError(f"clock {text!r}: scaled:N needs a finite N > 0")
        return Clock("scaled", scale, start_unix_s, **hooks)
    if mode in ("virtual", "realtime") and not factor:
        return Clock(mode, 1.0, start_unix_s, **hooks)
    raise InputError(f"clock {text!r}: expected virtual, scaled:N or realtime")


def make_clock(spec: str | float | Clock | None = None,
               start_unix_s: float | None = None) -> Clock:
    """A Clock from ``"virtual"``, ``"realtime"``, ``"scaled:N"``, a speed N (1: realtime), or
    a Clock (returned as it is); None means realtime."""
    if isinstance(spec, Clock):
        return spec
    if spec is None:
        spec = "realtime"
    if isinstance(spec, (int, float)):
        if not 0 < spec < float("inf"):
            raise InputError(f"--speed {spec!r}: must be a finite number > 0")
        spec = "realtime" if spec == 1 else f"scaled:{spec:g}"
    return parse_clock(spec, start_unix_s)


def parse_iso8601(text: str, where: str = "time") -> float:
    """ISO 8601 date-time -> unix seconds; no zone means UTC. InputError naming ``where``."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{where} {text!r}: not an ISO 8601 time "
                         f"(e.g. 2026-01-01T00:00:00Z)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # The local year first (shifting year 1 or 9999 to UTC overflows), then the UTC year.
    if not (EARLIEST_YEAR - 1 <= value.year <= LATEST_YEAR + 1
            and EARLIEST_YEAR <= value.astimezone(UTC).year <= LATEST_YEAR):
        raise InputError(f"{where} {text!r}: year outside {EARLIEST_YEAR}..{LATEST_YEAR}")
    return value.timestamp()


def format_iso8601(t_unix_s: float, digits: int = 3) -> str:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC; ``digits`` of the second, 3: ms,
    6: us)."""
    stamp = datetime.fromtimestamp(round(float(t_unix_s), digits), tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:digits - 6 or None] + "Z"

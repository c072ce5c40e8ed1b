"""The time base every wait of at_bridge goes through.

at_bridge never reads a clock or sleeps directly: transports, engines and drivers ask their
time base. The default, :data:`REALTIME`, is the host's monotonic clock and real waits: what a
real module on a real port needs. An emulator can pass its own (ntnstack passes its run clock),
and then every timeout, retry delay and receive stamp is in the emulator's time, and the emulator
learns what each party is waiting for:

- ``wait_for(predicate, timeout_s)``: block until ``predicate()`` holds (True) or ``timeout_s``
  of this time base has passed (False); state that a predicate reads changes under ``cond`` and
  is announced with ``notify()``;
- ``sent(key, n)`` / ``received(key, n)``: ``n`` bytes about to be written toward the reader
  of ``key`` (announced before the write; a short write gives the rest back with
  ``received``), and bytes that reader consumed, so a virtual clock never moves while a byte
  is unread;
- ``reader_open(key, open_fn)`` / ``reader_closed(key)``: a reader starts or stops reading
  ``key`` (bytes nobody reads, or bytes flushed when a port is opened, are not in flight);
- ``os_wait()``: the calling thread is about to block in the operating system for input;
- ``party(name)``: the calling thread takes part in the agreement while inside.

Times are seconds of the time base (monotonic seconds for REALTIME).
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

__all__ = ["REALTIME", "Flag", "RealTime", "TimeBase"]


class TimeBase(Protocol):
    """What at_bridge needs of a clock (see the module docstring)."""

    cond: threading.Condition

    def now(self) -> float: ...
    def wait_for(self, predicate: Callable[[], bool], timeout_s: float | None) -> bool: ...
    def notify(self) -> None: ...
    def sleep(self, dt_s: float) -> None: ...
    def sent(self, key: str, n: int) -> None: ...
    def received(self, key: str, n: int) -> None: ...
    def reader_open(self, key: str, open_fn: Callable[[], object]) -> object: ...
    def reader_closed(self, key: str) -> None: ...
    def os_wait(self) -> contextlib.AbstractContextManager: ...
    def party(self, name: str) -> contextlib.AbstractContextManager: ...


class RealTime:
    """The host's monotonic clock; waits are real waits; nothing is accounted."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())

    def now(self) -> float:
        return time.monotonic()

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float | None) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, None if timeout_s is None
                                      else max(0.0, timeout_s))

    def notify(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def sleep(self, dt_s: float) -> None:
        if dt_s > 0:
            time.sleep(dt_s)

    def sent(self, key: str, n: int) -> None:
        pass

    def received(self, key: str, n: int) -> None:
        pass

    def reader_open(self, key: str, open_fn: Callable[[], object]) -> object:
        return open_fn()

    def reader_closed(self, key: str) -> None:
        pass

    @contextlib.contextmanager
    def os_wait(self) -> Iterator[None]:
        yield

    @contextlib.contextmanager
    def party(self, name: str) -> Iterator[None]:
        yield


REALTIME = RealTime()
"""The default time base: real modules, real ports, real seconds."""


class Flag:
    """A one-bit event on a time base (``threading.Event`` that the time base can see)."""

    __slots__ = ("_set", "timebase")

    def __init__(self, timebase: TimeBase) -> None:
        self.timebase, self._set = timebase, False

    def set(self) -> None:
        with self.timebase.cond:
            self._set = True
        self.timebase.notify()

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout_s: float | None) -> bool:
        """True once set; False when ``timeout_s`` of the time base passed first."""
        return self.timebase.wait_for(self.is_set, timeout_s)

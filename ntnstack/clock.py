"""The one clock (DESIGN.md "One clock"): every time-dependent value reads ``now_unix_s``.

Modes (parsed by ``parse_clock`` from the text of a CLI option or a YAML field):
- ``virtual``: event-driven; time moves only through ``advance`` / ``sleep_until``, which
  return at once. Runs as fast as the CPU allows and is reproducible.
- ``scaled:N``: emulated time runs N times as fast as the wall clock (N = 10: a 60 s wait
  takes 6 s of real time; N = 0.5: half speed), for virtual modules behind a real pty.
- ``realtime``: the wall clock (hardware in the loop); equal to ``scaled:1`` started now.

Times are unix seconds (UTC, no leap seconds). Scaled and real time are measured on the
monotonic clock from the moment the Clock was made, so a wall-clock step (NTP) moves no
emulated value.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ntnstack.errors import InputError

__all__ = ["Clock", "EARLIEST_YEAR", "LATEST_YEAR", "format_iso8601", "parse_clock",
           "parse_iso8601"]

EARLIEST_YEAR = 1957   # Sputnik 1: no satellite element set is older
LATEST_YEAR = 2199     # leaves any span of the commands (<= 1e6 steps) inside datetime's 9999


class Clock:
    """Emulated time. ``start_unix_s`` defaults to the wall clock at creation."""

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
        self._start = float(wall() if start_unix_s is None else start_unix_s)
        self._monotonic, self._sleep = monotonic, sleep
        self._origin = monotonic()
        self._virtual_now = self._start
        self._lock = threading.Lock()

    def now_unix_s(self) -> float:
        """The current emulated time, unix seconds."""
        if self.mode == "virtual":
            with self._lock:
                return self._virtual_now
        return self._start + (self._monotonic() - self._origin) * self.scale

    def sleep_until(self, t_unix_s: float) -> float:
        """Let emulated time reach ``t_unix_s`` (never goes back); returns the new now."""
        if self.mode == "virtual":
            with self._lock:
                self._virtual_now = max(self._virtual_now, float(t_unix_s))
                return self._virtual_now
        remaining_s = float(t_unix_s) - self.now_unix_s()
        if remaining_s > 0:
            self._sleep(remaining_s / self.scale)
        return self.now_unix_s()

    def advance(self, dt_s: float) -> float:
        """Let ``dt_s`` >= 0 seconds of emulated time pass; returns the new now."""
        if not dt_s >= 0:
            raise ValueError(f"clock: cannot advance by {dt_s} s")
        return self.sleep_until(self.now_unix_s() + dt_s)

    def __str__(self) -> str:
        return f"scaled:{self.scale:g}" if self.mode == "scaled" else self.mode


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


def parse_iso8601(text: str, where: str = "time") -> float:
    """ISO 8601 date-time -> unix seconds; no zone means UTC. InputError naming ``where``."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{where} {text!r}: not an ISO 8601 time "
                         f"(e.g. 2026-01-01T00:00:00Z)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST_YEAR <= value.astimezone(UTC).year <= LATEST_YEAR:
        raise InputError(f"{where} {text!r}: year outside {EARLIEST_YEAR}..{LATEST_YEAR}")
    return value.timestamp()


def format_iso8601(t_unix_s: float) -> str:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC, milliseconds)."""
    stamp = datetime.fromtimestamp(round(float(t_unix_s), 3), tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

"""A one-line progress bar on stderr for long jobs (no dependency)."""
from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``update(done)`` redraws ``label [#####.....]  45%  done/total unit  rate`` at most
    every ``interval_s``; ``close()`` draws 100 % state and ends the line. Disabled: silent."""

    WIDTH = 30

    def __init__(self, total: int, label: str, *, unit: str = "samples",
                 enabled: bool = True, stream: TextIO | None = None, interval_s: float = 0.2):
        self.total, self.label, self.unit = max(int(total), 1), label, unit
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._t0 = self._last = time.monotonic()
        self._done = 0

    def update(self, done: int) -> None:
        self._done = done
        now = time.monotonic()
        if self.enabled and now - self._last >= self.interval_s:
            self._last = now
            self._draw(now)

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        frac = min(self._done / self.total, 1.0)
        bar = "#" * int(frac * self.WIDTH)
        rate = self._done / max(now - self._t0, 1e-9)
        self.stream.write(f"\r{self.label} [{bar:.<{self.WIDTH}s}] {frac * 100:5.1f}%  "
                          f"{self._done:,}/{self.total:,} {self.unit}  {rate / 1e6:.2f} M/s")
        self.stream.flush()

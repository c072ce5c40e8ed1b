"""The one progress bar of the command line: a line on stderr redrawn in place, shown only
where a person watches (``ntnstack.commands._options.show_progress`` decides: a terminal,
no ``-q``, no ``--json``), so never in a log file or CI output."""
from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
"""Characters of the bar itself."""
MAX_LINE = 160
"""Characters drawn at most (the caller's text is cut)."""


class ProgressBar:
    """``LABEL [#####---------] done/total TEXT`` on ``stream``, redrawn in place.

    ``update`` redraws at most every ``interval_s`` wall seconds (0: every call) unless
    ``force``; ``close`` draws the last state and ends the line. Disabled: silent.
    """

    def __init__(self, total: int, *, label: str = "", enabled: bool = True,
                 stream: TextIO | None = None, interval_s: float = 0.0):
        self.total, self.label = max(int(total), 1), label
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.t0 = self._last = time.monotonic()
        self.done, self.text, self._drawn = 0, "", False

    def elapsed_s(self) -> float:
        """Wall seconds since the bar was made."""
        return time.monotonic() - self.t0

    def update(self, done: int, text: str = "", *, force: bool = False) -> None:
        self.done, self.text = done, text
        now = time.monotonic()
        if self.enabled and (force or now - self._last >= self.interval_s):
            self._last = now
            self._draw()

    def close(self, text: str | None = None) -> None:
        if self.enabled:
            self.text = self.text if text is None else text
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        filled = int(WIDTH * min(self.done / self.total, 1.0))
        bar = "#" * filled + "-" * (WIDTH - filled)
        label = f"{self.label} " if self.label else ""
        line = f"{label}[{bar}] {self.done:,}/{self.total:,} {self.text}"
        self.stream.write("\r" + line[:MAX_LINE].ljust(100))
        self.stream.flush()

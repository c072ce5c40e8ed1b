"""What the user sees on the terminal: a progress bar on stderr while steps run, and the
summary table at the end."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from ntnstack.runner.expect import observed_key
from ntnstack.runner.records import StepResult

BAR_WIDTH = 28


class Progress:
    """One line on ``stream``, redrawn per step (plain lines when it is not a terminal)."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()

    def begin(self, label: str) -> None:
        if self.enabled and self.tty:
            self._draw(f"{label} ...")

    def end(self, result: StepResult) -> None:
        self.done += 1
        self.failed += result.status in ("failed", "error")
        if not self.enabled:
            return
        text = f"{result.terminal} {result.label} {result.status}"
        if self.tty:
            self._draw(f"t={result.ended_s:.0f} s  {text}")
        else:
            print(f"[{self.done}/{self.total}] {text} (t={result.ended_s:.1f} s)",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, text: str) -> None:
        filled = int(BAR_WIDTH * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        wall = time.monotonic() - self.t0
        line = f"\r[{bar}] {self.done}/{self.total} {self.failed} failed {wall:5.1f}s  {text}"
        self.stream.write(line[:160].ljust(100))
        self.stream.flush()


def summary_table(results: list[StepResult]) -> str:
    """Terminal, step, emulated time, verdict, and what failed (one row per step)."""
    head = f"{'terminal':14s} {'step':24s} {'t [s]':>9s} {'verdict':8s} detail"
    lines = [head, "-" * len(head)]
    for r in results:
        detail = "; ".join(c.message for c in r.checks if not c.passed) or (
            r.message if r.status != "passed" else ", ".join(
                f"{observed_key(c.name)}={_short(c.observed)}" for c in r.checks))
        lines.append(f"{r.terminal:14s} {r.label:24s} {r.ended_s:9.1f} "
                     f"{r.status.upper():8s} {detail}")
    counts = {k: sum(1 for r in results if r.status == k) for k in ("passed", "failed", "error",
                                                                    "skipped", "not-observable")}
    lines.append("-" * len(head))
    lines.append(", ".join(f"{v} {k}" for k, v in counts.items()))
    return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)

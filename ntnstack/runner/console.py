"""What the user sees on the terminal: a progress bar on stderr while steps run, and the
summary table at the end."""
from __future__ import annotations

import sys
from typing import TextIO

from ntnstack.progress import ProgressBar
from ntnstack.runner.expect import observed_key
from ntnstack.runner.records import StepResult

class StepProgress:
    """The steps of a run as they finish: a ProgressBar redrawn per step on a terminal,
    plain lines ``[done/total] terminal step status`` on any other stream."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        self.failed = 0
        stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = stream.isatty()
        self.bar = ProgressBar(total, enabled=enabled and self.tty, stream=stream)

    def begin(self, label: str) -> None:
        self._draw(self.bar.done, f"{label} ...")

    def end(self, result: StepResult) -> None:
        self.failed += result.status in ("failed", "error")
        text = f"{result.terminal} {result.label} {result.status}"
        self._draw(self.bar.done + 1, f"t={result.ended_s:.0f} s  {text}")
        if self.enabled and not self.tty:
            print(f"[{self.bar.done}/{self.bar.total}] {text} (t={result.ended_s:.1f} s)",
                  file=self.bar.stream, flush=True)

    def close(self) -> None:
        self.bar.close()

    def _draw(self, done: int, text: str) -> None:
        self.bar.update(done, f"{self.failed} failed {self.bar.elapsed_s():5.1f}s  {text}",
                        force=True)


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

"""SIGINT and SIGTERM during a run: the steps stop, the run ends cleanly.

While the steps run, either signal raises KeyboardInterrupt in the main thread (where the
runner is). Once the run is closing (modules closed, journal finished, junit.xml and the
report written) a further signal is only noted, so that the outputs of the steps done are
always written; then the CLI exits 130.
"""
from __future__ import annotations

import signal
import threading

__all__ = ["StopSignals"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Context manager: SIGINT / SIGTERM raise KeyboardInterrupt until ``disarm()``; after it
    they are noted in ``received``. Outside the main thread it installs nothing (the caller's
    own handling stands)."""

    def __init__(self):
        self.armed = True
        self.received: int | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self._old = {s: signal.signal(s, self._handle) for s in SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)

    def disarm(self) -> None:
        """From now on a signal is noted, not raised."""
        self.armed = False

    def _handle(self, signum, frame) -> None:
        self.received = signum
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt(signal.Signals(signum).name)

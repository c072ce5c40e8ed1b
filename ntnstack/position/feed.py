"""An NMEA position feed on a pseudo-terminal (or any writable serial port) for a module's
GNSS input: one GGA + RMC + ZDA epoch per period of the clock."""
from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable

from ntnstack.position.nmea import Fix, epoch_sentences

Trajectory = Callable[[float], tuple[float, float, float]]
"""t_unix_s -> (lat_deg, lon_deg, alt_m)."""


class NmeaPty:
    """A pty whose slave path (``device``) a GNSS client such as gpsd opens; ``emit(fix)``
    writes one epoch to it. Close with ``close()`` (or use as a context manager)."""

    def __init__(self, link: str | None = None):
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self.link = link
        if link:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.device, link)

    def emit(self, fix: Fix) -> None:
        os.write(self._master, epoch_sentences(fix).encode("ascii"))

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:   # a second close() must not close a descriptor reused since
                os.close(fd)
        self._master = self._slave = -1
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def __enter__(self) -> NmeaPty:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NmeaFeed:
    """Emits the trajectory's position on ``port`` every ``period_s`` seconds in a thread.

    ``now_unix_s`` is the project clock's reading (the fix time); the period is real time.
    """

    def __init__(self, port: NmeaPty, trajectory: Trajectory,
                 now_unix_s: Callable[[], float] = time.time, period_s: float = 1.0):
        self.port, self.trajectory, self.now_unix_s = port, trajectory, now_unix_s
        self.period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nmea-feed", daemon=True)

    def fix_at(self, t_unix_s: float) -> Fix:
        lat, lon, alt = self.trajectory(t_unix_s)
        return Fix(t_unix_s, lat, lon, alt)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.port.emit(self.fix_at(self.now_unix_s()))
            except OSError:
                return  # port closed under us: the feed ends
            self._stop.wait(self.period_s)

    def start(self) -> NmeaFeed:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class NmeaSerial:
    """The ``emit(fix)`` interface of NmeaPty on an existing serial device or pyserial URL."""

    def __init__(self, url: str, baudrate: int = 9600):
        import serial

        self.device = url
        self._port = serial.serial_for_url(url, baudrate=baudrate)

    def emit(self, fix: Fix) -> None:
        self._port.write(epoch_sentences(fix).encode("ascii"))

    def close(self) -> None:
        self._port.close()

"""A pseudo-terminal that a serial client opens like a module's port.

The server keeps the master and its own handle on the slave (so reads never fail with EIO
while no client has the port open); the slave is put in raw mode so any serial client (pyserial,
minicom, ser2net, ModemManager) sees the bytes unchanged. ``--link PATH`` keeps a symlink to
the current slave device, also across a "vanish and return" fault, which re-creates the pty.
"""
from __future__ import annotations

import contextlib
import os
import termios
import tty

from ntnstack.errors import InputError


class PtyPort:
    """One pty pair; ``path`` is the slave device a client opens."""

    def __init__(self, link: str | None = None) -> None:
        self.link = link
        self.master_fd = -1
        self._slave_fd = -1
        self.path = ""
        self.open()

    def open(self) -> None:
        """Create the pty (again) and point the symlink at it."""
        self.master_fd, self._slave_fd = os.openpty()
        tty.setraw(self._slave_fd, termios.TCSANOW)
        os.set_blocking(self.master_fd, False)
        self.path = os.ttyname(self._slave_fd)
        if self.link:
            self._relink()

    def _relink(self) -> None:
        tmp = f"{self.link}.tmp{os.getpid()}"
        try:
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)
        except OSError as exc:
            raise InputError(f"--link {self.link}: cannot create the symlink: {exc}") from exc

    @property
    def is_open(self) -> bool:
        return self.master_fd >= 0

    def close(self) -> None:
        """Close both ends (a client sees the port vanish) and drop the symlink."""
        for fd in (self.master_fd, self._slave_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master_fd = self._slave_fd = -1
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def read(self) -> bytes:
        """Whatever the client wrote (b"" when nothing is waiting)."""
        try:
            return os.read(self.master_fd, 4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            return b""

    def write(self, data: bytes) -> int:
        """Write what fits now; returns the count written (the rest is the caller's)."""
        try:
            return os.write(self.master_fd, data)
        except (BlockingIOError, InterruptedError):
            return 0

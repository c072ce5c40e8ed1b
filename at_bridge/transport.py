"""Serial transport: one port, a reader thread, a raw traffic log, reconnection.

The port is opened with pyserial's ``serial_for_url`` (device paths including
``/dev/serial/by-id/...`` and pty symlinks, ``rfc2217://``, ``socket://``, ``loop://``), with
``exclusive=True`` (``flock`` on POSIX device paths; ignored by URL handlers without it).

Raw log format, one line per chunk, written and flushed as it happens::

    <time base's now() in s, 6 decimals> <in|out> <bytes as lower-case hex>
    <time base's now() in s, 6 decimals> evt <free text: open, gone, reconnected, closed>

Every wait, stamp and back-off goes through the transport's time base
(:mod:`at_bridge.timebase`; monotonic seconds by default). The reader thread is a party of it,
and the bytes it writes and reads are announced under the keys ``<device path>@device``
(toward the module) and ``<device path>@client`` (toward this transport).

A vanished port (USB unplug, re-enumeration, the pty's other side closed) shows as
SerialException / OSError on read or write, or as its device path disappearing; the transport
then reports ``"gone"`` to its state listeners, fails writes with :class:`PortGone`, and, when
``reconnect`` is set, polls for the path with exponential backoff (``poll_min_s`` doubling up
to ``poll_max_s``, 10 ms to 100 ms by default) and reopens it, reporting ``"back"``.

A device path is opened without pyserial's input flush, so what the module wrote before the
open (the boot banner of a module that restarted) is read, not lost: the opening thread reads
it at once and hands it to the receiver before anything else (before ``set_receiver``
returns, or before ``"back"`` is reported), so on a virtual clock its place in the stream
never depends on thread timing. Bytes that arrive before a receiver is set are held for it.
Reads wait in ``poll(2)`` (no FD_SETSIZE limit: a process may hold thousands of ports).
"""
from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

import serial

from at_bridge.errors import PortGone
from at_bridge.timebase import REALTIME, Flag, TimeBase

try:
    import termios
    _PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # not POSIX
    _PORT_ERRORS = (serial.SerialException, OSError)

log = logging.getLogger(__name__)

Receiver = Callable[[bytes], None]
StateListener = Callable[[str], None]

_URL_SCHEMES = ("rfc2217://", "socket://", "loop://", "spy://", "alt://", "hwgrep://", "cp2110://")
_IDLE_PATH_CHECK_S = 0.5
_CHUNK = 4096   # octets per read from a POSIX device: whatever has arrived, up to this
_MAX_HELD = 65536   # octets kept for a receiver not yet set


def read_available(fd: int, limit: int = _MAX_HELD) -> bytes:
    """Every byte a non-blocking tty ``fd`` has received so far (up to ``limit``).

    read(2) first completes the kernel's hand-over of bytes just written to the pty into the
    line discipline (a work item); TIOCINQ (pyserial's ``in_waiting``) does not, and under
    load missed a banner written an instant before the open about once in 30 tries."""
    chunks, total = [], 0
    while total < limit:
        try:
            data = os.read(fd, _CHUNK)
        except (BlockingIOError, InterruptedError):
            break
        if not data:
            break
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


class KeepInputSerial(serial.Serial):
    """pyserial's POSIX port whose ``open()`` keeps the bytes already received (pyserial's
    own open discards them with ``tcflush``: a banner printed just before the open is lost)."""

    _opening = False
    poller: select.poll | None = None
    """poll(2) object watching the open port for input (no FD_SETSIZE limit)."""

    def open(self) -> None:
        self._opening = True
        try:
            super().open()
        finally:
            self._opening = False
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)

    def _reset_input_buffer(self) -> None:
        if not self._opening:
            super()._reset_input_buffer()

    def write(self, data: bytes) -> int:
        """Write every byte, waiting in poll(2) while the device is full (pyserial's own
        write uses select(), which fails on a descriptor >= 1024); SerialTimeoutException
        after ``write_timeout`` real seconds without progress."""
        if not self.is_open:
            raise serial.PortNotOpenError()
        view = memoryview(bytes(data))
        writable = select.poll()
        writable.register(self.fd, select.POLLOUT)
        limit_ms = None if self.write_timeout is None else int(self.write_timeout * 1000)
        while view:
            try:
                view = view[os.write(self.fd, view):]
                continue
            except BlockingIOError:
                pass
            if not writable.poll(limit_ms):
                raise serial.SerialTimeoutException("Write timeout")
        return len(data)


class RawLog:
    """Append-only raw traffic log of one port (format in the module docstring)."""

    def __init__(self, path: str | Path, now: Callable[[], float] = time.monotonic):
        self.path = Path(path)
        self.now = now
        # lives as long as the transport; closed by close()
        self._file = open(self.path, "a", encoding="ascii", buffering=1)  # noqa: SIM115
        self._lock = threading.Lock()

    def record(self, direction: str, data: bytes) -> None:
        """Write one chunk: ``direction`` is ``in`` (from the module) or ``out``."""
        with self._lock:
            if not self._file.closed:
                self._file.write(f"{self.now():.6f} {direction} {data.hex()}\n")
                self._file.flush()

    def event(self, text: str) -> None:
        """Write one event line (open, gone, reconnected, closed)."""
        with self._lock:
            if not self._file.closed:
                self._file.write(f"{self.now():.6f} evt {text}\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


RAW_LOG_LINE_MAX = 1 << 16
"""Octets read back from an offset to find the start of its line (a logged chunk in hex is
far shorter; a longer line is found from the file's start)."""


def _from_line_start(f, offset: int) -> bytes:
    """The rest of the open file ``f`` from the start of the line holding ``offset``."""
    window = min(offset, RAW_LOG_LINE_MAX)
    f.seek(offset - window)
    newline = f.read(window).rfind(b"\n")
    if newline < 0 and window < offset:
        f.seek(0)
        start = f.read(offset).rfind(b"\n") + 1
    else:
        start = offset - window + newline + 1
    f.seek(start)
    return f.read()


def read_raw_log(path: str | Path, from_byte: int = 0) -> list[tuple[float, str, bytes | str]]:
    """Parse a raw log back into ``(t_s, direction, bytes-or-event-text)`` tuples; with
    ``from_byte`` (a size of the log taken earlier), only the rows from the line holding
    that offset on, without parsing what came before."""
    with Path(path).open("rb") as f:
        text = (f.read() if from_byte <= 0 else _from_line_start(f, from_byte)).decode("ascii")
    rows: list[tuple[float, str, bytes | str]] = []
    for line in text.splitlines():
        stamp, direction, rest = ([*line.split(" ", 2), ""])[:3]
        rows.append((float(stamp), direction, rest if direction == "evt" else bytes.fromhex(rest)))
    return rows


def is_device_path(url: str) -> bool:
    """True when ``url`` names a filesystem path rather than a pyserial URL handler."""
    return not url.startswith(_URL_SCHEMES)


class Transport:
    """One serial port with a reader thread that hands every received chunk to a receiver.

    ``read_timeout_s`` bounds one blocking read in real seconds (how fast close() and path
    checks react); ``poll_min_s`` / ``poll_max_s`` (reopen back-off) are time-base seconds.
    """

    def __init__(self, url: str, *, baudrate: int = 115200, log_path: str | Path | None = None,
                 exclusive: bool = True, reconnect: bool = True, poll_min_s: float = 0.01,
                 poll_max_s: float = 0.1, read_timeout_s: float = 0.1,
                 timebase: TimeBase = REALTIME):
        self.url = url
        self.timebase = timebase
        self._in_key = self._out_key = ""   # set by each open: a pty link may move
        self.baudrate = baudrate
        self.exclusive = exclusive
        self.reconnect = reconnect
        self.poll_min_s, self.poll_max_s = poll_min_s, poll_max_s
        self.read_timeout_s = read_timeout_s
        self.raw_log = RawLog(log_path, timebase.now) if log_path else None
        self._receiver: Receiver | None = None
        self._held = bytearray()             # received before a receiver was set
        self._rx_lock = threading.RLock()    # one delivery at a time, in arrival order
        self._listeners: list[StateListener] = []
        self._write_lock = threading.Lock()
        self._port_lock = threading.Lock()   # guards swapping self._port (lost / reopen / close)
        self._closed = Flag(timebase)
        self._port: serial.SerialBase | None = None
        self._port = self._open_port()
        self._thread = threading.Thread(target=self._run, name=f"at_bridge-rx {url}", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"Transport({self.url!r})"

    @property
    def connected(self) -> bool:
        """True while the port is open and usable."""
        return self._port is not None and not self._closed.is_set()

    def set_receiver(self, receiver: Receiver) -> None:
        """Every received chunk goes to ``receiver`` (called on the reader thread); bytes
        received before the first receiver was set go to it now, on this thread."""
        with self._rx_lock:
            self._receiver = receiver
            held, self._held = bytes(self._held), bytearray()
            if held:
                self._call_receiver(held)

    def add_state_listener(self, listener: StateListener) -> None:
        """``listener("gone")`` when the port vanishes, ``listener("back")`` when reopened."""
        self._listeners.append(listener)

    def write(self, data: bytes) -> None:
        """Send ``data``; PortGone when the port is not there (the message names the url)."""
        port = self._port
        if port is None or self._closed.is_set():
            raise PortGone(f"{self.url}: port is gone or closed; {len(data)} bytes not sent")
        failure: BaseException | None = None
        with self._write_lock:
            if self.raw_log:   # before the write: no reply can be logged ahead of it
                self.raw_log.record("out", data)
            self.timebase.sent(self._out_key, len(data))
            try:
                port.write(data)  # blocks until the OS has taken every byte
            except (*_PORT_ERRORS, TypeError, AttributeError) as exc:  # closed under us
                failure = exc
                self.timebase.received(self._out_key, len(data))
                if self.raw_log:
                    self.raw_log.event(f"write failed: {len(data)} bytes above not sent")
        if failure is not None:   # listeners run without the write lock (they may write)
            self._lost(port, failure)
            raise PortGone(f"{self.url}: port vanished while writing ({failure})") from None

    def close(self) -> None:
        """Stop the reader thread, close the port and the raw log."""
        self._closed.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        self.timebase.reader_closed(self._in_key)
        with self._port_lock:
            port, self._port = self._port, None
        if port is not None:
            with self._write_lock:   # not under a write in progress
                port.close()
        if self.raw_log:
            self.raw_log.event("closed")
            self.raw_log.close()

    def _open_port(self) -> serial.SerialBase:
        try:
            device = os.path.realpath(self.url) if is_device_path(self.url) else self.url
            self._in_key, self._out_key = f"{device}@client", f"{device}@device"
            port, early = self.timebase.reader_open(self._in_key, self._make_port)
        except (*_PORT_ERRORS, ValueError) as exc:
            raise PortGone(f"{self.url}: cannot open ({exc})") from None
        if self.raw_log:
            self.raw_log.event(f"open {self.url}")
        if early:
            self._deliver(early)
        return port

    def _make_port(self) -> tuple[serial.SerialBase, bytes]:
        """The opened port and the bytes it had already received (a device path keeps
        them; URL handlers start empty), read now: written before the open, they were
        never counted in flight."""
        if not is_device_path(self.url):   # rfc2217:// refuses write_timeout
            return serial.serial_for_url(self.url, baudrate=self.baudrate,
                                         timeout=self.read_timeout_s,
                                         exclusive=self.exclusive), b""
        port = KeepInputSerial(self.url, baudrate=self.baudrate, timeout=self.read_timeout_s,
                               exclusive=self.exclusive, write_timeout=5.0)
        try:
            return port, read_available(port.fd)
        except BaseException:
            port.close()
            raise

    def _run(self) -> None:
        with self.timebase.party(f"reader {self.url}"):
            self._read_loop()

    def _read_loop(self) -> None:
        last_check = time.monotonic()
        while not self._closed.is_set():
            port = self._port
            if port is None:
                self._reopen()
                continue
            try:
                data = self._read_chunk(port)
            except (*_PORT_ERRORS, TypeError, AttributeError) as exc:
                self._lost(port, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - the reader thread must never die silently
                log.exception("%s: unexpected error on read", self.url)
                self._lost(port, exc)
                continue
            if data:
                self._deliver(data)
            elif time.monotonic() - last_check > _IDLE_PATH_CHECK_S:
                last_check = time.monotonic()
                if is_device_path(self.url) and not os.path.exists(self.url):
                    self._lost(port, FileNotFoundError(self.url))

    def _read_chunk(self, port: serial.SerialBase) -> bytes:
        """Every byte that has arrived once the port is readable (b"" after read_timeout_s).
        A POSIX device is read with one poll + one read(2), so a reply arrives as one chunk
        and one thread wake-up; URL handlers use pyserial's read."""
        if type(port) is not KeepInputSerial:
            with self.timebase.os_wait():
                data = port.read(max(1, port.in_waiting))
        else:
            with self.timebase.os_wait():
                ready = port.poller.poll(int(self.read_timeout_s * 1000))
            if not ready:
                return b""
            try:
                data = os.read(port.fd, _CHUNK)
            except (BlockingIOError, InterruptedError):   # the fd is non-blocking (pyserial)
                return b""
            if not data:
                raise serial.SerialException("readable but no data: device disconnected")
        self.timebase.received(self._in_key, len(data))
        return data

    def _deliver(self, data: bytes) -> None:
        if self.raw_log:
            self.raw_log.record("in", data)
        with self._rx_lock:
            if self._receiver is None:
                self._held += data
                del self._held[:-_MAX_HELD]   # nobody reads: keep the newest only
            else:
                self._call_receiver(data)

    def _call_receiver(self, data: bytes) -> None:
        try:
            self._receiver(data)
        except Exception:  # a receiver bug must not kill the reader thread
            log.exception("%s: receiver failed on %r", self.url, data)

    def _lost(self, port: serial.SerialBase, exc: BaseException) -> None:
        with self._port_lock:   # reader and writer may both see the loss: report it once
            if self._port is not port:
                return
            self._port = None
        with contextlib.suppress(*_PORT_ERRORS):
            port.close()
        self.timebase.reader_closed(self._in_key)
        if self._closed.is_set():
            return
        log.warning("%s: port gone (%s)", self.url, exc)
        if self.raw_log:
            self.raw_log.event(f"gone {type(exc).__name__}: {exc}")
        self._notify("gone")

    def _reopen(self) -> None:
        delay = self.poll_min_s
        while not self._closed.is_set():
            if not self.reconnect:
                self._closed.wait(self.poll_max_s)
                continue
            if (not is_device_path(self.url) or os.path.exists(self.url)) and self._adopt():
                if self.raw_log:
                    self.raw_log.event("reconnected")
                self._notify("back")
                return
            self._closed.wait(delay)
            delay = min(delay * 2, self.poll_max_s)

    def _adopt(self) -> bool:
        """Open the port again and make it current; False when it cannot be opened yet. A
        port opened while close() ran is closed again (no leaked exclusive lock)."""
        try:
            port = self._open_port()
        except PortGone:
            return False
        with self._port_lock:
            if not self._closed.is_set():
                self._port = port
                return True
        port.close()
        return False

    def _notify(self, state: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                log.exception("%s: state listener failed on %s", self.url, state)

"""Read ahead and write behind: a recording's chunks read by one thread and written by another
while the caller processes the current one (file reads, file writes, numpy reductions and the
C channel all release the GIL, so the three overlap on a multi-core machine).

``ChunkPipeline(path, count, size, buffers)`` owns ``buffers`` complex64 buffers of ``size``
samples (pages are only touched where data is read). ``blocks(n, buffers)`` reads the file
from its start and yields consecutive blocks of at most n <= size samples (views of the first
``buffers`` buffers, in file order); a block goes back to the reader with ``release(block)``
or to the writer with ``write(block)`` (which releases it once written). A pass starts with
every buffer back (``finish_writes()`` after writing). The order and content of what is read
and written do not depend on thread timing: only when each step happens does.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ntnstack.iq.files import BYTES_PER_SAMPLE

__all__ = ["ChunkPipeline"]

_END = None                   # end of stream on the reader's and the writer's queues


class ChunkPipeline:
    """Blocks of the ``count`` complex64 samples of ``path``, up to ``size`` at a time."""

    def __init__(self, path: Path, count: int, size: int, buffers: int = 3):
        self._path = path
        self.size = min(size, max(count, 1))
        self._buffers = [np.empty(self.size, dtype="<c8") for _ in range(buffers)]
        self._free: queue.Queue = queue.Queue()
        self._filled: queue.Queue = queue.Queue()
        self._owner: dict[int, np.ndarray] = {}     # chunk data address -> its buffer
        self._stop = threading.Event()
        self._writes: queue.Queue | None = None
        self._writer: threading.Thread | None = None
        self._write_error: BaseException | None = None

    # reading
    def blocks(self, size: int, buffers: int | None = None) -> Iterator[np.ndarray]:
        """Consecutive blocks of at most ``size`` samples from the start of the file, read
        into the first ``buffers`` buffers (default all; 1: no read-ahead, no fresh pages)."""
        if not 1 <= size <= self.size:
            raise ValueError(f"size: {size} outside 1..{self.size}")
        self._stop.clear()
        self._free, self._filled = queue.Queue(), queue.Queue()
        for buffer in self._buffers[:buffers]:
            self._free.put(buffer)
        reader = threading.Thread(target=self._read_all, args=(size,), name="iq-read",
                                  daemon=True)
        reader.start()
        try:
            while (item := self._filled.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            self._free.put(_END)       # wakes a reader waiting for a buffer
            reader.join()

    def _read_all(self, size: int) -> None:
        try:
            with open(self._path, "rb") as f:      # buffered: readinto fills up to EOF
                while not self._stop.is_set():
                    buffer = self._free.get()
                    if buffer is _END:
                        break
                    view = memoryview(buffer[:size]).cast("B")
                    got = f.readinto(view) // BYTES_PER_SAMPLE
                    if not got:
                        break
                    chunk = buffer[:got]
                    self._owner[chunk.ctypes.data] = buffer
                    self._filled.put(chunk)
        except OSError as exc:
            self._filled.put(exc)
        self._filled.put(_END)

    def release(self, chunk: np.ndarray) -> None:
        """Give a chunk's buffer back for the reader to fill."""
        self._free.put(self._owner.pop(chunk.ctypes.data))

    # writing
    def start_writer(self, write: Callable[[np.ndarray], None]) -> None:
        """Write each chunk passed to ``write()`` with ``write`` (in order, on its own thread)."""
        self._writes = queue.Queue()
        self._writer = threading.Thread(target=self._write_all, args=(write,),
                                        name="iq-write", daemon=True)
        self._writer.start()

    def _write_all(self, write: Callable[[np.ndarray], None]) -> None:
        while (chunk := self._writes.get()) is not _END:
            if self._write_error is None:
                try:
                    write(chunk)
                except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread
                    self._write_error = exc
            self.release(chunk)

    def write(self, chunk: np.ndarray) -> None:
        """Queue ``chunk`` for the writer; raises an error the writer met earlier."""
        self._raise_write_error()
        self._writes.put(chunk)

    def finish_writes(self) -> None:
        """Wait until every queued chunk is written; raises the writer's error if any."""
        if self._writer is not None:
            self._writes.put(_END)
            self._writer.join()
            self._writer = None
        self._raise_write_error()

    def _raise_write_error(self) -> None:
        if self._write_error is not None:
            raise self._write_error

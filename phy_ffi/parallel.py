"""Calls of the C core split over threads the caller owns (the core itself starts none).

A grid is cut along its satellite axis into contiguous ranges, one per thread; each range is
one C call (``ntn_link_grid_rows``) writing only its own rows, with the GIL released, so the
result is the same bits as one call over all. How many threads: the environment variable
``NTNPHY_THREADS`` (a positive integer; ``1`` runs every call in the caller's thread), else
the CPUs this process may run on; never more than the satellites, and never a range under
``MIN_PART_ELEMENTS`` elements (starting and joining a thread costs about 0.1 ms).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable

from phy_ffi.errors import PhyValueError

MIN_PART_ELEMENTS = 1 << 16
"""Elements (satellite x terminal x time) below which a range is not given its own thread:
about 0.6 ms of the link kernel at 10 ns per element on the benchmark machine."""


def thread_count() -> int:
    """Threads a call may use: NTNPHY_THREADS, else the CPUs of this process's affinity."""
    text = os.environ.get("NTNPHY_THREADS", "").strip()
    if not text:
        return len(os.sched_getaffinity(0))
    if not (text.isdecimal() and int(text) > 0):
        raise PhyValueError(f"NTNPHY_THREADS={text!r}: expected a positive integer")
    return int(text)


def ranges(n_rows: int, elements_per_row: int) -> list[tuple[int, int]]:
    """Contiguous [begin, end) row ranges of near-equal size, one per thread to use."""
    by_size = (n_rows * elements_per_row) // MIN_PART_ELEMENTS
    n = max(1, min(thread_count(), n_rows, by_size))
    bounds = [n_rows * k // n for k in range(n + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def run_ranges(call: Callable[[int, int], int], parts: list[tuple[int, int]]) -> list[int]:
    """call(begin, end) for every range, the first in this thread and the others in threads
    started here and joined before returning; the calls' return values in range order. An
    exception in any call is raised here once every thread has ended (the first by range)."""
    results: list = [None] * len(parts)
    errors: list[BaseException | None] = [None] * len(parts)

    def run(k: int) -> None:
        try:
            results[k] = call(*parts[k])
        except BaseException as exc:   # re-raised in the caller's thread below
            errors[k] = exc

    workers = [threading.Thread(target=run, args=(k,), name=f"ntnphy-part-{k}", daemon=True)
               for k in range(1, len(parts))]
    for worker in workers:
        worker.start()
    try:
        run(0)
    finally:
        for worker in workers:
            worker.join()
    for error in errors:
        if error is not None:
            raise error
    return results

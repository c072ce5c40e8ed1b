"""``open_module``: url + family -> a Driver on an open port."""
from __future__ import annotations

from pathlib import Path

from at_bridge.dialect import Dialect, load_dialect
from at_bridge.drivers.at_driver import AtDriver
from at_bridge.drivers.base import Driver
from at_bridge.drivers.beidou import BeiDouDriver
from at_bridge.timebase import REALTIME, TimeBase
from at_bridge.transport import Transport


def open_module(url: str, family: str, log_path: str | Path | None = None, *,
                baudrate: int = 115200, exclusive: bool = True, reconnect: bool = True,
                dialect: Dialect | str | Path | None = None,
                timebase: TimeBase = REALTIME) -> Driver:
    """Open ``url`` (pyserial URL or device path) and return the driver of ``family``.

    ``log_path`` receives the raw traffic log; ``dialect`` overrides the family's table (a
    Dialect, a family name or a YAML path). Raises DialectError for an unknown family and
    PortGone when the port cannot be opened. Every wait, timeout and stamp of the driver is
    on ``timebase`` (at_bridge.timebase; real monotonic seconds by default).
    """
    table = dialect if isinstance(dialect, Dialect) else load_dialect(dialect or family)
    transport = Transport(url, baudrate=baudrate, log_path=log_path, exclusive=exclusive,
                          reconnect=reconnect, timebase=timebase)
    if table.kind in ("sentence", "frame"):
        return BeiDouDriver(transport, table)
    return AtDriver(transport, table)

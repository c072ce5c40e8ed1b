"""``open_module``: url + family -> a Driver on an open port."""
from __future__ import annotations

from collections.abc import Callable
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
                timebase: TimeBase = REALTIME,
                ue_position: Callable[[], tuple[float, float, float]] | None = None) -> Driver:
    """Open ``url`` (pyserial URL or device path) and return the driver of ``family``.

    ``log_path`` receives the raw traffic log; ``dialect`` overrides the family's table (a
    Dialect, a family name or a YAML path). Raises DialectError for an unknown family and
    PortGone when the port cannot be opened. Every wait, timeout and stamp of the driver is
    on ``timebase`` (at_bridge.timebase; real monotonic seconds by default). An AT driver
    answers the module's requests for the UE position with ``ue_position()`` (lat deg, lon
    deg, alt m) when given, else with the last position of ``set_location``.
    """
    table = dialect if isinstance(dialect, Dialect) else load_dialect(dialect or family)
    transport = Transport(url, baudrate=baudrate, log_path=log_path, exclusive=exclusive,
                          reconnect=reconnect, timebase=timebase)
    if table.kind in ("sentence", "frame"):
        return BeiDouDriver(transport, table)
    driver = AtDriver(transport, table)
    driver.location.source = ue_position
    return driver

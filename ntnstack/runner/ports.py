"""Before a run's first step: every hardware port the run uses opens. A bad port fails the
run at once with a message naming the terminal and the port, instead of each step waiting
for a module that is not there."""
from __future__ import annotations

import fcntl
import os

from at_bridge.errors import PortGone
from at_bridge.transport import Transport, is_device_path
from ntnstack.errors import InputError
from ntnstack.scenario.model import Port


class PortsNotOpening(InputError):
    """Hardware ports of a run that do not open: one line naming each terminal and port."""


def check_open(ports: dict[str, Port]) -> None:
    """PortsNotOpening unless every hardware port of ``ports`` opens."""
    bad = unopenable(ports)
    if bad:
        raise PortsNotOpening("testbed ports not opening: " + "; ".join(bad))


def unopenable(ports: dict[str, Port]) -> list[str]:
    """``terminal: why`` for each hardware port that does not open (virtual ports are served
    in-process and need no check)."""
    bad = []
    for name, port in sorted(ports.items()):
        if port.virtual:
            continue
        try:
            _probe(port)
        except PortGone as exc:
            bad.append(f"{name}: {exc}")
    return bad


def _probe(port: Port) -> None:
    """Open and close ``port`` without touching what it holds: a device path with a bare
    non-blocking open (no read, no flush, no line settings: a banner or URC the module
    printed stays for the run's own open), a URL (ser2net, rfc2217) through a Transport."""
    if not is_device_path(port.url):
        Transport(port.url, baudrate=port.baudrate, reconnect=False).close()
        return
    try:
        fd = os.open(port.url, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        raise PortGone(f"{port.url}: cannot open ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # as the run's exclusive open will
    except OSError:
        raise PortGone(f"{port.url}: cannot open (held by another process)") from None
    finally:
        os.close(fd)


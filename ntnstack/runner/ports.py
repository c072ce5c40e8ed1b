"""Before a run's first step: every hardware port the run uses opens. A bad port fails the
run at once with a message naming the terminal and the port, instead of each step waiting
for a module that is not there."""
from __future__ import annotations

from at_bridge.errors import PortGone
from at_bridge.transport import Transport
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
            Transport(port.url, baudrate=port.baudrate, reconnect=False).close()
        except PortGone as exc:
            bad.append(f"{name}: {exc}")
    return bad


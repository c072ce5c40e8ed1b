"""ntnstack.live.ran - base stations that follow the emulated satellite during a run: the
testbed's ``ran:`` entries (ntnstack.scenario.ran) become adapters, and one pusher thread
hands them each state message of their cells on the run's clock (docs/live.md)."""
from __future__ import annotations

from ntnstack.errors import InputError


def open_adapters(equipment, scenario) -> list:
    """An adapter per ``ran:`` entry, connected (InputError naming the entry when its
    equipment cannot be reached or its options are wrong)."""
    from websockets.exceptions import WebSocketException

    from ntnstack.live.ran.amarisoft import AmarisoftAdapter
    from ntnstack.live.ran.remote_api import RemoteApiError
    from ntnstack.live.ran.restart import RestartAdapter

    adapters = []
    try:
        for eq in equipment:
            adapter = AmarisoftAdapter(eq, scenario) if eq.kind == "amarisoft" else \
                RestartAdapter(eq, scenario)
            try:
                adapter.open()
            except (OSError, RemoteApiError, WebSocketException) as exc:
                adapter.close()           # connected, then refused: its socket too
                raise InputError(f"ran.{eq.name}: {eq.url}: {exc}") from None
            adapters.append(adapter)
    except BaseException:
        for adapter in adapters:
            adapter.close()
        raise
    return adapters


def ran_companions(scenario, testbed) -> list:
    """[the pusher into the testbed's base stations] (none without a ``ran:`` section), for
    ``ntnstack.runner.api.run_scenario(..., companions=...)``."""
    if not testbed.ran:
        return []
    from ntnstack.live.ran.pusher import Pusher

    return [Pusher(scenario, open_adapters(testbed.ran, scenario))]

"""A bench: a scenario's terminals opened for direct driving (the pytest plugin's
``ntn_terminal``), virtual modules or testbed ports, on the scenario's one clock.

The thread that makes the bench (the test) is a party of the clock until ``close``: emulated
time flows while it waits in a driver call or in ``wait(seconds)``, never while it computes,
so a test written against the driver vocabulary works unchanged on virtual modules and on
hardware, and is as reproducible as a run.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ntnstack.clock import RANK_RUNNER
from ntnstack.runner.engine import scenario_clock
from ntnstack.runner.modules import BridgeModules
from ntnstack.runner.world import World
from ntnstack.scenario.model import Port, Scenario


class Bench:
    """Terminals of ``scenario`` on ``ports``; ``terminal(name)`` opens one (once)."""

    def __init__(self, scenario: Scenario, ports: dict[str, Port], out_dir: str | Path):
        self.scenario = scenario
        self.clock = scenario_clock(scenario)
        self.world = World(scenario)
        self.modules = BridgeModules(scenario, ports, self.clock, self.world, Path(out_dir))
        self.modules.last_use = {}  # a bench keeps every terminal open until closed
        self._party = contextlib.ExitStack()
        self._party.enter_context(self.clock.party("bench", rank=RANK_RUNNER))

    def terminal(self, name: str) -> Any:
        """The at_bridge driver of terminal ``name`` (KeyError naming the choices)."""
        if name not in self.scenario.terminals:
            raise KeyError(f"no terminal {name!r} in scenario {self.scenario.name} (has "
                           f"{', '.join(self.scenario.terminals)})")
        return self.modules.driver(None, name)

    def number(self, name: str, key: str = "msisdn") -> str:
        """How to reach terminal ``name`` (msisdn, or card_id for BeiDou)."""
        return self.modules.number(name, key)

    def t(self) -> float:
        """Emulated seconds since the scenario start."""
        return self.clock.now()

    def wait(self, seconds: float) -> float:
        """Let ``seconds`` of emulated time pass (the modules act meanwhile); returns t()."""
        self.clock.sleep(seconds)
        return self.t()

    def close(self) -> list[Path]:
        paths = self.modules.close()
        self._party.close()
        return paths

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

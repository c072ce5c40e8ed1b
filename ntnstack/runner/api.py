"""The entry points the CLI and the pytest plugin share: load inputs, run a scenario."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.runner.engine import RunOutcome, Runner
from ntnstack.scenario import (
    ClockSpec, Port, Scenario, Testbed, check_against, default_scenario_path, default_testbed_path,
    load_scenario, load_testbed,
)
from ntnstack.scenario.source import ConfigError


def load_inputs(scenarios: list[str] | None, testbeds: list[str] | None = None,
                clock: str | None = None) -> tuple[Scenario, Testbed, dict[str, Port]]:
    """Scenario files (default: the embedded default scenario), testbed files (default:
    the shipped virtual testbed, every terminal virtual) -> validated objects and the port of
    every terminal. Bad input raises InputError (ConfigError) naming file, line and key."""
    scenario = load_scenario(list(scenarios) if scenarios else [default_scenario_path()], clock)
    check_run_actions(scenario)
    testbed = load_testbed(list(testbeds) if testbeds else [default_testbed_path()])
    scenario, ports = prepare(scenario, testbed, clock)
    return scenario, testbed, ports


def prepare(scenario: Scenario, testbed: Testbed, clock: str | None = None
            ) -> tuple[Scenario, dict[str, Port]]:
    """The port of every terminal, the cells' K_offset checked, and real time when real
    modules are in the run."""
    from ntnstack.scenario.ran import check_ran

    ports = check_against(testbed, scenario)
    check_ran(testbed.ran, scenario)
    check_k_offsets(scenario)
    return clock_for_ports(scenario, ports, clock), ports


def clock_for_ports(scenario: Scenario, ports: dict[str, Port], option: str | None
                        ) -> Scenario:
    """Real modules live in real time: a scenario on the virtual or a scaled clock runs in
    real time when any of its terminals is on a hardware port (asking for another clock with
    --clock is an error)."""
    real = sorted(name for name, port in ports.items() if not port.virtual)
    if not real or scenario.clock.mode == "realtime":
        return scenario
    if option is not None:
        raise InputError(f"--clock {option}: terminals {', '.join(real)} are real modules; "
                         f"they need realtime (virtual and scaled:N are for virtual modules)")
    return dataclasses.replace(scenario, clock=ClockSpec("realtime"))


def split_pairs(scenario: Scenario, ports: dict[str, Port]) -> list[str]:
    """Warnings for steps whose two terminals are on different kinds of port: a virtual
    module and a real one cannot reach each other (the virtual network is in this process,
    the real module's network is the satellite operator's)."""
    out = []
    for step in scenario.steps:
        peer = step.params.get("to")
        if peer and ports[step.terminal].virtual != ports[peer].virtual:
            real = step.terminal if not ports[step.terminal].virtual else peer
            out.append(f"step {step.index} ({step.terminal} {step.action} to {peer}): "
                       f"{real} is on {ports[real].url} but the other end is virtual; "
                       f"they cannot reach each other")
    return out


K_OFFSET_CHECK_SPAN_S = 86400.0
"""A fixed K_offset must cover every SIB the cell broadcasts over this span from the start
(a day: every pass of a LEO satellite, whose common TA changes along each)."""


def check_run_actions(scenario: Scenario) -> None:
    """ConfigError at the first step whose action only a certification profile's virtual
    network can do (suspending a subscription, taking a terrestrial cell away): a run's
    network cannot, so the step could only fail."""
    from ntnstack.scenario.actions import ACTIONS

    for step in scenario.steps:
        if ACTIONS[step.action].certification_only:
            raise ConfigError(step.mark, f"steps[{step.index}].do",
                              f"'{step.action}' works in certification profiles only (ntnstack "
                              f"certify: its virtual network can do it); a run's network "
                              f"cannot, so remove the step")


def check_k_offsets(scenario: Scenario) -> None:
    """A cell with a fixed K_offset must cover its service RTT + common TA (TS 38.300
    16.14.2) at every broadcast: checked on the SIBs the cell would send over the first
    K_OFFSET_CHECK_SPAN_S (at most MAX_SIBS_PER_CELL of them, spread over it), before the
    first step (ConfigError naming the scenario's line and the instant)."""
    fixed = [c for c in scenario.cells.values() if c.k_offset != "auto" and c.sib != "none"]
    if not fixed:
        return
    from ntnstack.rrc.builders import build_sib, check_fixed_k_offset
    from ntnstack.runner.sibs import cell_config, sib_times
    from ntnstack.runner.world import World

    world = World(scenario)
    for cell in fixed:
        config = cell_config(scenario, cell)
        times = sib_times(scenario, world, cell.name, K_OFFSET_CHECK_SPAN_S)
        for t in times if times.size else [0.0]:
            built = build_sib(world.sources[cell.satellite], config,
                              scenario.start_unix_s + float(t))
            try:
                check_fixed_k_offset(built)
            except InputError as exc:
                raise ConfigError(cell.mark, f"cells.{cell.name}.k_offset",
                                  str(exc).removeprefix("cell k_offset: ")) from None


def run_scenario(scenario: Scenario, testbed: Testbed, ports: dict[str, Port],
                 out_dir: str | Path, progress: bool = True, modules_factory=None,
                 companions: list | None = None) -> RunOutcome:
    """Run into ``out_dir``; returns the outcome (results are also in the out dir).
    ``companions``: see Runner; a testbed with a ``ran:`` section needs its pusher,
    ``ntnstack.live.ran.ran_companions(scenario, testbed)`` (the runner does not reach up to
    the live layer by itself, and refuses to run without it)."""
    return Runner(scenario, testbed, ports, out_dir, progress=progress,
                  modules_factory=modules_factory, companions=companions).run()

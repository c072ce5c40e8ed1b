"""Power switches of the modules on a rig: a labgrid place's ``NetworkPowerPort`` (switched
through labgrid's own NetworkPowerDriver) or, on a plain testbed, a command per port
(``power: COMMAND`` called as ``COMMAND off`` / ``COMMAND on``).

A switch only turns the power off or on; how long it stays off, and waiting for the module
to answer again, are the runner's (ntnstack.runner.power), on the run's clock.
"""
from __future__ import annotations

import os
import shlex
import subprocess

from ntnstack.scenario.power_spec import PowerSpec

COMMAND_LIMIT_S = 60.0
"""Real seconds a power command (or a labgrid power request) may take before it counts as
failed."""


class PowerError(RuntimeError):
    """Switching the power failed (the command's status, the switch's answer)."""


class CommandSwitch:
    """``COMMAND off`` / ``COMMAND on``, with NTN_TERMINAL naming the terminal; exit status 0
    means done."""

    def __init__(self, spec: PowerSpec, terminal: str):
        self.spec, self.terminal = spec, terminal

    def set(self, on: bool) -> None:
        word = "on" if on else "off"
        argv = [*self.spec.command, word]
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_LIMIT_S,
                                 env={**os.environ, "NTN_TERMINAL": self.terminal})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PowerError(f"{shlex.join(argv)}: {exc}") from None
        if res.returncode != 0:
            last = (res.stderr.strip().splitlines() or ["no message"])[-1]
            raise PowerError(f"{shlex.join(argv)} exited with status {res.returncode}: {last}")


class LabgridSwitch:
    """A NetworkPowerPort of a held place, through labgrid's NetworkPowerDriver (the power
    switch models of labgrid.driver.power: simplerest, rest, gude, netio, ...)."""

    def __init__(self, spec: PowerSpec):
        from labgrid import Target
        from labgrid.driver import NetworkPowerDriver
        from labgrid.resource import NetworkPowerPort

        self.spec = spec
        self.target = Target(f"{spec.place}-power")
        p = spec.params
        NetworkPowerPort(self.target, spec.resource, model=p["model"], host=p["host"],
                         index=str(p.get("index", 0)))
        self.driver = NetworkPowerDriver(self.target, None)
        self.target.activate(self.driver)

    def set(self, on: bool) -> None:
        try:
            if on:
                self.driver.on()
            else:
                self.driver.off()
        except Exception as exc:  # noqa: BLE001 - a backend raises what its library raises
            raise PowerError(f"{self.spec}: {type(exc).__name__}: {exc}") from None


def switch_for(spec: PowerSpec, terminal: str) -> CommandSwitch | LabgridSwitch:
    """The switch a PowerSpec names (labgrid is imported only for a place's switch)."""
    return CommandSwitch(spec, terminal) if spec.command else LabgridSwitch(spec)

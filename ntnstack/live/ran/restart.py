"""srsRAN Project / OpenAirInterface adapter: their open-source gNBs read SIB19 from the
configuration file once, so the state reaches them as a new file and a restart.

The configuration is regenerated with ntnstack.export (the ``srsran`` or ``oai`` target, the
same text ``ntnstack export`` writes, checked by parsing it back) and the testbed's restart
hook runs: when the run starts, when the satellite rises over one of the cell's terminals
(the cell serves again), and at the first SIB update ``refresh_s`` after the last refresh
(the ephemeris epoch moves on). The hook's arguments may hold ``{config}`` (the file),
``{cell}`` (the scenario cell), ``{cell_id}`` (the testbed's id), ``{reason}`` and
``{epoch_unix_s}``; it runs with the run's clock held, and its exit status is the verdict.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.runner.records import Push


PLACEHOLDERS = ("config", "cell", "cell_id", "reason", "epoch_unix_s")


class RestartAdapter:
    """Regenerates one gNB's configuration and runs its restart hook (testbed ``ran:``)."""

    def __init__(self, equipment, scenario):
        from ntnstack.export.inputs import for_cell

        opts = equipment.options
        self.name, self.kind, self.cells = equipment.name, equipment.kind, equipment.cells
        (self.cell,) = equipment.cells
        self.config = Path(opts["config"])
        self.restart, self.refresh_s = opts["restart"], opts["refresh_s"]
        self.hook_timeout_s = opts["hook_timeout_s"]
        self.inputs = for_cell(scenario, self.cell, where=f"ran.{self.name}")
        self.sfn0_unix_s = scenario.start_unix_s
        self._refreshed_unix_s: float | None = None
        self._visible: bool | None = None

    def open(self) -> str:
        """Check the config's folder and the hook's placeholders (InputError naming them)."""
        if not self.config.parent.is_dir():
            raise InputError(f"ran.{self.name}.options.config {self.config}: no such folder")
        try:
            [arg.format(**dict.fromkeys(PLACEHOLDERS, "")) for arg in self.restart]
        except (KeyError, IndexError, ValueError) as exc:
            raise InputError(f"ran.{self.name}.options.restart: bad placeholder {exc} "
                             f"(known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
                             ) from None
        return f"{self.kind} gNB, config {self.config}, hook {' '.join(self.restart)}"

    def close(self) -> None:
        """Nothing held between pushes."""

    def push(self, msg: dict, t_s: float) -> list[Push]:
        """A new config and a restart when the message calls for one (module docstring)."""
        visible = msg["visible"] is not False
        rose = visible and self._visible is False
        self._visible = visible
        t = msg["t_unix_s"]
        due = (self._refreshed_unix_s is None or rose
               or (visible and t - self._refreshed_unix_s >= self.refresh_s))
        if not due:
            return []
        reason = "start" if self._refreshed_unix_s is None else "rise" if rose else "refresh"
        self._refreshed_unix_s = t
        return [self._regenerate(msg, t_s, reason)]

    def _regenerate(self, msg: dict, t_s: float, reason: str) -> Push:
        from ntnstack.export import ExportOptions, build

        (main, *_) = build(self.kind, self.inputs, msg["t_unix_s"],
                           ExportOptions(sfn0_unix_s=self.sfn0_unix_s, trace=False))
        mismatches = main.check(main.text)
        if not mismatches:              # a config that fails its check never reaches the gNB
            self.config.write_text(main.text)
        values = {"config": str(self.config), "cell": self.cell,
                  "cell_id": str(self.cells[self.cell]), "reason": reason,
                  "epoch_unix_s": repr(msg["t_unix_s"])}
        command = [arg.format(**values) for arg in self.restart]
        request = f"{self.config.name} ({reason}); {' '.join(command)}"
        if mismatches:
            return Push(t_s, self.name, self.cell, "restart", request,
                        f"config failed its parse-back check: {mismatches[0]}", False)
        return Push(t_s, self.name, self.cell, "restart", request, *self._run(command))

    def _run(self, command: list[str]) -> tuple[str, bool]:
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=self.hook_timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"hook failed: {exc}", False
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
        return f"exit {done.returncode}" + (f": {tail[0]}" if tail else ""), \
            done.returncode == 0

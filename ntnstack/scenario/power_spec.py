"""A testbed port's power switch as the testbed names it: a command (``power: COMMAND``) or a
labgrid place's ``NetworkPowerPort``; the switches themselves are ntnstack.rigs.power's."""
from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass, field

from ntnstack.errors import InputError


@dataclass(frozen=True)
class PowerSpec:
    """How a port's module is powered: ``command`` (argv, the word off/on appended) or a
    labgrid ``NetworkPowerPort`` (``place``, ``resource`` and its exported ``params``:
    model, host, index)."""

    command: tuple[str, ...] = ()
    place: str = ""
    resource: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.command:
            return f"power command {shlex.join(self.command)}"
        return f"labgrid {self.place}/{self.resource} ({self.params.get('model', '?')})"


def parse_command(text: str, where: str) -> PowerSpec:
    """A testbed's ``power: COMMAND [ARG...]`` -> PowerSpec; the program must exist and be
    executable (InputError naming ``where``, if given, otherwise)."""
    where = f"{where}: " if where else ""
    try:
        argv = tuple(shlex.split(str(text)))
    except ValueError as exc:
        raise InputError(f"{where}{exc}") from None
    if not argv:
        raise InputError(f"{where}expected a command (it is called with off, then on)")
    if shutil.which(argv[0]) is None:
        raise InputError(f"{where}{argv[0]!r} is not an executable program")
    return PowerSpec(command=argv)

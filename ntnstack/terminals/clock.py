"""The modules' view of the project clock (``ntnstack.clock``, DESIGN.md "One clock").

Modules count emulated seconds since the clock started (``now()``); the serving loop asks how
long an emulated interval lasts in real time (``real_wait_s``), and under a virtual clock
advances time to its next timer when nothing is waiting to be read (``advance_to``).
"""
from __future__ import annotations

from ntnstack.clock import Clock, parse_clock
from ntnstack.errors import InputError


class ModuleClock:
    """Adapter over one :class:`ntnstack.clock.Clock`."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.epoch_unix_s = clock.now_unix_s()
        self.virtual = clock.mode == "virtual"
        self._t = 0.0  # virtual mode: exact emulated seconds (unix + small t loses digits)

    @property
    def mode(self) -> str:
        return str(self.clock)

    def now(self) -> float:
        """Emulated seconds since the module clock was made."""
        if self.virtual:
            return self._t
        return self.clock.now_unix_s() - self.epoch_unix_s

    def real_wait_s(self, emulated_s: float) -> float | None:
        """Real seconds an emulated interval lasts (None under a virtual clock)."""
        return None if self.virtual else max(0.0, emulated_s) / self.clock.scale

    def advance_to(self, t_s: float) -> None:
        """Virtual clock only: let emulated time reach ``t_s`` (never backward)."""
        self._t = max(self._t, t_s)
        self.clock.sleep_until(self.epoch_unix_s + self._t)


def make_clock(spec: str | float | Clock | None = None,
               start_unix_s: float | None = None) -> ModuleClock:
    """``"virtual"``, ``"realtime"``, ``"scaled:N"``, a speed N, or a project Clock."""
    if isinstance(spec, Clock):
        return ModuleClock(spec)
    if spec is None:
        spec = "realtime"
    if isinstance(spec, (int, float)):
        if not spec > 0:
            raise InputError(f"--speed {spec!r}: must be a number > 0")
        spec = "realtime" if spec == 1 else f"scaled:{spec:g}"
    return ModuleClock(parse_clock(spec, start_unix_s))

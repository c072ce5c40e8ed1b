"""Faults on demand: ``--faults SPEC`` parsed, validated and applied.

Syntax: comma-separated items ``NAME[:ARG[:ARG]]``; times are emulated seconds since the
module started, probabilities are in [0, 1]:

=========================  ===============================================================
``reboot-mid-command:P``   with probability P a command line reboots the module after its
                           echo and before any answer (boot banner, all state reset)
``garbage:P``              with probability P an output line is preceded by a burst of 1-16
                           random bytes (no CR/LF inside) ending in CR LF
``urc-race[:P]``           (P default 1) a URC is injected right before the first response
                           line or right after the final result (alternating); the URC has
                           the same prefix as registration reads (+CEREG / +CREG), BeiDou
                           sends its status sentence
``silent-after:T``         from T on the module reads and discards, and writes nothing
``vanish-after:T:D``       at T the pty is closed and the --link symlink removed; D seconds
                           later a new pty appears and the symlink points to it
=========================  ===============================================================

Random draws come from one ``random.Random(seed)`` per module, so a run can be repeated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from ntnstack.errors import InputError

_ARITY = {"reboot-mid-command": (1, 1), "garbage": (1, 1), "urc-race": (0, 1),
          "silent-after": (1, 1), "vanish-after": (2, 2)}


@dataclass(frozen=True)
class FaultPlan:
    reboot_mid_command_p: float = 0.0
    garbage_p: float = 0.0
    urc_race_p: float = 0.0
    silent_after_s: float | None = None
    vanish_after_s: float | None = None
    vanish_for_s: float = 0.0

    @property
    def any(self) -> bool:
        return self != FaultPlan()


def _number(item: str, text: str, what: str, lo: float, hi: float | None) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= lo and (hi is None or value <= hi)):
        rng = f"[{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"
        raise InputError(f"--faults item {item!r}: {what} must be a number in {rng}, "
                          f"got {text!r}")
    return value


def parse_faults(spec: str | None) -> FaultPlan:
    """``"garbage:0.05,vanish-after:20:5"`` -> FaultPlan; InputError names the bad item."""
    if not spec:
        return FaultPlan()
    kw: dict = {}
    for item in (s.strip() for s in spec.split(",")):
        name, *args = item.split(":")
        if name not in _ARITY:
            raise InputError(f"--faults item {item!r}: unknown fault {name!r} (expected one "
                             f"of {', '.join(_ARITY)})")
        lo, hi = _ARITY[name]
        if not lo <= len(args) <= hi:
            raise InputError(f"--faults item {item!r}: {name} takes {lo}..{hi} arguments, "
                             f"got {len(args)}")
        if name in ("reboot-mid-command", "garbage", "urc-race"):
            p = _number(item, args[0], "the probability", 0, 1) if args else 1.0
            kw[name.replace("-", "_") + "_p"] = p
        elif name == "silent-after":
            kw["silent_after_s"] = _number(item, args[0], "the time (s)", 0, None)
        else:
            kw["vanish_after_s"] = _number(item, args[0], "the time (s)", 0, None)
            kw["vanish_for_s"] = _number(item, args[1], "the absence (s)", 0, None)
    return FaultPlan(**kw)


class FaultInjector:
    """Draws for one module; ``plan`` says what, ``rng`` decides when."""

    def __init__(self, plan: FaultPlan, seed: int = 0) -> None:
        self.plan = plan
        self.rng = random.Random(seed)
        self._race_after = False

    def reboot_now(self) -> bool:
        return self.plan.reboot_mid_command_p > 0 and \
            self.rng.random() < self.plan.reboot_mid_command_p

    def garbage(self) -> bytes:
        """A burst to write before the next line, or b""."""
        if self.plan.garbage_p <= 0 or self.rng.random() >= self.plan.garbage_p:
            return b""
        burst = bytes(b for b in self.rng.randbytes(self.rng.randint(1, 16))
                      if b not in (0x0D, 0x0A)) or b"\xff"
        return burst + b"\r\n"

    def race(self) -> str | None:
        """"before" / "after" when a URC must race this command's response, else None."""
        if self.plan.urc_race_p <= 0 or self.rng.random() >= self.plan.urc_race_p:
            return None
        self._race_after = not self._race_after
        return "after" if self._race_after else "before"

"""Power-cycling a module through its switch (ntnstack.rigs.power), as the ``power_cycle``
step and as the recovery from a hung module.

A module hangs when a step's driver call got no answer within its limit and then a bare
probe (``AT``; BeiDou: the card query) gets none within PROBE_S either. With a switch, the
runner then cycles it once (off for RECOVERY_OFF_S), waits for it to answer ``power_on``
again and goes on; the step still fails (check ``responsive``): the terminal hung. All
times are on the run's clock (emulated seconds; real ones on hardware).
"""
from __future__ import annotations

from typing import Any

from ntnstack.runner.context import StepContext, StepError
from ntnstack.runner.records import Check
from ntnstack.scenario.model import family_group

PROBE_S = 3.0
"""Seconds a bare probe may take before the module counts as hung (TS 27.007 sets no bound
for AT; the dialects allow 2 s for it, plus 1 s for a rig host's network)."""
RECOVERY_OFF_S = 2.0
"""Seconds the power stays off when recovering a hung module (labgrid's default delay of
NetworkPowerDriver.cycle)."""
BACK_LIMIT_S = 120.0
"""Seconds after the power returns within which the module must answer power_on again (a
power_cycle step's timeout_s replaces it)."""
RETRY_S = 1.0
"""Seconds between two attempts to reach a module that is still booting."""


def power_cycle(ctx: StepContext, modules: Any, terminal: str, off_s: float,
                limit_s: float) -> float | None:
    """Power off, wait ``off_s``, power on, then wait until the module answers power_on
    again: seconds from power on to that answer (None: not within ``limit_s``)."""
    switch, spec = modules.switch(terminal)
    modules.drop(terminal)   # its port goes away with the power
    _switch(ctx, switch, spec, terminal, on=False)
    ctx.wait_until(None, ctx.t() + off_s)
    _switch(ctx, switch, spec, terminal, on=True)
    t_on = ctx.t()
    back = _until_answering(ctx, modules, terminal, t_on + limit_s)
    ctx.note("power", f"answering again after {back - t_on:.1f} s" if back is not None else
             f"not answering {limit_s:g} s after power on", terminal)
    return None if back is None else back - t_on


def _switch(ctx: StepContext, switch: Any, spec: Any, terminal: str, on: bool) -> None:
    from ntnstack.rigs.power import PowerError

    ctx.note("power", f"{'on' if on else 'off'} ({spec})", terminal)
    try:
        switch.set(on)
    except PowerError as exc:
        raise StepError(f"{terminal}: power {'on' if on else 'off'}: {exc}") from None


def _until_answering(ctx: StepContext, modules: Any, terminal: str,
                     deadline_s: float) -> float | None:
    """Open the port and run power_on (sync and configuration) until it works."""
    from at_bridge.errors import BridgeError

    while True:
        try:
            modules.driver(ctx, terminal).power_on()
            return ctx.t()
        except (StepError, BridgeError):
            modules.drop(terminal)
        if ctx.t() + RETRY_S > deadline_s:
            return None
        ctx.wait_until(None, ctx.t() + RETRY_S)


def answers(ctx: StepContext, modules: Any, terminal: str) -> bool:
    """True when the module answers a bare probe within PROBE_S."""
    from at_bridge.errors import BridgeError

    family = ctx.scenario.terminals[terminal].family
    try:
        driver = modules.driver(ctx, terminal)
        if family_group(family) == "beidou":
            driver.card_info()
        else:
            driver.engine_for("control").command("AT", timeout_s=PROBE_S)
    except (StepError, BridgeError):
        return False
    return True


def recover(ctx: StepContext, modules: Any) -> Check | None:
    """After a step of ``ctx.terminal`` whose call got no answer: None when the module
    answers a probe or has no switch; else the ``responsive`` check (failed) after one power
    cycle, with ``ctx.observed["recovery"]`` = {off_s, back_after_s (None: not back)}."""
    name = ctx.terminal.name
    if ctx.step.action == "power_cycle" or not modules.has_switch(name) or \
            answers(ctx, modules, name):
        return None
    ctx.note("power", f"no answer to a probe within {PROBE_S:g} s: the module hung; "
             f"power-cycling it once", name)
    why = ctx.observed.get("reason", "no answer")
    try:
        back_s = power_cycle(ctx, modules, name, RECOVERY_OFF_S, BACK_LIMIT_S)
        done = (f"power-cycled, answering again {back_s:.1f} s after power on"
                if back_s is not None else
                f"power-cycled, not answering within {BACK_LIMIT_S:g} s")
    except StepError as exc:
        back_s, done = None, f"the power cycle failed: {exc}"
    ctx.observed["recovery"] = {"off_s": RECOVERY_OFF_S, "back_after_s": back_s}
    return Check("responsive", True, False, False,
                 f"responsive: the module hung ({why}); {done}")

"""Step handlers that read a module's state for certification profiles (ntnstack.certification):
one raw AT command, the identity of device, card and number, the registration state, a reboot,
the network-side suspension of a subscription, and the network-side removal of the terrestrial
cell over a dual-mode terminal (then watching it register on the satellite).

Like every handler (ntnstack.runner.steps) they only observe: ``ctx.observed`` gets what the
module answered; verdicts are judged elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ntnstack.runner.context import REFUSED, ServiceControl, StepContext, TerrestrialControl

AT_TIMEOUT_S = 15.0
"""Emulated (and real) seconds one raw AT command may take (TS 27.007 gives no bound; the
dialects use 15 s for +CFUN)."""
_CNUM = re.compile(r'^\+CNUM: [^,]*,"(?P<number>[^"]*)"')
REGISTERED = ("1", "5")  # +CREG / +CEREG stat: 1 home, 5 roaming (TS 27.007 10.1.22)
TERRESTRIAL_ACTS = range(14)
"""TS 27.007 7.3 <AcT> 0-13: terrestrial accesses (14-16 are satellite ones)."""
REREGISTRATION_WAIT_S = 300.0
"""Emulated seconds drop_terrestrial / restore_terrestrial watch for the registration that
follows (a step's timeout_s replaces it)."""


def _engine(ctx: StepContext) -> Any:
    driver = ctx.modules.driver(ctx, ctx.terminal.name)
    return driver.engine_for("control")


def at(ctx: StepContext) -> None:
    """``command`` (e.g. ``AT+CGDCONT=1,"IPV6","iot"``) -> observed ``lines`` and ``final``."""
    line = ctx.step.params["command"]
    engine = _engine(ctx)

    def at_command(text: str):
        return engine.command(text, timeout_s=AT_TIMEOUT_S)
    response = ctx.call(at_command, line)
    if response is None or response is REFUSED:
        return
    ctx.observed.update(lines=list(response.lines), final=response.final)


def read_identity(ctx: StepContext) -> None:
    """IMEI, IMSI, ICCID through the driver's identity procedure, MSISDN from +CNUM
    (TS 27.007 7.1): observed ``identity`` = {imei, imsi, iccid, msisdn}."""
    driver = ctx.modules.driver(ctx, ctx.terminal.name)
    ident = ctx.call(driver.identity)
    if ident is None or ident is REFUSED:
        return
    engine = driver.engine_for("control")

    def cnum(text: str):
        return engine.command(text, timeout_s=AT_TIMEOUT_S)
    response = ctx.call(cnum, "AT+CNUM")
    numbers = [] if response in (None, REFUSED) else \
        [m["number"] for line in response.lines if (m := _CNUM.match(line))]
    ctx.observed["identity"] = {"imei": ident.imei, "imsi": ident.imsi, "iccid": ident.iccid,
                                "msisdn": numbers[0] if numbers else ""}


def read_registration(ctx: StepContext) -> None:
    """+CEREG? / +CREG? -> observed ``registration`` = {stat, act} (TS 27.007 10.1.22)."""
    driver = ctx.modules.driver(ctx, ctx.terminal.name)
    reg = ctx.call(driver.registration)
    if reg is None or reg is REFUSED:
        return
    ctx.observed["registration"] = {"stat": reg.stat, "act": reg.act}


def reboot(ctx: StepContext) -> None:
    """The dialect's reset (e.g. AT+CFUN=1,1), then power_on (sync and configuration)."""
    driver = ctx.modules.driver(ctx, ctx.terminal.name)
    if ctx.call(driver.reset) is REFUSED:
        return
    if ctx.call(driver.power_on) is not REFUSED:
        ctx.observed["rebooted"] = True


def _service(barred: bool) -> Callable[[StepContext], None]:
    def handler(ctx: StepContext) -> None:
        if not isinstance(ctx.modules, ServiceControl):
            ctx.observed.update(succeeded=False, reason="this run's network cannot suspend a "
                                "subscription (only the certification run's virtual "
                                "network can; on a real network ask the core operator)")
            return
        ctx.note("network", f"subscription {'suspended' if barred else 'restored'}")
        ctx.observed.update(ctx.modules.service_control(ctx, ctx.terminal.name, barred))
    handler.__name__ = "bar_service" if barred else "restore_service"
    return handler


def _terrestrial(covered: bool) -> Callable[[StepContext], None]:
    def handler(ctx: StepContext) -> None:
        if not isinstance(ctx.modules, TerrestrialControl):
            ctx.observed.update(succeeded=False, reason="this run's network has no terrestrial "
                                "cells (only the certification run's virtual network has)")
            return
        t0 = ctx.t()
        ctx.note("network", f"terrestrial coverage {'restored' if covered else 'dropped'}")
        ctx.observed.update(ctx.modules.terrestrial_control(ctx, ctx.terminal.name, covered))
        if ctx.observed.get("succeeded", True) and not (covered and _on_terrestrial(ctx)):
            _await_registration(ctx, t0, terrestrial_only=covered)
    handler.__name__ = "restore_terrestrial" if covered else "drop_terrestrial"
    return handler


def _on_terrestrial(ctx: StepContext) -> bool:
    """Registered on a terrestrial access already (+CREG? / +CEREG?): observed, True."""
    reg = ctx.call(ctx.modules.driver(ctx, ctx.terminal.name).registration)
    if reg in (None, REFUSED) or not reg.registered or reg.act not in TERRESTRIAL_ACTS:
        return False
    ctx.observed.update(registered_after_s=0.0, registration={
        "stat": reg.stat, "act": reg.act, "lac": reg.tac, "ci": reg.ci})
    return True


def _await_registration(ctx: StepContext, t0: float, terrestrial_only: bool) -> None:
    """Watch the registration URCs after the change of coverage: observed ``lost_after_s``
    (first URC with stat not 1/5), ``registered_after_s`` (first with stat 1/5 - and a
    terrestrial <AcT> when ``terrestrial_only`` - from the change) and ``registration`` =
    {stat, act, lac, ci} of that URC."""
    driver = ctx.modules.driver(ctx, ctx.terminal.name)
    seen: dict[str, Any] = {}

    def registered(urc: Any) -> bool:
        fields = urc.fields
        stat = fields.get("stat") or ""
        if not stat:
            return False
        if stat not in REGISTERED:
            seen.setdefault("lost_after_s", ctx.t_of(urc) - t0)
            return False
        act = int(fields["act"]) if fields.get("act") else None
        if terrestrial_only and act not in TERRESTRIAL_ACTS:
            return False
        seen["registration"] = {"stat": int(stat), "act": act,
                                "lac": fields.get("lac") or fields.get("tac") or "",
                                "ci": fields.get("ci", "")}
        return True
    got = ctx.wait_until(registered, ctx.deadline(REREGISTRATION_WAIT_S), driver=driver)
    ctx.observed.update(seen)
    if got is None:
        ctx.observed["reason"] = (f"no {'terrestrial ' if terrestrial_only else ''}"
                                  f"registration after the terrestrial coverage changed")
        return
    ctx.observed["registered_after_s"] = got - t0


PROBES: dict[str, Callable[[StepContext], None]] = {
    "at": at, "read_identity": read_identity, "read_registration": read_registration,
    "reboot": reboot, "bar_service": _service(True), "restore_service": _service(False),
    "drop_terrestrial": _terrestrial(False), "restore_terrestrial": _terrestrial(True),
}

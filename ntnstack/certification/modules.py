"""The modules of a certification run: ntnstack.runner.modules.BridgeModules plus what a
profile needs from the virtual network and the virtual modules.

- Suspension of a subscription (``bar_service`` / ``restore_service``): the virtual network
  rejects the module's attach and detaches it with EMM cause #8 "EPS services and non-EPS
  services not allowed" (TS 24.301 5.5.1.2.5 / 5.5.2.3.2: the UE shall set its EPS update
  status to roaming not allowed and consider the USIM invalid, so +CEREG reports 3,
  "registration denied", TS 27.007 10.1.22). While suspended the network counts every uplink
  the module still sends (NIDD, SMS): a compliant module sends none, as it has no EPS service.
- Terrestrial coverage of a dual-mode virtual module (``drop_terrestrial`` /
  ``restore_terrestrial``): the terrestrial cell over the module's location goes away or comes
  back (ntnstack.terminals.tiantong); the module's own reaction (T310, +CREG: 2, selection of
  the satellite) is what a profile judges.
- Known defects (ntnstack.certification.defects) applied to the virtual modules of the
  terminals named in ``defects``, so a profile can be shown to fail exactly the requirement
  a defect breaks.

Real modules on testbed ports get none of this: ``bar_service`` and ``drop_terrestrial`` on
one are refused with a reason (suspension is the operator core's job there, and coverage is
removed at the rig: a shielded box or an RF switch on the terrestrial antenna path).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ntnstack.certification.defects import apply_defects
from ntnstack.runner.context import StepError
from ntnstack.runner.modules import BridgeModules
from ntnstack.terminals.registration import REG_DENIED

HOST_CALL_REAL_S = 10.0
"""Real seconds to wait for the module host thread to run one call on a scaled or real clock
(on the virtual clock the call is input in flight to the host, and the wait needs no limit)."""
UPLINK_EVENTS = ("nidd sent", "sms to", "udp sent", "call to")
"""Journal events of a virtual module that mean it sent something up the link."""


@runtime_checkable
class TerrestrialCoverage(Protocol):
    """A virtual module with a terrestrial network besides the satellite (Tiantong dual
    mode)."""

    def set_terrestrial_coverage(self, covered: bool) -> None:
        """The terrestrial cell over the module comes (``covered``) or goes."""


class CertModules(BridgeModules):
    """BridgeModules with the suspension switch and the known defects."""

    def __init__(self, scenario, ports, clock, world, out_dir: Path,
                 defects: dict[str, tuple[str, ...]] | None = None):
        super().__init__(scenario, ports, clock, world, out_dir)
        self.defects = defects or {}
        self.barred: dict[str, float] = {}  # terminal -> journal time the suspension began

    def _start_virtual(self, terminal: str) -> str:
        path = super()._start_virtual(terminal)
        module, names = self.virtual[terminal], self.defects.get(terminal, ())
        self._on_host(lambda: apply_defects(module, names))
        return path

    def _on_host(self, fn) -> Any:
        """Run ``fn`` on the module host thread (where the modules live) and return its value."""
        try:
            return self._host.call_and_wait(fn, HOST_CALL_REAL_S)
        except TimeoutError:
            raise StepError(f"the module host did not run a network action within "
                            f"{HOST_CALL_REAL_S:g} s") from None
        except Exception as exc:  # noqa: BLE001 - the action's failure, for the step
            raise StepError(f"network action failed: {exc}") from None

    def service_control(self, ctx, terminal: str, barred: bool) -> dict[str, Any]:
        """Suspend or restore ``terminal``'s subscription; returns observations."""
        self.driver(ctx, terminal)  # the module exists from here on
        module = self.virtual.get(terminal)
        if module is None:
            return {"succeeded": False, "reason": f"{terminal} is a real module on "
                    f"{self.ports[terminal].url}: suspend its SIM at the operator's core"}
        if barred:
            self.barred[terminal] = self._on_host(lambda: _suspend(module))
            return {"service": "suspended"}
        since = self.barred.pop(terminal, None)
        sent = self._on_host(lambda: _restore(module, since))
        return {"service": "restored", "uplink_while_barred": len(sent),
                "uplink_events": sent}

    def terrestrial_control(self, ctx, terminal: str, covered: bool) -> dict[str, Any]:
        """Give or take away the terrestrial cell over ``terminal``; returns observations."""
        self.driver(ctx, terminal)  # the module exists from here on
        module = self.virtual.get(terminal)
        if module is None:
            return {"succeeded": False, "reason": f"{terminal} is a real module on "
                    f"{self.ports[terminal].url}: change its terrestrial coverage at the rig "
                    f"(shielded box, RF switch) or at the operator"}
        if not isinstance(module, TerrestrialCoverage):
            return {"succeeded": False, "reason": f"the virtual {module.family} module of "
                    f"{terminal} has no terrestrial network"}
        self._on_host(lambda: module.set_terrestrial_coverage(covered))
        return {"terrestrial": "covered" if covered else "dropped"}


def _suspend(module) -> float:
    """Network side: attach rejected / detach with cause #8 from now on."""
    module.network.suspend(module)
    if not module.defects.ignores_barring:
        module.set_rrc(False)
        module.set_registration(REG_DENIED)
    module.log("event", "network: subscription suspended (EMM cause #8)")
    return module.now()


def _restore(module, since: float | None) -> list[str]:
    """Lift the suspension; the uplink events the module sent while suspended."""
    module.network.suspend(module, False)
    module.log("event", "network: subscription restored")
    sent = [f"{t:.3f} s {text}" for t, text in module.events()
            if since is not None and t >= since and text.startswith(UPLINK_EVENTS)]
    if module.cfun == 1 and not module.registered:
        module.set_registration(0)
        module.later(0.0, module.start_attach)
    return sent

"""Capabilities are typed Protocols (ntnstack.runner.context), found by isinstance on the
real classes, not by a method name in a string: the certification run's modules offer the
network controls, an ordinary run's do not and its probes say so, and the bridge modules
provide every member of the RunModules interface."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from ntnstack.certification.modules import CertModules, TerrestrialCoverage
from ntnstack.runner import probes
from ntnstack.runner.context import RunModules, ServiceControl, TerrestrialControl
from ntnstack.runner.engine import scenario_clock
from ntnstack.runner.modules import BridgeModules
from ntnstack.runner.world import World
from ntnstack.scenario import default_scenario_path, load_scenario
from ntnstack.terminals.nbntn import NbNtnModule
from ntnstack.terminals.tiantong import TiantongModule


def test_only_the_certification_run_controls_the_network():
    assert issubclass(CertModules, ServiceControl)
    assert issubclass(CertModules, TerrestrialControl)
    assert not issubclass(BridgeModules, ServiceControl)
    assert not issubclass(BridgeModules, TerrestrialControl)


def test_only_a_dual_mode_module_has_terrestrial_coverage():
    assert issubclass(TiantongModule, TerrestrialCoverage)
    assert not issubclass(NbNtnModule, TerrestrialCoverage)


@pytest.mark.parametrize("action, reason", [
    ("bar_service", "cannot suspend a subscription"),
    ("drop_terrestrial", "has no terrestrial cells"),
])
def test_a_probe_on_modules_without_the_control_is_refused_with_its_reason(tmp_path, action,
                                                                             reason):
    modules = _bridge_modules(tmp_path)
    ctx = SimpleNamespace(modules=modules, observed={})
    probes.PROBES[action](ctx)
    assert ctx.observed["succeeded"] is False
    assert reason in ctx.observed["reason"]


def test_bridge_modules_provide_every_member_of_the_run_modules_interface(tmp_path):
    modules = _bridge_modules(tmp_path)
    methods = [n for n, v in vars(RunModules).items() if inspect.isfunction(v)
               and not n.startswith("_")]
    assert {"run_step", "driver", "arrival_s", "close"} <= set(methods)  # the checker reads
    assert [n for n in methods if not callable(getattr(modules, n, None))] == []
    data = list(RunModules.__annotations__)
    assert {"calls", "dials", "pcaps", "imsis"} <= set(data)
    assert [n for n in data if not hasattr(modules, n)] == []


def _bridge_modules(out_dir) -> BridgeModules:
    scenario = load_scenario([default_scenario_path()])
    return BridgeModules(scenario, {}, scenario_clock(scenario), World(scenario), out_dir)

"""Capabilities are typed Protocols (ntnstack.runner.context), found by isinstance on the
real classes, not by a method name in a string: the certification sessions offer the
network controls, an ordinary run's sessions do not and its probes say so, the modules'
sessions provide every member of the Sessions interface."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from ntnstack.certification.sessions import CertSessions, TerrestrialCoverage
from ntnstack.runner import probes
from ntnstack.runner.context import ServiceControl, Sessions, TerrestrialControl
from ntnstack.runner.engine import scenario_clock
from ntnstack.runner.modules import ModuleSessions
from ntnstack.runner.world import World
from ntnstack.scenario import default_scenario_path, load_scenario
from ntnstack.terminals.nbntn import NbNtnModule
from ntnstack.terminals.tiantong import TiantongModule


def test_only_the_certification_sessions_control_the_network():
    assert issubclass(CertSessions, ServiceControl)
    assert issubclass(CertSessions, TerrestrialControl)
    assert not issubclass(ModuleSessions, ServiceControl)
    assert not issubclass(ModuleSessions, TerrestrialControl)


def test_only_a_dual_mode_module_has_terrestrial_coverage():
    assert issubclass(TiantongModule, TerrestrialCoverage)
    assert not issubclass(NbNtnModule, TerrestrialCoverage)


@pytest.mark.parametrize("action, reason", [
    ("bar_service", "cannot suspend a subscription"),
    ("drop_terrestrial", "has no terrestrial cells"),
])
def test_a_probe_on_sessions_without_the_control_is_refused_with_its_reason(tmp_path, action,
                                                                             reason):
    sessions = _module_sessions(tmp_path)
    ctx = SimpleNamespace(sessions=sessions, observed={})
    probes.PROBES[action](ctx)
    assert ctx.observed["succeeded"] is False
    assert reason in ctx.observed["reason"]


def test_module_sessions_provide_every_member_of_the_sessions_interface(tmp_path):
    sessions = _module_sessions(tmp_path)
    methods = [n for n, v in vars(Sessions).items() if inspect.isfunction(v)
               and not n.startswith("_")]
    assert {"run_step", "driver", "arrival_s", "close"} <= set(methods)  # the checker reads
    assert [n for n in methods if not callable(getattr(sessions, n, None))] == []
    data = list(Sessions.__annotations__)
    assert {"calls", "dials", "pcaps", "imsis"} <= set(data)
    assert [n for n in data if not hasattr(sessions, n)] == []


def _module_sessions(out_dir) -> ModuleSessions:
    scenario = load_scenario([default_scenario_path()])
    return ModuleSessions(scenario, {}, scenario_clock(scenario), World(scenario), out_dir)

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


TIANTONG_ONE = """\
name: net
start: 2026-03-01T00:00:00Z
satellites:
  tiantong: {{orbit: "preset:tiantong-1-01", gateway: gw}}
gateways:
  gw: {{position: [40.07, 116.27, 60]}}
terminals:
  a: {{family: tiantong, satellite: tiantong, position: [30.67, 104.06, 500]}}
steps:
  - {{terminal: a, do: power_on}}
  - {{terminal: a, do: {action}}}
"""


@pytest.mark.parametrize("action", ["bar_service", "restore_service", "drop_terrestrial",
                                    "restore_terrestrial"])
def test_run_refuses_a_certification_only_action_at_its_line(tmp_path, capsys, action):
    from ntnstack.cli import main

    path = tmp_path / "s.yaml"
    path.write_text(TIANTONG_ONE.format(action=action))
    assert main(["run", "-q", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    # the step is the 11th line of the file, its mapping at column 5
    assert err.count("\n") == 1 and f"{path}:11:5:" in err and "steps[1].do" in err
    assert "certification profiles only" in err
    assert not (tmp_path / "o").exists()

"""Virtual modules boot on any clock: on a scaled clock the runner's wait for the boot is
woken by the module's boot (through the clock), so a power_on step passes there as it does
on the virtual clock (it used to wait until its limit, the boot instant itself, and lose the
race with the boot timer)."""
from __future__ import annotations

from ntnstack.runner.api import load_inputs, run_scenario
from tests.runner.test_back_to_back_deliveries import TWO_TIANTONG

RUNS = 3
"""Runs in a row: the lost race did not lose every time on every clock."""
SCALE = 50
"""scaled:50: the Tiantong boot (3 s emulated) takes 60 ms of wall time."""

TWO_FAMILIES = """\
name: boot-two
start: 2026-03-01T00:00:00Z
satellites:
  tiantong: {orbit: "preset:tiantong-1-01", gateway: gw}
  ntn-geo: {orbit: "preset:tr38821-geo"}
gateways:
  gw: {position: [40.07, 116.27, 60]}
cells:
  geo-cell:
    {satellite: ntn-geo, payload: regenerative, sib: sib31-nb, validity_s: 60, k_offset: auto}
terminals:
  tt:
    {family: tiantong, satellite: tiantong, position: [30.67, 104.06, 500],
     identity: {msisdn: "17400000001"}}
  nb: {family: nbntn-nordic, cell: geo-cell, position: [39.90, 116.41, 50]}
steps:
  - {terminal: tt, do: power_on}
  - {terminal: nb, do: power_on}
"""


def test_virtual_modules_power_on_on_a_scaled_clock(tmp_path):
    clock = f"scaled:{SCALE}"
    path = tmp_path / "boot-two.yaml"
    path.write_text(TWO_FAMILIES)
    for i in range(RUNS):
        scenario, testbed, ports = load_inputs([str(path)], clock=clock)
        outcome = run_scenario(scenario, testbed, ports, tmp_path / f"run{i}", progress=False)
        assert [(r.terminal, r.action, r.status, r.message) for r in outcome.results] == [
            ("tt", "power_on", "passed", ""), ("nb", "power_on", "passed", "")], f"run {i}"
        assert outcome.info.clock == clock


CALL = "name: call-scaled\n" + TWO_TIANTONG + """\
steps:
  - {terminal: a, do: power_on}
  - {terminal: b, do: power_on}
  - {terminal: a, do: attach}
  - {terminal: b, do: attach}
  - {terminal: a, do: dial, to: b}
  - {terminal: b, do: answer, expect: {connected_within_s: 5}}
  - {terminal: a, do: hang_up}
"""


def test_a_call_connects_on_a_scaled_clock(tmp_path):
    # The answer step waits for the caller's dial to end: the dial's thread now announces
    # its end through the clock (on a scaled clock the wait slept to its 60 s limit)
    path = tmp_path / "call.yaml"
    path.write_text(CALL)
    scenario, testbed, ports = load_inputs([str(path)], clock=f"scaled:{SCALE}")
    outcome = run_scenario(scenario, testbed, ports, tmp_path / "run", progress=False)
    answer = next(r for r in outcome.results if r.action == "answer")
    assert answer.status == "passed", answer.message
    # GEO voice set-up through the virtual network: well inside the 5 s (virtual: about 0.6 s)
    assert answer.observed["connected_after_s"] < 5.0

"""The runner's view of the sky (World, WorldLink)."""
from __future__ import annotations

import math

import pytest

from ntnstack.runner.virtual import WorldLink
from ntnstack.runner.world import World
from ntnstack.scenario import load_scenario
from tests.runner.conftest import SCENARIOS
from tests.tolerances import ONE_KILOMETRE, ONE_MICRODEGREE

START = 1_772_323_200.0  # 2026-03-01T00:00:00Z, the start of the test scenarios


@pytest.fixture(scope="module")
def world():
    return World(load_scenario([SCENARIOS / "waits.yaml"]))


def test_link_view_flips_exactly_at_the_announced_times(world):
    link = WorldLink(world, "ue")
    rise = link.next_change_s(0.0)
    set_ = link.next_change_s(rise)
    assert not link.sample(rise - 1e-3).visible and link.sample(rise).visible
    assert link.sample(set_ - 1e-3).visible and not link.sample(set_).visible
    # the runner's own pass steps read the same list
    assert world.next_rise_s("ue", 0.0, 3600.0) == rise
    assert world.next_set_s("ue", rise, 3600.0) == set_
    assert world.next_set_s("ue", 0.0, 3600.0) is None  # not in view at the start


def _moving_world(tmp_path, start: str, end: str) -> World:
    """waits.yaml with its UE moving from position ``start`` (t = 0) to ``end`` (t = 100 s)."""
    text = (SCENARIOS / "waits.yaml").read_text().replace(
        "position: [39.9042, 116.4074, 50]",
        f"trajectory: [{{t_s: 0, position: {start}}}, {{t_s: 100, position: {end}}}]")
    path = tmp_path / "moving.yaml"
    path.write_text(text)
    return World(load_scenario([path]))


def test_trajectory_positions_are_interpolated(tmp_path, world):
    w = _moving_world(tmp_path, "[39.0, 116.0, 0]", "[41.0, 118.0, 1000]")
    mid = w.ground_at("ue", 50.0)
    assert math.isclose(mid.lat_deg, 40.0, abs_tol=ONE_MICRODEGREE)
    assert math.isclose(mid.lon_deg, 117.0, abs_tol=ONE_MICRODEGREE)
    assert w.ground_at("ue", 1e6).alt_m == 1000.0  # held after the last waypoint
    fixed_then = world.series("ue", [START + 600.0]).range_m[0]
    moving_then = w.series("ue", [START + 600.0]).range_m[0]
    # 600 s is past the last waypoint: the UE is ~200 km from the fixed reference UE
    assert abs(moving_then - fixed_then) > 10 * ONE_KILOMETRE


def test_trajectory_crosses_the_antimeridian_the_short_way(tmp_path):
    w = _moving_world(tmp_path, "[10.0, 179.0, 0]", "[10.0, -179.0, 0]")
    # 2 degrees east over 100 s: at 25 s a quarter of the way, 179.5 E (not 89.5 E)
    assert math.isclose(w.ground_at("ue", 25.0).lon_deg, 179.5, abs_tol=ONE_MICRODEGREE)
    assert math.isclose(w.ground_at("ue", 75.0).lon_deg, -179.5, abs_tol=ONE_MICRODEGREE)


def test_a_satellite_gateway_makes_a_bent_pipe_for_terminals_on_no_cell(tmp_path):
    base = """
name: bent
start: 2026-03-01T00:00:00Z
satellites:
  tt: {orbit: "preset:tiantong-1-01"GW}
gateways:
  gw: {position: [40.07, 116.27, 60]}
terminals:
  phone: {family: tiantong, satellite: tt, position: [30.67, 104.06, 500]}
steps:
  - {terminal: phone, do: power_on}
"""
    worlds = []
    for name, gw in (("direct", ""), ("bent", ", gateway: gw")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(base.replace("GW", gw))
        worlds.append(World(load_scenario([path])))
    t = [START + 60.0]
    direct, bent = (w.series("phone", t) for w in worlds)
    c = 299_792_458.0                                     # m/s
    assert math.isclose(direct.rtt_s[0], 2 * direct.range_m[0] / c, rel_tol=1e-9)
    # through the gateway: 2 (service + feeder), both ~36,000-38,000 km for a GEO
    assert bent.rtt_s[0] > 1.9 * direct.rtt_s[0] and bent.rtt_s[0] > 0.48

"""The runner's SIB broadcast times: only while a terminal of the cell sees the satellite and,
for a transparent payload, while its gateway does too (no feeder link, no cell)."""
from __future__ import annotations

from ntnstack.runner.sibs import sib_times
from ntnstack.runner.world import World
from ntnstack.scenario import load_scenario
from tests.runner.conftest import SCENARIOS

LEO_CELL = """
gateways:
  gw-near: {position: [40.07, 116.27, 60]}     # Beijing, next to the terminal
  gw-far: {position: [-33.87, 151.21, 20]}     # Sydney, ~9,000 km away
cells:
  leo-cell: {satellite: leo, gateway: GATEWAY, payload: transparent, sib: sib31-nb}
"""


def _world(tmp_path, gateway: str) -> World:
    text = (SCENARIOS / "waits.yaml").read_text()
    path = tmp_path / f"{gateway}.yaml"
    path.write_text(text)
    overlay = tmp_path / f"{gateway}-cell.yaml"
    overlay.write_text(LEO_CELL.replace("GATEWAY", gateway))
    return World(load_scenario([path, overlay]))


def test_a_leo_cell_broadcasts_only_while_its_gateway_sees_the_satellite(tmp_path):
    near, far = _world(tmp_path, "gw-near"), _world(tmp_path, "gw-far")
    t_near = sib_times(near.scenario, near, "leo-cell", 3600.0)
    t_far = sib_times(far.scenario, far, "leo-cell", 3600.0)
    assert t_near.size > 0        # the pass over Beijing is seen by both ends of the link
    assert t_far.size == 0        # a LEO-600 over Beijing is far below Sydney's horizon

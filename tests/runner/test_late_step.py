"""A step whose `at_s` has already passed starts at once: how late is recorded (observed
`late_by_s` and a note), and the verdict is the terminal's as always (docs/scenarios.md)."""
from __future__ import annotations

import pytest

from ntnstack.runner.api import load_inputs, run_scenario
from tests.runner.test_back_to_back_deliveries import ONE_NB_GEO

LATE = "name: late\n" + ONE_NB_GEO + """\
steps:
  - {terminal: nb, do: wait, duration_s: 30}
  - {terminal: nb, do: wait, duration_s: 1, at_s: 5}
  - {terminal: nb, do: wait, duration_s: 1, at_s: 40}
"""


def test_a_late_step_records_how_late(tmp_path):
    path = tmp_path / "late.yaml"
    path.write_text(LATE)
    scenario, testbed, ports = load_inputs([str(path)])
    results = run_scenario(scenario, testbed, ports, tmp_path / "run", progress=False).results
    late, on_time = results[1], results[2]
    assert late.status == on_time.status == "passed"
    assert late.started_s == pytest.approx(30.0) and late.observed["late_by_s"] == \
        pytest.approx(25.0)                       # reached at 30 s, asked for 5 s
    assert any("at_s 5 had passed: started 25.000 s late" in e.text for e in late.events)
    assert on_time.started_s == pytest.approx(40.0) and "late_by_s" not in on_time.observed

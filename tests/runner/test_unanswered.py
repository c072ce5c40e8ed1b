"""A module that does not answer a command fails the step, with or without expectations
(a hung rig must never give a green run): the virtual module gives no result code to a line
without the AT prefix (ITU-T V.250 5.2.1), so the step's command times out unanswered."""
from __future__ import annotations

from ntnstack.cli import main
from ntnstack.runner.journal import read_run

SCENARIO = """\
name: unanswered
clock: virtual
start: 2026-03-01T00:00:00Z
satellites:
  geo: {orbit: "preset:tr38821-geo"}
cells:
  geo-cell: {satellite: geo, payload: regenerative, sib: sib31-nb}
terminals:
  nb: {family: nbntn-generic, cell: geo-cell, position: [39.9042, 116.4074, 50]}
steps:
  - {terminal: nb, do: power_on}
  - {terminal: nb, do: at, command: "XYZ"}
  - {terminal: nb, do: at, command: "AT"}
"""


def test_a_command_the_module_never_answers_fails_its_step(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(SCENARIO)
    out = tmp_path / "out"
    assert main(["run", "-q", str(tmp_path / "s.yaml"), "--out", str(out)]) == 1
    capsys.readouterr()
    steps = read_run(out)["steps"]
    assert [s["status"] for s in steps] == ["passed", "failed", "passed"]
    unanswered = steps[1]
    assert unanswered["observed"]["unanswered"] is True
    assert "'XYZ': no final result within" in unanswered["observed"]["reason"]
    assert [c["name"] for c in unanswered["checks"]] == ["succeeds"]

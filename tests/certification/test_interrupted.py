"""A certification stopped by SIGINT / SIGTERM (KeyboardInterrupt in the runner) still judges
the steps done and writes certification.json / .md, then stops as the run does."""
from __future__ import annotations

import json

import pytest

from ntnstack.certification import certify, load_profile
from ntnstack.runner.engine import Runner

STOP_AFTER_STEPS = 3


def test_interrupted_certification_writes_its_verdicts(tmp_path, monkeypatch):
    original = Runner._steps

    def steps_then_signal(self, clock, world, modules, journal, progress, results):
        class StopAfter(list):
            def append(self, item):
                super().append(item)
                results.append(item)
                if len(self) == STOP_AFTER_STEPS:
                    raise KeyboardInterrupt("SIGTERM")   # what runner.stop raises on a signal
        original(self, clock, world, modules, journal, progress, StopAfter())

    monkeypatch.setattr(Runner, "_steps", steps_then_signal)
    profile = load_profile("ntn-3gpp", "nbntn-generic")
    with pytest.raises(KeyboardInterrupt):
        certify(profile, tmp_path)
    data = json.loads((tmp_path / "certification.json").read_text())
    assert [v["id"] for v in data["verdicts"]] == [r.id for r in profile.requirements]
    # the set-up steps (power-on, attach) never finished: no requirement can pass
    assert {v["verdict"] for v in data["verdicts"]} == {"error"}
    assert (tmp_path / "certification.md").exists()

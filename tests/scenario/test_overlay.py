"""Overlays: several files, the last wins (mappings merge by key, lists and scalars replace);
errors point into the file that gave the bad value."""
from __future__ import annotations

import pytest

from ntnstack.scenario import ConfigError, default_scenario_path, load_scenario
from tests.scenario.test_validation import BASE, write


def test_last_file_wins_key_by_key(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    top = write(tmp_path, "clock: scaled:20\nterminals:\n  ue: {position: [10, 20, 30]}\n",
                "top.yaml")
    s = load_scenario([base, top])
    assert (s.clock.mode, s.clock.factor) == ("scaled", 20.0)
    ue = s.terminals["ue"]
    assert (ue.position.lat_deg, ue.position.lon_deg, ue.position.alt_m) == (10, 20, 30)
    assert ue.family == "nbntn-nordic" and ue.cell == "c"  # kept from base.yaml
    assert s.files == (str(base), str(top))


def test_lists_are_replaced_not_appended(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    top = write(tmp_path, "steps:\n  - {terminal: tt, do: power_on}\n", "top.yaml")
    s = load_scenario([base, top])
    assert [(st.terminal, st.action) for st in s.steps] == [("tt", "power_on")]


def test_error_names_the_overlay_file_and_line(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    top = write(tmp_path, "# comment\nterminals:\n  tt: {family: tiantong-x}\n", "top.yaml")
    with pytest.raises(ConfigError) as info:
        load_scenario([base, top])
    assert (info.value.mark.file, info.value.mark.line) == (str(top), 3)
    assert info.value.key == "terminals.tt.family"


def test_error_in_untouched_part_still_names_the_base(tmp_path):
    base = write(tmp_path, BASE.replace("validity_s: 20", "validity_s: 21"), "base.yaml")
    top = write(tmp_path, "clock: realtime\n", "top.yaml")
    with pytest.raises(ConfigError) as info:
        load_scenario([base, top])
    assert (info.value.mark.file, info.value.mark.line) == (str(base), 13)


def test_clock_option_overrides_the_files(tmp_path):
    s = load_scenario([write(tmp_path, BASE)], clock="scaled:4")
    assert str(s.clock) == "scaled:4"


def test_default_scenario_exercises_every_system():
    s = load_scenario([default_scenario_path()])
    groups = {t.family.split("-")[0] for t in s.terminals.values()}
    actions = {st.action for st in s.steps}
    assert groups == {"nbntn", "tiantong", "beidou"}
    assert {"dial", "answer", "hang_up", "send_sms", "send_short_message", "attach",
            "send_data", "expect_coverage_loss", "wait_for_pass"} <= actions
    assert any(e.name == "rate_limited" and e.expected for st in s.steps for e in st.expect)
    assert s.clock.mode == "virtual"

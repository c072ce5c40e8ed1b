"""The shipped testbed files validate against the default scenario, and the udev rule sets
ID_MM_DEVICE_IGNORE on every line it matches."""
from __future__ import annotations

from pathlib import Path

import pytest

from ntnstack.scenario import check_against, load_scenario, load_testbed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["virtual.yaml", "lab-rig.example.yaml"])
def test_testbed_fits_the_default_scenario(name):
    tb = load_testbed([ROOT / "testbeds" / name])
    ports = check_against(tb, load_scenario([ROOT / "configs" / "scenarios" / "default.yaml"]))
    assert ports and all(p.url for p in ports.values())


def test_udev_rule_ignores_every_matched_tty():
    rules = [x for x in (ROOT / "testbeds" / "99-ntnstack-ignore-modemmanager.rules")
             .read_text().splitlines() if x.strip() and not x.startswith("#")]
    assert rules
    for line in rules:
        assert 'SUBSYSTEM=="tty"' in line and 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line, line

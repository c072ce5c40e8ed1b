"""The shipped testbed files validate against the default scenario, and the udev rule sets
ID_MM_DEVICE_IGNORE on every line it matches."""
from __future__ import annotations

from pathlib import Path

import pytest

from ntnstack.scenario import check_against, load_scenario, load_testbed

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TESTBED = ROOT / "ntnstack" / "configs" / "testbeds" / "virtual.yaml"
DEFAULT_SCENARIO = ROOT / "ntnstack" / "configs" / "scenarios" / "default.yaml"


@pytest.mark.parametrize("path", [DEFAULT_TESTBED, ROOT / "testbeds" / "lab-rig.example.yaml"])
def test_testbed_fits_the_default_scenario(path):
    tb = load_testbed([path])
    ports = check_against(tb, load_scenario([DEFAULT_SCENARIO]))
    assert ports and all(p.url for p in ports.values())


def test_udev_rule_ignores_every_matched_tty():
    rules = [x for x in (ROOT / "testbeds" / "99-ntnstack-ignore-modemmanager.rules")
             .read_text().splitlines() if x.strip() and not x.startswith("#")]
    assert rules
    for line in rules:
        assert 'SUBSYSTEM=="tty"' in line and 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line, line

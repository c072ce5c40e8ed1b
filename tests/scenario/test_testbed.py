"""Testbeds: terminals mapped to ports, validated with file / line / key in every error."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ntnstack.scenario import ConfigError, check_against, load_scenario, load_testbed
from tests.scenario.test_validation import BASE, write

ROOT = Path(__file__).resolve().parents[2]

RIG = textwrap.dedent("""\
    name: rig-a
    default: virtual
    ports:
      ue:
        url: /dev/serial/by-id/usb-Nordic_Semiconductor_nRF9151-if00
        family: nbntn-nordic
      tt: {url: "rfc2217://rig-host:4001", family: tiantong, baudrate: 921600}
    """)


def test_rig_maps_terminals_to_ports(tmp_path):
    bed = load_testbed([write(tmp_path, RIG, "rig.yaml")])
    assert bed.hardware and bed.name == "rig-a"
    ports = check_against(bed, load_scenario([write(tmp_path, BASE)]))
    assert ports["ue"].url.startswith("/dev/serial/by-id/")
    assert (ports["tt"].url, ports["tt"].baudrate) == ("rfc2217://rig-host:4001", 921600)
    assert ports["tt2"].virtual  # not on the rig: default virtual


def test_family_mismatch_names_the_port(tmp_path):
    rig = write(tmp_path, RIG.replace("family: tiantong", "family: beidou-bds3"), "rig.yaml")
    with pytest.raises(ConfigError) as info:
        check_against(load_testbed([rig]), load_scenario([write(tmp_path, BASE)]))
    assert info.value.mark.file == str(rig) and info.value.mark.line == 7
    assert "the module on this port is beidou-bds3" in str(info.value)


def test_default_none_needs_every_terminal(tmp_path):
    rig = write(tmp_path, RIG.replace("default: virtual", "default: none"), "rig.yaml")
    with pytest.raises(ConfigError, match="tt2: testbed rig-a .* has no port"):
        check_against(load_testbed([rig]), load_scenario([write(tmp_path, BASE)]))


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("url: /dev/serial", "url: COM3 /dev/serial", 5, "expected 'virtual', an absolute device path"),
    ("baudrate: 921600", "baudrate: fast", 7, "expected a whole number of baud"),
    ("family: nbntn-nordic", "family: nordic", 6, "expected one of beidou-2.1"),
    ("default: virtual", "default: maybe", 2, "expected one of none, virtual"),
    ("ports:\n", "ports:\n  bad: /dev/ttyUSB0\n", 4, "expected a mapping, got text"),
])
def test_bad_testbed(tmp_path, old, new, line, words):
    path = write(tmp_path, RIG.replace(old, new, 1), "rig.yaml")
    with pytest.raises(ConfigError) as info:
        load_testbed([path])
    assert (info.value.mark.file, info.value.mark.line) == (str(path), line), str(info.value)
    assert words in str(info.value)


def test_overlay_of_testbeds(tmp_path):
    rig = write(tmp_path, RIG, "rig.yaml")
    local = write(tmp_path, "ports:\n  tt: {url: socket://localhost:7000}\n", "local.yaml")
    bed = load_testbed([rig, local])
    assert bed.ports["tt"].url == "socket://localhost:7000"
    assert bed.ports["tt"].family == "tiantong" and bed.ports["tt"].baudrate == 921600


@pytest.mark.parametrize("path", sorted((ROOT / "testbeds").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_testbeds_validate_against_the_default_scenario(path):
    from ntnstack.scenario import default_scenario_path

    bed = load_testbed([path])
    ports = check_against(bed, load_scenario([default_scenario_path()]))
    assert set(ports) == set(load_scenario([default_scenario_path()]).terminals)


def test_a_misspelt_terminal_in_the_testbed_is_an_error(tmp_path):
    # "tt_2" for the scenario's terminal tt2: without the check tt2 ran virtual, silently
    rig = write(tmp_path, RIG + '  tt_2: {url: "rfc2217://rig-host:4002", family: tiantong}\n',
                "rig.yaml")
    with pytest.raises(ConfigError) as info:
        check_against(load_testbed([rig]), load_scenario([write(tmp_path, BASE)]))
    assert info.value.mark.file == str(rig) and info.value.mark.line == 8
    assert "no terminal 'tt_2'; did you mean 'tt2'?" in str(info.value)


def test_a_port_for_no_terminal_is_a_warning(tmp_path):
    from ntnstack.scenario.testbed import unused_ports

    rig = write(tmp_path, RIG + '  spare-modem: {url: "rfc2217://rig-host:4009"}\n', "rig.yaml")
    bed, scenario = load_testbed([rig]), load_scenario([write(tmp_path, BASE)])
    assert "spare-modem" not in check_against(bed, scenario)   # a rig may hold more modules
    (warning,) = unused_ports(bed, scenario)
    assert warning.startswith(f"{rig}:8:") and "ports.spare-modem" in warning

"""Place names and tags from options and testbed files, and held serial resources -> ports
(no coordinator needed)."""
from __future__ import annotations

import pytest

from ntnstack.errors import InputError
from ntnstack.rigs.places import HeldPlace, overlay, ports_on_places, serial_url
from ntnstack.scenario.labgrid_spec import LabgridSpec, PlaceRequest, parse_place, spec_for
from ntnstack.scenario import load_testbed
from ntnstack.scenario.source import ConfigError
from ntnstack.scenario.testbed import virtual_testbed

URL = "rfc2217://rig:7001?ign_set_control"


def test_a_place_is_a_name_or_tags():
    assert parse_place("rig-a", "--labgrid") == PlaceRequest(name="rig-a")
    assert parse_place("family=nbntn-nordic,rig=lab2", "--labgrid") == \
        PlaceRequest(tags={"family": "nbntn-nordic", "rig": "lab2"})
    with pytest.raises(InputError, match=r"^--labgrid: 'Family=x' is not TAG=VALUE"):
        parse_place("Family=x", "--labgrid")
    with pytest.raises(InputError, match=r"^--labgrid: 'rig=' is not TAG=VALUE"):
        parse_place("family=tiantong,rig=", "--labgrid")


def test_options_override_the_testbed_and_the_environment(monkeypatch):
    monkeypatch.delenv("LG_COORDINATOR", raising=False)
    file_spec = LabgridSpec((PlaceRequest("rig-a"),), "coord:1", 5.0)
    assert spec_for(None, None, None, None, "--labgrid") is None
    assert spec_for(file_spec, None, None, None, "--labgrid") == file_spec
    spec = spec_for(file_spec, ["rig-b"], "other:2", 0.0, "--labgrid")
    assert spec == LabgridSpec((PlaceRequest("rig-b"),), "other:2", 0.0)
    assert LabgridSpec(()).address == "127.0.0.1:20408"   # labgrid-coordinator's default
    monkeypatch.setenv("LG_COORDINATOR", "env:3")
    assert LabgridSpec(()).address == "env:3" and file_spec.address == "coord:1"
    with pytest.raises(InputError, match="--labgrid: the labgrid coordinator and wait need"):
        spec_for(None, None, None, 10.0, "--labgrid")


def test_testbed_labgrid_keys(tmp_path):
    bed = tmp_path / "farm.yaml"
    bed.write_text("labgrid:\n  coordinator: lab:20408\n  places: [rig-a, family=tiantong]\n"
                   "  wait_s: 30\n")
    spec = load_testbed([bed]).labgrid
    assert spec == LabgridSpec((PlaceRequest("rig-a"), PlaceRequest(tags={"family": "tiantong"})),
                               "lab:20408", 30.0)
    bed.write_text("labgrid:\n  places: [rig-a, 'x=']\n")
    with pytest.raises(ConfigError, match=r"farm.yaml:2:.*places\[1\]: 'x=' is not TAG=VALUE"):
        load_testbed([bed])
    bed.write_text("labgrid:\n  place: rig-a\n")
    with pytest.raises(ConfigError, match=r"labgrid.place: unknown key \(did you mean 'places'"):
        load_testbed([bed])


def test_resources_map_to_terminals_by_name_then_by_family_tag():
    a = HeldPlace("rig-a", {"family": "tiantong"}, {"tt-b": (URL, 115200)})
    b = HeldPlace("rig-b", {"family": "nbntn-nordic"}, {"uart0": ("socket://r:1", 921600)})
    terminals = {"tt-a": "tiantong", "tt-b": "tiantong", "nb-1": "nbntn-nordic",
                 "nb-2": "nbntn-nordic"}
    ports = ports_on_places([a, b], terminals)
    assert sorted(ports) == ["nb-1", "tt-b"]     # nb-1: the first nordic terminal no one names
    assert (ports["nb-1"].url, ports["nb-1"].baudrate) == ("socket://r:1", 921600)
    assert ports["tt-b"].family == "tiantong"
    assert ports["tt-b"].options == {"labgrid_place": "rig-a"}
    assert sorted(ports_on_places([b], None)) == ["uart0"]
    bed = overlay(virtual_testbed(), [a, b], terminals)
    assert bed.name == "virtual@rig-a+rig-b" and bed.hardware
    with pytest.raises(InputError, match="terminal tt-b is on two held places"):
        ports_on_places([a, HeldPlace("rig-c", {}, {"tt-b": (URL, 1)})], terminals)


def test_serial_urls():
    assert serial_url({"host": "rig", "port": 7001}) == URL
    assert serial_url({"host": "rig", "port": 7001, "protocol": "raw"}) == "socket://rig:7001"
    with pytest.raises(InputError, match="without host and port"):
        serial_url({"host": "rig"})

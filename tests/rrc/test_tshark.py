"""Wireshark reads the project's pcaps as the project does: tshark (Debian 12, 4.0) dissects
every kind and both ephemeris formats with no malformed packet, and each leaf field it shows
equals the project's decoder, in order."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

from ntnstack.capture import PcapWriter
from ntnstack.rrc.builders import CellConfig, build_sib
from ntnstack.rrc.codec import KINDS, decode_sib
from ntnstack.rrc.fields import ellipsoid_point_codec
from ntnstack.rrc.units import VALIDITY_S
from tests.rrc.conftest import T0_UNIX_S
from tests.rrc.test_neighbours import neighbour_cells

ENUM_INDEX = {f"s{v}": i for i, v in enumerate(VALIDITY_S)} | {
    "rhcp": 0, "lhcp": 1, "linear": 2, "enabled": 0, "north": 0, "south": 1}
PROTOCOLS = ("lte-rrc.", "nr-rrc.", "lpp.")


def _leaves(value, name=""):
    """(field name with '_' for '-', integer) of a decoded value, in encoding order."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, tuple):
        yield from _leaves(value[1], value[0])
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, name)
    elif isinstance(value, bytes):       # referenceLocation-r17: an LPP Ellipsoid-Point
        yield from _leaves(ellipsoid_point_codec().decode("Ellipsoid-Point", value))
    elif isinstance(value, str):
        yield name.replace("-", "_"), ENUM_INDEX[value]
    else:
        yield name.replace("-", "_"), int(value)


def _tshark_packets(tshark: str, path) -> list[list[tuple[str, str]]]:
    pdml = subprocess.run([tshark, "-r", str(path), "-T", "pdml"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    packets = []
    for packet in ET.fromstring(pdml).iter("packet"):
        fields = [(f.get("name"), f.get("show")) for f in packet.iter("field")]
        packets.append(fields)
    return packets


@pytest.fixture(scope="module")
def built(leo_source, geo_source, gateway_ecef):
    out = []
    for source, t in ((leo_source, T0_UNIX_S + 7210.0), (geo_source, T0_UNIX_S + 60.0)):
        for fmt in ("state-vectors", "orbital"):
            for kind in KINDS:
                cell = CellConfig(kind=kind, gateway_ecef_m=gateway_ecef, ephemeris_format=fmt,
                                  reference_location_deg=(40.1, 116.2) if kind == "sib19"
                                  else None, distance_thresh_m=5000.0, t_service_unix_s=t + 600)
                out.append((kind, build_sib(source, cell, t)))
    return out


def test_tshark_dissects_every_kind_and_format_as_the_decoder(require_tool, tmp_path, built):
    tshark = require_tool("tshark")
    path = tmp_path / "sibs.pcap"
    with PcapWriter(path) as pcap:
        for kind, b in built:
            pcap.write(KINDS[kind].dissector, b.message, b.epoch_unix_s)
    packets = _tshark_packets(tshark, path)
    assert len(packets) == len(built) == 12
    for (kind, b), fields in zip(built, packets, strict=True):
        names = [n for n, _ in fields]
        assert not any(n.startswith("_ws.malformed") or n.startswith("_ws.expert") for n in names)
        ours = list(_leaves(decode_sib(kind, b.message)))
        wanted = {n for n, _ in ours}
        theirs = [(n.split(".", 1)[1], int(s)) for n, s in fields
                  if n.startswith(PROTOCOLS) and n.split(".", 1)[1] in wanted]
        assert len(ours) >= 12 and theirs == ours, kind
        assert (KINDS[kind].sib_alternative.split("-")[0] + "_v1700_element"
                in {n.split(".", 1)[1] for n in names if n.startswith(PROTOCOLS)})


@pytest.mark.parametrize("epoch_time", ["explicit", "si-window-end"])
def test_tshark_dissects_the_neighbour_list_as_the_decoder(require_tool, tmp_path, epoch_time,
                                                           leo_source, leo_follower_source,
                                                           geo_source, gateway_ecef):
    """SIB19 with two ntn-NeighCellConfigList-r17 entries (tests/rrc/test_neighbours.py), with
    and without epochTime: every leaf field equal, carrierFreq / physCellId among them."""
    tshark = require_tool("tshark")
    cell = CellConfig(gateway_ecef_m=gateway_ecef, epoch_time=epoch_time,
                      neighbours=neighbour_cells(leo_follower_source, geo_source))
    b = build_sib(leo_source, cell, T0_UNIX_S + 7210.0)
    path = tmp_path / "neighbours.pcap"
    with PcapWriter(path) as pcap:
        pcap.write(KINDS["sib19"].dissector, b.message, b.sent_unix_s)
    (fields,) = _tshark_packets(tshark, path)
    assert not any(n.startswith(("_ws.malformed", "_ws.expert")) for n, _ in fields)
    ours = list(_leaves(decode_sib("sib19", b.message)))
    wanted = {n for n, _ in ours}
    theirs = [(n.split(".", 1)[1], int(s)) for n, s in fields
              if n.startswith(PROTOCOLS) and n.split(".", 1)[1] in wanted]
    assert theirs == ours
    assert [v for n, v in theirs if n in ("carrierFreq_r17", "physCellId_r17")] == \
        [437000, 17, 434020, 503]
    assert ("sfn_r17" in wanted) == (epoch_time == "explicit")

"""A longitude the loader accepts in 180..360 degrees (the same place as -180..0) reaches the
module in -180..180, the range of the position commands (TS 27.007 +CMOLR style, the vendors'
%LOCATION / +NTNLOC / ntn_locfix): the emulated modules refuse anything else, as real ones."""
from __future__ import annotations

import json

import pytest

from ntnstack.cli import main

SCENARIO = """\
name: lon
start: 2026-03-01T00:00:00Z
satellites:
  ntn-geo: {{orbit: "preset:tr38821-geo"}}
cells:
  geo-cell: {{satellite: ntn-geo, payload: regenerative, sib: sib31-nb, validity_s: 60}}
terminals:
  nb: {{family: {family}, cell: geo-cell, position: [39.9, 200, 0]}}
steps:
  - {{terminal: nb, do: power_on}}
  - {{terminal: nb, do: set_location}}
  - {{terminal: nb, do: set_location, position: [10, 350.5, 0]}}
"""


@pytest.mark.parametrize("family", ["nbntn-nordic", "nbntn-generic"])
def test_a_longitude_past_180_is_sent_west_of_greenwich(tmp_path, capsys, family):
    (tmp_path / "s.yaml").write_text(SCENARIO.format(family=family))
    out = tmp_path / "o"
    assert main(["run", "-q", str(tmp_path / "s.yaml"), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["results", "show", str(out), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [s["status"] for s in steps] == ["passed"] * 3
    rawlog = (out / "serial" / "nb.rawlog").read_text().splitlines()
    sent = "".join(bytes.fromhex(line.split()[2]).decode() for line in rawlog
                   if line.split()[1] == "out")
    # 200 - 360 = -160 and 350.5 - 360 = -9.5 (the same meridians), never the raw value
    assert '-160.000000' in sent and '-9.500000' in sent
    assert '200.000000' not in sent and '350.500000' not in sent

"""Fixtures: procedure runs over the reference GEO and LEO geometries, with their pcaps."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ntnstack.stack.presets import geo_cell, leo_cells, new_session
from ntnstack.stack.session import ProcedureResult, StackSession

START_UNIX_S = 1_800_000_000.0     # 2027-01-15T08:00:00Z, any start works
LEO_ATTACH_S = 500.0               # 100 s before LEO600-1 culminates (presets.leo_cells)


@dataclass
class Run:
    session: StackSession
    results: dict[str, ProcedureResult]
    pcap: Path


def tshark_rows(pcap: Path, *fields: str) -> list[list[str]]:
    """One row per packet of ``fields`` (tshark -T fields); skips without tshark."""
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed")
    args = [tshark, "-r", str(pcap), "-T", "fields", "-E", "separator=|"]
    for name in fields:
        args += ["-e", name]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


@pytest.fixture(scope="module")
def geo_run(tmp_path_factory) -> Run:
    """GEO (transparent, EEA0 + EIA2 so tshark reads the NAS): attach, data, MO and MT SMS,
    release."""
    pcap = tmp_path_factory.mktemp("geo") / "geo.pcap"
    s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0")
    results = {"attach": s.attach(), "data": s.send_data(b"temperature=21.5"),
               "sms": s.send_sms("+8613912345678", "hello from GEO"),
               "sms-mt": s.receive_sms("+8613912345678", "hello to GEO"), "release": s.release()}
    s.close()
    return Run(s, results, pcap)


@pytest.fixture(scope="module")
def leo_run(tmp_path_factory) -> Run:
    """LEO-600 pass (regenerative): attach, data, release, cell change, data from idle."""
    pcap = tmp_path_factory.mktemp("leo") / "leo.pcap"
    s = new_session(leo_cells(START_UNIX_S), START_UNIX_S + LEO_ATTACH_S, pcap=pcap, eea="eea0")
    results = {"attach": s.attach(), "data": s.send_data(b"leo-1"), "release": s.release(),
               "cell-change": s.cell_change(), "data-idle": s.send_data(b"leo-2"),
               "release-2": s.release()}
    s.close()
    return Run(s, results, pcap)

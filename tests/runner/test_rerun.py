"""A rerun into the same folder: its evidence alone (no serial log or capture of the previous
scenario), the journal keeps both runs, and ``results show RUN`` reads either of them."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.runner.conftest import SCENARIOS, ntnstack


def test_rerun_replaces_the_evidence_and_keeps_the_journal(tmp_path):
    out = tmp_path / "out"
    first = ntnstack("run", "--json", "--out", str(out), timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert (out / "serial" / "nb-geo.rawlog").is_file() and (out / "capture.pcap").is_file()
    second = ntnstack("run", str(SCENARIOS / "waits.yaml"), "--json", "--out", str(out))
    assert second.returncode == 0, second.stderr[-2000:]

    assert not list(out.glob("serial/*.rawlog"))    # waits.yaml needs no module
    assert not list(out.glob("capture-nb-*.pcap")) and not list(out.glob("stack-*.pcap"))
    suites = [s.get("name") for s in ET.parse(out / "junit.xml").getroot()]
    assert suites == ["waits.ue"]

    runs = ntnstack("results", "list", str(out), "--json")
    listed = [json.loads(line) for line in runs.stdout.splitlines()]
    ids = [json.loads(first.stdout)["run_id"], json.loads(second.stdout)["run_id"]]
    assert [r["run_id"] for r in listed] == ids
    assert [r["scenario"] for r in listed] == ["default", "waits"]

    shown = ntnstack("results", "show", ids[0][:8], "--journal", str(out), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["run"]["scenario"] == "default"
    latest = ntnstack("results", "show", str(out))
    assert latest.stdout.startswith(f"run {ids[1]} waits passed")


def test_show_of_an_unknown_run_is_one_line(tmp_path):
    res = ntnstack("results", "show", "feedbeef", "--journal", str(tmp_path), cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "results.sqlite" in res.stderr

"""junit.xml as CI servers read it: valid against junit-10.xsd (the schema of Jenkins' xUnit
plugin, tests/runner/data/README.md), a failed expectation or requirement is a <failure>,
case names do not depend on step indices, serial evidence in <system-out>."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from ntnstack.runner import junit
from ntnstack.runner.journal import read_run
from tests.runner.conftest import ntnstack, write_journal

SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("data") / "junit-10.xsd")


def _written(data, path: Path, requirements=None) -> ET.Element:
    junit.write(data, path, requirements)
    SCHEMA.validate(str(path))          # raises with the offending element if invalid
    return ET.parse(path).getroot()


def test_counts_names_and_evidence(fixture_run, tmp_path):
    root = _written(read_run(fixture_run), tmp_path / "junit.xml")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "0", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"fixture.ue", "fixture.tt"}
    ue = suites["fixture.ue"]
    assert [c.get("name") for c in ue.iter("testcase")] == ["attach", "send_data", "detach",
                                                           "attach-2"]
    assert (ue.get("tests"), ue.get("errors"), ue.get("skipped")) == ("4", "1", "1")
    out = ue.find("testcase[@name='attach']/system-out").text
    assert "expected registered_within_s = 180; observed 52; pass" in out
    assert "AT+CFUN=1" in out and '+CEREG: 5,"0001","01",14' in out   # the serial traffic
    assert "PortGone" in ue.find("testcase[@name='detach']/error").get("message")
    assert ue.find("testcase[@name='attach-2']/skipped") is not None
    props = {p.get("name"): p.get("value") for p in ue.find("properties")}
    assert props["run_id"] == "run-a" and props["testbed"] == "virtual"


def test_a_failed_expectation_is_a_failure(tmp_path):
    data = read_run(write_journal(tmp_path / "late", attach_s=240.0))
    root = _written(data, tmp_path / "junit.xml")
    assert root.get("failures") == "1"
    failure = root.find(".//testcase[@name='attach']/failure")
    assert "observed 240.0 s" in failure.get("message")


def test_inserting_a_step_renames_no_other_case(fixture_run):
    data = read_run(fixture_run)
    before = junit.case_names(data["steps"])
    inserted = {**data["steps"][0], "idx": -1, "action": "power_on"}
    after = junit.case_names([inserted, *data["steps"]])
    assert {i: after[i] for i in before} == before and after[-1] == "power_on"


def test_control_characters_of_an_sms_stay_valid_xml(fixture_run, tmp_path):
    data = read_run(fixture_run)
    data["events"].append({"step_idx": 0, "t_s": 1.0, "terminal": "ue", "kind": "cmd",
                           "text": "0011000B91\x1a\x1b"})
    root = _written(data, tmp_path / "junit.xml")
    assert "0011000B91\\x1a\\x1b" in root.find(".//testcase[@name='attach']/system-out").text


@pytest.mark.parametrize("defect, status, failures", [(None, 0, 0), ("dut:wrong-act", 1, 1)])
def test_certify_junit_fails_when_a_requirement_fails(tmp_path, defect, status, failures):
    """``certify --defect dut:wrong-act`` exits 1 and its junit.xml says so (issue 15: it said
    failures="0" and CI showed green)."""
    out = tmp_path / "cert"
    args = ["certify", "--profile", "ntn-3gpp", "--out", str(out), "--json"]
    res = ntnstack(*args, *(["--defect", defect] if defect else []), timeout=300)
    assert res.returncode == status, res.stderr[-2000:]
    root = ET.parse(out / "junit.xml").getroot()
    SCHEMA.validate(str(out / "junit.xml"))
    failed = json.loads(res.stdout)["failed"]
    assert int(root.get("failures")) >= failures and len(failed) >= failures
    assert '<a href="certification.md">' in (out / "report.html").read_text()
    requirements = next(s for s in root if s.get("name").endswith(".requirements"))
    for rid in failed:
        assert requirements.find(f"testcase[@name='{rid}']/failure") is not None or \
            requirements.find(f"testcase[@name='{rid}']/error") is not None

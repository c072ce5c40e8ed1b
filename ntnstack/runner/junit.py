"""JUnit XML for CI servers: one testsuite per terminal, one testcase per step, expected and
observed values of each expectation as properties (``expected.NAME`` / ``observed.NAME``)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def build(run: dict[str, Any]) -> ET.Element:
    """``run`` is journal.read_run()'s data -> the <testsuites> element."""
    info = run["run"]
    root = ET.Element("testsuites", name=f"ntnstack {info['scenario']}")
    by_terminal: dict[str, list[dict]] = {}
    for step in run["steps"]:
        by_terminal.setdefault(step["terminal"], []).append(step)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for terminal, steps in by_terminal.items():
        suite = _suite(info, terminal, steps)
        root.append(suite)
        for key in ("tests", "failures", "errors", "skipped"):
            totals[key] += int(suite.get(key))
        totals["time"] += float(suite.get("time"))
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    return root


def _suite(info: dict, terminal: str, steps: list[dict]) -> ET.Element:
    counts = {s: sum(1 for st in steps if st["status"] == s) for s in ("failed", "error",
                                                                       "skipped")}
    counts["skipped"] += sum(1 for st in steps if st["status"] == "not-observable")
    suite = ET.Element("testsuite", name=f"{info['scenario']}.{terminal}", tests=str(len(steps)),
                       failures=str(counts["failed"]), errors=str(counts["error"]),
                       skipped=str(counts["skipped"]),
                       time=f"{sum(s['wall_s'] for s in steps):.3f}",
                       timestamp=info["started_at"][:19], hostname=info.get("host") or "")
    props = ET.SubElement(suite, "properties")
    for name, value in (("family", steps[0]["family"]), ("run_id", info["run_id"]),
                        ("clock", info["clock"]), ("testbed", info["testbed"])):
        ET.SubElement(props, "property", name=name, value=_text(value))
    for step in steps:
        suite.append(_case(info, terminal, step))
    return suite


def _case(info: dict, terminal: str, step: dict) -> ET.Element:
    case = ET.Element("testcase", classname=f"{info['scenario']}.{terminal}",
                      name=f"{step['idx']:02d}-{step['action']}", time=f"{step['wall_s']:.3f}")
    props = ET.SubElement(case, "properties")
    rows = [("emulated.started_s", step["started_s"]), ("emulated.ended_s", step["ended_s"])]
    rows += [(f"param.{k}", v) for k, v in sorted(step["params"].items())]
    rows += [(f"observed.{k}", v) for k, v in sorted(step["observed"].items())]
    for c in step["checks"]:
        rows += [(f"expected.{c['name']}", c["expected"]), (f"verdict.{c['name']}",
                                                            _verdict(step, c))]
        if c["name"] not in step["observed"]:
            rows.append((f"observed.{c['name']}", c["observed"]))
    for name, value in rows:
        ET.SubElement(props, "property", name=name, value=_text(value))
    if step["status"] == "failed":
        failed = [c for c in step["checks"] if not c["passed"]]
        text = "\n".join(c["message"] for c in failed) or step["message"]
        ET.SubElement(case, "failure", message=(step["message"] or text).splitlines()[0],
                      type="ExpectationFailed").text = text
    elif step["status"] == "error":
        ET.SubElement(case, "error", message=step["message"].splitlines()[0] if step["message"]
                      else "error", type="StepError").text = step["message"]
    elif step["status"] == "skipped":
        ET.SubElement(case, "skipped", message=step["message"] or "skipped")
    elif step["status"] == "not-observable":   # neither a pass nor a failure of the terminal
        ET.SubElement(case, "skipped", message=step["message"] or "not observable")
    return case


def _verdict(step: dict, check: dict) -> str:
    if check["passed"]:
        return "pass"
    return "not observable" if step["status"] == "not-observable" else "fail"


def write(run: dict[str, Any], path: str | Path) -> None:
    tree = ET.ElementTree(build(run))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)

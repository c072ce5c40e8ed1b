"""junit.xml for CI servers, valid against the strict JUnit schema that Jenkins' xUnit plugin
and GitLab read (junit-10.xsd; tests/runner/data holds a copy).

One testsuite per terminal, one testcase per step. A case is named by its action and its
occurrence among the same terminal's steps of that action (``attach``, ``attach-2``), so
inserting a step renames no other case. A failed expectation is a <failure>, a step that
could not be carried out an <error>, a skipped or not-observable step <skipped> (neither a
pass nor a failure of the terminal). Each case's <system-out> holds its expected and observed
values and its serial traffic (commands, responses, URCs); the suite's properties say the
family, run, clock and testbed. Certification requirements, when given, form one more suite
with a case per requirement, named by its id.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

EVIDENCE_KINDS = ("cmd", "rsp", "urc", "link", "network", "step")
"""Timeline kinds copied into a case's <system-out> (the serial traffic and what the emulated
network did)."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: control characters (Ctrl-Z, ESC of an SMS) as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def case_names(steps: list[dict]) -> dict[int, str]:
    """Step index -> its stable case name: the action, with ``-N`` from its second occurrence
    among the same terminal's steps of that action."""
    seen: dict[tuple[str, str], int] = {}
    names = {}
    for step in steps:
        key = (step["terminal"], step["action"])
        seen[key] = seen.get(key, 0) + 1
        names[step["idx"]] = step["action"] + (f"-{seen[key]}" if seen[key] > 1 else "")
    return names


def build(run: dict[str, Any], requirements: list[dict] | None = None) -> ET.Element:
    """``run`` is journal.read_run()'s data, ``requirements`` the verdicts of a certification
    (dicts as certification.json has them) -> the <testsuites> element."""
    info = run["run"]
    root = ET.Element("testsuites", name=_clean(f"ntnstack {info['scenario']}"))
    names = case_names(run["steps"])
    by_terminal: dict[str, list[dict]] = {}
    for step in run["steps"]:
        by_terminal.setdefault(step["terminal"], []).append(step)
    for terminal, steps in by_terminal.items():
        cases = [_step_case(info, terminal, s, names[s["idx"]], run["events"]) for s in steps]
        props = {"family": steps[0]["family"], "run_id": info["run_id"],
                 "clock": info["clock"], "testbed": info["testbed"]}
        root.append(_suite(info, f"{info['scenario']}.{terminal}", cases, props))
    if requirements:
        cases = [_requirement_case(info, r) for r in requirements]
        root.append(_suite(info, f"{info['scenario']}.requirements", cases,
                           {"run_id": info["run_id"], "testbed": info["testbed"]}))
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key)) for s in root)))
    root.set("time", f"{sum(float(s.get('time')) for s in root):.3f}")
    return root


def _suite(info: dict, name: str, cases: list[ET.Element], props: dict) -> ET.Element:
    """A <testsuite> whose counts are those of its cases' outcomes."""
    def count(tag: str) -> str:
        return str(sum(1 for c in cases if c.find(tag) is not None))

    suite = ET.Element("testsuite", name=_clean(name), tests=str(len(cases)),
                       failures=count("failure"), errors=count("error"),
                       skipped=count("skipped"),
                       time=f"{sum(float(c.get('time')) for c in cases):.3f}",
                       timestamp=info["started_at"][:19], hostname=info.get("host") or "")
    properties = ET.SubElement(suite, "properties")
    for key, value in props.items():
        ET.SubElement(properties, "property", name=key, value=_clean(_text(value)))
    suite.extend(cases)
    return suite


def _step_case(info: dict, terminal: str, step: dict, name: str, events: list[dict]
               ) -> ET.Element:
    case = ET.Element("testcase", classname=_clean(f"{info['scenario']}.{terminal}"),
                      name=_clean(name), time=f"{step['wall_s']:.3f}")
    status, message = step["status"], step["message"] or ""
    if status == "failed":
        failed = "\n".join(c["message"] for c in step["checks"] if not c["passed"])
        _outcome(case, "failure", message or failed, "ExpectationFailed", failed or message)
    elif status == "error":
        _outcome(case, "error", message or "error", "StepError", message)
    elif status in ("skipped", "not-observable"):
        _outcome(case, "skipped", message or status, status, "")
    out = [f"step {step['idx']} {step['action']} of {terminal}, emulated "
           f"{step['started_s']:.3f}-{step['ended_s']:.3f} s: {status}"]
    out += [f"param {k} = {_text(v)}" for k, v in sorted(step["params"].items())]
    out += [f"expected {c['name']} = {_text(c['expected'])}; observed "
            f"{_text(c['observed'])}; {_verdict(step, c)}" for c in step["checks"]]
    out += [f"observed {k} = {_text(v)}" for k, v in sorted(step["observed"].items())]
    out += [f"{e['t_s']:10.3f} s {e['kind']}: {e['text']}" for e in events
            if e["step_idx"] == step["idx"] and e["kind"] in EVIDENCE_KINDS]
    ET.SubElement(case, "system-out").text = _clean("\n".join(out))
    return case


def _verdict(step: dict, check: dict) -> str:
    if check["passed"]:
        return "pass"
    return "not observable" if step["status"] == "not-observable" else "not met"


def _requirement_case(info: dict, req: dict) -> ET.Element:
    case = ET.Element("testcase", classname=_clean(f"{info['scenario']}.requirements"),
                      name=_clean(req["id"]), time="0.000")
    verdict, why = req["verdict"], req.get("explanation") or ""
    if verdict == "failed":
        _outcome(case, "failure", why, "RequirementFailed", why)
    elif verdict == "error":
        _outcome(case, "error", why, "RequirementNotCarriedOut", why)
    elif verdict == "not-observable":
        _outcome(case, "skipped", why or verdict, verdict, "")
    out = [f"{req['id']}: {req.get('title', '')}", f"source: {req.get('source', '')}",
           f"verdict: {verdict}: {why}"]
    for c in req.get("criteria", ()):
        out.append(f"[{'x' if c.get('passed') else ' '}] {c.get('text')}; measured "
                   f"{_text(c.get('measured'))}")
    for s in req.get("steps", ()):
        out.append(f"step {s['step']} of {s['terminal']}: {s['status']} {s['message']}")
        out += [f"  {line}" for line in s.get("log", ())]
    ET.SubElement(case, "system-out").text = _clean("\n".join(out))
    return case


def _outcome(case: ET.Element, tag: str, message: str, kind: str, text: str) -> None:
    element = ET.SubElement(case, tag, message=_clean(message.splitlines()[0] if message
                                                      else tag), type=kind)
    if text:
        element.text = _clean(text)


def write(run: dict[str, Any], path: str | Path, requirements: list[dict] | None = None
          ) -> None:
    """Write junit.xml (``requirements``: see :func:`build`)."""
    tree = ET.ElementTree(build(run, requirements))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)

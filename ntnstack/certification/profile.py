"""Certification profiles (ntnstack/configs/certification/*.yaml) validated into typed objects.

A profile is a scenario whose steps are grouped by requirement::

    name, title
    families: [FAMILY, ...]       # the families the profile applies to (the first: default)
    duts: [TERMINAL, ...]         # terminals whose family --family replaces
    scenario: {clock, start, satellites, gateways, cells, terminals}   # as a scenario file
    setup: [STEP, ...]            # steps every requirement needs (power on, ...)
    requirements:
      - id: NTN-REG-ACT
        title: ...
        source: TS 27.007 7.3 <AcT> 14   # the clause or rule the requirement comes from
        not_observable: WHY         # instead of steps: what the bridge cannot see, and why
        not_observable_on_real: WHY # with steps: judged on virtual modules (the emulated
                                    # network sees it); with a real module: not observable
        network: CHECK              # with certify --mme-journal: also judged from what
                                    # ntnstack mme saw (ntnstack.certification.network)
        steps: [{id: NAME, terminal (default: the first dut), do, ...}]
        pass: [CRITERION, ...]      # ntnstack.certification.criteria

Errors name the profile file, line and key (ConfigError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntnstack.certification.criteria import check_criterion
from ntnstack.certification.network import NETWORK_CHECKS
from ntnstack.configs import PROFILE_DIR
from ntnstack.errors import InputError
from ntnstack.scenario.fields import Section
from ntnstack.scenario.load import build_scenario
from at_bridge.families import FAMILIES
from ntnstack.scenario.model import Scenario
from ntnstack.scenario.source import Doc, load_file

TOP_KEYS = ("name", "title", "families", "duts", "scenario", "setup", "requirements")
REQUIREMENT_KEYS = ("id", "title", "source", "not_observable", "not_observable_on_real",
                    "network", "steps", "pass")
SCENARIO_KEYS = ("clock", "start", "min_elevation_deg", "satellites", "gateways", "cells",
                 "terminals", "description")


@dataclass(frozen=True)
class Requirement:
    """One requirement: its steps are scenario step indices (``steps``: step id -> index)."""

    id: str
    title: str
    source: str
    steps: dict[str, int] = field(default_factory=dict)
    criteria: tuple[dict[str, Any], ...] = ()
    not_observable: str = ""
    where: str = ""
    not_observable_on_real: str = ""
    network: str = ""        # its network-side check (ntnstack.certification.network)


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    file: str
    family: str
    families: tuple[str, ...]
    duts: tuple[str, ...]
    scenario: Scenario
    setup: dict[str, int]
    requirements: tuple[Requirement, ...]


def profile_names() -> list[str]:
    """Names of the profiles shipped in ntnstack/configs/certification/."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def profile_path(name_or_file: str) -> Path:
    """A shipped profile's name, or a path to a profile file (InputError when neither)."""
    path = Path(name_or_file)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"--profile {name_or_file}: no such file")
        return path
    shipped = PROFILE_DIR / f"{name_or_file}.yaml"
    if not shipped.is_file():
        raise InputError(f"--profile {name_or_file!r}: not a file and not a shipped profile "
                         f"(expected one of {', '.join(profile_names())})")
    return shipped


def load_profile(name_or_file: str, family: str | None = None) -> Profile:
    """Load a profile; ``family`` (default: its first applicable family) goes to its duts."""
    path = profile_path(name_or_file)
    doc = load_file(path)
    top = Section(doc, ())
    top.only(TOP_KEYS)
    families = tuple(_names(top, "families", FAMILIES))
    if family is None:
        family = families[0]
    elif family not in families:
        raise InputError(f"--family {family}: profile {path.name} applies to "
                         f"{', '.join(families)}")
    duts = tuple(_names(top, "duts", None))
    scen, steps, setup, reqs = _flatten(top, duts, family)
    scenario = build_scenario(Doc(scen, doc.marks | _moved(doc, steps), doc.key_marks |
                                  _moved(doc, steps, keys=True), doc.files))
    return Profile(top.text("name", path.stem), top.text("title", ""), str(path), family,
                   families, duts, scenario, setup, reqs)


def _names(top: Section, key: str, choices) -> list[str]:
    items = top.sequence(key)
    for i, item in enumerate(items):
        if not isinstance(item, str) or (choices is not None and item not in choices):
            raise top.doc.error((key, i), f"expected one of {', '.join(choices)}" if choices
                                else "expected a terminal name")
    if not items:
        raise top.error(key, "expected at least one entry")
    return items


def _flatten(top: Section, duts: tuple[str, ...], family: str):
    """The scenario data with every step in order, where each step came from (for marks),
    the setup step indices and the requirements."""
    scen_sec = top.sub("scenario")
    scen_sec.only(SCENARIO_KEYS)
    scen = dict(scen_sec.data)
    terminals = scen_sec.sub("terminals")
    for name in duts:
        if not terminals.has(name):
            raise top.error("duts", f"{name!r} is not a terminal of scenario.terminals")
        scen["terminals"] = {**scen["terminals"], name: {**terminals.data[name],
                                                         "family": family}}
    steps: list[tuple[tuple, dict]] = []
    setup = _add_steps(top, ("setup",), duts[0], steps) if top.has("setup") else {}
    reqs, seen = [], set()
    for i, _ in enumerate(top.sequence("requirements")):
        req = _requirement(Section(top.doc, ("requirements", i)), duts[0], steps)
        if req.id in seen:
            raise top.doc.error(("requirements", i, "id"), f"duplicate requirement id {req.id}")
        seen.add(req.id)
        reqs.append(req)
    if not reqs:
        raise top.error("requirements", "expected at least one requirement")
    scen["steps"] = [data for _, data in steps]
    scen.setdefault("name", top.text("name", "profile"))
    return scen, [path for path, _ in steps], setup, tuple(reqs)


def _add_steps(sec: Section, path: tuple, dut: str, out: list) -> dict[str, int]:
    """Append the steps at ``path`` to ``out``; returns step id (or its position) -> index."""
    ids = {}
    for k, raw in enumerate(_get(sec.doc.data, path) or []):
        if not isinstance(raw, dict):
            raise sec.doc.error((*path, k), f"expected a step mapping, got {raw!r}")
        step = {key: value for key, value in raw.items() if key != "id"}
        step.setdefault("terminal", dut)
        sid = str(raw.get("id", k))
        if sid in ids:
            raise sec.doc.error((*path, k, "id"), f"duplicate step id {sid!r}")
        ids[sid] = len(out)
        out.append(((*path, k), step))
    return ids


def _requirement(s: Section, dut: str, steps: list) -> Requirement:
    s.only(REQUIREMENT_KEYS)
    rid, title, source = s.text("id"), s.text("title"), s.text("source")
    where = str(s.doc.where(s.path) or "")
    if s.has("not_observable"):
        if s.has("steps") or s.has("pass"):
            raise s.error("not_observable", "a requirement that is not observable has no "
                          "steps and no pass criteria")
        return Requirement(rid, title, source, not_observable=s.text("not_observable"),
                           where=where)
    ids = _add_steps(s, (*s.path, "steps"), dut, steps)
    if not ids:
        raise s.error("steps", "expected at least one step")
    criteria = tuple(s.sequence("pass")) if s.has("pass") else ()
    for k, crit in enumerate(criteria):
        check_criterion(s.doc, (*s.path, "pass", k), crit, ids)
    on_real = s.text("not_observable_on_real") if s.has("not_observable_on_real") else ""
    network = s.text("network") if s.has("network") else ""
    if network and network not in NETWORK_CHECKS:
        raise s.error("network", f"expected one of {', '.join(NETWORK_CHECKS)}")
    return Requirement(rid, title, source, ids, criteria, where=where,
                       not_observable_on_real=on_real, network=network)


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _moved(doc: Doc, paths: list[tuple], keys: bool = False) -> dict:
    """Marks of the profile's step paths re-keyed to the scenario's ``steps[i]`` paths, and
    of ``scenario.*`` to the top level, so scenario errors point into the profile file."""
    marks = doc.key_marks if keys else doc.marks
    out = {}
    for path, mark in marks.items():
        if path[:1] == ("scenario",):
            out[path[1:]] = mark
        for i, src in enumerate(paths):
            if path[:len(src)] == src:
                out[("steps", i, *path[len(src):])] = mark
    return out

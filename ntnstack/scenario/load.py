"""Scenario files -> a validated :class:`Scenario`. Every error names file, line, key and what
was expected (see ntnstack.scenario.source.ConfigError)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ntnstack.configs import DEFAULT_SCENARIO
from ntnstack.errors import InputError
from ntnstack.limits import MAX_SCENARIO_SPAN_S, MAX_SCENARIO_STEPS, MAX_TERMINALS
from ntnstack.scenario.actions import ACTIONS, STEP_KEYS, SUCCEEDS
from ntnstack.scenario.fields import Section, check_number
from at_bridge.families import FAMILIES
from ntnstack.scenario.model import (
    Cell, ClockSpec, Expectation, Gateway, Geodetic, Satellite, Scenario, Step,
    Terminal, Waypoint, family_group,
)
from ntnstack.scenario.source import ConfigError, Doc, load_files

TOP_KEYS = ("name", "description", "clock", "start", "min_elevation_deg", "satellites",
            "gateways", "cells", "terminals", "steps")
# ul-SyncValidityDuration-r17 (TS 36.331 SIB31 / TS 38.331 NTN-Config-r17): s5..s60 step 5,
# s120, s180, s240, s900.
VALIDITY_S = (*tuple(range(5, 65, 5)), 120, 180, 240, 900)
PAYLOADS = ("transparent", "regenerative")
SIB_KINDS = ("sib31-nb", "sib31", "sib19", "none")
ORBIT_PREFIXES = ("geo:", "circular:", "tle:", "preset:", "kepler:", "walker:", "omm:")
# K_offset range: cellSpecificKoffset-r17 1..1023 ms (TS 38.331), k-Offset-r17 0..1023 (36.331).
K_OFFSET_MAX_MS = 1023


def default_scenario_path() -> Path:
    """The default scenario, shipped inside the package (ntnstack/configs/scenarios)."""
    return DEFAULT_SCENARIO


def load_scenario(paths: list[str | Path], clock: str | None = None) -> Scenario:
    """Load, overlay (the last file wins) and validate scenario files. ``clock`` overrides the
    files' clock (the --clock option)."""
    doc = load_files(paths)
    return build_scenario(doc, clock)


def build_scenario(doc: Doc, clock: str | None = None) -> Scenario:
    top = Section(doc, ())
    top.only(TOP_KEYS)
    start = _start(top)
    gateways = {n: Gateway(n, position(s, "position"), s.doc.where(s.path))
                for n, s in _named(top, "gateways", False)}
    satellites = {n: _satellite(n, s, start, gateways)
                  for n, s in _named(top, "satellites", True)}
    cells = {n: _cell(n, s, satellites, gateways) for n, s in _named(top, "cells", False)}
    named_terminals = _named(top, "terminals", True)
    if len(named_terminals) > MAX_TERMINALS:
        raise top.error("terminals", f"{len(named_terminals)} terminals, more than "
                        f"{MAX_TERMINALS}")
    terminals = {n: _terminal(n, s, satellites, cells) for n, s in named_terminals}
    _check_unique_identities(named_terminals)
    steps = _steps(top, terminals)
    return Scenario(
        name=top.text("name", Path(doc.files[-1]).stem),
        description=top.text("description", ""),
        files=doc.files,
        clock=parse_clock(clock) if clock else _clock(top),
        start_unix_s=start,
        satellites=satellites, gateways=gateways, cells=cells, terminals=terminals,
        steps=steps,
        min_elevation_deg=top.number("min_elevation_deg", "degrees", 10.0, 0.0, 90.0),
    )


def _named(top: Section, key: str, required: bool) -> list[tuple[str, Section]]:
    if not top.has(key):
        if required:
            raise top.error(None, f"missing key {key!r} (a mapping of name -> settings)")
        return []
    items = top.items(key)
    if required and not items:
        raise top.error(key, "expected at least one entry")
    return items


def parse_clock(text: str) -> ClockSpec:
    """``virtual`` | ``realtime`` | ``scaled:N`` (N > 0: emulated seconds per wall second),
    checked by the one clock's own parser (ntnstack.clock)."""
    from ntnstack.clock import parse_clock as clock_from_text

    clock = clock_from_text(text, 0.0)
    return ClockSpec(clock.mode, clock.scale)


def _clock(top: Section) -> ClockSpec:
    text = top.text("clock", "virtual")
    try:
        return parse_clock(text)
    except InputError as exc:
        raise top.error("clock", str(exc)) from None


def _start(top: Section) -> float:
    """``start``: an ISO 8601 UTC time -> Unix seconds (default 2026-01-01T00:00:00Z)."""
    value = top.data.get("start", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise top.error("start", f"expected an ISO 8601 time such as "
                            f"2026-01-01T00:00:00Z, got {value!r}") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        raise top.error("start", f"expected an ISO 8601 time, got {value!r}")
    from ntnstack.clock import parse_iso8601

    try:   # the one check of the year window (ntnstack.clock)
        return parse_iso8601(value.isoformat(), "time")
    except InputError as exc:
        raise top.error("start", str(exc)) from None


def _satellite(name: str, s: Section, start_unix_s: float, gateways: dict) -> Satellite:
    s.only(("orbit", "gateway"))
    gateway = s.text("gateway", None)
    if gateway is not None and gateway not in gateways:
        raise s.error("gateway", f"unknown gateway {gateway!r} (gateways: "
                      f"{', '.join(gateways) or 'none defined'})")
    spec = s.text("orbit")
    if not spec.startswith(ORBIT_PREFIXES):
        raise s.error("orbit", f"expected an orbit SPEC ({', '.join(ORBIT_PREFIXES)}...), "
                      f"got {spec!r}")
    try:
        from ntnstack.orbit import parse_orbit_spec
    except ImportError:  # the orbit layer is not installed: the spec is checked at run time
        parse_orbit_spec = None
    if parse_orbit_spec is not None:
        try:
            parse_orbit_spec(spec, start_unix_s)
        except (ValueError, OSError) as exc:
            raise s.error("orbit", str(exc)) from None
    return Satellite(name, spec, s.doc.where(s.path), gateway)


def position(s: Section, key: str) -> Geodetic:
    """``[lat_deg, lon_deg, alt_m]`` or ``{lat_deg, lon_deg, alt_m}``."""
    value = s.data.get(key)
    if isinstance(value, dict):
        p = s.sub(key)
        p.only(("lat_deg", "lon_deg", "alt_m"))
        return Geodetic(p.number("lat_deg", "degrees", minimum=-90, maximum=90),
                        p.number("lon_deg", "degrees", minimum=-180, maximum=360),
                        p.number("alt_m", "metres", 0.0, -500, 100_000))
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise s.error(key, f"expected [lat_deg, lon_deg, alt_m] or a mapping with lat_deg, "
                      f"lon_deg, alt_m; got {value!r}")
    p = Section(s.doc, s.path)
    lat, lon = (check_number(p, key, v, u, lo, hi) for v, u, lo, hi in
                ((value[0], "latitude degrees", -90, 90), (value[1], "longitude degrees",
                                                           -180, 360)))
    alt = check_number(p, key, value[2], "altitude metres", -500, 100_000) if len(value) == 3 \
        else 0.0
    return Geodetic(lat, lon, alt)


def _cell(name: str, s: Section, satellites: dict, gateways: dict) -> Cell:
    s.only(("satellite", "gateway", "payload", "sib", "validity_s", "k_offset", "sib_period_s",
            "carrier_dl_hz", "carrier_ul_hz"))
    payload = s.text("payload", "transparent", PAYLOADS)
    if s.has("gateway") and not gateways:
        raise s.error("gateway", "no gateways are defined (add a 'gateways' section)")
    gateway = s.text("gateway", None, gateways) if s.has("gateway") else None
    if payload == "transparent" and gateway is None:
        raise s.error(None, "a transparent payload needs a 'gateway' (the feeder link end)")
    validity = s.number("validity_s", "seconds", 20, integer=True)
    if validity not in VALIDITY_S:
        raise s.error("validity_s", f"expected an ul-SyncValidityDuration of TS 36.331 / "
                      f"38.331 ({', '.join(map(str, VALIDITY_S))} s), got {validity}")
    k_offset = s.data.get("k_offset", "auto")
    if k_offset != "auto":
        k_offset = s.number("k_offset", "milliseconds (or 'auto')", minimum=0,
                            maximum=K_OFFSET_MAX_MS, integer=True)
    return Cell(name, s.text("satellite", choices=satellites), gateway, payload,
                s.text("sib", "sib31-nb", SIB_KINDS), validity, k_offset,
                s.number("sib_period_s", "seconds", 5.12, 0.08, 3600),
                # n256 / band 256 (docs/reference.md 4): DL 2170-2200 MHz, UL 1980-2010 MHz.
                s.number("carrier_dl_hz", "hertz", 2185e6, 1e8, 1e11),
                s.number("carrier_ul_hz", "hertz", 1995e6, 1e8, 1e11), s.doc.where(s.path))


def _terminal(name: str, s: Section, satellites: dict, cells: dict) -> Terminal:
    s.only(("family", "position", "trajectory", "cell", "satellite", "identity", "port"))
    family = s.text("family", choices=FAMILIES)
    cell = s.text("cell", None, cells) if s.has("cell") else None
    satellite = s.text("satellite", None, satellites) if s.has("satellite") else None
    if family_group(family) == "nbntn" and cell is None:
        raise s.error(None, f"family {family} needs a 'cell' (one of: "
                      f"{', '.join(cells) or 'none defined'})")
    if family_group(family) != "nbntn" and satellite is None:
        raise s.error(None, f"family {family} needs a 'satellite' (one of: "
                      f"{', '.join(satellites)})")
    trajectory = _trajectory(s) if s.has("trajectory") else ()
    if not s.has("position") and not trajectory:
        raise s.error(None, "missing key 'position' (or a 'trajectory')")
    pos = position(s, "position") if s.has("position") else trajectory[0].position
    identity = {}
    if s.has("identity"):
        ident = s.sub("identity")
        identity = {k: ident.text(k) for k in ident.data}
    return Terminal(name, family, pos, trajectory, cell, satellite, identity,
                    s.text("port", None), s.doc.where(s.path))


UNIQUE_IDENTITY_KEYS = ("msisdn", "card_id", "imei", "imsi", "iccid")
"""Identity values no two terminals may share (a number, card or device names one)."""


def _check_unique_identities(named_terminals: list[tuple[str, Section]]) -> None:
    """ConfigError at the second terminal giving an identity value another already has (a
    terminal dialling or texting "the other" would reach itself)."""
    seen: dict[tuple[str, str], str] = {}
    for name, s in named_terminals:
        if not s.has("identity"):
            continue
        ident = s.sub("identity")
        for key in UNIQUE_IDENTITY_KEYS:
            if not ident.has(key):
                continue
            value = ident.text(key)
            if (key, value) in seen:
                raise ident.error(key, f"{value!r} is also terminals.{seen[key, value]}'s "
                                  f"{key}: each terminal needs its own")
            seen[key, value] = name


def _trajectory(s: Section) -> tuple[Waypoint, ...]:
    points, last_t = [], -1.0
    for i, _ in enumerate(s.sequence("trajectory")):
        p = Section(s.doc, (*s.path, "trajectory", i))
        p.only(("t_s", "position"))
        t = p.number("t_s", "seconds after the start", minimum=0.0,
                     maximum=MAX_SCENARIO_SPAN_S)
        if t <= last_t:
            raise p.error("t_s", f"impossible time: waypoints must go forward in time "
                          f"(previous t_s {last_t:g}, this {t:g})")
        points.append(Waypoint(t, position(p, "position")))
        last_t = t
    if not points:
        raise s.error("trajectory", "expected at least one waypoint")
    return tuple(points)


def _steps(top: Section, terminals: dict[str, Terminal]) -> tuple[Step, ...]:
    steps, last_at, waited = [], 0.0, 0.0
    raw_steps = top.sequence("steps")
    if len(raw_steps) > MAX_SCENARIO_STEPS:
        raise top.error("steps", f"{len(raw_steps)} steps, more than {MAX_SCENARIO_STEPS} "
                        f"(split the scenario)")
    for i, raw in enumerate(raw_steps):
        if not isinstance(raw, dict):
            raise top.doc.error(("steps", i), f"expected a mapping with 'terminal' and 'do', "
                                f"got {raw!r}")
        step = _step(i, Section(top.doc, ("steps", i)), terminals)
        if step.at_s is not None:
            if step.at_s < last_at:
                raise Section(top.doc, ("steps", i)).error(
                    "at_s", f"impossible time: steps run in order, and an earlier step is "
                    f"already due at {last_at:g} s (got {step.at_s:g} s)")
            last_at = step.at_s
        waited += step.params.get("duration_s", 0.0) if step.action == "wait" else 0.0
        if last_at + waited > MAX_SCENARIO_SPAN_S:
            raise Section(top.doc, ("steps", i)).error(
                None, f"the steps plan {last_at + waited:g} s of emulated time (waits and "
                f"at_s), more than {MAX_SCENARIO_SPAN_S:g} s")
        steps.append(step)
    if not steps:
        raise top.error("steps", "expected at least one step")
    return tuple(steps)


def _step(i: int, s: Section, terminals: dict[str, Terminal]) -> Step:
    action_name = s.text("do", choices=ACTIONS)
    action = ACTIONS[action_name]
    term = terminals[s.text("terminal", choices=terminals)]
    if family_group(term.family) not in action.groups:
        raise s.error("do", f"a {term.family} terminal cannot {action_name} (it is for "
                      f"{', '.join(action.groups)} terminals)")
    s.only(STEP_KEYS + tuple(action.params))
    params = {}
    for key, spec in action.params.items():
        if not s.has(key):
            if spec.required:
                raise s.error(None, f"{action_name} needs {key!r}")
            continue
        params[key] = _param(s, key, spec, term, terminals)
    timeout_s = s.number("timeout_s", "seconds", None, 0.0, MAX_SCENARIO_SPAN_S)
    if timeout_s == 0.0:
        raise s.error("timeout_s", "expected seconds above 0, got 0 (leave it out for the "
                                   "action's default)")
    if action_name == "wait" and timeout_s is not None and timeout_s < params["duration_s"]:
        raise s.error("timeout_s", f"{timeout_s:g} s bounds the wait below its duration_s "
                                   f"({params['duration_s']:g} s): the step could only fail; "
                                   f"shorten duration_s or leave timeout_s out")
    return Step(i, term.name, action_name, params,
                s.number("at_s", "seconds after the start", None, 0.0, MAX_SCENARIO_SPAN_S),
                timeout_s, _expectations(s, action_name), s.doc.where(s.path))


def _param(s: Section, key: str, spec, term: Terminal, terminals: dict[str, Terminal]):
    if spec.kind == "terminal":
        others = set(terminals) - {term.name}
        if not others:
            raise s.error(key, f"no other terminal to reach: {term.name} is the scenario's only "
                               f"one (add the peer under terminals)")
        peer = terminals[s.text(key, choices=others)]
        if family_group(peer.family) != family_group(term.family):
            raise s.error(key, f"{peer.name} is a {peer.family} terminal; {term.name} "
                          f"({term.family}) can only reach terminals of its own system")
        return peer.name
    if spec.kind == "position":
        return position(s, key)
    if spec.kind == "number":
        return s.number(key, spec.unit, minimum=spec.minimum, maximum=spec.maximum)
    return s.text(key)


def _expectations(s: Section, action_name: str) -> tuple[Expectation, ...]:
    if not s.has("expect"):
        return ()
    allowed = {**ACTIONS[action_name].expects, "succeeds": SUCCEEDS}
    e = s.sub("expect")
    e.only(allowed)
    out = []
    for name, kind in allowed.items():
        if not e.has(name):
            continue
        limit_s = MAX_SCENARIO_SPAN_S * (1e6 if kind.kind == "microseconds" else 1.0)
        value = e.flag(name) if kind.kind == "flag" else e.number(
            name, kind.kind, minimum=0.0, maximum=limit_s)
        out.append(Expectation(name, value, e.doc.where((*e.path, name))))
    return tuple(out)


__all__ = ["ConfigError", "load_scenario", "build_scenario", "default_scenario_path",
           "parse_clock", "position"]

"""Testbed files -> a validated :class:`Testbed`: which scenario terminal is on which port.

A port is ``virtual`` (a virtual module served in-process on a pty) or a pyserial URL or an
absolute path: ``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, a link to a tty (``ntnstack module
serve --link /tmp/ttyNTN0``), ``rfc2217://host:port``, ``socket://host:port``.
A port's ``power: COMMAND`` switches its module (``COMMAND off`` / ``COMMAND on``).
``labgrid: {places: [NAME | TAG=VALUE,...], coordinator: HOST:PORT, wait_s: S}`` names labgrid
places whose serial resources add ports at run time (ntnstack.rigs, docs/rigs.md).
``ran: {NAME: {kind, url, cells, options}}`` names base stations that follow the emulated
satellite during a run (ntnstack.scenario.ran, docs/live.md).
"""
from __future__ import annotations

import difflib

from pathlib import Path

from ntnstack.configs import VIRTUAL_TESTBED
from ntnstack.errors import InputError
from ntnstack.scenario.power_spec import parse_command
from ntnstack.scenario.labgrid_spec import LabgridSpec, parse_place
from ntnstack.scenario.fields import Section
from at_bridge.families import FAMILIES
from ntnstack.scenario.model import Port, Scenario, Testbed
from ntnstack.scenario.ran import parse_ran
from ntnstack.scenario.source import ConfigError, Doc, load_files

URL_PREFIXES = ("/", "rfc2217://", "socket://", "loop://", "spy://", "virtual")
TOP_KEYS = ("name", "description", "default", "hardware", "ports", "labgrid", "ran")
LABGRID_KEYS = ("places", "coordinator", "wait_s")
PORT_KEYS = ("url", "family", "baudrate", "options", "description", "power")


def default_testbed_path() -> Path:
    """The testbed with every terminal virtual, shipped inside the package
    (ntnstack/configs/testbeds/virtual.yaml)."""
    return VIRTUAL_TESTBED


def virtual_testbed() -> Testbed:
    """Every terminal a virtual module (used when no testbed file is available)."""
    return Testbed("virtual", (), "virtual", {})


def load_testbed(paths: list[str | Path]) -> Testbed:
    """Load, overlay (the last file wins) and validate testbed files."""
    return build_testbed(load_files(paths))


def build_testbed(doc: Doc) -> Testbed:
    top = Section(doc, ())
    top.only(TOP_KEYS)
    ports = {}
    if top.has("ports"):
        for name, s in top.items("ports"):
            ports[name] = _port(name, s)
    return Testbed(top.text("name", Path(doc.files[-1]).stem), doc.files,
                   top.text("default", "virtual", ("virtual", "none")), ports,
                   top.flag("hardware", any(not p.virtual for p in ports.values())),
                   _labgrid(top.sub("labgrid")) if top.has("labgrid") else None,
                   parse_ran(top) if top.has("ran") else ())


def _labgrid(s: Section) -> LabgridSpec:
    s.only(LABGRID_KEYS)
    places = []
    for i, text in enumerate(s.sequence("places")):
        try:
            places.append(parse_place(text, ""))
        except InputError as exc:
            raise s.doc.error((*s.path, "places", i), str(exc)) from None
    if not places:
        raise s.error("places", "expected at least one place name or TAG=VALUE")
    return LabgridSpec(tuple(places), s.text("coordinator", None),
                       s.number("wait_s", "s", 0.0, 0.0))


def _port(name: str, s: Section) -> Port:
    s.only(PORT_KEYS)
    url = s.text("url")
    if not url.startswith(URL_PREFIXES):
        raise s.error("url", f"expected 'virtual', an absolute device path (/dev/..., or a link to "
                      f"one such as module serve --link makes) or a pyserial URL "
                      f"(rfc2217://, socket://, loop://), got {url!r}")
    options = dict(s.sub("options").data) if s.has("options") else {}
    power = None
    if s.has("power"):
        try:
            power = parse_command(s.text("power"), "")
        except InputError as exc:
            raise s.error("power", str(exc)) from None
    return Port(name, url, s.text("family", None, FAMILIES) if s.has("family") else None,
                s.number("baudrate", "baud", 115200, 50, 4_000_000, integer=True), options,
                s.doc.where(s.path), power)


def check_against(testbed: Testbed, scenario: Scenario) -> dict[str, Port]:
    """The port of every scenario terminal; a terminal without a port, or on a port of another
    family, is an error naming both files, and so is a port whose name is not a terminal's
    but close to one that has no port (a misspelt terminal would run virtual)."""
    for name, port in testbed.ports.items():
        if name in scenario.terminals:
            continue
        free = [t for t in scenario.terminals if t not in testbed.ports]
        close = difflib.get_close_matches(name, free, n=1, cutoff=0.75)
        if close:
            raise ConfigError(port.mark, f"ports.{name}",
                              f"the scenario has no terminal {name!r}; did you mean "
                              f"{close[0]!r}? (that terminal would run without this port)")
    out = {}
    for term in scenario.terminals.values():
        if term.port:
            out[term.name] = Port(term.name, term.port, term.family, mark=term.mark)
            continue
        port = testbed.port_for(term.name)
        if port is None:
            raise ConfigError(term.mark, f"terminals.{term.name}",
                              f"testbed {testbed.name} ({', '.join(testbed.files)}) has no port "
                              f"for this terminal and its default is 'none'")
        if port.family and port.family != term.family:
            raise ConfigError(port.mark, f"ports.{term.name}.family",
                              f"the module on this port is {port.family}, but the scenario's "
                              f"terminal {term.name} is {term.family}")
        out[term.name] = port
    return out


def unused_ports(testbed: Testbed, scenario: Scenario) -> list[str]:
    """Warnings for the testbed's ports that no terminal of the scenario uses (a rig may have
    more modules than a scenario drives: those are not opened)."""
    return [f"{port.mark}: ports.{name} ({port.url}): the scenario has no terminal of this "
            f"name; the port is not used" for name, port in testbed.ports.items()
            if name not in scenario.terminals]

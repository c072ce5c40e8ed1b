"""The ``ran:`` section of a testbed: base stations that follow the emulated satellite while a
scenario runs (ntnstack.live.ran pushes the state into them; docs/live.md).

::

    ran:
      callbox:                       # a name of your choice (journal and report use it)
        kind: amarisoft              # Amarisoft Callbox Remote API (WebSocket + JSON)
        url: ws://192.0.2.10:9001    # the eNB / gNB com_addr
        cells: {geo-cell: 1}         # scenario cell -> the equipment's cell_id
        options: {restore_gain_db: 0, cut_gain_db: -200, reply_timeout_s: 10}
      gnb:
        kind: srsran                 # or oai: regenerate the config, run the restart hook
        cells: {leo-cell: 1}         # one cell per gNB
        options: {config: /tmp/gnb-ntn.yml, restart: [./restart-gnb.sh, "{config}"],
                  refresh_s: 300}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ntnstack.scenario.fields import Section
from ntnstack.scenario.source import ConfigError, Mark

KINDS = ("amarisoft", "srsran", "oai")
KEYS = ("kind", "url", "cells", "options", "description")
OPTIONS = {
    "amarisoft": ("restore_gain_db", "cut_gain_db", "ntn", "ephemeris", "reply_timeout_s"),
    "srsran": ("config", "restart", "refresh_s", "hook_timeout_s"),
    "oai": ("config", "restart", "refresh_s", "hook_timeout_s"),
}
"""The options each kind takes (units in the names; defaults in ntnstack.live.ran)."""
EPHEMERIS_FORMS = ("state-vectors", "orbital")
"""amarisoft ``ephemeris``: the form pushed (default: the one the cell's SIB carries)."""


@dataclass(frozen=True)
class RanEquipment:
    """One base station of the testbed: how to reach it and which scenario cells it carries
    (scenario cell -> the equipment's cell id)."""

    name: str
    kind: str
    url: str | None
    cells: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    mark: Mark | None = None


def parse_ran(top: Section) -> tuple[RanEquipment, ...]:
    """The testbed's ``ran:`` entries (ConfigError naming file, line and key)."""
    return tuple(_equipment(name, s) for name, s in top.items("ran"))


def _equipment(name: str, s: Section) -> RanEquipment:
    s.only(KEYS)
    kind = s.text("kind", choices=KINDS)
    url = s.text("url") if kind == "amarisoft" else s.text("url", None)
    if url is not None and kind == "amarisoft" and not url.startswith(("ws://", "wss://")):
        raise s.error("url", f"expected the Remote API address ws://HOST:PORT, got {url!r}")
    cells = s.sub("cells")
    if not cells.data:
        raise s.error("cells", "expected at least one scenario cell")
    if kind != "amarisoft" and len(cells.data) != 1:
        raise s.error("cells", f"a {kind} gNB carries one cell; got {len(cells.data)}")
    ids = {cell: (cells.number(cell, "cell id", minimum=0, integer=True)
                  if kind == "amarisoft" else cells.data[cell]) for cell in cells.data}
    if kind != "amarisoft" and not s.has("options"):
        raise s.error(None, f"a {kind} entry needs options: config and restart")
    options = s.sub("options") if s.has("options") else None
    if options is not None:
        options.only(OPTIONS[kind])
    return RanEquipment(name, kind, url, ids, _options(kind, options),
                        s.doc.where(s.path))


def _options(kind: str, s: Section | None) -> dict[str, Any]:
    """Validated options with their defaults (srsran / oai: ``s`` is never None)."""
    if kind == "amarisoft":
        if s is None:
            return {}
        out = {k: s.number(k, "dB", None, -200.0, 0.0) for k in ("restore_gain_db",
                                                                 "cut_gain_db")}
        out["ntn"] = s.flag("ntn", True)
        out["ephemeris"] = s.text("ephemeris", None, choices=EPHEMERIS_FORMS)
        out["reply_timeout_s"] = s.number("reply_timeout_s", "s", None, 0.1, 600.0)
        return {k: v for k, v in out.items() if v is not None}
    restart = s.sequence("restart")
    if not restart or not all(isinstance(a, (str, int, float)) for a in restart):
        raise s.error("restart", "expected a command as a list: [program, arg, ...]")
    return {"config": s.text("config"), "restart": [str(a) for a in restart],
            "refresh_s": s.number("refresh_s", "s", 300.0, 1.0, 86400.0),
            "hook_timeout_s": s.number("hook_timeout_s", "s", 60.0, 0.1, 3600.0)}


def check_ran(equipment: tuple[RanEquipment, ...], scenario) -> None:
    """Every mapped cell is a broadcasting cell of the scenario (ConfigError at the testbed
    entry, naming the cells there are)."""
    broadcasting = [n for n, c in scenario.cells.items() if c.sib != "none"]
    for eq in equipment:
        for cell in eq.cells:
            if cell not in broadcasting:
                raise ConfigError(eq.mark, f"ran.{eq.name}.cells.{cell}",
                                  f"not a broadcasting cell of scenario {scenario.name} "
                                  f"(cells: {', '.join(broadcasting) or 'none'})")

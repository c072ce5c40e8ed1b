"""A testbed's (or the command line's) labgrid section: what a run holds on a labgrid
coordinator: places by name or by tags, where the coordinator
is, and how long to wait for a held place."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ntnstack.errors import InputError

DEFAULT_COORDINATOR = "127.0.0.1:20408"  # labgrid-coordinator's default listen port
TAG_KEY = re.compile(r"[a-z][a-z0-9_]+\Z")  # labgrid.remote.common.TAG_KEY, anchored


@dataclass(frozen=True)
class PlaceRequest:
    """A place by ``name``, or any free place whose tags include ``tags``."""

    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name or ",".join(f"{k}={v}" for k, v in sorted(self.tags.items()))


@dataclass(frozen=True)
class LabgridSpec:
    """The places of a run; ``coordinator`` None: LG_COORDINATOR, else 127.0.0.1:20408;
    ``wait_s``: how long to wait for a held place (seconds of real time, 0: fail at once)."""

    places: tuple[PlaceRequest, ...]
    coordinator: str | None = None
    wait_s: float = 0.0

    @property
    def address(self) -> str:
        return self.coordinator or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR


def parse_place(text: str, where: str) -> PlaceRequest:
    """``rig-a`` or ``family=nbntn-nordic,rig=lab2`` -> PlaceRequest; ``where`` names the
    option in the error ("" for none)."""
    where = f"{where}: " if where else ""
    text = str(text).strip()
    if not text:
        raise InputError(f"{where}expected a place name or TAG=VALUE[,TAG=VALUE], got ''")
    if "=" not in text:
        return PlaceRequest(name=text)
    tags = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not TAG_KEY.match(key) or not value:
            raise InputError(f"{where}{item!r} is not TAG=VALUE (a tag is lower-case "
                             f"letters, digits and _, at least 2 characters)")
        tags[key] = value
    return PlaceRequest(tags=tags)


def spec_for(testbed_spec: LabgridSpec | None, places: list[str] | None,
             coordinator: str | None, wait_s: float | None, where: str) -> LabgridSpec | None:
    """The places of a run: those of the option (``where`` names it) over the testbed's;
    the coordinator and the wait of the options over the testbed's. None: no places."""
    base = testbed_spec or LabgridSpec(())
    requests = tuple(parse_place(p, where) for p in places) if places else base.places
    if not requests:
        if coordinator or wait_s is not None:
            raise InputError(f"{where}: the labgrid coordinator and wait need places "
                             f"({where} PLACE or labgrid.places in the testbed)")
        return None
    if wait_s is not None and wait_s < 0:
        raise InputError(f"{where}-wait: expected seconds >= 0, got {wait_s}")
    return LabgridSpec(requests, coordinator or base.coordinator,
                       base.wait_s if wait_s is None else wait_s)

"""Which scenario terminal is on which port of the held labgrid places.

A held place's ``NetworkSerialPort`` resources become testbed ports: a resource named after a
scenario terminal is that terminal's port; a place tagged ``family=F`` with one serial
resource left serves the first scenario terminal of family F that no resource names. A
place's ``NetworkPowerPort`` switches its modules: the one named ``<terminal>-power``, else
the place's only one.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.scenario.power_spec import PowerSpec
from ntnstack.scenario.model import Port, Testbed


@dataclass(frozen=True)
class HeldPlace:
    """A place this run holds: its tags, serial resources (name -> (url, speed)) and power
    resources (name -> NetworkPowerPort params: model, host, index)."""

    name: str
    tags: dict[str, str]
    serial: dict[str, tuple[str, int]]
    power: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def power_of(self, terminal: str) -> PowerSpec | None:
        """The switch of ``terminal``'s module: ``<terminal>-power``, else the only one."""
        name = f"{terminal}-power"
        if name not in self.power:
            if len(self.power) != 1:
                return None
            name = next(iter(self.power))
        return PowerSpec(place=self.name, resource=name, params=self.power[name])


def serial_url(params: dict) -> str:
    """A labgrid NetworkSerialPort's params (host, port, protocol) -> a pyserial URL.
    ``ign_set_control``: ptys and many USB CDC ports have no modem-control lines, so ser2net
    never answers RFC 2217 SET-CONTROL for them (docs/rigs.md)."""
    host, port = params.get("host"), params.get("port")
    if not host or not port:
        raise InputError(f"labgrid serial resource without host and port: {params}")
    if params.get("protocol", "rfc2217") == "raw":
        return f"socket://{host}:{port}"
    return f"rfc2217://{host}:{port}?ign_set_control"


def ports_on_places(held: list[HeldPlace], terminals: dict[str, str] | None
                    ) -> dict[str, Port]:
    """Scenario terminals (name -> family) -> their ports on the held places: by resource
    name first, then by the place's ``family`` tag (one free serial resource). Without
    ``terminals`` (no scenario yet) every serial resource is a port under its own name."""
    out: dict[str, Port] = {}
    spare: list[tuple[HeldPlace, str]] = []
    for place in held:
        family = place.tags.get("family")
        for name, (url, speed) in sorted(place.serial.items()):
            if terminals is not None and name not in terminals:
                spare.append((place, name))
                continue
            if name in out:
                raise InputError(f"terminal {name} is on two held places: {out[name].url} and "
                                 f"{place.name}/{name}")
            out[name] = Port(name, url, family, speed, {"labgrid_place": place.name},
                             power=place.power_of(name))
    for place, name in spare:
        family = place.tags.get("family")
        if family is None or sum(p is place for p, _ in spare) != 1:
            continue
        free = [t for t, f in terminals.items() if f == family and t not in out]
        if free:
            url, speed = place.serial[name]
            out[free[0]] = Port(free[0], url, family, speed, {"labgrid_place": place.name},
                                power=place.power_of(free[0]))
    return out


def overlay(testbed: Testbed, held: list[HeldPlace], terminals: dict[str, str] | None
            ) -> Testbed:
    """The testbed with the held places' ports over its own (hardware when any is held)."""
    ports = {**testbed.ports, **ports_on_places(held, terminals)}
    names = "+".join(p.name for p in held)
    return dataclasses.replace(testbed, name=f"{testbed.name}@{names}" if names else
                               testbed.name, ports=ports,
                               hardware=testbed.hardware or any(p.serial for p in held))

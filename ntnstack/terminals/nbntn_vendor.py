"""Vendor extensions of the NB-IoT NTN families (docs/reference.md 5, docs/rigs.md).

:mod:`nbntn_vendors` gives a module the vendor its family table names (``location``:
``ntnloc`` generic, ``nordic``, ``murata``, ``quectel``, ``sierra``; each in its own module);
its socket dialect (``sockets``) is a class of :mod:`nbntn_sockets`. The vendor's configuration
commands with fixed value lists are data (families.yaml ``commands``, served by
:mod:`vendor_commands`); the vendor classes add the commands with behaviour and react to the
module's events: ``search_started``, ``location_needed`` (the module asks the host for a
position, each vendor its own way), ``cell_found``, ``registered``.

The generic family's +NTNLOC and its +NTNLOCREQ request (sent after AT+NTNLOCREQ=1, as
Nordic's %LOCATION=1 subscribes) are ntnstack's own: no TS 27.007 command carries the UE
position.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Reply
from ntnstack.terminals.vendor_commands import BAD_PARAMETER, Param

LATITUDE = Param("real:-90:90")
LONGITUDE = Param("real:-180:180")
ALTITUDE = Param("real:-1000:10000")
"""UE position parameters: degrees WGS-84, metres above the ellipsoid (the range is ours)."""
REQUESTED_ACCURACY_M = 100
"""Accuracy (m) a module asks for in its position request (the nRF91 NTN %LOCATION: <acc>
form; the value is (check) against a module log)."""


def position(values: list[str]) -> tuple[float, float, float]:
    """``[lat, lon, alt]`` as the host wrote them -> floats; CmeError(50) out of range."""
    if len(values) < 3:
        raise CmeError(BAD_PARAMETER)
    for p, v in zip((LATITUDE, LONGITUDE, ALTITUDE), values, strict=False):
        p.check(v)
    return float(values[0]), float(values[1]), float(values[2])


def binary(cmd: Command, index: int = 0) -> int:
    """A 0/1 parameter; CmeError(50) otherwise."""
    value = cmd.int_param(index)
    if value not in (0, 1):
        raise CmeError(BAD_PARAMETER)
    return value


class Vendor:
    """What every NB-IoT NTN module does; subclasses are the vendors."""

    keeps_pdp_contexts = False
    """True: +CGDCONT contexts are in NVM and survive a reboot."""

    def __init__(self, m) -> None:
        self.m = m

    def reset(self) -> None:
        """State after a boot (commands' values are reset by VendorSettings)."""
        self.gnss_on = False

    def start_gnss(self) -> None:
        """The internal GNSS on: a fix of the true position after the TTFF (emulated s)."""
        self.gnss_on = True
        self.m.later(self.m.timing.gnss_ttff_s, self._gnss_fixed)

    def _gnss_fixed(self) -> None:
        if self.gnss_on:
            self.gnss_fix(self.m.ue_position)

    def gnss_fix(self, pos: tuple[float, float, float]) -> None:
        """The GNSS has a fix: the module's position (vendors add their report)."""
        self.m.location_known(*pos)

    def event(self, what: str) -> None:
        """search_started | location_needed | cell_found | registered."""

    def setting(self, name: str, key: str | None, values: tuple[str, ...]) -> None:
        """A data command is about to take ``values``; raise CmeError to refuse them."""

    def ntn_selected(self) -> bool:
        """Whether the module's radio settings let it camp on the NTN NB-IoT cell."""
        return True

    def set_cfun(self, fun: int) -> bool:
        """A vendor CFUN mode (Nordic 45 / 46): True when handled here."""
        return False

    def setting_value(self, name: str, key: str | None = None, index: int = 0) -> str:
        """One stored value of a data command, quotes removed."""
        return self.m.vendor_settings.get(name, key)[index].strip('"')


class Generic(Vendor):
    """ntnstack's +NTNLOC="lat","lon","alt",acc; +NTNLOCREQ: <acc> asks for it (after
    AT+NTNLOCREQ=1)."""

    def __init__(self, m) -> None:
        super().__init__(m)
        m.on("+NTNLOC", self.ntnloc)
        m.on("+NTNLOCREQ", self.ntnlocreq)

    def reset(self) -> None:
        super().reset()
        self.subscribed = False

    def ntnlocreq(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+NTNLOCREQ: (0,1)"])
        if cmd.kind == "read":
            return Reply([f"+NTNLOCREQ: {int(self.subscribed)}"])
        self.subscribed = binary(cmd) == 1
        return Reply()

    def ntnloc(self, ch, cmd: Command) -> Reply:
        m = self.m
        if cmd.kind == "read":
            if m.location is None:
                return Reply(["+NTNLOC: 0"])
            return Reply(['+NTNLOC: 1,"{:.6f}","{:.6f}","{:.1f}"'.format(*m.location)])
        if cmd.kind == "test":
            return Reply(['+NTNLOC: ("-90-90"),("-180-180"),("-1000-10000"),(0-100000)'])
        if cmd.kind != "set":
            raise CmeError(BAD_PARAMETER)
        m.location_known(*position(cmd.params()))
        return Reply()

    def event(self, what: str) -> None:
        if what == "location_needed" and self.subscribed:
            self.m.urc(f"+NTNLOCREQ: {REQUESTED_ACCURACY_M}")


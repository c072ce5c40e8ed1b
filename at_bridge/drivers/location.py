"""The UE position for a module: given once (``set_location``) and again whenever the module
asks for it.

NB-IoT NTN modules need the UE position for their timing advance and Doppler
pre-compensation and ask the host for it, each family its own way (the dialect's
``location.requests``: Nordic ``%LOCATION: <accuracy>``, Murata ``%NTNEV: "POSREQ"``,
Sierra ``+KNTNEV: "POSREQ"``, ntnstack's generic ``+NTNLOCREQ``). Whenever the driver waits
for a URC it first answers the requests that arrived, with the dialect's ``location.answer``
procedure and the newest position: the ``source`` callable when one is set (the emulated UE
position of a run), else the last position given to ``set_location``. A module that rebooted
to take the position (Quectel's ntn_locfix applies after a reset) is configured again with
the driver's power_on. A longitude is sent in -180..180 degrees (the commands' range), whatever
turn it was given in (200 is sent as -160).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from at_bridge.errors import Timeout

log = logging.getLogger(__name__)

ANSWER_SLICE_S = 1.0
"""A wait is cut into slices this long (time-base seconds); between them the driver answers
the requests that arrived, so a request waits at most this long for its answer."""
DEFAULT_ACCURACY_M = 10.0


class LocationKeeper:
    """The position of one driver's module and its answers to the module's requests."""

    def __init__(self, driver) -> None:
        self.driver = driver
        config = driver.dialect.location
        self.requests: tuple[str, ...] = config.requests if config else ()
        self.answer_procedure = config.answer if config else "set_location"
        self.given: tuple[float, float, float, float] | None = None
        self.source: Callable[[], tuple[float, float, float]] | None = None
        """Where the UE is now (lat deg, lon deg, alt m); set by a run that knows it."""
        self._answering = False

    def give(self, lat_deg: float, lon_deg: float, alt_m: float,
             accuracy_m: float = DEFAULT_ACCURACY_M) -> dict[str, Any]:
        """Give the module this position now (the driver's set_location)."""
        self.given = (lat_deg, lon_deg, alt_m, accuracy_m)
        return self._run(self.given)

    def now(self) -> tuple[float, float, float, float] | None:
        """The position to answer with: the source's, else the last one given."""
        if self.source is not None:
            accuracy = self.given[3] if self.given else DEFAULT_ACCURACY_M
            return (*self.source(), accuracy)
        return self.given

    def _run(self, pos: tuple[float, float, float, float]) -> dict[str, Any]:
        d = self.driver
        lon = math.remainder(pos[1], 360.0)   # TS 27.007 and the vendors take -180..180
        fields = {"lat": f"{pos[0]:.6f}", "lon": f"{lon:.6f}", "alt_m": f"{pos[2]:.1f}",
                  "accuracy_m": f"{pos[3]:.0f}"}
        reboots = d.reboots
        self._answering = True
        try:
            result = d.run(self.answer_procedure, fields)
            if d.reboots != reboots:
                d.power_on()
        finally:
            self._answering = False
        return result

    def answer_pending(self) -> int:
        """Answer every request queued so far (one answer for several); how many there were."""
        if not self.requests or self._answering:
            return 0
        urcs, asked = self.driver.engine_for("control").urcs, 0
        while True:
            try:
                urcs.get(self.requests, 0.0)
            except Timeout:
                break
            asked += 1
        pos = self.now()
        if asked and pos is None:
            log.warning("%s: the module asked for its position %d time(s); none known yet "
                        "(set_location)", self.driver.family, asked)
        elif asked:
            self._run(pos)
        return asked

    def wait(self, inner: Callable, step, timeout_s: float | None, since: int | None):
        """``inner(step, timeout_s, since)`` (the runner's URC wait), answering the module's
        position requests while it lasts."""
        if not self.requests or self._answering:
            return inner(step, timeout_s, since)
        limit = step.timeout_s if timeout_s is None else timeout_s
        timebase = self.driver.engine_for(step.channel).timebase
        deadline = timebase.now() + limit
        while True:
            self.answer_pending()
            left = deadline - timebase.now()
            try:
                return inner(step, max(0.0, min(ANSWER_SLICE_S, left)), since)
            except Timeout:
                if left <= ANSWER_SLICE_S:
                    raise Timeout(f"{self.driver.family}: waiting for {step.target}: no URC "
                                  f"within {limit:g} s") from None

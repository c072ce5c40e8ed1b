"""Hold labgrid places for a run: acquire (by name, or any free place through a reservation
by tags), read their serial resources, release also on failure, Ctrl-C or SIGTERM.

labgrid (the ``labgrid`` extra) is imported here only, when a run names places. Waiting for a
held place is in real seconds: it happens before the run's clock exists.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterator

from ntnstack.errors import InputError
from ntnstack.rigs.places import HeldPlace, serial_url
from ntnstack.scenario.labgrid_spec import LabgridSpec, PlaceRequest

POLL_S = 0.2  # how often a waiting run looks at the coordinator again (real seconds)


class PlaceHeldError(InputError):
    """A place (or every place with the tags) is held by someone else (exit status 2)."""


def _labgrid():
    try:
        from labgrid.remote import client, common
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
    except ImportError as exc:
        raise InputError("labgrid places need labgrid: pip install 'ntnstack[labgrid]' "
                         f"({exc})") from None
    return client, common, pb2


class _DropRefused(logging.Filter):
    """Drops labgrid's own "coordinator is unavailable" record (logged on the root logger,
    whatever handlers the program has); the InputError that follows names the problem."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("coordinator is unavailable")


def _own_loop() -> asyncio.AbstractEventLoop:
    """A new event loop, current in this thread, for one coordinator session: grpc.aio binds
    its channel to the thread's current loop while labgrid runs the session on the loop it
    stashed, and in a process that ran other asyncio code before (the pytest plugin, a test
    session) those differ ("attached to a different loop")."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def _end_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a session's loop (labgrid ignores a closed stashed loop next time)."""
    loop.close()
    asyncio.set_event_loop(None)


class Coordinator:
    """A labgrid client session on the coordinator at ``address`` (HOST:PORT)."""

    def __init__(self, address: str):
        client, self.common, self.pb2 = _labgrid()
        self.address = address
        quiet = _DropRefused()   # labgrid logs a refused connection itself; we say it once
        logging.root.addFilter(quiet)
        loop = _own_loop()
        try:
            self.session = client.start_session(address, loop=loop)
        except client.Error as exc:
            _end_loop(loop)
            reason = exc.args[0] if exc.args else type(exc).__name__
            raise InputError(f"labgrid coordinator {address}: {reason}") from None
        finally:
            logging.root.removeFilter(quiet)
        self.me = f"{self.session.gethostname()}/{self.session.getuser()}"

    def run(self, coro):
        return self.session.loop.run_until_complete(coro)

    def close(self) -> None:
        try:
            self.run(self.session.stop())
            self.run(self.session.close())
        finally:
            _end_loop(self.session.loop)

    async def _call(self, method: str, request):
        import grpc

        try:
            return await getattr(self.session.stub, method)(request)
        except grpc.aio.AioRpcError as exc:
            return exc

    def place(self, name: str):
        places = self.session.places
        if name not in places:
            raise InputError(f"labgrid place {name!r} does not exist on {self.address} "
                             f"(places: {', '.join(sorted(places)) or 'none'})")
        return places[name]

    def holder(self, place) -> str:
        who = "you (an earlier run that did not release it?)" if place.acquired == self.me \
            else place.acquired
        return f"{place.name} is held by {who}"

    async def acquire(self, name: str, deadline: float, token: str | None = None) -> None:
        """Acquire the place ``name``, waiting until ``deadline`` (time.monotonic) while
        someone else holds it or it is reserved for another than ``token``."""
        while True:
            place = self.place(name)
            if not place.acquired and place.reservation in (None, "", token):
                error = await self._call("AcquirePlace",
                                         self.pb2.AcquirePlaceRequest(placename=name))
                await self.session.sync_with_coordinator()
                if not isinstance(error, Exception):
                    return
                if "already acquired" not in error.details():
                    raise InputError(f"labgrid place {name}: {error.details()}")
            if time.monotonic() >= deadline:
                raise PlaceHeldError(f"labgrid place {self.holder(self.place(name))}"
                                     if self.place(name).acquired else
                                     f"labgrid place {name} is reserved for someone else")
            await asyncio.sleep(POLL_S)

    async def reserve(self, tags: dict[str, str], deadline: float) -> tuple[str, str]:
        """Any free place with ``tags`` through a reservation -> (place name, token)."""
        kind = [p for p in self.session.places.values()
                if all(p.tags.get(k) == v for k, v in tags.items())]
        label = ",".join(f"{k}={v}" for k, v in sorted(tags.items()))
        if not kind:
            raise InputError(f"no labgrid place on {self.address} has the tags {label}")
        request = self.pb2.CreateReservationRequest(
            filters={"main": self.pb2.Reservation.Filter(filter=tags)}, prio=0.0)
        answer = await self._call("CreateReservation", request)
        if isinstance(answer, Exception):
            raise InputError(f"labgrid reservation {label}: {answer.details()}")
        token = answer.reservation.token
        while True:
            poll = await self._call("PollReservation",
                                    self.pb2.PollReservationRequest(token=token))
            if isinstance(poll, Exception):
                raise InputError(f"labgrid reservation {label}: {poll.details()}")
            res = self.common.Reservation.from_pb2(poll.reservation)
            if res.state.name == "allocated":
                return res.allocations["main"][0], token
            if res.state.name != "waiting" or time.monotonic() >= deadline:
                await self.cancel(token)
                held = "; ".join(self.holder(p) for p in kind if p.acquired) or "reserved"
                raise PlaceHeldError(f"no free labgrid place with {label}: {held}")
            await asyncio.sleep(POLL_S)

    async def cancel(self, token: str) -> None:
        await self._call("CancelReservation", self.pb2.CancelReservationRequest(token=token))

    async def release(self, name: str) -> None:
        """Release ``name`` if this user holds it (never someone else's)."""
        await self._call("ReleasePlace",
                         self.pb2.ReleasePlaceRequest(placename=name, fromuser=self.me))
        await self.session.sync_with_coordinator()

    def held(self, name: str) -> HeldPlace:
        """The acquired place's tags, NetworkSerialPort and NetworkPowerPort resources."""
        place = self.place(name)
        serial, power = {}, {}
        for (res_name, cls), entry in self.session.get_target_resources(place).items():
            if cls not in ("NetworkSerialPort", "NetworkPowerPort"):
                continue
            if not entry.avail:
                raise InputError(f"labgrid place {name}: resource {res_name} is not available "
                                 f"(its exporter is gone?)")
            if cls == "NetworkPowerPort":
                power[res_name] = {k: str(v) for k, v in entry.params.items()
                                   if k in ("model", "host", "index")}
                continue
            serial[res_name] = (serial_url(entry.params), int(entry.params.get("speed", 115200)))
        return HeldPlace(name, dict(place.tags), serial, power)


@contextlib.contextmanager
def hold(spec: LabgridSpec) -> Iterator[list[HeldPlace]]:
    """Hold every place of ``spec`` for the ``with`` block; release them after it, also on
    an exception, Ctrl-C or SIGTERM (turned into KeyboardInterrupt meanwhile)."""
    names: list[str] = []
    tokens: list[str] = []
    with _sigterm_interrupts():
        try:
            coordinator = Coordinator(spec.address)
            try:
                held = [_take(coordinator, request, spec.wait_s, names, tokens)
                        for request in spec.places]
            finally:
                coordinator.close()
            yield held
        finally:
            if names or tokens:
                _give_back(spec.address, names, tokens)


def _take(coordinator: Coordinator, request: PlaceRequest, wait_s: float, names: list[str],
          tokens: list[str]) -> HeldPlace:
    deadline = time.monotonic() + wait_s
    name, token = request.name, None
    if name is None:
        name, token = coordinator.run(coordinator.reserve(request.tags, deadline))
        tokens.append(token)
    coordinator.run(coordinator.acquire(name, deadline, token))
    names.append(name)
    return coordinator.held(name)


def _give_back(address: str, names: list[str], tokens: list[str]) -> None:
    coordinator = Coordinator(address)
    try:
        for name in names:
            coordinator.run(coordinator.release(name))
        for token in tokens:
            coordinator.run(coordinator.cancel(token))
    finally:
        coordinator.close()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread, so the places are released."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

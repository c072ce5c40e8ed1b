"""Benchmark: ``ntnstack live`` state messages for 100 cells, fanned out to 100 subscribers.

100 NB-IoT cells on 100 GEO satellites (86.0 E to 145.4 E, all in view of the terminal in
Beijing), each cell with one terminal, over 30 emulated seconds: every SIB update is a
message (SIB31-NB built and UPER-encoded from the orbit, the terminal's link values).
Baseline: building the same SIBs alone (``build_sib``, the floor of a message). Against it:
the messages computed (``LiveCells.updates``), the messages with the ``ntn`` tree the
Amarisoft adapter pushes for each (ntnstack.live.ran.amarisoft: the export's snapshot, a
second SIB build), and the same messages served end to end by
``LiveServer`` to 100 local websockets subscribers of every cell, server and clients in one
event loop pinned to one core, on a clock that jumps to each change instead of waiting (the
CPU cost of serving, not the span; the process CPU time of the changes alone, after 100 x 100
first messages, is in the notes). A second pair: one message sent to 100 local WebSocket
subscribers with ``websockets.broadcast`` against serialising it 100 times.
items = messages (first group) or deliveries (second group) per call.
"""
import asyncio
import json
import os
from time import process_time

import pytest
import websockets
import yaml

from ntnstack.clock import Clock
from ntnstack.live import LiveCells
from ntnstack.live.server import SERVE_OPTIONS, LiveServer
from ntnstack.rrc.builders import build_sib
from ntnstack.scenario.load import load_scenario

CELLS = 100
SPAN_S = 30.0


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    doc = {"name": "hundred-cells", "start": "2026-03-01T00:00:00Z",
           "satellites": {f"sat{i}": {"orbit": f"geo:{86.0 + 0.6 * i:.1f}"}
                          for i in range(CELLS)},
           "cells": {f"cell{i}": {"satellite": f"sat{i}", "payload": "regenerative",
                                  "sib": "sib31-nb", "validity_s": 10, "k_offset": "auto"}
                     for i in range(CELLS)},
           "terminals": {f"ue{i}": {"family": "nbntn-generic", "cell": f"cell{i}",
                                    "position": [39.9, 116.4, 50]} for i in range(CELLS)},
           "steps": [{"terminal": "ue0", "do": "power_on"}]}
    path = tmp_path_factory.mktemp("live") / "hundred.yaml"
    path.write_text(yaml.safe_dump(doc))
    cells = LiveCells(load_scenario([path]))
    cells.message("cell0", cells.scenario.start_unix_s)    # imports, ASN.1 compilation
    return cells


def _every_sib(live):
    start = live.scenario.start_unix_s
    return [build_sib(live.world.sources[live.scenario.cells[c].satellite], live._config[c], t)
            for t, c, reason in live.events(start, start + SPAN_S) if reason == "sib-update"]


@pytest.mark.benchmark(group="live: 100 cells, 30 s of SIB updates")
def test_bench_sib_builds_alone(benchmark, live):
    benchmark.extra_info["baseline"] = True
    built = benchmark.pedantic(_every_sib, (live,), rounds=2, iterations=1)
    benchmark.extra_info["items"] = len(built)
    assert len(built) >= CELLS * 5       # an update every 5.12 s per cell: 6 in 30 s


@pytest.mark.benchmark(group="live: 100 cells, 30 s of SIB updates")
def test_bench_state_messages(benchmark, live):
    start = live.scenario.start_unix_s
    messages = benchmark.pedantic(lambda: list(live.updates(start, start + SPAN_S)),
                                  rounds=2, iterations=1)
    benchmark.extra_info["items"] = len(messages)
    assert len(messages) == len(list(live.events(start, start + SPAN_S)))   # all in view


@pytest.fixture(scope="module")
def amarisoft(live):
    """The Amarisoft adapter of every cell (not connected: ``ntn_parameters`` needs none)."""
    from ntnstack.live.ran.amarisoft import AmarisoftAdapter
    from ntnstack.scenario.ran import RanEquipment

    ids = {cell: i for i, cell in enumerate(live.names)}
    return AmarisoftAdapter(RanEquipment("callbox", "amarisoft", "ws://127.0.0.1:9", ids),
                            live.scenario)


@pytest.mark.benchmark(group="live: 100 cells, 30 s of SIB updates")
def test_bench_state_messages_and_amarisoft_ntn(benchmark, live, amarisoft):
    """The messages and, for each, the ``ntn`` tree the adapter pushes (the export's
    snapshot: a second SIB build at the same send time)."""
    start = live.scenario.start_unix_s

    def both():
        return [amarisoft.ntn_parameters(m) for m in live.updates(start, start + SPAN_S)]

    trees = benchmark.pedantic(both, rounds=2, iterations=1)
    benchmark.extra_info["items"] = len(trees)
    assert len(trees) >= CELLS * 5 and all("ephemeris" in t["ntn"] for t in trees)


SUBSCRIBERS = 100


class _JumpingTime:
    """A monotonic time source that the server's waits move forward at once."""

    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def _serve_everyone(live, start: float, span_s: float
                          ) -> tuple[int, LiveServer, float]:
    """LiveServer over [start, start + span_s] to SUBSCRIBERS clients; deliveries, server,
    and the CPU seconds of publishing the changes (the first messages already delivered)."""
    time = _JumpingTime()
    server = LiveServer(live, Clock("scaled", 1.0, start, monotonic=time), start + span_s)

    async def jump(t_unix_s):
        time.t = max(time.t, t_unix_s - start)
        await asyncio.sleep(0)

    server._wait_until = jump
    received = [0] * SUBSCRIBERS
    firsts = asyncio.Semaphore(0)

    async def client(i, port):
        async with websockets.connect(f"ws://127.0.0.1:{port}", open_timeout=600) as ws:
            try:
                async for _ in ws:
                    received[i] += 1
                    if received[i] == len(live.names):
                        firsts.release()
            except websockets.ConnectionClosed:
                pass

    async with websockets.serve(server.handle, "127.0.0.1", 0, **SERVE_OPTIONS) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        tasks = [asyncio.create_task(client(i, port)) for i in range(SUBSCRIBERS)]
        for _ in range(SUBSCRIBERS):    # everyone has its first messages: all subscribed
            await firsts.acquire()
        cpu0 = process_time()
        await server.publish()          # every change, then the outboxes drained
        publish_cpu_s = process_time() - cpu0
    await asyncio.gather(*tasks)
    server.close()
    return sum(received), server, publish_cpu_s


def _on_one_core(fn):
    """``fn()`` with this process pinned to one CPU (its own, then the former set again)."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        return fn()
    finally:
        os.sched_setaffinity(0, cpus)


@pytest.mark.benchmark(group="live: 100 cells, 30 s of SIB updates")
def test_bench_served_to_hundred_subscribers(benchmark, live):
    start = live.scenario.start_unix_s
    changes = len(list(live.events(start, start + SPAN_S)))
    delivered, server, publish_cpu_s = benchmark.pedantic(
        lambda: _on_one_core(lambda: asyncio.run(_serve_everyone(live, start, SPAN_S))),
        rounds=2, iterations=1)
    benchmark.extra_info["items"] = changes
    benchmark.extra_info["deliveries"] = delivered
    # steady state: the changes alone, each computed once and sent to every subscriber
    benchmark.extra_info["changes_per_cpu_s_after_connect"] = round(changes / publish_cpu_s)
    assert server.skipped == 0 and server.dropped == 0
    # each subscriber: the first message of every cell, then every change
    assert delivered == SUBSCRIBERS * (CELLS + changes)


async def _fan_out(text: str, subscribers: int, rounds: int, use_broadcast: bool) -> int:
    received = 0
    done = asyncio.Event()

    async def client(port):
        nonlocal received
        async with websockets.connect(f"ws://127.0.0.1:{port}", open_timeout=120) as ws:
            async for _ in ws:
                received += 1
                if received == subscribers * rounds:
                    done.set()

    connected = []

    async def handler(ws):
        connected.append(ws)
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        tasks = [asyncio.create_task(client(port)) for _ in range(subscribers)]
        while len(connected) < subscribers:
            await asyncio.sleep(0.01)
        for _ in range(rounds):
            if use_broadcast:
                websockets.broadcast(connected, text)
            else:
                for ws in connected:
                    await ws.send(json.dumps(json.loads(text)))
        await asyncio.wait_for(done.wait(), 600)
        for task in tasks:
            task.cancel()
    return received


@pytest.mark.parametrize("use_broadcast", [False, True], ids=["send-each", "broadcast"])
@pytest.mark.benchmark(group="live: one message to 100 subscribers, x50")
def test_bench_fan_out(benchmark, live, use_broadcast):
    text = json.dumps(live.message("cell0", live.scenario.start_unix_s))
    benchmark.extra_info["baseline"] = not use_broadcast
    benchmark.extra_info["items"] = 100 * 50
    got = benchmark.pedantic(lambda: asyncio.run(_fan_out(text, 100, 50, use_broadcast)),
                             rounds=2, iterations=1)
    assert got == 100 * 50

"""Benchmark: the AT engine's round trip per command over a pty, against raw pyserial.

Group "at-roundtrip": both cases send ``AT<CR>`` and wait for ``<CR><LF>OK<CR><LF>`` from a
tiny responder thread on the pty master, ``ROUND_TRIPS`` times per call. The baseline is
pyserial's write + readline on the slave; the engine case goes through the Transport reader
thread, line splitting, URC routing and the pending-command event. Target: engine / baseline
at most 1.5 (issue 4).
"""
from __future__ import annotations

import os
import select
import threading
import tty

import pytest
import serial

from at_bridge.at_engine import AtEngine
from at_bridge.transport import Transport

ROUND_TRIPS = 20


class OkResponder:
    """Answers every CR-terminated line on the pty master with CR LF OK CR LF."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                data = os.read(self.master, 1024)
                os.write(self.master, b"\r\nOK\r\n" * data.count(b"\r"))

    def close(self) -> None:
        self._stop = True
        self._thread.join(1)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def responder():
    r = OkResponder()
    yield r
    r.close()


@pytest.mark.bench
@pytest.mark.benchmark(group="at-roundtrip")
def test_bench_raw_pyserial_write_readline(benchmark, responder):
    port = serial.Serial(responder.path, timeout=1.0)

    def exchange():
        for _ in range(ROUND_TRIPS):
            port.write(b"AT\r")
            while port.readline() != b"OK\r\n":
                pass

    benchmark.extra_info["baseline"] = True
    benchmark.extra_info["items"] = ROUND_TRIPS
    benchmark(exchange)
    port.close()


@pytest.mark.bench
@pytest.mark.benchmark(group="at-roundtrip")
def test_bench_engine_command(benchmark, responder):
    transport = Transport(responder.path)
    engine = AtEngine(transport)

    def exchange():
        for _ in range(ROUND_TRIPS):
            engine.command("AT", timeout_s=1.0)

    benchmark.extra_info["items"] = ROUND_TRIPS
    benchmark(exchange)
    assert engine.stats["urcs"] == 0
    transport.close()

"""``ntnstack channel --scenario FILE --terminal NAME``: IQ samples through the link the
run's world gives a scenario terminal, checked against the live state of its cell with numpy's
FFT (Doppler) and the first sample out (delay); ``--live`` starts at the service's time."""
import json
import signal
import subprocess

import numpy as np
import zmq

from ntnstack.clock import Clock, format_iso8601, parse_iso8601
from ntnstack.live import LiveCells
from ntnstack.live.service import LiveService
from ntnstack.runner.world import World
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.bridge.test_rfc2217 import free_port
from tests.iq.test_zmq_relay import MESSAGES, PER_MESSAGE, TxPeer, rx_peer
from tests.iq.test_zmq_relay import RATE_HZ as RELAY_RATE_HZ
from tests.iq.signals import complex_noise
from tests.live.clients import CLI, ThreadedServer

RATE_HZ = 1e6
SAMPLES = 200_000                      # 0.2 s
TAPS = 16                              # NTN_IQ_TAPS (csrc/include/ntn_phy.h): the interpolator
                                       # spreads a step this many samples (half either side)
FFT_BIN_HZ = RATE_HZ / (SAMPLES // 2)  # 10 Hz over the last 0.1 s
DOPPLER_RATE_HZ = 60.0                 # LEO-600 near culmination: < 600 Hz/s x 0.1 s window
SCENARIO = load_scenario([default_scenario_path()])
IN_PASS_S = 400.0   # nb-leo's first pass: 335.5 s to 867.2 s after the start (ntnstack passes)


def _through_channel(tmp_path, *extra) -> np.ndarray:
    np.ones(SAMPLES, dtype=np.complex64).tofile(tmp_path / "in.cf32")   # a carrier at 0 Hz
    subprocess.run([*CLI, "channel", "--in", str(tmp_path / "in.cf32"), "--out",
                    str(tmp_path / "out.cf32"), "--rate", str(RATE_HZ), "--scenario",
                    str(default_scenario_path()), "--terminal", "nb-leo", *extra],
                   check=True, capture_output=True)
    return np.fromfile(tmp_path / "out.cf32", dtype=np.complex64)


def test_samples_carry_the_live_state_delay_and_doppler(tmp_path):
    t0 = SCENARIO.start_unix_s + IN_PASS_S
    out = _through_channel(tmp_path, "--start", format_iso8601(t0))
    live = LiveCells(SCENARIO, ["leo-cell"])
    (at_start,) = live.message("leo-cell", t0)["terminals"]
    (mid_window,) = live.message("leo-cell", t0 + 0.15)["terminals"]
    first = int(np.flatnonzero(np.abs(out) > 1e-3)[0])
    assert abs(first - at_start["delay_s"] * RATE_HZ) <= TAPS / 2
    window = out[SAMPLES // 2:]
    freqs = np.fft.fftfreq(window.size, 1 / RATE_HZ)
    peak_hz = freqs[np.argmax(np.abs(np.fft.fft(window)))]
    assert abs(peak_hz - mid_window["doppler_dl_hz"]) <= FFT_BIN_HZ + DOPPLER_RATE_HZ
    assert abs(mid_window["doppler_dl_hz"]) > 1_000    # a LEO pass: kHz of Doppler


def test_live_start_is_the_service_time(tmp_path):
    t0 = SCENARIO.start_unix_s + IN_PASS_S
    service = LiveService(SCENARIO, "127.0.0.1", 0)
    service.prepare(World(SCENARIO))
    clock = Clock("realtime", start_unix_s=t0)
    service.start(clock)
    try:
        out = _through_channel(tmp_path, "--live", f"ws://127.0.0.1:{service.port}")
    finally:
        t1 = clock.now_unix_s()
        service.stop()
    # the stream starts while the service runs: the Doppler of that span (monotonic in a pass)
    live = LiveCells(SCENARIO, ["leo-cell"])
    span = [live.message("leo-cell", t)["terminals"][0]["doppler_dl_hz"] for t in (t0, t1)]
    window = out[SAMPLES // 2:]
    peak_hz = np.fft.fftfreq(window.size, 1 / RATE_HZ)[np.argmax(np.abs(np.fft.fft(window)))]
    assert min(span) - FFT_BIN_HZ - DOPPLER_RATE_HZ <= peak_hz <= \
        max(span) + FFT_BIN_HZ + DOPPLER_RATE_HZ


def test_scenario_channel_bad_input(tmp_path):
    np.ones(10, dtype=np.complex64).tofile(tmp_path / "in.cf32")
    base = [*CLI, "channel", "--in", str(tmp_path / "in.cf32"), "--out",
            str(tmp_path / "out.cf32"), "--rate", "1e6"]
    for extra, named in (
            (["--scenario", str(default_scenario_path()), "--terminal", "ghost"], "--terminal"),
            (["--terminal", "nb-leo"], "--scenario"),
            (["--scenario", str(default_scenario_path()), "--terminal", "nb-leo", "--sat",
              "geo:100"], "--scenario"),
            (["--scenario", str(default_scenario_path()), "--terminal", "nb-leo", "--start",
              format_iso8601(SCENARIO.start_unix_s)], "not visible")):
        out = subprocess.run([*base, *extra], capture_output=True, text=True)
        assert out.returncode == 2 and named in out.stderr and "Traceback" not in out.stderr


class SteppingService(ThreadedServer):
    """A live service whose emulated time jumps ``STEP_S`` between connections: the k-th
    client gets, for each ``get``, the state of every cell at ``t0 + k * STEP_S`` (the
    messages LiveCells makes, schema 1); ``connections`` counts the clients."""

    STEP_S = 60.0    # emulated: nb-leo's delay moves by ~1 ms in a minute of its pass

    def __init__(self, t0_unix_s: float):
        super().__init__()
        self.t0, self.connections = t0_unix_s, 0
        self.live = LiveCells(SCENARIO)

    async def _session(self, ws):
        t = self.t0 + self.connections * self.STEP_S
        self.connections += 1
        async for raw in ws:
            assert json.loads(raw) == {"type": "get"}
            for cell in self.live.names:
                await ws.send(json.dumps(self.live.message(cell, t)))


def test_relay_legs_start_at_one_live_instant(tmp_path):
    """``channel --zmq-... --scenario --terminal --live``: the service is asked for its time
    once, so the DL and UL legs start at one instant: their first samples out carry the same
    delay (a regenerative LEO cell: the service link both ways). Asked once per leg, the UL
    leg started a minute of the pass later, ~1 ms of delay apart."""
    t0 = SCENARIO.start_unix_s + IN_PASS_S
    ctx = zmq.Context()
    total = MESSAGES * PER_MESSAGE
    bs_tx, ue_tx = TxPeer(ctx, complex_noise(total, seed=1)), TxPeer(ctx, complex_noise(total))
    dl, ul = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    try:
        with SteppingService(t0) as service:
            proc = subprocess.Popen(
                [*CLI, "channel", "--rate", str(RELAY_RATE_HZ), "--scenario",
                 str(default_scenario_path()), "--terminal", "nb-leo", "--live", service.url,
                 "--duration", "60", "--zmq-bs-tx", bs_tx.endpoint, "--zmq-ue-tx",
                 ue_tx.endpoint, "--zmq-dl-bind", dl, "--zmq-ul-bind", ul],
                stderr=subprocess.PIPE, text=True)
            try:
                y_dl, y_ul = rx_peer(ctx, dl), rx_peer(ctx, ul)
            finally:
                proc.send_signal(signal.SIGINT)
                _, err = proc.communicate(timeout=30)
    finally:
        ctx.destroy(linger=0)
    assert proc.returncode == 130 and service.connections == 1, err
    (start,) = [line.rsplit("both legs from ", 1)[1] for line in err.splitlines()
                if "relaying DL" in line]
    # the follower runs the time on from the message at 1 s per real second (its scale)
    t_start = parse_iso8601(start, "start")
    assert 0.0 <= t_start - t0 < 1.0
    (leo,) = LiveCells(SCENARIO, ["leo-cell"]).message("leo-cell", t_start)["terminals"]
    first = [int(np.flatnonzero(np.abs(y) > 0)[0]) for y in (y_dl, y_ul)]
    # the interpolator reaches TAPS / 2 samples before the delayed instant, counted from the
    # sample its fractional delay falls in: one sample more than the file test's bound
    assert abs(first[0] - leo["delay_s"] * RELAY_RATE_HZ) <= TAPS / 2 + 1
    assert abs(first[0] - first[1]) <= TAPS

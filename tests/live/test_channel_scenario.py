"""``ntnstack channel --scenario FILE --terminal NAME``: IQ samples through the link the
run's world gives a scenario terminal, checked against the live state of its cell with numpy's
FFT (Doppler) and the first sample out (delay); ``--live`` starts at the service's time."""
import subprocess

import numpy as np

from ntnstack.clock import Clock, format_iso8601
from ntnstack.live import LiveCells
from ntnstack.live.service import LiveService
from ntnstack.runner.world import World
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.live.clients import CLI

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

"""The IQ channel driven by a real link-layer trajectory (ntnstack.link through phy_ffi):
along a LEO-600 pass the delay the samples experience follows the link layer's delay."""
import numpy as np

import phy_ffi
from ntnstack.clock import parse_iso8601
from ntnstack.iq.trajectory import link_trajectory
from ntnstack.link.series import link_series
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import parse_orbit_spec
from tests.iq.signals import multitone
from tests.tolerances import IQ_DELAY_TRACKING_SAMPLES

RATE_HZ = 1.92e6                  # LTE 1.4 MHz / NB-IoT sampling rate
LEO = "circular:600:53:0:0"       # TR 38.821 LEO-600, elements set at START
UE = "0,10,0"                     # sees it from 22 deg elevation until it sets 318 s later
START = "2026-01-01T00:00:00Z"
PASS_S = 300.0


def test_samples_follow_the_link_layer_delay_along_a_pass():
    start = parse_iso8601(START)
    source, ue = parse_orbit_spec(LEO, start), parse_position(UE)
    lt = link_trajectory(source, ue, start, PASS_S, freq_dl_hz=2.185e9, freq_ul_hz=1.995e9)
    traj = phy_ffi.channel_trajectory(lt.trajectory.t_s, lt.trajectory.delay_s, 0.0, 0.0)
    tone = multitone(RATE_HZ)
    warmup = int(traj.delay_s.max() * RATE_HZ) + 64
    worst = 0.0
    for t0 in (0.0, 60.0, 150.0, 240.0, PASS_S - 1.0):
        t_in = t0 + np.arange(warmup + 3840) / RATE_HZ
        y = phy_ffi.IQChannel(RATE_HZ, traj, start_s=t0).process(
            tone.at(t_in).astype(np.complex64))[warmup:]
        t_out = t_in[warmup:]
        truth = link_series(source, ue, start + t_out[::64]).delay_s   # every 64th sample
        delay = np.interp(t_out, t_out[::64], truth)   # 33 us apart: linear is exact to 1e-15 s
        ref, slope = tone.at(t_out - delay), tone.slope(t_out - delay)
        offset = -RATE_HZ * np.sum(np.real(np.conj(slope) * (y - ref))) / np.sum(
            np.abs(slope) ** 2)
        worst = max(worst, abs(offset))
    assert worst < IQ_DELAY_TRACKING_SAMPLES

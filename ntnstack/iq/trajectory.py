"""The channel trajectory of a satellite link: delay, Doppler and gain against stream time.

Built from ntnstack.link.series (phy_ffi.hermite_states + phy_ffi.link_states + TR 38.811 path
loss). Knot times are seconds since the stream's first sample (precision: the channel works
in stream time, not in unix seconds).

- delay_s: one-way service link, plus the feeder link for a transparent payload with a
  gateway (the user-plane path UE - satellite - gateway, docs/reference.md 1).
- doppler_hz: the service-link Doppler on the direction's carrier (doppler_dl_hz or
  doppler_ul_hz); the feeder-link Doppler is left to the network, as in TS 38.300 16.14.
- gain_db: minus the TR 38.811 mean basic path loss on the direction's carrier, relative to
  its smallest value over the span (0 dB at the strongest point; the absolute loss goes into
  the metadata).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntnstack.errors import InputError
from ntnstack.iq import DEFAULT_STEP_S  # knot spacing (s), defined with the package
from ntnstack.link.series import link_series
from ntnstack.link.terminals import GroundPoint
from ntnstack.orbit.source import OrbitSource
from phy_ffi import ChannelTrajectory, channel_trajectory

__all__ = ["DEFAULT_STEP_S", "LinkTrajectory", "link_trajectory", "DIRECTIONS"]

DIRECTIONS = ("dl", "ul")


class LinkTrajectory(NamedTuple):
    trajectory: ChannelTrajectory   # t_s since the stream's first sample
    start_unix_s: float
    satellite: str
    direction: str
    min_pathloss_db: float          # absolute TR 38.811 loss where gain_db = 0
    min_elevation_seen_deg: float


class ChannelLink(NamedTuple):
    """One direction's channel and where it comes from."""

    trajectory: object               # phy_ffi.ChannelTrajectory, t_s from the first sample
    note: dict                       # annotation fields (ntnstack:...)
    start_unix_s: float | None = None    # time of the first sample (None: a CSV trajectory)
    carrier_hz: float | None = None      # carrier its Doppler is computed on


def link_trajectory(source: OrbitSource, ue: GroundPoint, start_unix_s: float,
                    duration_s: float, *, gateway: GroundPoint | None = None,
                    freq_dl_hz: float, freq_ul_hz: float, direction: str = "dl",
                    payload: str = "transparent", step_s: float = DEFAULT_STEP_S,
                    min_elevation_deg: float = 10.0,
                    advice: str = "choose --start within a pass") -> LinkTrajectory:
    """Knots every step_s from the start to beyond start + duration_s (two extra knots).
    Doppler and path loss are those of the direction's carrier (freq_dl_hz or freq_ul_hz).

    InputError when the satellite is not visible (elevation below min_elevation_deg, or the
    gateway below it on a transparent payload) at some knot: the message names the time and
    ends with ``advice``.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"--direction: {direction!r} is not one of dl, ul")
    if not (np.isfinite(step_s) and step_s > 0):
        raise InputError(f"--step-s: must be a finite number of seconds > 0, got {step_s}")
    rel = np.arange(int(np.ceil(duration_s / step_s)) + 3) * step_s
    carrier = freq_dl_hz if direction == "dl" else freq_ul_hz
    # the series on the direction's carrier alone: its DL columns (Doppler -f dr/dt / c,
    # path loss) are then that carrier's
    series = link_series(source, ue, start_unix_s + rel, gateway, freq_dl_hz=carrier,
                         freq_ul_hz=carrier, payload=payload,
                         min_elevation_deg=min_elevation_deg)
    hidden = np.flatnonzero(~series.visible)
    if hidden.size:
        raise InputError(f"--sat {source.name}: not visible from the terminal at t = "
                         f"{rel[hidden[0]]:g} s after --start (elevation "
                         f"{series.elevation_deg[hidden[0]]:.2f} deg, minimum "
                         f"{min_elevation_deg:g}); {advice}")
    delay = series.delay_s + (series.feeder_delay_s if payload == "transparent" else 0.0)
    doppler = series.doppler_dl_hz
    loss = series.pathloss_db
    traj = channel_trajectory(rel, delay, doppler, float(np.nanmin(loss)) - loss)
    return LinkTrajectory(traj, float(start_unix_s), source.name, direction,
                          float(np.nanmin(loss)), float(np.min(series.elevation_deg)))

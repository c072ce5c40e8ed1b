"""epochTime left out: the epoch is the end of the SI window in which the SIB is scheduled
(TS 36.331 ServingSatelliteInfo-r17 / TS 38.331 EpochTime, NTN-Config field descriptions,
Rel-17); SI windows per TS 36.331 5.2.3 / 5.2.3a and TS 38.331 5.2.2.3.2."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.rrc.builders import CellConfig, build_sib
from ntnstack.rrc.codec import KINDS, decode_sib
from ntnstack.rrc.epoch import SiWindows, explicit_epoch_s, resolve_epoch
from ntnstack.rrc.fields import from_fields
from ntnstack.rrc.residuals import residuals
from ntnstack.rrc.units import EpochTime
from tests.rrc.conftest import T0_UNIX_S
from tests.tolerances import (
    HALF_POSITION_STEP_M,
    ONE_MICROSECOND,
    TE_UL_TIMING_15KHZ,
)

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
LEO_T = T0_UNIX_S + 7210.0     # 2 min before culmination of the test LEO-600 over the UE
F_UL_HZ = 1.995e9              # n256 UL centre
SFN0 = T0_UNIX_S - 600.0       # the cell's SFN 0 started 10 min before the TLE epoch
# Second SI message, 20 ms windows, every 16 frames: x = (2 - 1) * 20 = 20, so the window
# opens in subframe 0 of the frame with SFN mod 16 = 2, i.e. 20 ms into every 160 ms period.
WINDOWS = dict(si_window_ms=20, si_window_position=2, si_periodicity_frames=16)


def _implicit(**kw) -> CellConfig:
    return CellConfig(sfn0_unix_s=SFN0, epoch_time="si-window-end", **WINDOWS, **kw)


def test_si_window_of_the_nth_message():
    w = SiWindows(0.0, 20, 2, 16)
    assert w.window(0.0) == pytest.approx((0.020, 0.040), abs=ONE_MICROSECOND)
    assert w.window(0.025) == pytest.approx((0.020, 0.040), abs=ONE_MICROSECOND)
    assert w.window(0.040) == pytest.approx((0.180, 0.200), abs=ONE_MICROSECOND)  # next period
    assert w.end_of_window_containing(0.0399) == pytest.approx(0.040, abs=ONE_MICROSECOND)
    with pytest.raises(InputError, match="outside every SI window"):
        w.end_of_window_containing(0.100)
    # LTE: n = 3, w = 15 ms -> x = 30: subframe 0 of the frame with SFN mod 8 = 3.
    assert SiWindows(0.0, 15, 3, 8).window(0.0) == pytest.approx((0.030, 0.045),
                                                                  abs=ONE_MICROSECOND)
    # NR, w = 5 slots (15 kHz), n = 3 -> x = 10: slot 0 of frame 1; n = 4 -> x = 15: slot 5.
    assert SiWindows(0.0, 5, 4, 8).window(0.0)[0] == pytest.approx(0.015, abs=ONE_MICROSECOND)
    # NB-IoT: w = 160 ms, n = 1, si-RadioFrameOffset 3: frame 3 of every 64-frame period.
    assert SiWindows(0.0, 160, 1, 64, 3).window(0.0)[0] == pytest.approx(0.030,
                                                                          abs=ONE_MICROSECOND)


def test_bad_si_scheduling_is_named():
    with pytest.raises(InputError, match="si_periodicity_frames"):
        SiWindows(0.0, 20, 1, 12).check()
    with pytest.raises(InputError, match="ends after the si-Periodicity"):
        SiWindows(0.0, 40, 5, 16).check()           # 5 windows of 40 ms in 160 ms
    with pytest.raises(InputError, match="si_window_ms"):
        build_sib(None, CellConfig(epoch_time="si-window-end", si_window_ms=0), LEO_T)
    with pytest.raises(InputError, match="epoch_time"):
        CellConfig(epoch_time="implicit").check()


@pytest.mark.parametrize("kind", list(KINDS))
def test_builder_leaves_epoch_time_out_and_dates_the_ephemeris_at_the_window_end(
        kind, leo_source):
    """Built in the gap between windows: sent at the next window's start, epoch at its end,
    the ephemeris that of the satellite at that end (within the 1.3 m position step)."""
    cell = _implicit(kind=kind, payload="regenerative")
    start, end = cell.si_windows.window(LEO_T)
    assert start > LEO_T                          # LEO_T lies between two windows here
    b = build_sib(leo_source, cell, LEO_T)
    ssi = b.fields.get("servingSatelliteInfo-r17", b.fields.get("ntn-Config-r17"))
    assert "epochTime-r17" not in ssi and b.sib.config.epoch is None
    assert (b.sent_unix_s, b.epoch_unix_s) == (start, end)
    truth, _ = leo_source.states(np.array([end]))
    sib = from_fields(kind, decode_sib(kind, b.message))
    err = np.array(sib.config.ephemeris.position_ecef_m) - truth[0]
    assert np.max(np.abs(err)) <= HALF_POSITION_STEP_M


def test_ue_resolves_the_epoch_from_the_window_it_received_the_sib_in(leo_source):
    cell = _implicit(payload="regenerative")
    b = build_sib(leo_source, cell, LEO_T)
    sib = from_fields("sib19", decode_sib("sib19", b.message))
    start, end = cell.si_windows.window(b.sent_unix_s)
    for t_rx in np.linspace(start, end - 1e-3, 7):            # any subframe of the window
        assert resolve_epoch(sib, cell.si_windows, t_rx) == pytest.approx(
            b.epoch_unix_s, abs=ONE_MICROSECOND)
    with pytest.raises(InputError, match="outside every SI window"):
        resolve_epoch(sib, cell.si_windows, end + 0.05)      # 50 ms after: between windows


def test_explicit_epoch_is_the_current_or_next_frame_with_that_sfn():
    """Serving cell: current SFN or the next upcoming one; neighbour: the nearest."""
    sfn0 = 1000.0
    t_rx = sfn0 + 0.01 * 1030 + 0.004        # frame 1030 = SFN 6, subframe 4
    assert explicit_epoch_s(EpochTime(6, 1), sfn0, t_rx) == pytest.approx(
        sfn0 + 10.301, abs=ONE_MICROSECOND)   # the current frame, subframe 1
    assert explicit_epoch_s(EpochTime(5, 0), sfn0, t_rx) == pytest.approx(
        sfn0 + 0.01 * (1029 + 1024), abs=ONE_MICROSECOND)   # SFN 5 is past: the next one
    assert explicit_epoch_s(EpochTime(5, 0), sfn0, t_rx, neighbour=True) == pytest.approx(
        sfn0 + 10.29, abs=ONE_MICROSECOND)    # the nearest SFN 5: one frame back


@pytest.mark.parametrize("fmt", ["state-vectors", "orbital"])
def test_ue_ta_with_an_implicit_epoch_matches_the_explicit_one(fmt, leo_source,
                                                               reference_ue_ecef, gateway_ecef):
    """The SIB without epochTime, and one built with epochTime at the same instant (the
    window's end), carry the same ephemeris and common TA; a UE that received the first
    anywhere in its window computes the same TA and Doppler to the last bit, within Te of
    the truth over the 20 s validity (TS 38.133 7.1.2). Taking the next window's end instead
    (one 160 ms period late) is microseconds off: the check can fail."""
    cell = _implicit(gateway_ecef_m=gateway_ecef, ephemeris_format=fmt)
    b = build_sib(leo_source, cell, LEO_T)
    explicit_cell = dataclasses.replace(cell, epoch_time="explicit")
    e = build_sib(leo_source, explicit_cell, b.epoch_unix_s)
    assert e.epoch_unix_s == pytest.approx(b.epoch_unix_s, abs=ONE_MICROSECOND)
    no_epoch = {k: v for k, v in e.fields["ntn-Config-r17"].items() if k != "epochTime-r17"}
    assert b.fields["ntn-Config-r17"] == no_epoch
    ages = np.arange(0.0, 21.0, 1.0)
    ref = residuals(leo_source, explicit_cell, e, reference_ue_ecef, ages, F_UL_HZ)
    start, end = cell.si_windows.window(b.sent_unix_s)
    for t_rx in (start, start + 0.0071, end - 1e-3):
        r = residuals(leo_source, cell, b, reference_ue_ecef, ages, F_UL_HZ, t_rx)
        assert np.array_equal(r.ta_error_s, ref.ta_error_s)
        assert np.array_equal(r.doppler_error_hz, ref.doppler_error_hz)
        assert np.max(np.abs(r.ta_error_s)) < TE_UL_TIMING_15KHZ
    late = residuals(leo_source, cell, b, reference_ue_ecef, ages, F_UL_HZ, end + 0.160 - 1e-3)
    assert np.min(np.abs(late.ta_error_s)) > ONE_MICROSECOND

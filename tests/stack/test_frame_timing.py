"""Frame and subframe numbers come from integer time (TS 36.331 5.2.1.2a, 5.2.3a; TS 36.304
7.1): a unix time near 1.8e9 s is a double with a 0.24 us grain, so a boundary computed as
sfn0 + k x period often lands a hair before it; a float floor then names the previous frame."""
from __future__ import annotations

import pytest

from ntnstack.rrc.epoch import SiWindows, frame_index, frame_start_s, subframe_index
from ntnstack.stack import rrc_nb
from ntnstack.stack.cell import MIB_PERIOD_S, next_si_window_s
from ntnstack.stack.paging import next_paging_occasion_s
from ntnstack.stack.presets import geo_cell
from tests.stack.conftest import START_UNIX_S

TTIS = 4096
"""MIB-NB TTIs checked: 4 hyper-frames' worth (4096 x 64 frames = 256 x 1024)."""
SFN0 = START_UNIX_S + 0.3    # a start that is not a whole number of seconds either


def test_every_mib_nb_tti_carries_its_own_sfn_block():
    """MIB-NB: 640 ms TTI from SFN mod 64 = 0, systemFrameNumber-MSB = SFN >> 6 (TS 36.331
    MasterInformationBlock-NB), hyperSFN-LSB = the 2 LSBs of the hyper-SFN."""
    cell = geo_cell(SFN0)
    wrong = []
    for k in range(TTIS):
        t = SFN0 + k * MIB_PERIOD_S     # the float a scheduler computes for TTI k
        frames = 64 * k
        msg = rrc_nb.decode("lte-rrc.bcch.bch.nb", cell.mib(t).data)["message"]
        msb = int.from_bytes(msg["systemFrameNumber-MSB-r13"][0], "big") >> 4
        hyper_lsb = int.from_bytes(msg["hyperSFN-LSB-r13"][0], "big") >> 6
        if (msb, hyper_lsb) != ((frames % 1024) >> 6, (frames // 1024) % 4):
            wrong.append(k)
    assert wrong == []


def test_frame_and_subframe_of_computed_boundaries():
    for k in range(0, 200_000, 7):
        t = frame_start_s(SFN0, k, 3)
        assert frame_index(SFN0, t) == k and subframe_index(SFN0, t) == 10 * k + 3
        assert frame_index(SFN0, SFN0 + k * 0.01) == k


def test_si_window_starts_are_whole_subframes_in_the_window():
    """SIB31-NB as the 2nd SI message, w = 160 ms, T = 128 frames, offset 1 (TS 36.331
    5.2.3a): x = 160, the window starts at SFN mod 128 = 16 + 1 = 17, subframe 0."""
    windows = SiWindows(SFN0, 160, 2, 128, 1)
    t = SFN0
    for _ in range(500):
        start = next_si_window_s(windows, t)
        assert frame_index(SFN0, start) % 128 == 17 and subframe_index(SFN0, start) % 10 == 0
        assert start >= t
        t = start + 0.001
    with pytest.raises(AssertionError):   # the check itself can fail
        assert frame_index(SFN0, start + 0.2) % 128 == 17


def test_paging_occasions_fall_on_the_paging_frame():
    """TS 36.304 7.1, NB-IoT, T = 256, nB = T/4: the PF is SFN mod T = (T div N) (UE_ID mod
    N), N = 64, so 4 x (UE_ID mod 64); the PO is subframe 9 (Table 7.2-3, Ns = 1)."""
    ue_id, t = 1234, SFN0
    for _ in range(500):
        po = next_paging_occasion_s(SFN0, 256, ue_id, t)
        assert po >= t
        assert frame_index(SFN0, po) % 256 == 4 * (ue_id % 64)
        assert subframe_index(SFN0, po) % 10 == 9
        t = po + 0.0005

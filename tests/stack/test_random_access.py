"""Random access follows the SIB2-NB the cell broadcasts: NPRACH occasions (TS 36.211
10.1.6.1), the RAR window in PDCCH periods (TS 36.321 5.1.4, TS 36.213 16.6), and the epochTime
rule of the SIB31-NB the UE applies (TS 36.331 ServingSatelliteInfo)."""
from __future__ import annotations

import dataclasses
import itertools

import pytest

from ntnstack.rrc.codec import DecodeError
from ntnstack.stack.access import NPRACH_GROUP_S, RAR_WINDOW_OFFSET_MS
from ntnstack.stack.presets import geo_cell, new_session
from ntnstack.stack.ra_config import RaConfig, next_nprach_subframe, sib2_ra_config
from ntnstack.stack.session import UeConfig
from tests.stack.conftest import START_UNIX_S, tshark_rows
from tests.tolerances import ONE_MICROSECOND

# the cell's SIB2-NB for the default UeConfig (rrc_nb.sib2_nb): nprach-Periodicity ms80,
# nprach-StartTime ms8, CP 266.7 us (format 1), n1 repetitions, preambleTransMax-CE n10,
# ra-ResponseWindowSize pp8, npdcch-NumRepetitions-RA r8, npdcch-StartSF-CSS-RA v4
BROADCAST = RaConfig(nprach_period_ms=80, nprach_start_ms=8, nprach_format=1, repetitions=1,
                     preamble_trans_max=10, rar_window_pp=8, npdcch_rmax=8, npdcch_g=4.0)
GNSS_ERROR_M = (0.0, 100e3, 0.0)   # TA 594 us off on the GEO cell: beyond the CP, no RAR
PROCESSING_S = UeConfig().processing_s


def test_the_ue_reads_the_random_access_configuration_of_sib2_nb():
    cell = geo_cell(START_UNIX_S)
    ue = UeConfig()
    ra = sib2_ra_config(cell.sib2(ue.nprach_period_s, ue.nprach_format,
                                  ue.preamble_trans_max).data)
    assert ra == BROADCAST
    # PDCCH period T = R_max * G = 8 * 4 subframes (TS 36.213 16.6); window 8 periods
    assert ra.pdcch_period_ms == 32.0 and ra.rar_window_s == pytest.approx(0.256)


def test_tshark_reads_the_same_sib2_nb_in_the_stack_capture(geo_run):
    fields = ("nprach_Periodicity_r13", "nprach_StartTime_r13", "nprach_CP_Length_r13",
              "numRepetitionsPerPreambleAttempt_r13", "preambleTransMax_CE_r13",
              "ra_ResponseWindowSize_r13", "npdcch_NumRepetitions_RA_r13",
              "npdcch_StartSF_CSS_RA_r13")
    rows = [r for r in tshark_rows(geo_run.pcap, *(f"lte-rrc.{f}" for f in fields)) if r[0]]
    # tshark gives the ENUMERATED indices (TS 36.331 6.7.3.1 / RadioResourceConfigCommon-NB):
    # ms80 1 of {ms40, ms80, ...}, ms8 0 of {ms8, ...}, us266dot7 1, n1 0, n10 6 of
    # {n3, n4, n5, n6, n7, n8, n10, ...}, pp8 6 of {pp2, ..., pp8, pp10}, r8 3 of
    # {r1, r2, r4, r8, ...}, v4 2 of {v1dot5, v2, v4, ...}
    assert rows == [["1", "0", "1", "0", "6", "6", "3", "2"]]


def test_sib2_ra_config_refuses_another_message_in_one_line():
    cell = geo_cell(START_UNIX_S)
    sib31 = cell.sib31(cell.next_si_s(START_UNIX_S)).message
    with pytest.raises(DecodeError, match="^sib2-nb: malformed message: no SIB2-NB decoded"):
        sib2_ra_config(sib31)


@pytest.mark.parametrize(("us_since_sfn0", "period_ms", "subframe"), [
    (0, 80, 8),                        # SFN 0 qualifies: 8 ms into it
    (8_000, 80, 8),                    # exactly at the occasion
    (8_001, 80, 88),                   # missed it: SFN 8, + 8 ms
    (720_000, 80, 728),                # SFN 72 (mod 8 = 0) + 8 ms, the reviewer's 0.728 s
    # ms240 (24 frames) does not divide 1024 frames: SFN 1008 = 42 * 24 is the last
    # occasion of the cycle, the next is SFN 0 of the next one (frame 1024), not 1032
    (10_088_000, 240, 10_088),
    (10_088_001, 240, 10_248),
])
def test_nprach_occasions_start_nprach_start_time_into_a_period_frame(us_since_sfn0, period_ms,
                                                                      subframe):
    ra = dataclasses.replace(BROADCAST, nprach_period_ms=period_ms)
    assert next_nprach_subframe(us_since_sfn0, ra) == subframe


@pytest.fixture(scope="module")
def failed_geo_access():
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3,
                          ue=UeConfig(gnss_error_ecef_m=GNSS_ERROR_M))
    result = session.attach()
    return session, result


def test_every_preamble_goes_at_an_occasion_of_the_broadcast(failed_geo_access):
    session, _ = failed_geo_access
    sfn0 = session.cell.config.sfn0_unix_s
    occasions = [d["occasion_unix_s"] for _, kind, d in session.events if kind == "nprach"]
    assert len(occasions) == BROADCAST.preamble_trans_max
    ms = [round((t - sfn0) * 1e3, 3) for t in occasions]
    assert [m % BROADCAST.nprach_period_ms for m in ms] == [BROADCAST.nprach_start_ms] * 10


def test_a_missed_rar_waits_out_the_broadcast_window(failed_geo_access):
    """The next preamble after a missed RAR: the window ends TA + preamble (4 groups of
    1.6 ms, format 1) + 4 subframes + k_mac + 8 * 32 ms after the send; the UE then takes
    2 x processing (after the window, before the preamble) and sends at the next occasion it
    can reach: occasion + TA + 270.4 ms + k_mac + 10 ms in eNB time. With the GEO TA of
    498.2 ms: + 778.6 ms, so the occasion 800 ms (10 periods) later, not the 560 ms a 20 ms
    window gave."""
    session, result = failed_geo_access
    assert not result.ok and "after 10 preambles" in result.reason
    occasions = [d["occasion_unix_s"] for _, kind, d in session.events if kind == "nprach"]
    ta = result.details["ta_applied_s"]
    window_end = ta + 4 * NPRACH_GROUP_S[1] + RAR_WINDOW_OFFSET_MS * 1e-3 + \
        session.sib.k_mac_s + BROADCAST.rar_window_s
    reach = window_end + 2 * PROCESSING_S
    period = BROADCAST.nprach_period_ms * 1e-3
    expected = -(-round(reach * 1e6) // round(period * 1e6)) * period
    assert expected == pytest.approx(0.8)
    for earlier, later in itertools.pairwise(occasions):
        assert later - earlier == pytest.approx(expected, abs=ONE_MICROSECOND)


def test_epoch_time_is_the_current_or_next_frame_with_that_sfn():
    """A SIB31-NB whose epochTime frame precedes its reception (here decoded 1 s after it was
    built, in frame n + 100) names the next frame with that SFN: 1024 frames = 10.24 s after
    the built epoch, not the past one (TS 36.331 ServingSatelliteInfo epochTime)."""
    session = new_session([geo_cell(START_UNIX_S)], START_UNIX_S, ue=UeConfig())
    cell = session.cell
    t_si = cell.next_si_s(START_UNIX_S)
    built = cell.sib31(t_si)
    session._decode_sib(built.message, t_si)
    assert session.sib.epoch_unix_s == pytest.approx(built.epoch_unix_s, abs=ONE_MICROSECOND)
    session._decode_sib(built.message, t_si + 1.0)
    assert session.sib.epoch_unix_s == pytest.approx(built.epoch_unix_s + 10.24,
                                                     abs=ONE_MICROSECOND)

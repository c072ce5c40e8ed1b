"""SIB19 ntn-NeighCellConfigList-r17 (TS 38.331 V17.4.0 SIB19, NTN-NeighCellConfig): each
neighbour's ntn-Config from its own satellite at the serving cell's epoch, carrierFreq on the
NR global raster (TS 38.104 5.4.2.1), physCellId; decoded back to physical units."""
from __future__ import annotations

import math

import numpy as np
import pytest

import phy_ffi

from ntnstack.errors import InputError
from ntnstack.rrc.builders import CellConfig, NeighbourCell, build_sib
from ntnstack.rrc.codec import decode_sib
from ntnstack.rrc.epoch import neighbour_configs, resolve_epoch
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import STEPS, Neighbour, NtnConfig, NtnSib, arfcn_to_hz, hz_to_arfcn
from tests.rrc.conftest import T0_UNIX_S
from tests.tolerances import HALF_POSITION_STEP_M, ONE_HERTZ, ONE_MICROSECOND

C = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
LEO_T = T0_UNIX_S + 7210.0
DL_N256_HZ = 2185e6            # n256 DL centre: NR-ARFCN 437000 (5 kHz raster below 3 GHz)
DL_N256_LOW_HZ = 2170.1e6      # 434020


def neighbour_cells(follower, geo):
    """The next LEO-600 of the plane behind the same gateway, and a regenerative GEO cell
    with a 60 s validity (so its ntn-UlSyncValidityDuration is sent, the LEO's is not)."""
    return (NeighbourCell(follower, DL_N256_HZ, 17),
            NeighbourCell(geo, DL_N256_LOW_HZ, 503,
                          CellConfig(payload="regenerative", validity_s=60)))


@pytest.mark.parametrize("epoch_time", ["explicit", "si-window-end"])
def test_neighbours_round_trip_in_physical_units(epoch_time, leo_source, leo_follower_source,
                                                 geo_source, gateway_ecef):
    cell = CellConfig(gateway_ecef_m=gateway_ecef, epoch_time=epoch_time, validity_s=20,
                      neighbours=neighbour_cells(leo_follower_source, geo_source))
    b = build_sib(leo_source, cell, LEO_T)
    sib = from_fields("sib19", decode_sib("sib19", b.message))
    assert [(nb.carrier_arfcn, nb.pci) for nb in sib.neighbours] == [(437000, 17), (434020, 503)]
    assert [nb.carrier_hz for nb in sib.neighbours] == pytest.approx(
        [DL_N256_HZ, DL_N256_LOW_HZ], abs=ONE_HERTZ)
    # Epoch left out of the entries: the serving cell's; validity only where it differs.
    assert [nb.config.epoch for nb in sib.neighbours] == [None, None]
    assert [nb.config.validity_s for nb in sib.neighbours] == [None, 60]
    epoch = resolve_epoch(sib, cell.si_windows, b.sent_unix_s)
    assert epoch == pytest.approx(b.epoch_unix_s, abs=ONE_MICROSECOND)
    applied = neighbour_configs(sib, epoch, cell.sfn0_unix_s, b.sent_unix_s)
    assert [a.config.validity_s for a in applied] == [20, 60]
    assert [a.epoch_unix_s for a in applied] == [epoch, epoch]
    for source, a in zip((leo_follower_source, geo_source), applied, strict=True):
        truth, _ = source.states(np.array([b.epoch_unix_s]))
        err = np.array(a.config.ephemeris.position_ecef_m) - truth[0]
        assert np.max(np.abs(err)) <= HALF_POSITION_STEP_M
    # The LEO neighbour shares the gateway: its common TA is twice its feeder delay.
    truth, _ = leo_follower_source.states(np.array([b.epoch_unix_s]))
    feeder_s = np.linalg.norm(truth[0] - np.array(gateway_ecef)) / C
    assert abs(applied[0].config.common_ta.ta_common_s - 2 * feeder_s) <= \
        STEPS["sib19_ta_common_s"].step
    assert applied[1].config.common_ta.ta_common_s == 0.0      # regenerative: RP at satellite
    # Regenerative GEO: K_offset = service RTT at the 10 deg edge (TR 38.811 geometry, C core)
    # rounded up to ms + the 1 ms margin (TS 38.300 16.14.2); about 271 ms.
    geo_alt = np.linalg.norm(applied[1].config.ephemeris.position_ecef_m) - \
        phy_ffi.CONST.EARTH_RADIUS_3GPP_M
    slant = phy_ffi.reference_slant_range(geo_alt, 10.0).slant_range_m[0]
    assert applied[1].config.k_offset_ms == math.ceil(2e3 * slant / C) + 1


def test_entry_without_ntn_config_takes_the_previous_one():
    cfg = NtnConfig(k_offset_ms=30)
    sib = NtnSib("sib19", NtnConfig(validity_s=20),
                 neighbours=(Neighbour(cfg, 100, 1), Neighbour(None, 200, 2)))
    back = from_fields("sib19", to_fields(sib))
    applied = neighbour_configs(back, 5.0, 0.0, 4.0)
    assert [a.config.k_offset_ms for a in applied] == [30, 30]
    assert [a.pci for a in applied] == [1, 2]
    orphan = NtnSib("sib19", NtnConfig(), neighbours=(Neighbour(None, 100, 1),))
    with pytest.raises(InputError, match=r"ntn-NeighCellConfigList\[0\] has no ntn-Config"):
        neighbour_configs(orphan, 5.0, 0.0, 4.0)


def test_nr_raster():
    """TS 38.104 Table 5.4.2.1-1: 5 kHz below 3 GHz, 15 kHz from 3 GHz (N = 600000), 60 kHz
    from 24250.08 MHz (N = 2016667)."""
    assert [arfcn_to_hz(n) for n in (0, 437000, 600000, 620000, 2016667, 2016668)] == \
        pytest.approx([0.0, 2185e6, 3000e6, 3300e6, 24250.08e6, 24250.14e6], abs=ONE_HERTZ)
    assert hz_to_arfcn(3300e6, "f") == 620000
    with pytest.raises(InputError, match="f: 3500000000.0 Hz is not on the NR global"):
        hz_to_arfcn(3500e6, "f")                      # 500 MHz / 15 kHz is not whole


def test_bad_neighbours_are_named(leo_source, leo_follower_source):
    nb = NeighbourCell(leo_follower_source, DL_N256_HZ, 17)
    with pytest.raises(InputError, match="at most 4"):
        build_sib(leo_source, CellConfig(payload="regenerative", neighbours=(nb,) * 5), LEO_T)
    with pytest.raises(InputError, match="sib31 carries no neighbour list"):
        build_sib(leo_source, CellConfig(kind="sib31", neighbours=(nb,)), LEO_T)
    off_raster = NeighbourCell(leo_follower_source, 2185.0025e6, 17)
    with pytest.raises(InputError, match=r"neighbour 0 \(LEO600-TEST-99002\): carrier_hz"):
        build_sib(leo_source, CellConfig(payload="regenerative", neighbours=(off_raster,)),
                  LEO_T)
    with pytest.raises(InputError, match="pci 1008"):
        build_sib(leo_source, CellConfig(payload="regenerative", neighbours=(
            NeighbourCell(leo_follower_source, None, 1008),)), LEO_T)

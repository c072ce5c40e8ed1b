"""srsRAN Project ``ntn:`` section: parsed back with pyyaml, checked against the SIB19 that
ntnstack.rrc encodes (decoded again from its bytes) and against the link layer."""
import math

import numpy as np
import pytest
import yaml

from ntnstack.export import srsran, take_snapshot
from ntnstack.orbit import OrbitalElements, elements_to_state
from ntnstack.rrc.codec import decode_sib
from phy_ffi import CONST
from tests.export.conftest import T_CULMINATION, link_at
from tests.tolerances import (
    HALF_POSITION_STEP_M,
    HALF_TA_COMMON_STEP_S,
    HALF_VELOCITY_STEP_MPS,
    K_OFFSET_POLICY_MS,
    ONE_METRE,
)

C = CONST.SPEED_OF_LIGHT_MPS
# Option names of srsRAN Project du_high_config_cli11_ntn_schema.cpp @ fc4e810b.
SRSRAN_OPTIONS = {"cell_specific_koffset", "ntn_ul_sync_validity_dur", "epoch_time", "ta_info",
                  "ephemeris_info_ecef", "ephemeris_orbital"}
# TR 38.821 Table 5.3.2.1-1, max RTT with a transparent payload (ms): GEO, LEO-600.
TR38821_MAX_RTT_TRANSPARENT_MS = {"geo-cell": 541.46, "leo-cell": 25.77}
VALIDITY_S = {"geo-cell": 60, "leo-cell": 10}   # data/lab.yaml


def _ntn(snapshot, extended=False):
    return yaml.safe_load(srsran.render(snapshot, extended))["ntn"]


def _srsran_count(value: float, step: float, origin: float = 0.0) -> int:
    """The SIB19 integer srsRAN broadcasts for a value of its file: (value - origin) / step
    cast to an integer in C, i.e. truncated toward zero as Python's int() does
    (lib/du/du_high/du_manager/converters/asn1_ntn_config_helpers.cpp @ fc4e810b)."""
    return int((value - origin) / step)


def _sib19(snapshot):
    return decode_sib("sib19", snapshot.built.message)["ntn-Config-r17"]


def test_keys_are_srsran_options(snapshot):
    assert set(_ntn(snapshot)) <= SRSRAN_OPTIONS


def test_values_are_the_broadcast_sib19(cell, snapshot):
    ntn, sib = _ntn(snapshot), _sib19(snapshot)
    assert ntn["cell_specific_koffset"] == sib["cellSpecificKoffset-r17"]
    assert ntn["ntn_ul_sync_validity_dur"] == VALIDITY_S[cell[0]]
    assert sib["ntn-UlSyncValidityDuration-r17"] == f"s{VALIDITY_S[cell[0]]}"
    # Epoch: the subframe holding T, SFN 0 at unix 0 (ntnstack.rrc.builders): 10 ms frames.
    assert ntn["epoch_time"] == {"sfn": math.floor(T_CULMINATION * 100) % 1024,
                                 "subframe_number": 0}
    ta = sib["ta-Info-r17"]
    for key, name, step_us in (("ta_common", "ta-Common-r17", 4.072e-3),
                               ("ta_common_drift", "ta-CommonDrift-r17", 0.2e-3),
                               ("ta_common_drift_variant", "ta-CommonDriftVariant-r17", 0.2e-4)):
        value = ntn["ta_info"][key]
        assert _srsran_count(value, step_us) == round(value / step_us) == ta[name]
    pv = sib["ephemerisInfo-r17"][1]
    for axis in "xyz":
        for key, name, step in ((f"pos_{axis}", f"position{axis.upper()}-r17", 1.3),
                                (f"vel_{axis}", f"velocityV{axis.upper()}-r17", 0.06)):
            value = ntn["ephemeris_info_ecef"][key]
            assert _srsran_count(value, step) == round(value / step) == pv[name]


@pytest.mark.parametrize("offset_s", range(10))
def test_srsran_truncation_gives_back_every_sib19_integer(cell, offset_s):
    # ten epochs a second apart: with n * step written, 9 of 10 exports of a LEO cell had
    # some field srsRAN truncated to n - 1 (an outside review, 2026-12-07)
    for fmt in ("state-vectors", "orbital"):
        snap = take_snapshot(cell[1], T_CULMINATION + offset_s, ephemeris_format=fmt)
        sib, ntn = _sib19(snap), _ntn(snap)
        ta = sib["ta-Info-r17"]
        assert [_srsran_count(ntn["ta_info"][k], step) for k, step in
                (("ta_common", 4.072e-3), ("ta_common_drift", 0.2e-3),
                 ("ta_common_drift_variant", 0.2e-4))] == \
            [ta["ta-Common-r17"], ta["ta-CommonDrift-r17"], ta["ta-CommonDriftVariant-r17"]]
        kind, eph = sib["ephemerisInfo-r17"]
        if kind == "positionVelocity-r17":
            got = {f"{q}{a.upper()}-r17": _srsran_count(ntn["ephemeris_info_ecef"][f"{k}_{a}"],
                                                       step)
                   for q, k, step in (("position", "pos", 1.3), ("velocityV", "vel", 0.06))
                   for a in "xyz"}
        else:
            orb = ntn["ephemeris_orbital"]
            got = {"semiMajorAxis-r17": _srsran_count(orb["semi_major_axis"], 4.249e-3, 6.5e6),
                   "eccentricity-r17": _srsran_count(orb["eccentricity"], 1.431e-8),
                   **{f"{name}-r17": _srsran_count(orb[key], 2.341e-8) for key, name in (
                       ("periapsis", "periapsis"), ("longitude", "longitude"),
                       ("inclination", "inclination"), ("mean_anomaly", "meanAnomaly"))}}
        assert got == eph


def test_values_within_srsran_ranges(snapshot):
    """The ranges srsRAN checks (du_high_config_cli11_ntn_schema.cpp): the file loads."""
    ntn = _ntn(snapshot)
    assert 0 <= ntn["cell_specific_koffset"] <= 1023
    assert 0.0 <= ntn["ta_info"]["ta_common"] <= 270730.0
    assert abs(ntn["ta_info"]["ta_common_drift"]) <= 51.4606
    assert 0.0 <= ntn["ta_info"]["ta_common_drift_variant"] <= 0.57898
    eph = ntn["ephemeris_info_ecef"]
    assert all(abs(eph[f"pos_{a}"]) <= 43620761.6 and abs(eph[f"vel_{a}"]) <= 7864.32
               for a in "xyz")


def test_agrees_with_link_layer(cell, snapshot):
    name, inputs = cell
    ntn, built = _ntn(snapshot), snapshot.built
    link = link_at(inputs, snapshot.epoch_unix_s)
    # ta-Common = round trip RP (gateway) - satellite (TS 38.213 4.2), from the link layer.
    # Each value of the file is the SIB's (within half a step of the truth) plus a quarter
    # step toward srsRAN's truncation (ntnstack.export.fields, ``truncates``): 3/4 step.
    allowance = 1.5 * HALF_TA_COMMON_STEP_S + 2 * built.common_ta_residual_s + \
        2 * ONE_METRE / C
    assert ntn["ta_info"]["ta_common"] * 1e-6 == pytest.approx(
        2 * link.feeder_delay_s[0], abs=allowance)
    pos, vel = (a[0] for a in inputs.source.states(np.array([snapshot.epoch_unix_s])))
    eph = ntn["ephemeris_info_ecef"]
    for i, axis in enumerate("xyz"):
        assert eph[f"pos_{axis}"] == pytest.approx(pos[i], abs=1.5 * HALF_POSITION_STEP_M)
        assert eph[f"vel_{axis}"] == pytest.approx(vel[i], abs=1.5 * HALF_VELOCITY_STEP_MPS)
    # K_offset covers the terminal's round trip (TS 38.300 16.14.2) and stays within the
    # TR 38.821 worst case plus the builder's policy.
    assert ntn["cell_specific_koffset"] * 1e-3 >= link.rtt_s[0]
    assert ntn["cell_specific_koffset"] <= math.ceil(
        TR38821_MAX_RTT_TRANSPARENT_MS[name]) + K_OFFSET_POLICY_MS


def test_orbital_parameters_give_back_the_position(cell):
    snap = take_snapshot(cell[1], T_CULMINATION, ephemeris_format="orbital")
    orb = _ntn(snap)["ephemeris_orbital"]
    pos, _ = elements_to_state(OrbitalElements(
        orb["semi_major_axis"], orb["eccentricity"], orb["periapsis"], orb["longitude"],
        orb["inclination"], orb["mean_anomaly"]))
    truth = cell[1].source.states(np.array([snap.epoch_unix_s]))[0][0]
    radius = float(np.linalg.norm(truth))
    # Each of the four angles is within half its 2.341e-8 rad step, the semi-major axis within
    # half of 4.249e-3 m, the eccentricity within half of 1.431e-8 (TS 38.331 Orbital-r17).
    allowance = radius * (4 * 0.5 * 2.341e-8 + 0.5 * 1.431e-8) + 0.5 * 4.249e-3
    assert np.linalg.norm(pos - truth) <= allowance


def test_extended_fields(cell):
    snap = take_snapshot(cell[1], T_CULMINATION, polarisation="rhcp")
    ntn = _ntn(snap, extended=True)
    assert ntn["ntn_gateway_location"] == {"latitude": 40.07, "longitude": 116.27,
                                           "altitude": 60}   # data/lab.yaml gw-beijing
    assert ntn["epoch_timestamp"] == round(T_CULMINATION * 1000)
    assert ntn["polarization"] == {"dl": "rhcp", "ul": "rhcp"}
    assert "k_mac" not in ntn   # RP at the gateway = the gNB: k_mac absent (TS 38.331)
    assert srsran.check(srsran.render(snap, True), snap, True) == []


def test_check_finds_a_changed_value(snapshot):
    text = srsran.render(snapshot)
    k = _ntn(snapshot)["cell_specific_koffset"]
    bad = text.replace(f"cell_specific_koffset: {k}", f"cell_specific_koffset: {k + 1}")
    problems = srsran.check(bad, snapshot)
    assert [m.path for m in problems] == ["ntn.cell_specific_koffset"]


def test_fixed_k_offset_is_honoured_or_refused(cell):
    import dataclasses

    from ntnstack.errors import InputError
    from ntnstack.export.validate import cross_check

    auto = take_snapshot(cell[1], T_CULMINATION)
    needed = auto.quantities()["k_offset_ms"] - 1       # the builder adds a 1 ms margin
    fixed = take_snapshot(dataclasses.replace(cell[1], k_offset_ms=needed + 10), T_CULMINATION)
    assert _ntn(fixed)["cell_specific_koffset"] == needed + 10 and cross_check(fixed) == []
    with pytest.raises(InputError, match="cell k_offset"):
        take_snapshot(dataclasses.replace(cell[1], k_offset_ms=needed - 2), T_CULMINATION)


def test_orbital_snapshot_passes_the_link_cross_check(cell):
    from ntnstack.export.validate import cross_check

    assert cross_check(take_snapshot(cell[1], T_CULMINATION, ephemeris_format="orbital")) == []


def test_cross_check_finds_a_displaced_satellite(snapshot):
    import dataclasses

    from ntnstack.export.validate import cross_check
    from ntnstack.rrc.units import StateVectors

    cfg = snapshot.built.sib.config
    x, y, z = cfg.ephemeris.position_ecef_m
    moved = StateVectors((x + 13.0, y, z), cfg.ephemeris.velocity_ecef_mps)   # 10 steps off
    sib = dataclasses.replace(snapshot.built.sib,
                              config=dataclasses.replace(cfg, ephemeris=moved))
    bad = dataclasses.replace(snapshot, built=dataclasses.replace(snapshot.built, sib=sib))
    problems = cross_check(bad)
    assert len(problems) == 1 and problems[0].startswith("ephemeris pos_x")

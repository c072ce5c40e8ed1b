"""OpenAirInterface NTN parameters: parsed back with libconf (an independent libconfig
reader), checked against the SIB19 integers decoded from the encoded message and against
the orbit and link layer; the trace likewise, row by row."""
import csv
import io

import libconf
import numpy as np
import pytest

from ntnstack.errors import InputError
from ntnstack.export import oai, take_snapshot
from ntnstack.rrc.codec import decode_sib
from phy_ffi import CONST
from tests.export.conftest import T_CULMINATION, link_at
from tests.tolerances import HALF_POSITION_STEP_M, HALF_TA_COMMON_STEP_S, ONE_METRE

C = CONST.SPEED_OF_LIGHT_MPS
# Setting names of OAI openair2/GNB_APP/gnb_paramdef.h, and the drift variant of TS 38.331.
OAI_NAMES = {"ntn-UlSyncValidityDuration-r17", "cellSpecificKoffset_r17", "ta-Common-r17",
             "ta-CommonDrift-r17", "ta-CommonDriftVariant-r17", "positionX-r17",
             "positionY-r17", "positionZ-r17", "velocityVX-r17", "velocityVY-r17",
             "velocityVZ-r17"}


def _scc(snapshot):
    return libconf.loads(oai.render(snapshot))["gNBs"][0]["servingCellConfigCommon"][0]


def test_names_and_integers_are_the_sib19(snapshot):
    scc = _scc(snapshot)
    assert set(scc) == OAI_NAMES
    sib = decode_sib("sib19", snapshot.built.message)["ntn-Config-r17"]
    assert scc["cellSpecificKoffset_r17"] == sib["cellSpecificKoffset-r17"]
    assert f"s{scc['ntn-UlSyncValidityDuration-r17']}" == sib["ntn-UlSyncValidityDuration-r17"]
    for name, value in sib["ta-Info-r17"].items():
        assert scc[name] == value
    for name, value in sib["ephemerisInfo-r17"][1].items():
        assert scc[name] == value


def test_integers_agree_with_orbit_and_link(cell, snapshot):
    inputs, scc = cell[1], _scc(snapshot)
    pos, vel = (a[0] for a in inputs.source.states(np.array([snapshot.epoch_unix_s])))
    for i, axis in enumerate("XYZ"):
        assert scc[f"position{axis}-r17"] * 1.3 == pytest.approx(pos[i], abs=HALF_POSITION_STEP_M)
    link = link_at(inputs, snapshot.epoch_unix_s)
    allowance = (HALF_TA_COMMON_STEP_S + 2 * snapshot.built.common_ta_residual_s
                 + 2 * ONE_METRE / C)
    assert scc["ta-Common-r17"] * 4.072e-9 == pytest.approx(2 * link.feeder_delay_s[0],
                                                            abs=allowance)


def test_check_finds_a_changed_integer(snapshot):
    text = oai.render(snapshot)
    value = _scc(snapshot)["positionX-r17"]
    bad = text.replace(f"positionX-r17 = {value};", f"positionX-r17 = {value + 1};")
    paths = {m.path for m in oai.check(bad, snapshot)}
    assert paths == {oai.PREFIX + "positionX-r17", oai.PREFIX + "positionX-r17 (SIB19)"}


def test_orbital_ephemeris_is_refused(cell):
    snap = take_snapshot(cell[1], T_CULMINATION, ephemeris_format="orbital")
    with pytest.raises(InputError, match="--ephemeris"):
        oai.render(snap)


def test_trace_follows_the_pass(cell):
    inputs = cell[1]
    snaps = oai.trace_snapshots(inputs, T_CULMINATION - 60.0, 120.0, 10.0)
    text = oai.render_trace(snaps)
    assert oai.check_trace(text, snaps) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == oai.TRACE_COLUMNS and len(rows) == 13   # 0, 10, ... 120 s
    t = np.array([float(r["t_unix_s"]) for r in rows])
    pos = inputs.source.states(t)[0]
    link = link_at(inputs, t)
    for i, row in enumerate(rows):
        for j, axis in enumerate("XYZ"):
            assert int(row[f"position{axis}-r17"]) * 1.3 == pytest.approx(
                pos[i, j], abs=HALF_POSITION_STEP_M)
        assert int(row["ta-Common-r17"]) * 4.072e-9 == pytest.approx(
            2 * link.feeder_delay_s[i],
            abs=HALF_TA_COMMON_STEP_S + 2 * snaps[i].built.common_ta_residual_s
            + 2 * ONE_METRE / C)

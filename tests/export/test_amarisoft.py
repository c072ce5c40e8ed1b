"""Amarisoft NTN parameters: one mapping table; the JSON body parsed back and compared with
the cell's own SIB (SIB19 for NR, SIB31-NB for NB-IoT)."""
import json
import re

import pytest

from ntnstack.export import amarisoft, from_scenario, take_snapshot
from phy_ffi import CONST
from tests.export.conftest import LAB, T_CULMINATION


def _ntn(text):
    return json.loads(re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL))["ntn"]


def test_one_table_with_unit_and_source():
    paths = [f.path for f in amarisoft.FIELDS]
    assert len(paths) == len(set(paths))
    assert all(f.unit and f.source and f.quantity for f in amarisoft.FIELDS)
    # Nothing public confirms the keys: every row says so.
    assert all("unconfirmed" in f.source for f in amarisoft.FIELDS)


def test_every_row_reads_a_quantity_of_the_snapshot(cell):
    known = set()
    for fmt in ("state-vectors", "orbital"):
        known |= set(take_snapshot(cell[1], T_CULMINATION, ephemeris_format=fmt).quantities())
    assert {f.quantity for f in amarisoft.FIELDS} <= known


def test_nr_cell_values(snapshot):
    ntn = _ntn(amarisoft.render(snapshot))
    q = snapshot.quantities()
    assert ntn["k_offset"] == q["k_offset_ms"]
    assert ntn["ta_common"] == pytest.approx(q["ta_common_s"] * 1e6, rel=1e-12)
    assert ntn["ephemeris"]["pos_x"] == pytest.approx(q["pos_x_m"], rel=1e-12)
    assert ntn["gateway"] == {"latitude": 40.07, "longitude": 116.27, "altitude": 60}
    assert amarisoft.check(amarisoft.render(snapshot), snapshot) == []


def test_nbiot_cell_carries_sib31_quantisation():
    inputs = from_scenario(str(LAB), "leo-nb")
    snap = take_snapshot(inputs, T_CULMINATION, kind=inputs.sib_kind)
    assert snap.kind == "sib31-nb"
    ntn = _ntn(amarisoft.render(snap))
    # Regenerative payload: RP at the satellite, common TA 0 (TS 36.331 nta-Common).
    assert ntn["ta_common"] == 0 and "gateway" not in ntn
    assert ntn["k_offset"] == snap.built.fields["servingSatelliteInfo-r17"]["k-Offset-r17"]
    assert amarisoft.check(amarisoft.render(snap), snap) == []


def test_nbiot_transparent_ta_common_in_ts_steps(cell):
    """An LTE cell's common TA is a whole number of T_s (TS 36.331 nta-Common-r17)."""
    inputs = cell[1]
    snap = take_snapshot(inputs, T_CULMINATION, kind="sib31-nb")
    ta_us = _ntn(amarisoft.render(snap))["ta_common"]
    steps = ta_us * 1e-6 / CONST.T_S_S
    assert steps == pytest.approx(round(steps), abs=1e-4)


def test_check_finds_a_changed_value(snapshot):
    text = amarisoft.render(snapshot)
    bad = text.replace('"ul_sync_validity_duration": ', '"ul_sync_validity_duration": 1')
    assert [m.path for m in amarisoft.check(bad, snapshot)] == ["ntn.ul_sync_validity_duration"]


def test_polarisation_only_in_sib19(cell):
    from ntnstack.errors import InputError

    with pytest.raises(InputError, match="--polarisation"):
        take_snapshot(cell[1], T_CULMINATION, kind="sib31-nb", polarisation="rhcp")
    with pytest.raises(InputError, match="--polarisation"):
        take_snapshot(cell[1], T_CULMINATION, polarisation="circular")

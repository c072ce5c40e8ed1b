"""Fuzzing the orbit files (hypothesis): TLE and OMM (JSON, XML, KVN) text that is random,
truncated or has fields replaced. The property: ``load_satellites`` returns satellites whose
states are finite or NaN rows (SGP4's own error codes), or raises InputError with one line
naming the file; never another exception. Bounded by few examples and a deadline."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntnstack.errors import InputError
from ntnstack.orbit.tle import load_satellites, tle_checksum

DATA = Path(__file__).with_name("data")
TLE = (DATA / "real_tles.txt").read_text().splitlines()[:3]
OMM_JSON = json.loads((DATA / "iss_omm.json").read_text())[0]
KVN = (DATA / "iss_omm.kvn").read_text()
XML = (DATA / "iss_omm.xml").read_text()
START = 1.7e9   # 2023-11-14: the 2018 ISS elements have decayed by then in SGP4's model

FUZZ = settings(max_examples=40, deadline=timedelta(seconds=20), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
HOSTILE = st.one_of(st.sampled_from(["", "-", "nan", "inf", "1e308", "-1e308", "9" * 400,
                                     "0", "-0", "1.5.5", "[]", "{}", "null", "<x/>"]),
                    st.text(max_size=20), st.floats().map(repr),
                    st.integers(-10**20, 10**20).map(str))


def loads_or_input_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "elements.txt"
    path.write_bytes(data)
    try:
        sats = load_satellites(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    assert sats
    pos, vel = sats[0].states(np.array([START, START + 60.0]))
    finite = np.isfinite(pos).all(axis=-1)
    assert (finite == np.isfinite(vel).all(axis=-1)).all()   # whole rows, NaN or not


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(tmp_path, data):
    loads_or_input_error(tmp_path, data)


@FUZZ
@given(st.integers(0, 2), st.integers(0, 68), st.text(min_size=1, max_size=3),
       st.booleans())
def test_tle_with_a_field_replaced(tmp_path, line, column, text, fix_checksum):
    lines = list(TLE)
    body = lines[line]
    body = (body[:column] + text + body[column + len(text):])[:69]
    if fix_checksum and line > 0 and len(body) >= 69:
        body = body[:68] + str(tle_checksum(body))
    lines[line] = body
    loads_or_input_error(tmp_path, "\n".join(lines).encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.sampled_from(sorted(OMM_JSON)), HOSTILE, st.booleans())
def test_omm_json_with_a_field_replaced(tmp_path, field, value, drop):
    record = dict(OMM_JSON)
    if drop:
        del record[field]
    else:
        record[field] = value
    loads_or_input_error(tmp_path, json.dumps([record]).encode())


@FUZZ
@given(st.sampled_from([ln.split("=")[0].strip() for ln in KVN.splitlines() if "=" in ln]),
       HOSTILE)
def test_omm_kvn_with_a_field_replaced(tmp_path, field, value):
    text = "\n".join(f"{field} = {value}" if ln.split("=")[0].strip() == field else ln
                     for ln in KVN.splitlines())
    loads_or_input_error(tmp_path, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.integers(0, len(XML)), st.text(max_size=8))
def test_omm_xml_cut_and_spliced(tmp_path, cut, text):
    loads_or_input_error(tmp_path, (XML[:cut] + text).encode("utf-8", "surrogatepass"))

"""The NTN SIB codec: round trips over the full ranges, half-step quantisation, range errors,
and malformed input (TS 36.331 / TS 38.331 V17.4.0 field ranges, see ntnstack.rrc.units)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntnstack.errors import InputError
from ntnstack.rrc.codec import KINDS, DecodeError, EncodeError, decode_sib, encode_sib
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import (STEPS, VALIDITY_S, CommonTa, EpochTime, Neighbour, NtnConfig,
                                NtnSib, OrbitalParameters, StateVectors, physical, quantise)
from tests.tolerances import QUANTISATION_SLACK, RELATIVE_ROUNDING

ANGLE_MAX_N = int(2 * math.pi / STEPS["angle_rad"].step)   # n of the largest angle below 2 pi


def ints(step_name: str, hi: int | None = None):
    s = STEPS[step_name]
    return st.integers(s.lo, s.hi if hi is None else hi)


state_vectors = st.builds(
    lambda p, v: StateVectors(tuple(physical(n, STEPS["position_m"]) for n in p),
                              tuple(physical(n, STEPS["velocity_mps"]) for n in v)),
    st.tuples(*[ints("position_m")] * 3), st.tuples(*[ints("velocity_mps")] * 3))

orbital = st.builds(
    lambda a, e, w, o, i, m: OrbitalParameters(*(physical(n, STEPS[k]) for n, k in (
        (a, "semi_major_axis_m"), (e, "eccentricity"), (w, "angle_rad"), (o, "angle_rad"),
        (i, "inclination_rad"), (m, "angle_rad")))),
    ints("semi_major_axis_m"), ints("eccentricity"), ints("angle_rad", ANGLE_MAX_N),
    ints("angle_rad", ANGLE_MAX_N), ints("inclination_rad"), ints("angle_rad", ANGLE_MAX_N))


def common_ta(prefix: str):
    def term(name):
        return st.none() | ints(f"{prefix}_{name}").map(
            lambda n, k=f"{prefix}_{name}": physical(n, STEPS[k]))
    return st.builds(CommonTa, term("ta_common_s"), term("drift_s_per_s"),
                     term("variation_s_per_s2"))


def configs(kind: str):
    lte = kind != "sib19"
    ta = common_ta("sib31" if lte else "sib19")
    if not lte:
        ta = ta.filter(lambda c: c.ta_common_s is not None)
    return st.builds(
        NtnConfig, ephemeris=state_vectors | orbital, common_ta=ta,
        validity_s=st.sampled_from(VALIDITY_S),
        epoch=st.none() | st.builds(EpochTime, st.integers(0, 1023), st.integers(0, 9)),
        k_offset_ms=st.integers(0 if lte else 1, 1023), k_mac_ms=st.none() | st.integers(1, 512),
        polarisation_dl=st.none() if lte else st.none() | st.sampled_from(["rhcp", "lhcp"]),
        polarisation_ul=st.none() if lte else st.none() | st.just("linear"),
        ta_report=st.just(False) if lte else st.booleans())


def sibs(kind: str):
    if kind != "sib19":
        return st.builds(NtnSib, st.just(kind), configs(kind))
    return st.builds(
        NtnSib, st.just(kind), configs(kind),
        t_service_unix_s=st.none() | st.integers(0, 2**31).map(lambda s: s + 0.01 * 37),
        distance_thresh_m=st.none() | ints("distance_thresh_m").map(lambda n: 50.0 * n),
        neighbours=st.lists(st.builds(Neighbour, st.none() | configs(kind),
                                      st.none() | st.integers(0, 3279165),
                                      st.none() | st.integers(0, 1007)), max_size=4).map(tuple))


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_over_full_ranges(kind, data):
    """encode -> decode -> equal, for values on the spec's grid over each field's range."""
    sib = data.draw(sibs(kind))
    fields = to_fields(sib)
    assert decode_sib(kind, encode_sib(kind, fields)) == fields
    back = from_fields(kind, fields)
    assert to_fields(back) == fields


@pytest.mark.parametrize("name", sorted(STEPS))
@settings(max_examples=80, deadline=None)
@given(frac=st.floats(0.0, 1.0))
def test_quantisation_error_at_most_half_a_step(name, frac):
    s = STEPS[name]
    lo, hi = s.offset + s.lo * s.step, s.offset + s.hi * s.step
    value = lo + frac * (hi - lo)
    n = quantise(value, s, name)
    float_rounding = 8 * np.finfo(float).eps * max(abs(value), abs(s.offset))
    assert abs(physical(n, s) - value) <= 0.5 * s.step + float_rounding


@pytest.mark.parametrize("name", sorted(STEPS))
def test_out_of_range_names_the_field(name):
    s = STEPS[name]
    beyond = s.offset + (s.hi + 1) * s.step
    with pytest.raises(InputError, match=name):
        quantise(beyond, s, name)
    with pytest.raises(InputError, match="not finite"):
        quantise(float("nan"), s, name)


def test_reference_location_within_half_a_cell():
    """Ellipsoid-Point (TS 23.032 6.1): 2^23 latitude cells over 90 deg, 2^24 over 360 deg."""
    sib = NtnSib("sib19", NtnConfig(), reference_location_deg=(-33.8688, 151.2093))
    lat, lon = from_fields("sib19", to_fields(sib)).reference_location_deg
    assert abs(lat + 33.8688) <= 0.5 * 90 / 2**23
    assert abs(lon - 151.2093) <= 0.5 * 360 / 2**24


def test_encoder_rejects_what_the_asn1_does_not_admit():
    cfg = NtnConfig(StateVectors((7e6, 0, 0), (0, 7e3, 0)), CommonTa(0.0), 20, None, 0)
    with pytest.raises(EncodeError, match="sib19"):          # cellSpecificKoffset is 1..1023
        encode_sib("sib19", to_fields(NtnSib("sib19", cfg)))
    with pytest.raises(InputError, match="validity"):
        to_fields(NtnSib("sib31", NtnConfig(cfg.ephemeris, None, 7, None, 5)))
    with pytest.raises(InputError, match="kind"):
        encode_sib("sib2", {})


SAMPLE = NtnConfig(StateVectors((7.0e6, -1.0e3, 2.5), (10.0, 7.0e3, -0.03)),
                   CommonTa(1e-3, 1e-6, 1e-8), 20, EpochTime(100, 3), 25, 10)


FULL = {kind: NtnSib(kind, SAMPLE) for kind in ("sib31", "sib31-nb")} | {
    "sib19": NtnSib("sib19", SAMPLE, t_service_unix_s=1.7e9, reference_location_deg=(10.0, 20.0),
                    distance_thresh_m=1000.0, neighbours=(Neighbour(SAMPLE, 12345, 17),))}


@pytest.mark.parametrize("kind", list(KINDS))
def test_truncated_message_names_kind_and_offset(kind):
    data = encode_sib(kind, to_fields(NtnSib(kind, SAMPLE)))
    with pytest.raises(DecodeError, match=rf"{kind}: malformed message at bit offset \d+") as e:
        decode_sib(kind, data[: len(data) // 2])
    assert 0 < e.value.bit_offset <= 8 * (len(data) // 2)


def test_failure_without_an_offset_is_located_to_an_octet():
    """'x' = 0111 1000: c1, systemInformationBlockType1 (outside the subset), an extension bit,
    then an extension-addition count that asn1tools cannot read: the failure is in octet 0."""
    with pytest.raises(DecodeError, match=r"sib31: malformed message within bits 0\.\.7"):
        decode_sib("sib31", b"x")


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fuzzed_bytes_never_crash(kind, data):
    """Garbage, truncated and bit-flipped messages: a decode or a DecodeError, nothing else."""
    good = encode_sib(kind, to_fields(FULL[kind]))
    choice = data.draw(st.sampled_from(["garbage", "truncate", "flip"]))
    if choice == "garbage":
        blob = data.draw(st.binary(max_size=80))
    elif choice == "truncate":
        blob = good[: data.draw(st.integers(0, len(good) - 1))]
    else:
        bit = data.draw(st.integers(0, 8 * len(good) - 1))
        blob = bytearray(good)
        blob[bit // 8] ^= 0x80 >> (bit % 8)
        blob = bytes(blob)
    try:
        from_fields(kind, decode_sib(kind, blob))
    except DecodeError as exc:
        assert kind in str(exc)


def test_other_system_information_is_refused_by_name():
    """A SystemInformation carrying sib2 (outside the subset) is reported, not mis-read."""
    from ntnstack.rrc.codec import _compiled

    spec = _compiled(KINDS["sib31"].asn_file)
    msg = {"message": ("c1", ("systemInformation", {"criticalExtensions": (
        "systemInformation-r8", {"sib-TypeAndInfo": [("sib2", {})]})}))}
    with pytest.raises(DecodeError, match="sib2"):
        decode_sib("sib31", spec.encode("BCCH-DL-SCH-Message", msg))


def _span(name: str):
    s = STEPS[name]
    return st.floats(s.offset + s.lo * s.step, s.offset + s.hi * s.step)


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=60, deadline=None)
@given(pos=st.tuples(*[_span("position_m")] * 3), vel=st.tuples(*[_span("velocity_mps")] * 3),
       el=st.tuples(_span("semi_major_axis_m"), _span("eccentricity"),
                    st.floats(0, 2 * math.pi, exclude_max=True),
                    st.floats(0, 2 * math.pi, exclude_max=True), _span("inclination_rad"),
                    st.floats(0, 2 * math.pi, exclude_max=True)))
def test_physical_values_survive_the_bytes_within_half_a_step(kind, pos, vel, el):
    """Off-grid physical values -> fields -> UPER -> fields -> physical: every field within
    half its step (angles compared modulo 2 pi)."""
    prefix = "sib19" if kind == "sib19" else "sib31"
    ta = CommonTa(*(0.5 * (STEPS[f"{prefix}_{k}"].lo + STEPS[f"{prefix}_{k}"].hi)
                    * STEPS[f"{prefix}_{k}"].step + 0.37 * STEPS[f"{prefix}_{k}"].step
                    for k in ("ta_common_s", "drift_s_per_s", "variation_s_per_s2")))
    for eph in (StateVectors(pos, vel), OrbitalParameters(*el)):
        sib = NtnSib(kind, NtnConfig(eph, ta, 20, EpochTime(1, 2), 10, 5))
        back = from_fields(kind, decode_sib(kind, encode_sib(kind, to_fields(sib))))
        if isinstance(eph, StateVectors):
            got = back.config.ephemeris
            pairs = [(a, b, "position_m") for a, b in zip(pos, got.position_ecef_m, strict=True)]
            pairs += [(a, b, "velocity_mps")
                      for a, b in zip(vel, got.velocity_ecef_mps, strict=True)]
        else:
            names = ("semi_major_axis_m", "eccentricity", "angle_rad", "angle_rad",
                     "inclination_rad", "angle_rad")
            pairs = list(zip(el, vars(back.config.ephemeris).values(), names, strict=True))
        for a, b, n in pairs:
            diff = abs(a - b)
            if n == "angle_rad":
                diff = min(diff, 2 * math.pi - diff)
            float_rounding = 8 * np.finfo(float).eps * max(abs(a), STEPS[n].offset)
            assert diff <= 0.5 * STEPS[n].step + float_rounding, n
        for a, b, k in zip(vars(ta).values(), vars(back.config.common_ta).values(),
                           ("ta_common_s", "drift_s_per_s", "variation_s_per_s2"), strict=True):
            assert abs(a - b) <= 0.5 * STEPS[f"{prefix}_{k}"].step * (1 + QUANTISATION_SLACK)


# The field descriptions, transcribed here from the specifications (not from units.py):
# TS 38.331 V17.4.0 6.3.2 EphemerisInfo-r17 / TA-Info-r17 / SIB19-r17, TS 36.331 V17.4.0
# 6.3.1 SystemInformationBlockType31-r17 (ServingSatelliteInfo-r17); TS 36.211 4: T_s.
SPEC_FIELDS = {   # name: (step, lowest integer, highest integer, offset)
    "position_m": (1.3, -33554432, 33554431, 0.0),                 # PositionStateVector-r17
    "velocity_mps": (0.06, -131072, 131071, 0.0),                  # VelocityStateVector-r17
    "semi_major_axis_m": (4.249e-3, 0, 8589934591, 6_500_000.0),   # semiMajorAxis-r17
    "eccentricity": (1.431e-8, 0, 1048575, 0.0),                   # eccentricity-r17
    "angle_rad": (2.341e-8, 0, 268435455, 0.0),       # periapsis, longitude, (mean)anomaly
    "inclination_rad": (2.341e-8, -67108864, 67108863, 0.0),       # inclination-r17
    "sib19_ta_common_s": (4.072e-9, 0, 66485757, 0.0),             # ta-Common-r17: 4.072e-3 us
    "sib19_drift_s_per_s": (0.2e-9, -257303, 257303, 0.0),         # ta-CommonDrift: 0.2e-3 us/s
    "sib19_variation_s_per_s2": (0.2e-10, 0, 28949, 0.0),          # ...DriftVariant: 0.2e-4
    "sib31_ta_common_s": (1 / (15000 * 2048), 0, 8316827, 0.0),    # nta-Common-r17: 1 T_s
    "sib31_drift_s_per_s": (0.2e-9, -261935, 261935, 0.0),         # nta-CommonDrift-r17
    "sib31_variation_s_per_s2": (0.2e-10, 0, 29479, 0.0),          # nta-CommonDriftVariation
    "t_service_s": (0.01, 0, 549755813887, 0.0),                   # t-Service-r17: 10 ms
    "distance_thresh_m": (50.0, 0, 65525, 0.0),                    # distanceThresh-r17: 50 m
}


@pytest.mark.parametrize("name", sorted(SPEC_FIELDS))
def test_field_steps_and_ranges_are_the_specifications(name):
    step, lo, hi, offset = SPEC_FIELDS[name]
    got = STEPS[name]
    assert (got.lo, got.hi, got.offset) == (lo, hi, offset)
    assert got.step == pytest.approx(step, rel=RELATIVE_ROUNDING)


def test_every_quantised_field_is_checked_against_the_specifications():
    assert set(STEPS) == set(SPEC_FIELDS)

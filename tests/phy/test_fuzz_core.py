"""Every call into the C core, fed anything: "a status or an exception, never a crash or a
silent non-finite value" (issue 14). Each case is bounded (max_examples, arrays of at most 8
elements); under ``build.py test --sanitize`` the same suite runs against ASan + UBSan, which
turn an out-of-bounds read or undefined behaviour into a failure.

The property for a vectorised result: every element whose status is 0 has finite outputs, and
every element with a non-zero status has NaN outputs (ntn_phy.h). Exceptions must be
PhyError (a bad argument named in one line), never anything else.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phy_ffi
from phy_ffi import _bindings as b
from phy_ffi.errors import PhyError, PhyValueError

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

# Floats that break arithmetic: NaN, infinities, the largest and smallest doubles, zeros.
EDGE = st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 0.0, -0.0, 1e-300])
NUMBER = st.one_of(EDGE, st.floats(allow_nan=True, allow_infinity=True, width=64),
                   st.floats(-1e8, 1e8))
VECTOR = st.lists(NUMBER, min_size=1, max_size=8)
VECTOR3 = st.lists(st.lists(NUMBER, min_size=3, max_size=3), min_size=1, max_size=8)


def consistent(result) -> None:
    """Status 0 -> finite outputs; status != 0 -> NaN outputs (per element)."""
    status = np.asarray(result.status)
    ok = status == 0
    for name, value in result._asdict().items():
        arr = np.asarray(value)
        if name == "status" or arr.dtype == bool or arr.dtype.kind in "iu":
            continue
        flat = arr.reshape((*status.shape, -1)) if arr.shape[:status.ndim] == status.shape \
            else arr.reshape(-1, *status.shape).swapaxes(0, -1)
        assert np.isfinite(flat[ok]).all(), f"{name}: non-finite value with status 0"
        assert np.isnan(flat[~ok]).all(), f"{name}: a value where the status says error"


def call(fn, *args, **kwargs):
    """The call's result, or None when it raised PhyError (any other exception fails)."""
    try:
        return fn(*args, **kwargs)
    except PhyError as exc:
        assert "\n" not in str(exc) and str(exc)
        return None


@FUZZ
@given(VECTOR, VECTOR, VECTOR)
def test_geometry(lat, lon, alt):
    if (r := call(phy_ffi.geodetic_to_ecef, lat, lon, alt)) is not None:
        consistent(r)
        consistent(phy_ffi.ecef_to_geodetic(np.nan_to_num(r.ecef_m)))


@FUZZ
@given(VECTOR3, VECTOR3, VECTOR, VECTOR)
def test_look_angles_and_slant_range(target, ground, h, el):
    if (r := call(phy_ffi.look_angles, target, ground)) is not None:
        consistent(r)
    if (r := call(phy_ffi.reference_slant_range, h, el)) is not None:
        consistent(r)


@FUZZ
@given(VECTOR, VECTOR, VECTOR, st.sampled_from(["rural", "urban", "dense-urban"]),
       st.one_of(st.none(), st.integers(0, 2**64 - 1)))
def test_pathloss(d, el, f, env, seed):
    for r in (call(phy_ffi.pathloss, d, el, f, env, seed=seed), call(phy_ffi.fspl_db, d, f),
              call(phy_ffi.gas_zenith_attenuation_db, f)):
        if r is not None:
            consistent(r)


@FUZZ
@given(VECTOR, st.lists(st.lists(NUMBER, min_size=3, max_size=3), min_size=6, max_size=6))
def test_hermite_states(t, samples):
    """Found by this suite: finite samples of 1e308 gave an infinite acceleration, status 0."""
    if (r := call(phy_ffi.hermite_states, t, [0.0, 1.0, 2.0], samples[:3], samples[3:])):
        consistent(r)


@FUZZ
@given(VECTOR, NUMBER, NUMBER)
def test_ue_ephemeris(dt, a, e):
    for eph, fmt in (([a, e, 0.3, 1.0, 0.9, 0.1], "orbital"),
                     ([7e6, 0, 0, 0, 7.5e3, 0], "state-vectors")):
        if (r := call(phy_ffi.ue_propagate_ephemeris, eph, fmt, dt)) is not None:
            consistent(r)
        r = call(phy_ffi.ue_ta_doppler, eph, fmt, (1e-3, a, 0.0), 60.0, 2e9, dt,
                 [6371e3, 0.0, 0.0])
        if r is not None:
            consistent(r)


@FUZZ
@given(VECTOR3, VECTOR3, VECTOR3, VECTOR3, NUMBER)
def test_link_states(pos, vel, acc, ue, freq):
    if (r := call(phy_ffi.link_states, pos, vel, acc, ue, None, freq, freq)) is not None:
        consistent(r)


@FUZZ
@given(VECTOR, VECTOR)
def test_timing(rtt, ta):
    for fn in (phy_ffi.required_k_offset_ms, phy_ffi.required_k_mac_ms):
        r = call(fn, rtt, ta)
        if r is not None:
            k = np.asarray(r[0])
            assert ((k >= 0) == (r.status == 0)).all()   # -1 exactly where the status is bad
    if (r := call(phy_ffi.ta_ue_counts, rtt)) is not None:
        assert ((np.asarray(r[0]) >= 0) == (r.status == 0)).all()


@FUZZ
@given(st.lists(NUMBER, min_size=4, max_size=4), NUMBER, NUMBER, NUMBER)
def test_iq_channel(gain_db, noise, rate, delay):
    traj = call(phy_ffi.channel_trajectory, [0.0, 1.0], [1e-3, 1e-3], 0.0, gain_db[:2])
    if traj is None:
        return
    for args in ((1e5, {"noise_power": noise}), (rate, {}), (1e5, {"max_delay_s": delay})):
        ch = call(phy_ffi.IQChannel, args[0], traj, **args[1])
        if ch is not None:
            out = call(ch.process, np.ones(64, np.complex64))
            assert out is None or np.isfinite(out.view(np.float32)).all()


# ---- the cases, one by one ---------------------------------------------------------
def test_mismatched_lengths_are_refused_at_the_doorway():
    """1000 latitudes and one longitude used to be read out of bounds (ASan)."""
    with pytest.raises(PhyValueError, match="geodetic_to_ecef: lon_deg.*(1000,)"):
        b.geodetic_to_ecef(np.zeros(1000), np.zeros(1), np.zeros(1000))
    with pytest.raises(PhyValueError, match="look_angles: ground_ecef_m"):
        b.look_angles(np.zeros((5, 3)), np.zeros((4, 3)))
    with pytest.raises(PhyValueError, match="hermite_states: table_vel_mps"):
        b.hermite_states_multi(np.zeros(2), np.arange(3.0), np.zeros((1, 3, 3)),
                               np.zeros((1, 2, 3)))
    with pytest.raises(PhyValueError, match="not .*contiguous|C-contiguous"):
        b.fspl_db(np.zeros(8)[::2], np.zeros(4))


def test_complex_input_is_refused_not_truncated():
    with pytest.raises(PhyValueError, match="complex values where real ones are expected"):
        phy_ffi.geodetic_to_ecef([10 + 1j], 0.0, 0.0)
    with pytest.raises(PhyValueError, match="fspl_db: distance_m: complex values"):
        b.fspl_db(np.ones(2, np.complex128), np.ones(2))
    with pytest.raises(PhyValueError, match="complex"):
        phy_ffi.ue_ta_doppler([7e6, 0, 0, 0, 7.5e3, 0], "state-vectors", (0, 0, 0), 60.0,
                              np.complex128(2e9), 0.0, [6371e3, 0, 0])


def test_look_angles_of_points_whose_difference_overflows(phy):
    """Found by this suite: a target at 1e308 m gave range_m = inf with status 0."""
    r = phy.look_angles([[1e308, 6371e3, -1e308], [7e6, 0.0, 0.0]],
                        [[1e-300, 6371e3, 5e-324], [6371e3, 0.0, 0.0]])
    assert list(r.status) == [phy_ffi.CONST.ERR_RANGE, 0] and np.isnan(r.range_m[0])


def test_pathloss_of_an_overflowing_distance_is_a_range_status(phy):
    """1e308 m at 2 GHz: f * d overflows a double; the loss used to be inf with status 0."""
    r = phy.pathloss(1e308, 45.0, 2e9)
    assert r.status[0] == phy_ffi.CONST.ERR_RANGE and np.isnan(r.total_db[0])


def test_ephemeris_age_beyond_the_bound_is_a_range_status(phy):
    """dt = 1e308 s used to give a position with status 0 (n dt has lost every digit)."""
    for eph, fmt in (([7e6, 0.001, 0, 0, 0.9, 0], "orbital"),
                     ([7e6, 0, 0, 0, 7.5e3, 0], "state-vectors")):
        r = phy.ue_propagate_ephemeris(eph, fmt, [1e308, -2e9, 600.0])
        assert list(r.status[:2]) == [phy_ffi.CONST.ERR_RANGE] * 2 and r.status[2] == 0
        assert np.isnan(r.pos_ecef_m[:2]).all() and np.isfinite(r.pos_ecef_m[2]).all()


def test_iq_noise_power_and_gain_beyond_float32_are_refused(phy):
    traj = phy_ffi.channel_trajectory([0.0, 1.0], [1e-3, 1e-3], 0.0, 0.0)
    with pytest.raises(PhyValueError, match="noise_power"):
        phy.IQChannel(1e5, traj, noise_power=1e308)
    loud = phy.IQChannel(1e5, phy_ffi.channel_trajectory([0.0, 1.0], [1e-3, 1e-3], 0.0, 1000.0))
    with pytest.raises(PhyValueError, match="outside its physical range"):
        loud.process(np.ones(256, np.complex64))     # 1000 dB: 1e50 overflows float32
    with pytest.raises(PhyValueError, match="unusable"):
        loud.process(np.ones(8, np.complex64))


def test_call_level_error_fills_outputs_with_nan():
    """ntn_phy.h: one policy for a call-level error: NaN outputs, the code in every status."""
    pos, vel, status, st = b.ue_propagate_ephemeris(
        np.array([7e6, 2.0, 0, 0, 0, 0]), phy_ffi.CONST.UE_EPHEMERIS_ORBITAL, np.zeros(3))
    assert st == phy_ffi.CONST.ERR_RANGE and (status == st).all()
    assert np.isnan(pos).all() and np.isnan(vel).all()

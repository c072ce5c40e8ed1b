"""Link time series through the C core: consistency with direct propagation and payloads."""
import numpy as np
import pytest

from ntnstack.errors import InputError
from ntnstack.link.series import broadcast_common_ta, link_series, sample_times
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import PRESETS, parse_orbit_spec
from phy_ffi import CONST
from tests.tolerances import (
    ONE_CENTIMETRE_PER_SECOND,
    ONE_METRE,
    ONE_MICROSECOND,
    ONE_NANOSECOND,
    ONE_FEMTOSECOND_PER_SECOND,
    ONE_PICOSECOND,
    RELATIVE_FIT_ERROR,
    RELATIVE_ROUNDING,
)

START = 1767225600.0  # 2026-01-01T00:00:00Z
BEIJING = parse_position("39.9042,116.4074,50")
WUHAN_GATEWAY = parse_position("30.5928,114.3055,30", "--gateway")


def test_leo600_series_agrees_with_direct_propagation():
    src = PRESETS["tr38821-leo600"].make(START)[0]
    t = sample_times(START, 1200.0, 7.0)
    s = link_series(src, BEIJING, t)
    direct = np.linalg.norm(src.states(t)[0] - BEIJING.ecef_m, axis=1)
    # Hermite table step keeps position errors below 1 m (ntnstack.orbit.source).
    assert np.max(np.abs(s.range_m - direct)) < ONE_METRE
    np.testing.assert_allclose(s.delay_s, direct / CONST.SPEED_OF_LIGHT_MPS,
                               atol=4 * ONE_NANOSECOND)  # 1 m / c = 3.3 ns
    h = 0.5
    rate = (np.linalg.norm(src.states(t + h)[0] - BEIJING.ecef_m, axis=1)
            - np.linalg.norm(src.states(t - h)[0] - BEIJING.ecef_m, axis=1)) / (2 * h)
    assert np.max(np.abs(s.range_rate_mps - rate)) < 5 * ONE_CENTIMETRE_PER_SECOND
    np.testing.assert_allclose(s.doppler_dl_hz, -2.185e9 * s.range_rate_mps
                               / CONST.SPEED_OF_LIGHT_MPS, rtol=RELATIVE_ROUNDING)
    assert np.array_equal(s.visible, s.elevation_deg >= 10.0)


def test_transparent_and_regenerative_payloads():
    src = parse_orbit_spec("preset:beidou3-geo-110.5e", START)
    t = sample_times(START, 600.0, 60.0)
    tp = link_series(src, BEIJING, t, WUHAN_GATEWAY, payload="transparent")
    rg = link_series(src, BEIJING, t, WUHAN_GATEWAY, payload="regenerative")
    np.testing.assert_allclose(tp.rtt_s, 2 * (tp.delay_s + tp.feeder_delay_s), atol=ONE_NANOSECOND)
    np.testing.assert_allclose(rg.rtt_s, 2 * rg.delay_s, atol=ONE_NANOSECOND)
    # Reference point at the gateway: the common TA is the feeder-link round trip, about
    # 2 * 37 900 km / c = 0.25 s for a GEO gateway in Wuhan.
    np.testing.assert_allclose(tp.ta_common_s, 2 * tp.feeder_delay_s, atol=ONE_NANOSECOND)
    assert 0.24 < tp.ta_common_s[0] < 0.26
    assert not rg.ta_common_s.any()
    assert np.all(tp.visible) and np.all(np.isfinite(tp.pathloss_db))
    # TR 38.811 FSPL alone at 2.185 GHz over ~37 900 km is ~190.8 dB; the mean loss adds
    # scintillation, gas and clutter of a few dB.
    assert 190.0 < tp.pathloss_db[0] < 196.0


def test_gateway_below_the_horizon_makes_the_transparent_link_invisible():
    src = parse_orbit_spec("geo:110.5", START)
    far_gateway = parse_position("40.0,-100.0,0", "--gateway")  # GEO 110.5 E below its horizon
    s = link_series(src, BEIJING, sample_times(START, 60.0, 30.0), far_gateway)
    assert np.all(s.gateway_elevation_deg < 0) and not s.visible.any()
    regen = link_series(src, BEIJING, sample_times(START, 60.0, 30.0), far_gateway,
                        payload="regenerative")
    assert regen.visible.all()


def test_rows_are_plain_json_values():
    src = PRESETS["tr38821-leo600"].make(START)[0]
    s = link_series(src, BEIJING, sample_times(START, 60.0, 30.0))
    row = s.row(0)
    assert row["visible"] is False and row["pathloss_db"] is None  # below the horizon
    assert set(row) == {*s.ROW_FIELDS, "visible"}


@pytest.mark.parametrize("kwargs, message", [
    ({"payload": "bent"}, "--payload"),
    ({"freq_dl_hz": -1.0}, "--freq-hz"),
])
def test_bad_link_options(kwargs, message):
    src = parse_orbit_spec("geo:110.5", START)
    with pytest.raises(InputError, match=message):
        link_series(src, BEIJING, sample_times(START, 60.0, 30.0), **kwargs)


@pytest.mark.parametrize("text, message", [
    ("91,0,0", "latitude 91 deg is outside"),
    ("40,116", None),
    ("40;116;0", "expected LAT,LON,ALT_M"),
    ("40,east,0", "must be numbers"),
    ("40,116,200000", "altitude 200000 m is outside"),
])
def test_terminal_positions(text, message):
    if message is None:
        assert parse_position(text).alt_m == 0.0
        return
    with pytest.raises(InputError, match=message) as err:
        parse_position(text, "--ue")
    assert str(err.value).startswith("--ue ")


def test_leo_common_ta_follows_the_feeder_round_trip_through_the_broadcast_fit():
    src = PRESETS["tr38821-leo600"].make(START)[0]
    t = sample_times(START, 1200.0, 5.0)
    s = link_series(src, BEIJING, t, WUHAN_GATEWAY, validity_s=20.0)
    exact = 2 * s.feeder_delay_s
    at_epochs = (t - START) % 20.0 == 0
    # At each epoch the broadcast ta-Common is anchored to the sample (ntn_common_ta_fit).
    np.testing.assert_allclose(s.ta_common_s[at_epochs], exact[at_epochs], atol=ONE_NANOSECOND)
    # Between epochs the UE's quadratic drifts from the true round trip by the fit residual:
    # largest while the satellite passes near the gateway's zenith (measured 0.11 us, i.e.
    # 16 m one-way, in this pass); a linear-only model would be off by microseconds.
    assert np.max(np.abs(s.ta_common_s - exact)) < ONE_MICROSECOND / 4
    assert np.max(np.abs(s.ta_common_s - exact)) > 0  # it is the fit, not the exact value


def test_broadcast_common_ta_keeps_the_variation_field_non_negative():
    """ta-CommonDriftVariant (TS 38.331) / nta-CommonDriftVariation (TS 36.331) cannot be
    negative: a convex one-way delay d = d0 + a tau + b tau^2 (b > 0) is carried exactly
    (round trip: 2 d0, 2 a, 2 b); a concave one (b < 0) becomes the least-squares line through
    2 d0 at the epoch, slope sum(tau * 2 (d - d0)) / sum(tau^2)."""
    tau = np.arange(0.0, 20.5, 1.0)   # 20 s validity, 1 s samples, one at the epoch
    d0, a, b = 4.0e-3, 2.0e-5, 3.0e-9   # s, s/s, s/s^2: a LEO-like feeder delay
    ta, drift, variation = broadcast_common_ta(tau, d0 + a * tau + b * tau**2, 0.0, 20.0)
    assert ta == pytest.approx(2 * d0, abs=ONE_PICOSECOND)
    assert drift == pytest.approx(2 * a, abs=ONE_FEMTOSECOND_PER_SECOND)
    assert variation == pytest.approx(2 * b, rel=RELATIVE_FIT_ERROR)
    concave = d0 + a * tau - b * tau**2
    ta, drift, variation = broadcast_common_ta(tau, concave, 0.0, 20.0)
    assert variation == 0.0 and ta == pytest.approx(2 * d0, abs=ONE_PICOSECOND)
    line = float(tau @ (2 * (concave - d0)) / (tau @ tau))
    assert drift == pytest.approx(line, abs=ONE_FEMTOSECOND_PER_SECOND)

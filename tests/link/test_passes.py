"""Passes, serving-satellite choice and handovers."""
import numpy as np
import pytest

from ntnstack.link.passes import elevations, passes, serving_plan
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import PRESETS, parse_orbit_spec
from ntnstack.orbit.presets import REFERENCE_UE
from phy_ffi import CONST
from tests.tolerances import ONE_MILLIDEGREE, ONE_SECOND, TENTH_DEGREE, TENTH_SECOND

START = 1767225600.0  # 2026-01-01T00:00:00Z
UE = parse_position(",".join(map(str, REFERENCE_UE)))


def _closed_form_overhead_pass_s(altitude_m, inclination_deg, min_el_deg, ue_radius_m):
    """Length of an overhead pass above min_el on a spherical Earth of the UE's radius.

    Earth-central half-angle of the visibility cap: lambda = acos(R cos(el) / a) - el
    (TR 38.811 reference geometry); the satellite crosses it at the rate of the orbit seen
    from the rotating Earth, |n h - omega_E z| = sqrt(n^2 + w^2 - 2 n w cos i).
    """
    a = CONST.EARTH_RADIUS_3GPP_M + altitude_m
    el = np.radians(min_el_deg)
    half_angle = np.arccos(ue_radius_m * np.cos(el) / a) - el
    n = np.sqrt(CONST.EARTH_MU_M3PS2 / a**3)
    w = CONST.EARTH_ROTATION_RADPS
    return 2 * half_angle / np.sqrt(n * n + w * w - 2 * n * w * np.cos(np.radians(inclination_deg)))


def test_leo600_overhead_pass_length_against_the_closed_form():
    src = PRESETS["tr38821-leo600"].make(START)[0]
    first = passes(src, UE, START, 1800.0)[0]
    assert first.max_elevation_deg == pytest.approx(90.0, abs=2 * TENTH_DEGREE)
    assert first.culmination_unix_s == pytest.approx(START + 600.0, abs=ONE_SECOND)
    expect = _closed_form_overhead_pass_s(600e3, 53.0, 10.0, np.linalg.norm(UE.ecef_m))
    # The closed form uses a sphere and a great-circle relative track; the WGS-84 horizon
    # (0.19 deg vertical deflection at 40 N) and the track curvature move rise/set by
    # well under a second (measured 0.5 s).
    assert first.set_unix_s - first.rise_unix_s == pytest.approx(expect, abs=ONE_SECOND)


def test_rise_and_set_are_refined_to_a_tenth_of_a_second():
    src = PRESETS["tr38821-leo1200"].make(START)[0]
    found = passes(src, UE, START, 86400.0, min_elevation_deg=10.0)
    complete = [p for p in found if p.rise_unix_s is not None and p.set_unix_s is not None]
    assert len(complete) >= 4
    for p in complete:
        before, after = elevations(src, UE, [p.rise_unix_s - TENTH_SECOND,
                                             p.rise_unix_s + TENTH_SECOND])
        assert before < 10.0 < after
        before, after = elevations(src, UE, [p.set_unix_s - TENTH_SECOND,
                                             p.set_unix_s + TENTH_SECOND])
        assert before > 10.0 > after
        around = elevations(src, UE, p.culmination_unix_s + np.array([-1.0, 1.0]))
        assert np.all(around <= p.max_elevation_deg + ONE_MILLIDEGREE)


def test_geo_is_one_pass_spanning_the_window():
    src = parse_orbit_spec("preset:tiantong-1-01", START)
    (only,) = passes(src, UE, START, 86400.0)
    assert only.rise_unix_s is None and only.set_unix_s is None
    assert only.duration_s(START, START + 86400.0) == 86400.0
    # Spherical closed form for a GEO slot 101.4 E (the preset) seen from Beijing: central
    # angle cos(g) = cos(lat) cos(dlon); elevation atan((cos g - R / r_GEO) / sin g).
    r_geo = (CONST.EARTH_MU_M3PS2 / CONST.EARTH_ROTATION_RADPS**2) ** (1 / 3)
    lat, dlon = np.radians(UE.lat_deg), np.radians(UE.lon_deg - 101.4)
    g = np.arccos(np.cos(lat) * np.cos(dlon))
    expect = np.degrees(np.arctan((np.cos(g) - np.linalg.norm(UE.ecef_m) / r_geo) / np.sin(g)))
    # The WGS-84 vertical at 40 N leans 0.19 deg from the geocentric radial.
    assert only.max_elevation_deg == pytest.approx(expect, abs=2 * TENTH_DEGREE)


@pytest.mark.parametrize("policy", ["longest", "highest"])
def test_serving_plan_is_contiguous_and_visible(policy):
    sats = PRESETS["walker-leo600"].make(START)
    plan, handovers = serving_plan(sats, UE, START, 3 * 3600.0, policy=policy)
    assert plan and len(handovers) >= 1
    by_name = {s.name: s for s in sats}
    for interval in plan:
        inside = np.linspace(interval.start_unix_s, interval.end_unix_s, 7)[1:-1]
        assert np.all(elevations(by_name[interval.satellite], UE, inside) >= 10.0)
        if policy == "highest":
            every = np.stack([elevations(s, UE, inside) for s in sats])
            serving = elevations(by_name[interval.satellite], UE, inside)
            assert np.all(serving >= every.max(axis=0) - ONE_MILLIDEGREE)
    for h in handovers:
        assert h.source_satellite != h.target_satellite


def test_longest_policy_needs_no_more_handovers_than_highest():
    sats = PRESETS["walker-leo600"].make(START)
    _, longest = serving_plan(sats, UE, START, 3 * 3600.0, policy="longest")
    _, highest = serving_plan(sats, UE, START, 3 * 3600.0, policy="highest")
    assert len(longest) <= len(highest)

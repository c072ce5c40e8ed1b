"""The vectorised pass search against the scalar search it replaced, against skyfield's
``find_events``, and its own promises (short passes, bounded blocks, one geometry)."""
import importlib
from datetime import datetime, UTC
from pathlib import Path

import numpy as np
import pytest
from skyfield import api as skyfield_api

import phy_ffi
from ntnstack.link.passes import TIME_RESOLUTION_S, elevation_from, elevations, passes_many
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import parse_orbit_specs
from ntnstack.orbit.tle import load_satellites
from tests.link.passes_reference import reference_passes_many
from tests.tolerances import ONE_MICRODEGREE, ONE_MILLIDEGREE, ONE_SECOND

passes_module = importlib.import_module("ntnstack.link.passes")
START = 1767225600.0  # 2026-01-01T00:00:00Z
UE = parse_position("39.9,116.4,0", "--ue")
# Both searches stop bisecting below TIME_RESOLUTION_S from different brackets, so an event
# may differ by up to twice that; golden-section culminations likewise.
SAME_EVENT_S = 2 * TIME_RESOLUTION_S
MAX_LEO_SIGHT_RATE_DEG_S = 1.0


def _matched(found, reference):
    """Pairs of passes of the same satellite whose rise (or span start) agree."""
    assert len(found) == len(reference)
    pairs = []
    for ref in reference:
        twin = [p for p in found if p.satellite == ref.satellite
                and (p.rise_unix_s is None) == (ref.rise_unix_s is None)
                and abs((p.rise_unix_s or 0.0) - (ref.rise_unix_s or 0.0)) <= SAME_EVENT_S]
        assert len(twin) == 1, ref
        pairs.append((twin[0], ref))
    return pairs


@pytest.mark.parametrize("spec, duration_s", [
    ("walker:60/6/1:600:53", 86400.0),
    ("walker:1584/72/1:550:53", 1800.0),
    ("preset:tr38821-leo1200", 86400.0),
])
def test_same_passes_as_the_scalar_search(spec, duration_s):
    sources = parse_orbit_specs(spec, START, "--sat")
    found = passes_many(sources, UE, START, duration_s)
    reference = reference_passes_many(sources, UE, START, duration_s)
    assert found
    for new, old in _matched(found, reference):
        for a, b in ((new.set_unix_s, old.set_unix_s),
                     (new.culmination_unix_s, old.culmination_unix_s)):
            assert (a is None) == (b is None)
            if a is not None:
                assert a == pytest.approx(b, abs=SAME_EVENT_S)
        at_edge = min(abs(new.culmination_unix_s - START),
                      abs(new.culmination_unix_s - START - duration_s)) <= SAME_EVENT_S
        # Inside a pass the peak is flat (a 0.02 s shift moves it by microdegrees); clipped
        # at the span's edge it is not: the line of sight of a LEO 550 km satellite turns
        # at most v / h = 7.6 km/s / 550 km = 0.8 deg/s.
        tolerance = MAX_LEO_SIGHT_RATE_DEG_S * SAME_EVENT_S if at_edge else ONE_MILLIDEGREE
        assert new.max_elevation_deg == pytest.approx(old.max_elevation_deg, abs=tolerance)


def test_geo_slot_is_one_pass_with_the_same_peak():
    sources = parse_orbit_specs("preset:tiantong-1-01", START, "--sat")
    (found,) = passes_many(sources, UE, START, 86400.0)
    (reference,) = reference_passes_many(sources, UE, START, 86400.0)
    assert found.rise_unix_s is None and found.set_unix_s is None
    # The GEO elevation is flat to millidegrees over the day: the culmination time is not
    # well defined, the peak value is.
    assert found.max_elevation_deg == pytest.approx(reference.max_elevation_deg,
                                                    abs=ONE_MILLIDEGREE)


def test_blocks_of_satellites_do_not_change_the_result(monkeypatch):
    sources = parse_orbit_specs("walker:60/6/1:600:53", START, "--sat")
    whole = passes_many(sources, UE, START, 7200.0)
    monkeypatch.setattr(passes_module, "GRID_POINTS_PER_BLOCK", 1000)  # ~7 satellites a block
    blocks = []
    split = passes_many(sources, UE, START, 7200.0, progress=lambda done, total:
                        blocks.append((done, total)))
    assert split == whole
    assert len(blocks) > 5 and blocks[-1] == (60, 60)


def test_a_pass_shorter_than_the_grid_step_is_found():
    (source,) = parse_orbit_specs("preset:tr38821-leo600", START, "--sat")
    peak = passes_many([source], UE, START, 86400.0, min_elevation_deg=10.0)[1]
    # A mask 0.02 deg under this pass's peak leaves a few seconds above it, far less than
    # the search grid step (1/100 of the 97-min period, 58 s).
    mask = peak.max_elevation_deg - 0.02
    short = [p for p in passes_many([source], UE, START, 86400.0, min_elevation_deg=mask)
             if abs(p.culmination_unix_s - peak.culmination_unix_s) < ONE_SECOND]
    assert len(short) == 1
    (p,) = short
    assert 0 < p.set_unix_s - p.rise_unix_s < 58.0
    before, inside, after = elevations(source, UE, [p.rise_unix_s - 0.05,
                                                    p.culmination_unix_s, p.set_unix_s + 0.05])
    assert before < mask <= inside and after < mask


def test_elevation_from_matches_the_c_core_look_angles():
    sources = parse_orbit_specs("walker:60/6/1:600:53", START, "--sat")
    pos = np.concatenate([s.states(START + np.arange(0.0, 6000.0, 97.0))[0] for s in sources])
    c_core = phy_ffi.look_angles(pos, UE.ecef_m).elevation_deg
    np.testing.assert_allclose(elevation_from(UE, pos), c_core, atol=ONE_MICRODEGREE)


SKYFIELD_TS = skyfield_api.load.timescale(builtin=True)
REAL_TLES = Path(__file__).parents[1] / "orbit" / "data" / "real_tles.txt"


@pytest.mark.parametrize("name", ["ISS (ZARYA)", "FLOCK 2E-1", "CBERS 2"])
def test_rise_and_set_match_skyfield_find_events(name):
    (source,) = [s for s in load_satellites(REAL_TLES) if s.name == name]
    start = source.satrec.jdsatepoch  # Julian date of the element set's epoch
    start_unix = (start - 2440587.5) * 86400.0 + source.satrec.jdsatepochF * 86400.0
    lat, lon = 30.5928, 114.3055  # Wuhan
    ue = parse_position(f"{lat},{lon},0", "--ue")
    found = [p for p in passes_many([source], ue, start_unix, 86400.0, 10.0)
             if p.rise_unix_s is not None and p.set_unix_s is not None]
    here = skyfield_api.wgs84.latlon(lat, lon)
    sky = skyfield_api.EarthSatellite.from_satrec(source.satrec, SKYFIELD_TS)
    t0 = SKYFIELD_TS.from_datetime(datetime.fromtimestamp(start_unix, UTC))
    t1 = SKYFIELD_TS.from_datetime(datetime.fromtimestamp(start_unix + 86400.0, UTC))
    times, kinds = sky.find_events(here, t0, t1, altitude_degrees=10.0)
    unix = np.array([t.utc_datetime().timestamp() for t in times])
    sky_rises, sky_sets = unix[kinds == 0], unix[kinds == 2]
    complete = [(r, s) for r, s in zip(sky_rises, sky_sets, strict=False) if r < s]
    assert len(found) >= 2 and len(found) == len(complete)
    # skyfield applies its bundled UT1 - UTC (|DUT1| < 0.9 s); ntnstack's default is UT1 =
    # UTC, which turns the sky by omega_E * DUT1 (< 0.004 deg): rise and set move by well
    # under a second at LEO rates (the pass-length difference stays below 0.1 s).
    for p, (rise, set_) in zip(found, complete, strict=True):
        assert p.rise_unix_s == pytest.approx(rise, abs=ONE_SECOND)
        assert p.set_unix_s == pytest.approx(set_, abs=ONE_SECOND)

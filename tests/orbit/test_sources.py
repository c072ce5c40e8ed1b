"""Orbit sources: TLE/OMM parsing, GEO slots, Walker constellations, Hermite table step."""
from pathlib import Path

import numpy as np
import pytest

import phy_ffi
from ntnstack.errors import InputError
from ntnstack.orbit import (
    GeoSlot,
    load_satellites,
    parse_tle_text,
    states_of,
    walker_delta,
)
from ntnstack.orbit.elements import state_to_elements
from ntnstack.orbit.geo import geosynchronous_radius_m
from ntnstack.orbit.kepler import KeplerSource
from ntnstack.orbit.presets import PRESETS
from phy_ffi import CONST
from tests.tolerances import ONE_METRE, ONE_MILLIDEGREE, ONE_MILLIMETRE

DATA = Path(__file__).parent / "data"
TLES = DATA / "real_tles.txt"
EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z
ISS_EPOCH = 1526395833.546912  # 2018-05-15T14:50:33.546912Z, the ISS TLE epoch


@pytest.mark.parametrize("name", ["iss_omm.json", "iss_omm.xml", "iss_omm.kvn"])
def test_omm_layouts_give_the_tle_orbit(name):
    iss_tle = load_satellites(TLES)[0]
    (iss_omm,) = load_satellites(DATA / name)
    assert iss_omm.name == "ISS (ZARYA)"
    t = ISS_EPOCH + np.arange(0, 86400, 600.0)
    # The OMM epoch is written to the microsecond: 7.7 km/s * 1 us = 8 mm, well below 1 m.
    diff = np.linalg.norm(iss_omm.states(t)[0] - iss_tle.states(t)[0], axis=1)
    assert np.max(diff) < ONE_METRE


@pytest.mark.parametrize("name", ["iss_omm.kvn", "iss_omm.xml"])
@pytest.mark.parametrize("key, value", [
    ("TIME_SYSTEM", "TAI"),                 # an epoch 37 s off UTC: 238 km of range at LEO
    ("REF_FRAME", "EME2000"), ("MEAN_ELEMENT_THEORY", "SGP4-XP"), ("CENTER_NAME", "MOON"),
])
def test_an_omm_sgp4_cannot_propagate_is_refused(tmp_path, name, key, value):
    # CCSDS 502.0-B-3 OMM metadata; SGP4 takes TEME mean elements about the Earth at a UTC
    # epoch: anything else is refused by name, not propagated as if it were that
    text = (DATA / name).read_text()
    default = dict(TIME_SYSTEM="UTC", REF_FRAME="TEME", MEAN_ELEMENT_THEORY="SGP4",
                   CENTER_NAME="EARTH")[key]
    changed = text.replace(f"{key} = {default}", f"{key} = {value}").replace(
        f"<{key}>{default}</{key}>", f"<{key}>{value}</{key}>")
    assert changed != text
    (tmp_path / name).write_text(changed)
    with pytest.raises(InputError, match=f"OMM record 1: {key} '{value}': SGP4 takes {default}"):
        load_satellites(tmp_path / name)


def test_satrec_array_matches_one_by_one():
    sats = load_satellites(TLES)
    t = ISS_EPOCH + np.arange(0, 7200, 60.0)
    pos, vel = states_of(sats, t)
    assert pos.shape == (len(sats), t.size, 3)
    for k, sat in enumerate(sats):
        one_pos, one_vel = sat.states(t)
        np.testing.assert_array_equal(pos[k], one_pos)
        np.testing.assert_array_equal(vel[k], one_vel)


def test_malformed_tle_names_the_line():
    lines = TLES.read_text().splitlines()
    bad = lines[1][:-1] + str((int(lines[1][-1]) + 1) % 10)
    with pytest.raises(InputError, match=r"x\.tle line 2: TLE checksum"):
        parse_tle_text("\n".join([lines[0], bad, lines[2]]), "x.tle")
    with pytest.raises(InputError, match=r"line 3: TLE line 2 has 40 characters"):
        parse_tle_text("\n".join([lines[0], lines[1], lines[2][:40]]), "x.tle")
    with pytest.raises(InputError, match=r"line 1: TLE line 1 without line 2"):
        parse_tle_text(lines[1], "x.tle")


def test_geo_slot_elevation_matches_the_closed_form():
    # Closed form on the WGS-84 ellipsoid: the station from geodetic coordinates with the
    # prime-vertical radius N (NIMA TR8350.2 chapter 4), the elevation against the geodetic
    # up vector, the satellite on the equator at the geosynchronous radius.
    lat, lon, alt = np.radians(39.9042), np.radians(116.4074), 50.0
    a, f = CONST.WGS84_A_M, 1 / CONST.WGS84_INV_F
    e2 = f * (2 - f)
    n = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    station = np.array([(n + alt) * np.cos(lat) * np.cos(lon),
                        (n + alt) * np.cos(lat) * np.sin(lon), (n * (1 - e2) + alt) * np.sin(lat)])
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    for slot_lon in (80.0, 110.5, 140.0):
        r = geosynchronous_radius_m()
        sat = r * np.array([np.cos(np.radians(slot_lon)), np.sin(np.radians(slot_lon)), 0.0])
        los = sat - station
        expect = np.degrees(np.arcsin(los @ up / np.linalg.norm(los)))
        pos, _ = GeoSlot(slot_lon, EPOCH).states(EPOCH + np.array([0.0, 43200.0]))
        got = phy_ffi.look_angles(pos, station).elevation_deg
        np.testing.assert_allclose(got, expect, atol=ONE_MILLIDEGREE)


def test_geo_figure_eight_and_box():
    inc_deg, box_deg = 0.5, 0.1
    slot = GeoSlot(110.5, EPOCH, inclination_deg=inc_deg, box_half_width_deg=box_deg)
    t = EPOCH + np.arange(0, 14 * 86400, 600.0)
    geo = phy_ffi.ecef_to_geodetic(slot.states(t)[0])
    # Geodetic latitude of a point on the geocentric +-i line at GEO radius: +-i (to 1e-3).
    assert np.max(np.abs(geo.lat_deg)) == pytest.approx(inc_deg, abs=ONE_MILLIDEGREE)
    figure_eight_deg = np.degrees(np.radians(inc_deg) ** 2 / 4)
    assert np.max(np.abs(geo.lon_deg - 110.5)) <= box_deg + figure_eight_deg + ONE_MILLIDEGREE
    assert np.max(geo.lon_deg - 110.5) > box_deg - ONE_MILLIDEGREE


def test_walker_delta_counts_and_spacing():
    t, p, f = 24, 4, 2
    sats = walker_delta(t, p, f, 1200e3, 55.0, EPOCH)
    assert len(sats) == t and len({s.name for s in sats}) == t
    el = [state_to_elements(*s.eci_states(EPOCH)) for s in sats]
    nodes = np.degrees([e.longitude_ascending_node_rad for e in el]).reshape(p, t // p)
    lat_arg = np.degrees([e.mean_anomaly_rad for e in el]).reshape(p, t // p)
    np.testing.assert_allclose(nodes[:, 0], [0, 90, 180, 270], atol=ONE_MILLIDEGREE)
    np.testing.assert_allclose(np.diff(lat_arg[0]), 360 / (t // p), atol=ONE_MILLIDEGREE)
    # Walker phasing: a satellite in plane j+1 leads its plane-j twin by f * 360 / t deg.
    np.testing.assert_allclose((lat_arg[1] - lat_arg[0]) % 360, f * 360 / t,
                               atol=ONE_MILLIDEGREE)
    with pytest.raises(ValueError, match="multiple"):
        walker_delta(25, 4, 1, 600e3, 53.0, EPOCH)


@pytest.mark.parametrize("make", [
    lambda: load_satellites(TLES)[0],          # ISS, 400 km
    lambda: load_satellites(TLES)[3],          # CBERS 2, 780 km
    lambda: load_satellites(TLES)[4],          # GPS
    lambda: PRESETS["tr38821-leo600"].make(EPOCH)[0],
    lambda: PRESETS["tiantong-1-01"].make(EPOCH)[0],
    lambda: KeplerSource((26_560e3, 0.72, 4.7, 1.0, 1.1, 0.0), EPOCH, "molniya"),
], ids=["iss", "cbers2", "gps", "leo600", "geo", "molniya-perigee"])
def test_hermite_table_step_keeps_the_error_below_a_metre(make):
    src = make()
    start = getattr(src, "epoch_unix_s", None) or ISS_EPOCH
    if hasattr(src, "satrec"):
        start = (src.satrec.jdsatepoch - 2440587.5 + src.satrec.jdsatepochF) * 86400.0
    table = src.table(start, 6 * 3600.0)
    mid = 0.5 * (table.t_unix_s[:-1] + table.t_unix_s[1:])
    t = np.sort(np.concatenate([mid, table.t_unix_s[:-1] + 0.3 * np.diff(table.t_unix_s)]))
    got = phy_ffi.hermite_states(t - start, table.t_unix_s - start, table.pos_m, table.vel_mps)
    assert np.max(np.linalg.norm(got.pos_m - src.states(t)[0], axis=1)) < ONE_METRE


def test_table_samples_are_the_source_states():
    src = PRESETS["tr38821-leo1200"].make(EPOCH)[0]
    table = src.table(EPOCH, 600.0, step_s=20.0)
    assert table.t_unix_s[0] == EPOCH and table.t_unix_s[-1] >= EPOCH + 600.0
    pos, _ = src.states(table.t_unix_s)
    assert np.max(np.abs(pos - table.pos_m)) < ONE_MILLIMETRE


def test_decayed_elements_are_a_clear_error():
    # FLOCK 2E-1's 2018 elements (ndot/2 = 9.6e-4 rev/day^2: strong drag at 15.9 rev/day)
    # decay under SGP4 long before 2026; the source says so instead of tabulating NaN.
    flock = load_satellites(TLES)[1]
    assert np.all(np.isnan(flock.states(np.array([EPOCH]))[0]))
    with pytest.raises(InputError, match="FLOCK 2E-1: the orbit cannot be propagated"):
        flock.table(EPOCH, 600.0)

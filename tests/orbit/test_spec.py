"""SPEC strings and presets: every kind parses; every mistake is one InputError naming it."""
from pathlib import Path

import numpy as np
import pytest

from ntnstack.errors import InputError
from ntnstack.orbit import PRESETS, list_presets, parse_orbit_spec, parse_orbit_specs
from ntnstack.orbit.presets import REFERENCE_UE
from phy_ffi import CONST, ecef_to_geodetic
from tests.tolerances import ONE_KILOMETRE, ONE_METRE, ONE_NANODEGREE, TENTH_DEGREE

TLES = Path(__file__).parent / "data" / "real_tles.txt"
EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z


def test_geo_spec_sits_over_its_longitude():
    src = parse_orbit_spec("geo:110.5", EPOCH)
    geo = ecef_to_geodetic(src.states(EPOCH + np.array([0.0, 3600.0]))[0])
    np.testing.assert_allclose(geo.lon_deg, 110.5, atol=ONE_NANODEGREE)
    # GEO altitude above the equator: 42 164.17 km - 6 378.137 km = 35 786.03 km
    # (TR 38.821 quotes 35 786 km).
    np.testing.assert_allclose(geo.alt_m, 35_786_030.0, atol=ONE_KILOMETRE / 10)


def test_circular_spec_elements_at_the_start():
    src = parse_orbit_spec("circular:600:53:116.4:0", EPOCH)
    pos, _ = src.states(EPOCH)
    # Argument of latitude 0 at the start: on the equator at the node longitude, 600 km
    # above the TR 38.811 sphere.
    geo = ecef_to_geodetic(pos)
    assert geo.lat_deg[0] == pytest.approx(0.0, abs=ONE_NANODEGREE)
    assert geo.lon_deg[0] == pytest.approx(116.4, abs=ONE_NANODEGREE)
    assert np.linalg.norm(pos) == pytest.approx(CONST.EARTH_RADIUS_3GPP_M + 600e3, abs=ONE_METRE)


def test_tle_spec_with_and_without_a_name():
    assert len(parse_orbit_specs(f"tle:{TLES}", EPOCH)) == 6
    assert parse_orbit_spec(f"tle:{TLES}:xm-3", EPOCH).name == "XM-3"
    assert parse_orbit_spec(f"tle:{TLES}:25544", EPOCH).name == "ISS (ZARYA)"


def test_walker_spec_and_presets():
    assert len(parse_orbit_specs("walker:66/6/2:780:86.4", EPOCH)) == 66
    names = [n for n, _ in list_presets()]
    for wanted in ("tiantong-1-01", "beidou3-geo-80e", "beidou3-geo-110.5e", "beidou3-geo-140e",
                   "tr38821-geo", "tr38821-leo600", "tr38821-leo1200", "walker-leo600"):
        assert wanted in names
    for name in names:
        for src in PRESETS[name].make(EPOCH):
            assert np.all(np.isfinite(src.states(EPOCH)[0]))


def test_tr38821_leo_presets_culminate_over_the_reference_ue():
    import phy_ffi

    ue = phy_ffi.geodetic_to_ecef(*REFERENCE_UE).ecef_m[0]
    for name, t_culm in (("tr38821-leo600", 600.0), ("tr38821-leo1200", 900.0)):
        src = parse_orbit_spec(f"preset:{name}", EPOCH)
        el = phy_ffi.look_angles(src.states(EPOCH + t_culm)[0], ue).elevation_deg[0]
        # Through the geocentric radial: 90 deg minus less than the 0.19 deg
        # geodetic-geocentric vertical deflection at 40 N.
        assert el == pytest.approx(90.0, abs=2 * TENTH_DEGREE)


@pytest.mark.parametrize("spec", ["preset:tr38821-leo600", "circular:600:53:10:20",
                                  "walker:6/2/1:600:53", "geo:110.5"])
def test_anchor_after_at_replaces_the_start_as_the_elements_epoch(spec):
    anchored = parse_orbit_specs(f"{spec}@2026-01-01T00:00:00Z", EPOCH + 3600.0)
    at_start = parse_orbit_specs(spec, EPOCH)
    t = EPOCH + np.array([0.0, 600.0, 5000.0])
    for a, b in zip(anchored, at_start, strict=True):
        assert np.array_equal(a.states(t)[0], b.states(t)[0])


def test_alpha5_catalogue_numbers_name_their_satellite(tmp_path):
    # Alpha-5 (the 18 SDS form of numbers >= 100000): "A5544" is 105544 (A = 10)
    from ntnstack.orbit.tle import tle_checksum

    name, l1, l2 = Path(TLES).read_text().splitlines()[:3]
    assert l1[2:7] == "25544"
    l1, l2 = (line[:2] + "A5544" + line[7:68] for line in (l1, l2))
    (tmp_path / "alpha5.tle").write_text(
        f"ALPHA5\n{l1}{tle_checksum(l1)}\n{l2}{tle_checksum(l2)}\n")
    for number in ("A5544", "a5544", "105544"):
        (sat,) = parse_orbit_specs(f"tle:{tmp_path / 'alpha5.tle'}:{number}", EPOCH)
        assert sat.satrec.satnum == 105544


def test_at_in_a_file_path_is_part_of_the_path(tmp_path):
    path = tmp_path / "leo@night.tle"
    path.write_text(Path(TLES).read_text())
    assert len(parse_orbit_specs(f"tle:{path}", EPOCH)) == len(parse_orbit_specs(f"tle:{TLES}",
                                                                                 EPOCH))


@pytest.mark.parametrize("spec, message", [
    ("geo:abc", r"'geo:abc': LON_DEG 'abc' is not a number"),
    ("geo:400", r"LON_DEG 400 is outside"),
    ("circular:600:53:0", r"expected ALT_KM:INC_DEG:RAAN_DEG:ARG_LAT_DEG"),
    ("circular:-5:53:0:0", r"ALT_KM must be in \(0, 100000\], got -5"),
    ("circular:1e9:53:0:0", r"ALT_KM must be in \(0, 100000\], got 1e\+09"),
    ("kepler:200000:0.1:53:0:0:0", r"apogee above 100000 km"),
    # perigee 6400 km x (1 - 0.005) = 6368 km: below the TR 38.811 sphere (6371 km)
    ("kepler:6400:0.005:53:0:0:0", r"perigee above the Earth"),
    ("walker:5001/1/0:600:53", r"T = 5001 satellites exceeds 5000"),
    ("tle:.", r"file '\.' not found"),
    ("circular:600:nan:0:0", r"INC_DEG must be finite"),
    ("preset:tiantong-9", r"unknown preset 'tiantong-9'"),
    ("tle:/nonexistent/x.tle", r"file '/nonexistent/x.tle' not found"),
    (f"tle:{TLES}:NOSUCH", r"no satellite 'NOSUCH'"),
    ("walker:24/5/1:600:53", r"multiple of p"),
    ("mars:1", r"unknown kind 'mars'"),
    ("geo", r"expected KIND:"),
    ("preset:tr38821-leo600@noon", r"anchor after @ 'noon': not an ISO 8601 time"),
])
def test_bad_specs_raise_input_error_naming_them(spec, message):
    with pytest.raises(InputError, match=message) as err:
        parse_orbit_specs(spec, EPOCH, where="--sat")
    assert str(err.value).startswith("--sat ")
    assert "\n" not in str(err.value)


def test_one_satellite_wanted():
    with pytest.raises(InputError, match="names 6 satellites"):
        parse_orbit_spec(f"tle:{TLES}", EPOCH, where="--sat")


def test_malformed_tle_file_names_path_and_line(tmp_path):
    lines = TLES.read_text().splitlines()
    bad = tmp_path / "bad.tle"
    bad.write_text("\n".join([*lines[:5], lines[5][:60]]) + "\n")
    with pytest.raises(InputError, match=r"bad\.tle line 6: TLE line 2 has 60 characters"):
        parse_orbit_specs(f"tle:{bad}", EPOCH, where="--sat")


def test_kepler_omm_and_geo_options_specs():
    from ntnstack.orbit.elements import state_to_elements

    src = parse_orbit_spec("kepler:26560:0.72:63.4:40:270:10", EPOCH)
    el = state_to_elements(*src.eci_states(EPOCH))
    assert el.semi_major_axis_m[0] == pytest.approx(26_560e3, abs=ONE_METRE)
    assert np.degrees(el.inclination_rad[0]) == pytest.approx(63.4, abs=ONE_NANODEGREE)
    omm = Path(__file__).parent / "data" / "iss_omm.json"
    assert parse_orbit_spec(f"omm:{omm}", EPOCH).name == "ISS (ZARYA)"
    tilted = parse_orbit_spec("geo:140:0.5:0.05", EPOCH)
    lat = ecef_to_geodetic(tilted.states(EPOCH + np.arange(0, 86400, 3600.0))[0]).lat_deg
    assert np.max(np.abs(lat)) == pytest.approx(0.5, abs=TENTH_DEGREE / 10)
    with pytest.raises(InputError, match="perigee above the Earth"):
        parse_orbit_spec("kepler:7000:0.2:50:0:0:0", EPOCH)


def test_elements_far_from_the_start_are_warned_about(caplog):
    # the ISS TLE of real_tles.txt has its epoch on 2018-05-15: at 2026-01-01 that is 2,787
    # days, far beyond STALE_ELEMENTS_DAYS (14); at its own epoch no warning
    from ntnstack.orbit.spec import STALE_ELEMENTS_DAYS

    iss_epoch = 1526395833.546912   # 2018-05-15T14:50:33.546912Z
    with caplog.at_level("WARNING"):
        parse_orbit_specs(f"tle:{TLES}:25544", iss_epoch + 86400.0, "--sat")
        assert caplog.records == []
        parse_orbit_specs(f"tle:{TLES}:25544", EPOCH, "--sat")
    (record,) = caplog.records
    assert f"more than {STALE_ELEMENTS_DAYS:g} days from the start (up to 2787 days)" in \
        record.getMessage()

"""The TR 38.821 reference scenarios through the link kernel, on both backends.

Provenance: 3GPP TR 38.821 V16.x, Table 4.2-2 (NTN reference scenario parameters) and
Table 5.3.2.1-1 (distances), GEO 35 786 km, LEO 600 km and 1 200 km, minimum elevation 10 deg
on the service link and on the feeder link, spherical Earth R = 6 371 km (TR 38.811 6.6):
  max distance satellite - UE at 10 deg: 40 586 / 3 131 / 1 932 km
  max round trip, transparent (service + feeder at 10 deg): 541.46 / 41.77 / 25.77 ms
  max round trip, regenerative (service link only):         270.73 / 20.89 / 12.89 ms
  max differential delay within a beam (footprint 3 500 km GEO, 1 000 km LEO, far edge at
  10 deg): 10.3 / 3.18 / 3.12 ms
  max Doppler, Earth-fixed UE: LEO-1200 21 ppm, LEO-600 24 ppm (TR 38.811 5.3.4: 48 kHz at
  2 GHz); max Doppler variation 0.13 / 0.27 ppm/s (TR 38.811: -544 Hz/s at 2 GHz).
The GEO Doppler entries (0.93 ppm) come from the residual motion of an inclined, station-kept
GEO slot and are not a property of this kernel; they belong to the orbit tests.
"""
import numpy as np
import pytest

from tests.phy.circular_orbit import R_3GPP_M, central_angle_rad, circular_states
from tests.tolerances import (FIFTY_MICROSECONDS, FIVE_KILOMETRES, FIVE_MICROSECONDS,
                              ONE_KILOMETRE, TWO_BODY_DOPPLER_FRACTION)

F_HZ = 2e9
MIN_ELEVATION_DEG = 10.0


def on_equator(angle_rad, radius_m):
    """A point in the equatorial plane: there the WGS-84 vertical is the geocentric radius, so
    elevations equal those of the TR's spherical geometry."""
    return np.array([radius_m * np.cos(angle_rad), radius_m * np.sin(angle_rad), 0.0])


def service_and_feeder_at_min_elevation(phy, altitude_m):
    """UE and gateway each seeing the satellite at 10 deg, on opposite sides."""
    lam = central_angle_rad(altitude_m, MIN_ELEVATION_DEG)
    sat = on_equator(lam, R_3GPP_M + altitude_m)
    ue, gateway = on_equator(0.0, R_3GPP_M), on_equator(2 * lam, R_3GPP_M)
    return phy.link_states(sat, np.zeros(3), np.zeros(3), ue, gateway)


@pytest.mark.parametrize("alt_km, dist_km, tol_m, rtt_t_ms, rtt_r_ms", [
    (35786, 40586, FIVE_KILOMETRES, 541.46, 270.73),
    (1200, 3131, ONE_KILOMETRE, 41.77, 20.89),
    (600, 1932, ONE_KILOMETRE, 25.77, 12.89),
])
def test_distance_and_round_trip(phy, alt_km, dist_km, tol_m, rtt_t_ms, rtt_r_ms):
    link = service_and_feeder_at_min_elevation(phy, alt_km * 1e3)
    assert link.elevation_deg[0] == pytest.approx(MIN_ELEVATION_DEG, abs=1e-9)
    assert link.range_m[0] == pytest.approx(dist_km * 1e3, abs=tol_m)
    assert link.rtt_transparent_s[0] == pytest.approx(rtt_t_ms * 1e-3, abs=FIVE_MICROSECONDS)
    assert link.rtt_regenerative_s[0] == pytest.approx(rtt_r_ms * 1e-3, abs=FIVE_MICROSECONDS)


@pytest.mark.parametrize("alt_km, footprint_km, diff_ms, tol_s", [
    (35786, 3500, 10.3, FIFTY_MICROSECONDS),
    (1200, 1000, 3.18, FIVE_MICROSECONDS),
    (600, 1000, 3.12, FIVE_MICROSECONDS),
])
def test_differential_delay_within_a_beam(phy, alt_km, footprint_km, diff_ms, tol_s):
    alt = alt_km * 1e3
    lam = central_angle_rad(alt, MIN_ELEVATION_DEG)
    sat = on_equator(lam, R_3GPP_M + alt)[None]
    far, near = on_equator(0.0, R_3GPP_M), on_equator(footprint_km * 1e3 / R_3GPP_M, R_3GPP_M)
    grid = phy.link_grid(sat, np.zeros((1, 3)), np.zeros((1, 3)), np.stack([far, near]))
    delay = grid.delay_s[0, :, 0]
    assert grid.elevation_deg[0, 0, 0] == pytest.approx(MIN_ELEVATION_DEG, abs=1e-9)
    assert delay[0] - delay[1] == pytest.approx(diff_ms * 1e-3, abs=tol_s)


def overhead_pass_extremes(phy, altitude_m, inc_deg, earth_rotation):
    """Max |Doppler| (ppm) and max |Doppler rate| (ppm/s) above 10 deg for a circular orbit
    passing over an equatorial UE, sampled every 0.5 s."""
    t = np.arange(-1500.0, 1500.0, 0.5)
    states = circular_states(R_3GPP_M + altitude_m, inc_deg, 0.0, 0.0, t, earth_rotation)
    link = phy.link_states(*states, on_equator(0.0, R_3GPP_M), freq_dl_hz=F_HZ)
    seen = link.elevation_deg >= MIN_ELEVATION_DEG
    assert link.elevation_deg.max() == pytest.approx(90.0, abs=0.01)
    return (np.abs(link.doppler_dl_hz[seen]).max() / F_HZ * 1e6,
            np.abs(link.doppler_rate_dl_hz_s[seen]).max() / F_HZ * 1e6)


@pytest.mark.parametrize("alt_km, doppler_ppm, rate_ppm_s", [(1200, 21.0, 0.13), (600, 24.0, 0.27)])
def test_max_doppler_and_rate(phy, alt_km, doppler_ppm, rate_ppm_s):
    # Without Earth rotation the two-body pass lands within TWO_BODY_DOPPLER_FRACTION of the
    # TR; with it, prograde and retrograde equatorial passes (the extremes over inclination)
    # bracket the TR's numbers, which include Earth rotation.
    still = overhead_pass_extremes(phy, alt_km * 1e3, 0.0, earth_rotation=False)
    assert still[0] == pytest.approx(doppler_ppm, rel=TWO_BODY_DOPPLER_FRACTION)
    assert still[1] == pytest.approx(rate_ppm_s, rel=TWO_BODY_DOPPLER_FRACTION)
    prograde = overhead_pass_extremes(phy, alt_km * 1e3, 0.0, earth_rotation=True)
    retrograde = overhead_pass_extremes(phy, alt_km * 1e3, 180.0, earth_rotation=True)
    assert prograde[0] < doppler_ppm < retrograde[0]
    assert prograde[1] < rate_ppm_s < retrograde[1]


def test_doppler_in_hz_at_2_ghz_for_leo600(phy):
    # TR 38.811 5.3.4 (LEO 600 km, 2 GHz): about +-48 kHz and -544 Hz/s at most. The rate is
    # most negative at culmination: -f v_rel^2 R / ((R + h) h) / c.
    ppm, ppm_s = overhead_pass_extremes(phy, 600e3, 90.0, earth_rotation=True)
    assert ppm * F_HZ * 1e-6 == pytest.approx(48e3, rel=TWO_BODY_DOPPLER_FRACTION)
    assert ppm_s * F_HZ * 1e-6 == pytest.approx(544.0, rel=TWO_BODY_DOPPLER_FRACTION)

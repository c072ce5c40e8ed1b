"""Channel-emulator trajectories: CSV and JSON parsed back; the service and feeder links
checked against the link layer's own transparent-payload view and TR 38.821 / 38.811."""
import csv
import io
import json
import math

import numpy as np
import pytest

from ntnstack.export import from_scenario, trajectory
from tests.export.conftest import LAB, T_CULMINATION, link_at
from tests.tolerances import (
    ONE_MILLIDEGREE,
    ONE_NANOSECOND,
    ONE_PICOSECOND,
    TEN_MICROSECONDS,
    TWO_BODY_DOPPLER_FRACTION,
)

# TR 38.821 / TR 38.811 5.3.4: LEO-600 max Doppler shift of an Earth-fixed UE, 24 ppm
# (48 kHz at 2 GHz; see tests/phy/test_tr38821.py).
TR38821_LEO600_MAX_DOPPLER_PPM = 24.0


def _csv_columns(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows])
            for k in rows[0] if k != "time_utc"}


@pytest.fixture(scope="module")
def leo():
    inputs = from_scenario(str(LAB), "leo-cell")
    return inputs, trajectory.trajectory(inputs, T_CULMINATION - 300.0, 600.0, 5.0)


def test_parse_back(leo):
    _, traj = leo
    text_csv, text_json = trajectory.render_csv(traj), trajectory.render_json(traj)
    assert trajectory.check_csv(text_csv, traj) == []
    assert trajectory.check_json(text_json, traj) == []
    doc = json.loads(text_json)
    assert set(doc["units"]) == set(doc["series"]) == set(traj.names())
    assert doc["meta"]["feeder_link"] is True and doc["meta"]["payload"] == "transparent"


def test_feeder_and_end_to_end_agree_with_link_layer(leo):
    inputs, traj = leo
    cols = _csv_columns(trajectory.render_csv(traj))
    link = link_at(inputs, cols["t_unix_s"])
    # The feeder link computed with the gateway as the far end equals the link layer's
    # feeder leg of the terminal's transparent link.
    np.testing.assert_allclose(cols["feeder_delay_s"], link.feeder_delay_s, rtol=0,
                               atol=ONE_NANOSECOND)
    np.testing.assert_allclose(cols["feeder_elevation_deg"], link.gateway_elevation_deg,
                               rtol=0, atol=ONE_MILLIDEGREE)
    np.testing.assert_allclose(cols["e2e_delay_s"], cols["service_delay_s"]
                               + cols["feeder_delay_s"], rtol=0, atol=ONE_PICOSECOND)
    np.testing.assert_allclose(2 * cols["e2e_delay_s"], link.rtt_s, rtol=0,
                               atol=ONE_NANOSECOND)


def test_service_doppler_of_a_leo600_pass(leo):
    inputs, traj = leo
    cols = _csv_columns(trajectory.render_csv(traj))
    visible = cols["visible"] == 1
    ppm = np.abs(cols["service_doppler_dl_hz"][visible]) / inputs.freq_dl_hz * 1e6
    assert ppm.max() <= TR38821_LEO600_MAX_DOPPLER_PPM * (1 + TWO_BODY_DOPPLER_FRACTION)
    # Approaching before the culmination (f_d > 0), receding after (docs/reference.md 1).
    t = cols["t_unix_s"]
    assert np.all(cols["service_doppler_dl_hz"][visible & (t < T_CULMINATION - 5)] > 0)
    assert np.all(cols["service_doppler_dl_hz"][visible & (t > T_CULMINATION + 5)] < 0)


def test_pathloss_at_least_free_space(leo):
    inputs, traj = leo
    cols = _csv_columns(trajectory.render_csv(traj))
    up = cols["service_elevation_deg"] > 0
    # TR 38.811 6.6.2: FSPL = 32.45 + 20 log10(f_GHz) + 20 log10(d_m) dB; the basic loss adds
    # shadowing / clutter / gas / scintillation terms >= 0 on top of it.
    fspl = 32.45 + 20 * np.log10(inputs.freq_dl_hz / 1e9) + 20 * np.log10(cols["service_range_m"])
    assert np.all(cols["service_pathloss_dl_db"][up] >= fspl[up])
    feeder_up = cols["feeder_elevation_deg"] > 0
    fspl_feeder = 32.45 + 20 * math.log10(30.0) + 20 * np.log10(cols["feeder_range_m"])
    assert np.all(cols["feeder_pathloss_up_db"][feeder_up] >= fspl_feeder[feeder_up])


def test_regenerative_has_no_feeder_columns():
    inputs = from_scenario(str(LAB), "leo-nb")
    traj = trajectory.trajectory(inputs, T_CULMINATION, 60.0, 10.0)
    assert not any(n.startswith("feeder_") for n in traj.names())
    np.testing.assert_array_equal(traj.columns["e2e_delay_s"], traj.columns["service_delay_s"])
    assert trajectory.check_csv(trajectory.render_csv(traj), traj) == []


def test_geo_delay_is_steady():
    inputs = from_scenario(str(LAB), "geo-cell")
    traj = trajectory.trajectory(inputs, T_CULMINATION, 600.0, 60.0)
    delay = traj.columns["e2e_delay_s"]
    assert np.ptp(delay) <= TEN_MICROSECONDS
    assert trajectory.check_json(trajectory.render_json(traj), traj) == []


def test_check_finds_a_changed_number(leo):
    _, traj = leo
    text = trajectory.render_csv(traj)
    lines = text.splitlines()
    cells = lines[1].split(",")
    cells[6] = repr(float(cells[6]) * 1.001)    # service_delay_s of the first row
    bad = "\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n"
    assert [m.path for m in trajectory.check_csv(bad, traj)] == ["service_delay_s[0]"]

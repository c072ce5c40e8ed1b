"""Channel-emulator trajectories: delay, Doppler, path loss and elevation per time step, for
the service link (satellite - terminal) and the feeder link (satellite - gateway) apart,
and end to end for the payload (CSV and JSON).

Every number comes from ntnstack.link.series.link_series (C core: Hermite interpolation of
the orbit, link_states, TR 38.811 mean path loss). The feeder link is the same computation
with the gateway in the terminal's place, on the feeder carriers. Directions: the service
DL runs satellite -> terminal on ``freq_dl_hz``, UL terminal -> satellite on ``freq_ul_hz``;
the feeder "up" runs gateway -> satellite on ``feeder_up_hz``, "down" satellite -> gateway.

End to end (transparent payload): the one-way delay gateway -> terminal is feeder + service;
the frequency offset the terminal sees on the DL is the feeder-up Doppler (at the feeder
carrier) plus the service DL Doppler; the gateway sees service UL + feeder down. A
regenerative payload ends the signal at the satellite: end to end = service link, no feeder
columns. Doppler f_d = -f (dr/dt) / c (docs/reference.md 1); a network that pre-compensates the
feeder link (e.g. srsRAN's feeder_link_info) wants the service columns alone.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass

import numpy as np

import phy_ffi
from ntnstack.clock import format_iso8601
from ntnstack.export.fields import Mismatch
from ntnstack.export.inputs import ExportInputs
from ntnstack.link.series import LinkSeries, link_series, sample_times

__all__ = ["DEFAULT_FEEDER_DOWN_HZ", "DEFAULT_FEEDER_UP_HZ", "UNITS", "Trajectory",
           "check_csv", "check_json", "render_csv", "render_json", "trajectory"]

DEFAULT_FEEDER_UP_HZ = 30e9     # Ka band feeder uplink (TR 38.821 Ka-band feeder: 30 / 20 GHz)
DEFAULT_FEEDER_DOWN_HZ = 20e9   # Ka band feeder downlink

UNITS = {"t_unix_s": "s", "time_utc": "ISO 8601", "visible": "bool",
         "service_elevation_deg": "deg", "service_azimuth_deg": "deg",
         "service_range_m": "m", "service_delay_s": "s", "service_doppler_dl_hz": "Hz",
         "service_doppler_ul_hz": "Hz", "service_doppler_rate_dl_hz_s": "Hz/s",
         "service_pathloss_dl_db": "dB", "service_pathloss_ul_db": "dB",
         "feeder_elevation_deg": "deg", "feeder_range_m": "m", "feeder_delay_s": "s",
         "feeder_doppler_up_hz": "Hz", "feeder_doppler_down_hz": "Hz",
         "feeder_pathloss_up_db": "dB", "feeder_pathloss_down_db": "dB",
         "e2e_delay_s": "s", "e2e_doppler_dl_hz": "Hz", "e2e_doppler_ul_hz": "Hz"}


@dataclass(frozen=True)
class Trajectory:
    """Columns of shape (n,) by name (``UNITS``), and what they describe."""

    columns: dict[str, np.ndarray]
    meta: dict

    def names(self) -> list[str]:
        return [n for n in UNITS if n in self.columns]


def _pathloss_db(series: LinkSeries, freq_hz: float, environment: str) -> np.ndarray:
    """TR 38.811 mean basic loss where the satellite is above the horizon, else NaN."""
    out = np.full(series.range_m.shape, np.nan)
    up = np.isfinite(series.elevation_deg) & (series.elevation_deg > 0)
    if np.any(up):
        loss = phy_ffi.pathloss(series.range_m[up], np.minimum(series.elevation_deg[up], 90.0),
                                freq_hz, environment)
        out[up] = np.where(loss.status == 0, loss.total_db, np.nan)
    return out


def _service(s: LinkSeries, inputs: ExportInputs, environment: str) -> dict:
    return {"visible": s.visible, "service_elevation_deg": s.elevation_deg,
            "service_azimuth_deg": s.azimuth_deg, "service_range_m": s.range_m,
            "service_delay_s": s.delay_s, "service_doppler_dl_hz": s.doppler_dl_hz,
            "service_doppler_ul_hz": s.doppler_ul_hz,
            "service_doppler_rate_dl_hz_s": s.doppler_rate_hz_s,
            "service_pathloss_dl_db": s.pathloss_db,
            "service_pathloss_ul_db": _pathloss_db(s, inputs.freq_ul_hz, environment)}


def _feeder(f: LinkSeries, up_hz: float, environment: str) -> dict:
    return {"feeder_elevation_deg": f.elevation_deg, "feeder_range_m": f.range_m,
            "feeder_delay_s": f.delay_s, "feeder_doppler_up_hz": f.doppler_ul_hz,
            "feeder_doppler_down_hz": f.doppler_dl_hz,
            "feeder_pathloss_up_db": _pathloss_db(f, up_hz, environment),
            "feeder_pathloss_down_db": f.pathloss_db}


def trajectory(inputs: ExportInputs, start_unix_s: float, duration_s: float, step_s: float, *,
               feeder_up_hz: float = DEFAULT_FEEDER_UP_HZ,
               feeder_down_hz: float = DEFAULT_FEEDER_DOWN_HZ,
               environment: str = "rural") -> Trajectory:
    """Samples every ``step_s`` over [start, start + duration] (s)."""
    ue = inputs.require_ue("trajectory")
    t = sample_times(start_unix_s, duration_s, step_s)
    feeder_on = inputs.payload == "transparent" and inputs.gateway is not None
    s = link_series(inputs.source, ue, t, inputs.gateway if feeder_on else None,
                    freq_dl_hz=inputs.freq_dl_hz, freq_ul_hz=inputs.freq_ul_hz,
                    payload=inputs.payload, environment=environment,
                    min_elevation_deg=inputs.min_elevation_deg)
    cols = {"t_unix_s": t, "time_utc": np.array([format_iso8601(x) for x in t]),
            **_service(s, inputs, environment)}
    cols.update(e2e_delay_s=s.delay_s, e2e_doppler_dl_hz=s.doppler_dl_hz,
                e2e_doppler_ul_hz=s.doppler_ul_hz)
    if feeder_on:
        f = link_series(inputs.source, inputs.gateway, t, None, freq_dl_hz=feeder_down_hz,
                        freq_ul_hz=feeder_up_hz, payload="regenerative",
                        environment=environment, min_elevation_deg=inputs.min_elevation_deg)
        cols.update(_feeder(f, feeder_up_hz, environment))
        cols.update(e2e_delay_s=s.delay_s + f.delay_s,
                    e2e_doppler_dl_hz=f.doppler_ul_hz + s.doppler_dl_hz,
                    e2e_doppler_ul_hz=s.doppler_ul_hz + f.doppler_dl_hz)
    meta = {"satellite": inputs.source.name, "cell": inputs.cell_name,
            "payload": inputs.payload, "feeder_link": feeder_on,
            "terminal_lat_lon_alt": [ue.lat_deg, ue.lon_deg, ue.alt_m],
            "gateway_lat_lon_alt": None if inputs.gateway is None else
            [inputs.gateway.lat_deg, inputs.gateway.lon_deg, inputs.gateway.alt_m],
            "service_dl_hz": inputs.freq_dl_hz, "service_ul_hz": inputs.freq_ul_hz,
            "feeder_up_hz": feeder_up_hz if feeder_on else None,
            "feeder_down_hz": feeder_down_hz if feeder_on else None,
            "environment": environment, "pathloss": "TR 38.811 6.6 mean basic loss",
            "start_utc": format_iso8601(start_unix_s), "step_s": step_s}
    return Trajectory(cols, meta)


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    value = float(value)
    return repr(value) if math.isfinite(value) else ""


def render_csv(traj: Trajectory) -> str:
    """Header of column names (units in the names, ``UNITS``), one row per step; empty
    cells where a value does not exist (satellite below the horizon)."""
    names = traj.names()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for i in range(traj.columns["t_unix_s"].size):
        writer.writerow([_cell(traj.columns[n][i]) for n in names])
    return out.getvalue()


def _json_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    value = float(value)
    return value if math.isfinite(value) else None


def render_json(traj: Trajectory) -> str:
    """``{"meta", "units", "series": {name: [values]}}``; null where a value does not exist."""
    series = {n: [_json_value(v) for v in traj.columns[n]] for n in traj.names()}
    units = {n: UNITS[n] for n in traj.names()}
    return json.dumps({"meta": traj.meta, "units": units, "series": series}, indent=1) + "\n"


def _compare(name: str, expected: np.ndarray, found: list) -> list[Mismatch]:
    out = []
    for i, (e, f) in enumerate(zip(expected, found, strict=False)):
        e = _json_value(e)
        if e != f and not (e is None and f is None):
            out.append(Mismatch(f"{name}[{i}]", e, f, None))
    if len(found) != len(expected):
        out.append(Mismatch(f"{name} length", len(expected), len(found), None))
    return out


def check_csv(text: str, traj: Trajectory) -> list[Mismatch]:
    """Parse the CSV back; every number must equal the link layer's (exact round trip)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out = []
    for name in traj.names():
        if name == "time_utc":
            found = [r[name] for r in rows]
        elif name == "visible":
            found = [r[name] == "1" for r in rows]
        else:
            found = [float(r[name]) if r[name] != "" else None for r in rows]
        out += _compare(name, traj.columns[name], found)
    return out


def check_json(text: str, traj: Trajectory) -> list[Mismatch]:
    """Parse the JSON back; every number must equal the link layer's (exact round trip)."""
    series = json.loads(text)["series"]
    out = []
    for name in traj.names():
        if name not in series:
            out.append(Mismatch(name, "present", "missing", None))
            continue
        out += _compare(name, traj.columns[name], series[name])
    return out

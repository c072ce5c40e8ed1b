"""``ntnstack live``: the state messages against ``sib encode`` / ``sib decode`` / ``link``,
and the WebSocket service with real clients (the websockets library) on a scaled clock."""
import asyncio
import json
import subprocess
import sys

import pytest
import websockets

from ntnstack.clock import format_iso8601
from ntnstack.live import SCHEMA_VERSION, LiveCells
from ntnstack.scenario.load import default_scenario_path, load_scenario
from tests.live.clients import ScaledService as _Service
from tests.live.clients import collect as _collect
from tests.live.clients import encode_geo_cell_sib

SCENARIO = load_scenario([default_scenario_path()])
START = SCENARIO.start_unix_s
LIVE = LiveCells(SCENARIO)
CLI = [sys.executable, "-m", "ntnstack"]
# World and `ntnstack link` each interpolate their own cubic Hermite table of the orbit, good
# to 1 m and 2.2 cm/s (ntnstack.orbit.source): delay within 1 m / c, Doppler within
# 2.185 GHz * 2.2 cm/s / c = 0.16 Hz, elevation within 1 m seen from 1,000 km.
HERMITE_DELAY_S = 1.0 / 299792458.0
HERMITE_DOPPLER_HZ = 0.2
HERMITE_ELEVATION_DEG = 1e-4


def _cli_json(*args) -> list[dict]:
    """JSON lines, or one (indented) JSON object, printed by an ntnstack command."""
    out = subprocess.run([*CLI, *args], capture_output=True, text=True, check=True)
    text = out.stdout.strip()
    return [json.loads(text)] if text.startswith("{\n") else \
        [json.loads(line) for line in text.splitlines()]


def test_geo_cell_broadcast_is_byte_identical_to_sib_encode():
    msg = LIVE.message("geo-cell", START + 100.0)
    assert msg["type"] == "state" and msg["schema"] == SCHEMA_VERSION
    sib = msg["sib"]
    assert encode_geo_cell_sib(SCENARIO, sib["sent_unix_s"]) == sib["uper_hex"]


@pytest.mark.parametrize("cell", ["geo-cell", "leo-cell"])
def test_message_values_are_those_of_its_uper_bytes(cell):
    sib = LIVE.message(cell, START + 400.0)["sib"]
    (decoded,) = _cli_json("sib", "decode", "--kind", "sib31-nb", sib["uper_hex"], "--json")
    config = decoded["physical"]["config"]
    assert sib["position_m"] == config["ephemeris"]["position_ecef_m"]
    assert sib["velocity_mps"] == config["ephemeris"]["velocity_ecef_mps"]
    assert sib["ta_common_s"] == config["common_ta"]["ta_common_s"]
    assert sib["ta_common_drift_s_per_s"] == config["common_ta"]["drift_s_per_s"]
    assert (sib["k_offset_ms"], sib["k_mac_ms"], sib["validity_s"]) == \
        (config["k_offset_ms"], config["k_mac_ms"], config["validity_s"])


def test_terminal_values_match_ntnstack_link():
    lat, lon, alt = (SCENARIO.terminals["nb-leo"].position.lat_deg,
                     SCENARIO.terminals["nb-leo"].position.lon_deg,
                     SCENARIO.terminals["nb-leo"].position.alt_m)
    rows = _cli_json("link", "--sat", "preset:tr38821-leo600", "--ue", f"{lat},{lon},{alt}",
                     "--start", format_iso8601(START), "--duration", "800", "--step", "200",
                     "--json")
    for row in rows:
        (term,) = LIVE.message("leo-cell", row["t_unix_s"])["terminals"]
        assert term["visible"] == row["visible"]
        assert term["elevation_deg"] == pytest.approx(row["elevation_deg"],
                                                      abs=HERMITE_ELEVATION_DEG)
        assert term["delay_s"] == pytest.approx(row["delay_s"], abs=HERMITE_DELAY_S)
        assert term["doppler_dl_hz"] == pytest.approx(row["doppler_dl_hz"],
                                                      abs=HERMITE_DOPPLER_HZ)
        assert term["doppler_ul_hz"] == pytest.approx(row["doppler_ul_hz"],
                                                      abs=HERMITE_DOPPLER_HZ)


def test_coverage_lost_and_regained_arrive_in_order():
    rise, set_ = LIVE.coverage_changes_s("leo-cell")[:2]
    live = LiveCells(SCENARIO, ["leo-cell"])
    # 300 emulated s (3 s real at 100x) before the rise: time for the client to connect
    service = _Service(live, rise - 300.0, 100.0, set_ - rise + 320.0)
    got = asyncio.run(_collect(service.port))
    service.thread.join(180)   # the service ends, then gives slow clients up to 30 s
    assert not service.thread.is_alive()
    first, *updates = got
    assert first["reason"] == "get" and first["t_unix_s"] < set_
    times = [m["t_unix_s"] for m in updates]
    assert times == sorted(times) and len(set(times)) == len(times)
    coverage = [(m["t_unix_s"], m["visible"]) for m in updates if m["reason"] == "coverage"]
    expected = [(t, v) for t, v in ((rise, True), (set_, False)) if t > first["t_unix_s"]]
    assert coverage == expected and first["visible"] == (first["t_unix_s"] > rise)
    # SIB updates only while the satellite serves (the cell broadcasts nothing otherwise)
    assert all(rise <= m["t_unix_s"] <= set_ for m in updates if m["reason"] == "sib-update")
    assert any(m["reason"] == "sib-update" for m in updates)


def test_hundred_subscribers_get_the_same_updates():
    live = LiveCells(SCENARIO, ["geo-cell"])
    service = _Service(live, START, 50.0, 600.0)   # 12 s real: time for 100 clients

    async def everyone():
        return await asyncio.gather(*(_collect(service.port) for _ in range(100)))

    received = asyncio.run(everyone())
    service.thread.join(180)   # the service ends, then gives slow clients up to 30 s
    assert not service.thread.is_alive()
    updates = [[(m["cell"], m["t_unix_s"]) for m in got if m["reason"] != "get"]
               for got in received]
    assert updates[0]
    # to each client a cell's messages come in time order, the first being its current state
    # (or an update that was due while that was computed, which then replaces it)
    for got in received:
        times = [m["t_unix_s"] for m in got]
        assert got and times == sorted(times)
    # None lost while the service runs: each client has every update newer than its current
    # state (its "get", which may come after updates queued while it was computed; updates
    # older than it are then rightly withheld), up to the last update that every client got
    # (closing the service may cut the tail of a slow reader on a loaded machine).
    every = sorted({x for u in updates for x in u}, key=lambda x: x[1])
    cut_t = min(u[-1][1] for u in updates if u)
    for got in received:
        reasons = [m["reason"] for m in got]
        upto = reasons.index("get") + 1 if "get" in reasons else 1
        first_t = max(m["t_unix_s"] for m in got[:upto])
        mine = [(m["cell"], m["t_unix_s"]) for m in got
                if m["reason"] != "get" and first_t < m["t_unix_s"] <= cut_t]
        assert mine == [x for x in every if first_t < x[1] <= cut_t]
    assert service.result.sent >= sum(len(u) for u in updates)
    assert service.result.dropped == 0


def test_a_client_too_far_behind_is_disconnected_not_skipped(monkeypatch):
    # a backlog limit of 0: the first update finds the client behind (its first message queued)
    import ntnstack.live.server as server
    monkeypatch.setattr(server, "MAX_BACKLOG", 0)
    service = _Service(LiveCells(SCENARIO, ["geo-cell"]), START, 50.0, 30.0)

    async def reader():
        async with websockets.connect(f"ws://127.0.0.1:{service.port}") as ws:
            got = [json.loads(raw) async for raw in _until_closed(ws)]
            return got, ws.close_code

    got, code = asyncio.run(reader())
    service.thread.join(180)
    assert code == 1008 and service.result.dropped == 1
    assert all(m["reason"] == "get" for m in got)


async def _until_closed(ws):
    try:
        async for raw in ws:
            yield raw
    except websockets.ConnectionClosed:
        return


def test_bad_requests_get_an_error_and_the_connection_stays_up():
    live = LiveCells(SCENARIO, ["geo-cell", "leo-cell"])
    service = _Service(live, START, 1.0, 3.0)
    got = asyncio.run(_collect(service.port, send=[
        "not json", "[1]", json.dumps({"type": "launch"}),
        json.dumps({"type": "subscribe", "cells": ["nowhere"]}),
        json.dumps({"type": "subscribe", "cells": ["leo-cell"]}),
        json.dumps({"type": "get"})]))
    service.thread.join(180)   # the service ends, then gives slow clients up to 30 s
    assert not service.thread.is_alive()
    errors = [m["error"] for m in got if m["type"] == "error"]
    assert len(errors) == 4
    assert "JSON" in errors[0] and "type" in errors[1] and "launch" in errors[2]
    assert "nowhere" in errors[3]
    after = got[got.index(next(m for m in got if m.get("error") == errors[-1])) + 1:]
    assert [m["cell"] for m in after if m["type"] == "state"][:2] == ["leo-cell", "leo-cell"]


def test_cli_serves_and_refuses_bad_arguments():
    proc = subprocess.Popen([*CLI, "live", "--listen", "127.0.0.1:0", "--clock", "scaled:10",
                             "--duration", "30", "--cell", "geo-cell"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    port = int(line.split("ws://")[1].split()[0].rsplit(":", 1)[1])
    got = asyncio.run(_collect(port))
    assert proc.wait(60) == 0
    # the current state, or an update due while it was computed (which then replaces it)
    assert got[0]["cell"] == "geo-cell" and got[0]["reason"] in ("get", "sib-update")
    for bad, named in ((["--listen", "nohost"], "--listen"),
                       (["--listen", "127.0.0.1:0", "--cell", "mars"], "--cell"),
                       (["--listen", "127.0.0.1:0", "--clock", "virtual"], "--clock")):
        out = subprocess.run([*CLI, "live", *bad], capture_output=True, text=True)
        assert out.returncode == 2 and named in out.stderr and "Traceback" not in out.stderr

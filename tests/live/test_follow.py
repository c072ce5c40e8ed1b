"""``ntnstack nmea --live``: a module's GNSS feed following a terminal of a live service,
read by pyserial on the feed's pty; the terminal moves along a trajectory."""
import subprocess

import serial
import yaml

from ntnstack.position.nmea import parse
from tests.live.clients import CLI

# the mover goes 1 deg north and 1 deg east in 600 s (linear in lat and lon, ntnstack.runner
# .world.ground_at); GGA carries minutes with 4 decimals: 1e-4' = 1.7e-6 deg
START = [39.9, 116.4, 50.0]
GGA_DEG = 1e-4 / 60
SCENARIO = {
    "name": "mover", "start": "2026-03-01T00:00:00Z",
    "satellites": {"ntn-geo": {"orbit": "preset:tr38821-geo"}},
    "gateways": {"gw-beijing": {"position": [40.07, 116.27, 60]}},
    "cells": {"geo-cell": {"satellite": "ntn-geo", "gateway": "gw-beijing",
                           "payload": "transparent", "sib": "sib31-nb", "validity_s": 60,
                           "k_offset": "auto"}},
    "terminals": {"mover": {"family": "nbntn-generic", "cell": "geo-cell", "trajectory": [
        {"t_s": 0, "position": START}, {"t_s": 600, "position": [40.9, 117.4, 50.0]}]}},
    "steps": [{"terminal": "mover", "do": "wait", "duration_s": 10}]}
SCALE = 100   # the service's clock: 100 emulated s per real s
SERVICE_S = 3000.0   # emulated: far longer than the feed needs; stopped (SIGTERM) after it


def _degrees(value: str, hemisphere: str) -> float:
    """ddmm.mmmm / dddmm.mmmm -> degrees (NMEA 0183 GGA)."""
    head, minutes = value.split(".")[0][:-2], value[len(value.split(".")[0]) - 2:]
    deg = int(head) + float(minutes) / 60
    return -deg if hemisphere in "SW" else deg


def test_feed_follows_the_terminal_of_the_live_service(tmp_path):
    path = tmp_path / "mover.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    service = subprocess.Popen([*CLI, "live", str(path), "--listen", "127.0.0.1:0", "--clock",
                                f"scaled:{SCALE}", "--duration", str(SERVICE_S)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = "ws://" + service.stdout.readline().split("ws://")[1].split()[0]
    feed = subprocess.Popen([*CLI, "nmea", "--live", url, "--terminal", "mover", "--speed",
                             str(SCALE), "--period-s", "0.1", "--count", "40"],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = serial.Serial(feed.stdout.readline().strip(), timeout=10)
        lines = [port.readline().decode() for _ in range(90)]
        port.close()
    finally:
        feed.wait(timeout=60)
        service.terminate()
        service.wait(timeout=60)
    fixes = [parse(line) for line in lines if line.startswith("$GPGGA")]
    points = [(_degrees(f[2], f[3]), _degrees(f[4], f[5])) for f in fixes]
    assert len(points) >= 20
    # every fix is a point of the mover's track, the same distance north as east
    for lat, lon in points:
        assert abs((lat - START[0]) - (lon - START[1])) <= 2 * GGA_DEG
        assert START[0] - GGA_DEG <= lat <= 40.9 + GGA_DEG
    # it moves north as the service's states move it (one position per SIB update, 5.12 s)
    lats = [lat for lat, _ in points]
    assert lats == sorted(lats) and lats[-1] > lats[0]
    # the fix times are the service's emulated time: within its 3,000 s from 00:00:00 UTC
    assert all("000000" <= f[1][:6] <= "005000" for f in fixes)
    assert feed.returncode == 0 and service.returncode == 0


def test_live_feed_arguments_are_checked():
    for args, named in ((["--live", "ws://127.0.0.1:9"], "--terminal"),
                        (["--ue", "1,2,3", "--terminal", "x"], "--terminal"),
                        (["--live", "ws://127.0.0.1:9", "--terminal", "x"], "--live")):
        out = subprocess.run([*CLI, "nmea", *args], capture_output=True, text=True)
        assert out.returncode == 2 and named in out.stderr and "Traceback" not in out.stderr

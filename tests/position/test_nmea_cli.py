"""``ntnstack nmea``: the feed a real serial client reads, and one-line errors."""
import os
import subprocess
import sys

import serial

from ntnstack.position.nmea import parse

CLI = [sys.executable, "-m", "ntnstack", "nmea"]


def test_feed_on_a_pty_is_read_by_pyserial():
    proc = subprocess.Popen([*CLI, "--ue", "31.2304,121.4737,12", "--start",
                             "2026-05-01T12:00:00Z", "--period-s", "0.1", "--count", "30"],
                            stdout=subprocess.PIPE, text=True)
    try:
        device = proc.stdout.readline().strip()
        port = serial.Serial(device, timeout=5)
        lines = [port.readline().decode() for _ in range(6)]
        port.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    gga = next(parse(line) for line in lines if line.startswith("$GPGGA"))
    assert gga[2].startswith("3113.8") and gga[3] == "N"   # 31.2304 deg = 31 deg 13.824'
    assert gga[4].startswith("12128.4") and gga[5] == "E"  # 121.4737 deg = 121 deg 28.422'
    assert gga[1].startswith("1200")                       # the --start time, UTC


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    cases = ((["--ue", "95,0,0"], "--ue"), (["--ue", "1,2,3", "--speed", "0"], "--speed"),
             (["--ue", "1,2,3", "--port", str(tmp_path / "nope")], "--port"))
    for extra, name in cases:
        res = subprocess.run([*CLI, *extra], capture_output=True, text=True, timeout=30,
                             env={**os.environ})
        assert res.returncode == 2, (extra, res.stderr)
        assert name in res.stderr and len(res.stderr.strip().splitlines()) == 1

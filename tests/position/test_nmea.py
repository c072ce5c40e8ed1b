"""NMEA 0183 sentences: checksums, field layout, and a real gpsd reading the project's pty."""
import json
import socket
import subprocess
import time
from datetime import UTC, datetime

import pytest

from ntnstack.position.feed import NmeaFeed, NmeaPty
from ntnstack.position.nmea import Fix, checksum, gga, parse, rmc, zda
from tests.tolerances import ONE_CENTIMETRE, ONE_CENTIMETRE_OF_ARC_DEG, NMEA_HALF_MINUTE_DIGIT_DEG

# 2026-03-20T04:05:06.78Z, Beijing (39.9042 N, 116.4074 E), 43.5 m.
FIX = Fix(datetime(2026, 3, 20, 4, 5, 6, 780000, tzinfo=UTC).timestamp(), 39.9042, 116.4074, 43.5)
# NMEA 0183 example sentence widely reproduced in receiver manuals (checksum 47).
KNOWN_GGA = "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"


def test_checksum_of_a_published_sentence():
    assert checksum(KNOWN_GGA) == "47"


def test_gga_fields():
    fields = parse(gga(FIX))
    assert fields[0] == "GPGGA" and fields[1] == "040506.78"
    lat = int(fields[2][:2]) + float(fields[2][2:]) / 60
    lon = int(fields[4][:3]) + float(fields[4][3:]) / 60
    assert (fields[3], fields[5]) == ("N", "E")
    assert lat == pytest.approx(39.9042, abs=NMEA_HALF_MINUTE_DIGIT_DEG)
    assert lon == pytest.approx(116.4074, abs=NMEA_HALF_MINUTE_DIGIT_DEG)
    assert float(fields[9]) == pytest.approx(43.5, abs=ONE_CENTIMETRE)


def test_southern_western_hemispheres_and_rollover():
    fields = parse(gga(Fix(0.0, -33.999999999, -70.5, 0.0)))
    assert fields[2].startswith("34") and fields[3] == "S"
    assert fields[4].startswith("070") and fields[5] == "W"


def test_rmc_and_zda_dates():
    assert parse(rmc(FIX))[9] == "200326"
    assert parse(zda(FIX))[1:5] == ["040506.78", "20", "03", "2026"]


def test_bad_checksum_is_named():
    with pytest.raises(ValueError, match="bad checksum"):
        parse(gga(FIX).replace("*", "0*"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gpsd_tpv(port: int, deadline_s: float) -> dict:
    """First 3D TPV report with a time that gpsd sends on a WATCH connection."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=2)
            break
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)
    with conn, conn.makefile("r") as lines:
        conn.sendall(b'?WATCH={"enable":true,"json":true};\n')
        while time.monotonic() < end:
            report = json.loads(lines.readline() or "{}")
            if report.get("class") == "TPV" and report.get("mode") == 3 and "time" in report:
                return report
    raise AssertionError("gpsd sent no 3D fix")


def test_gpsd_reads_the_feed(require_tool, tmp_path):
    gpsd = require_tool("gpsd")
    port = _free_port()
    fixed_time = FIX.t_unix_s
    with NmeaPty() as pty:
        feed = NmeaFeed(pty, lambda t: (FIX.lat_deg, FIX.lon_deg, FIX.alt_m),
                        now_unix_s=lambda: fixed_time, period_s=0.2).start()
        proc = subprocess.Popen([gpsd, "-N", "-n", "-b", "-G", "-S", str(port),
                                 "-F", str(tmp_path / "gpsd.sock"), pty.device],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            tpv = _gpsd_tpv(port, deadline_s=20)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            feed.stop()
    assert tpv["lat"] == pytest.approx(FIX.lat_deg, abs=ONE_CENTIMETRE_OF_ARC_DEG)
    assert tpv["lon"] == pytest.approx(FIX.lon_deg, abs=ONE_CENTIMETRE_OF_ARC_DEG)
    assert tpv["altHAE"] == pytest.approx(FIX.alt_m, abs=ONE_CENTIMETRE)
    assert tpv["time"].startswith("2026-03-20T04:05:06.7")


def test_pty_close_twice_leaves_other_descriptors_alone(tmp_path):
    """A second close() must not close a descriptor the process reused in between."""
    pty = NmeaPty()
    pty.close()
    with open(tmp_path / "reused", "w") as other:   # may get the pty's old descriptor number
        pty.close()
        other.write("still open")
    assert (tmp_path / "reused").read_text() == "still open"
    with pytest.raises(OSError):
        pty.emit(FIX)   # a closed port: the feed thread ends on this

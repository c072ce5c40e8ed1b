"""``ntnstack demo``: the default job prints a real Tiantong / BeiDou / LEO-600 report."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_report():
    out = subprocess.run([sys.executable, "-m", "ntnstack", "demo"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Tiantong-1 01" in text and "BeiDou-3 GEO 110.5E" in text and "LEO-600" in text
    # GEO one-way delay from Beijing: range 35 786..41 679 km (zenith .. 0 deg) -> 119..139 ms.
    delays = [float(x) for x in re.findall(r"one-way delay ([0-9.]+) ms", text)]
    assert len(delays) == 2 and all(119.0 < d < 139.0 for d in delays)
    # TR 38.821 LEO-600 at 2 GHz: Doppler up to about +-48 kHz (24 ppm) at 10 deg.
    doppler = float(re.search(r"max \|Doppler\| ([0-9.]+) kHz", text).group(1))
    assert 45.0 < doppler < 50.0


def test_demo_bad_start_is_one_line_naming_it():
    for start, needle in (("garbage", "not an ISO 8601 time"), ("9999-12-31T23:59:59Z",
                                                              "year outside 1957..2199")):
        out = subprocess.run([sys.executable, "-m", "ntnstack", "demo", "--start", start],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and out.stdout == ""
        assert len(out.stderr.strip().splitlines()) == 1
        assert f"--start {start!r}: {needle}" in out.stderr


def test_demo_json_holds_the_figures_of_the_text():
    import json

    run = [sys.executable, "-m", "ntnstack", "demo"]
    text = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    out = subprocess.run([*run, "--json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    delays = [float(x) for x in re.findall(r"one-way delay ([0-9.]+) ms", text)]
    assert [round(g["delay_s"] * 1e3, 3) for g in data["geo"]] == delays
    # same bounds as test_demo_report: GEO 119..139 ms, LEO-600 Doppler 45..50 kHz (TR 38.821)
    assert all(0.119 < g["delay_s"] < 0.139 for g in data["geo"])
    assert 45e3 < data["leo"]["max_abs_doppler_hz"] < 50e3
    assert len(data["leo"]["first_pass"]) >= 2 and data["leo"]["passes"]

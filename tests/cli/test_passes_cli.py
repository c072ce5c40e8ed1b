"""``ntnstack passes`` through a subprocess."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tolerances import ONE_SECOND

ROOT = Path(__file__).resolve().parents[2]
BEIJING = "39.9042,116.4074,50"


def ntnstack(*args):
    return subprocess.run([sys.executable, "-m", "ntnstack", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_leo600_passes_as_json_lines():
    out = ntnstack("passes", "--sat", "preset:tr38821-leo600", "--ue", BEIJING,
                   "--start", "2026-01-01T00:00:00Z", "--duration", "7200", "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {r["type"] for r in rows} == {"pass"}
    first = rows[0]
    assert first["max_elevation_deg"] > 89.5
    # The preset culminates over the reference UE 600 s after the start.
    assert first["culmination_unix_s"] == pytest.approx(1767225600.0 + 600.0, abs=ONE_SECOND)
    assert first["set_unix_s"] - first["rise_unix_s"] == pytest.approx(first["duration_s"])


def test_constellation_gives_serving_plan_and_handovers():
    out = ntnstack("passes", "--sat", "walker:24/3/1:1200:55", "--ue", BEIJING,
                   "--duration", "7200", "--json", "--policy", "highest")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = {r["type"] for r in rows}
    assert kinds <= {"pass", "serving", "handover"} and "serving" in kinds


def test_table_and_presets_listing():
    out = ntnstack("passes", "--sat", "preset:tiantong-1-02", "--ue", BEIJING,
                   "--duration", "3600")
    assert out.returncode == 0, out.stderr
    assert "Tiantong-1 02" in out.stdout
    listing = ntnstack("passes", "--list-presets")
    assert listing.returncode == 0 and "tr38821-leo1200" in listing.stdout


@pytest.mark.parametrize("args, needle", [
    (["--sat", "preset:tr38821-leo600", "--ue", "-91,0,0", "--duration", "60"],
     "--ue '-91,0,0': latitude -91 deg"),
    (["--sat", "preset:tr38821-leo600", "--ue=-91,0,0", "--duration", "60"],
     "--ue '-91,0,0': latitude -91 deg"),
    (["--sat", "circular:600:53", "--ue", BEIJING, "--duration", "60"],
     "expected ALT_KM:INC_DEG:RAAN_DEG:ARG_LAT_DEG"),
    (["--sat", "geo:110", "--ue", BEIJING], "--duration"),
    (["--sat", "geo:110", "--ue", BEIJING, "--duration", "60", "--start", "2026-13-01"],
     "--start '2026-13-01'"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    out = ntnstack("passes", *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

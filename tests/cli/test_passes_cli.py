"""``ntnstack passes`` through a subprocess."""
import json

import pytest

from tests.cli.subprocess_cli import BEIJING, ntnstack
from tests.tolerances import ONE_MILLISECOND, ONE_SECOND


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
    span_s = first["set_unix_s"] - first["rise_unix_s"]
    assert span_s == pytest.approx(first["duration_s"], abs=ONE_MILLISECOND)


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
    (["--sat", "geo:110", "--ue", BEIJING, "--duration", "1e12"], "--duration: 1e+12"),
    (["--sat", "geo:110", "--ue", BEIJING, "--duration", "nan"], "--duration: nan"),
    (["--sat", "walker:1000000/1/0:600:53", "--ue", BEIJING, "--duration", "60"],
     "exceeds 5000"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    out = ntnstack("passes", *args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

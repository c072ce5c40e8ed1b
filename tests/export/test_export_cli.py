"""``ntnstack export`` as a real subprocess: files written and parsed back, exit 0; bad input
exits 2 with one line naming the argument."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import libconf
import pytest
import yaml

from ntnstack.commands.export import TARGETS as CLI_TARGETS
from ntnstack.export import TARGETS
from tests.export.conftest import CULMINATION, LAB

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "ntnstack", "export", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_targets_match_the_package():
    assert CLI_TARGETS == TARGETS


@pytest.mark.parametrize("cell", ["geo-cell", "leo-cell"])
def test_every_target_from_a_scenario(tmp_path, cell):
    for target in TARGETS:
        out = _run("--target", target, "--scenario", str(LAB), "--cell", cell,
                   "--start", CULMINATION, "--duration", "30", "--step-s", "10",
                   "--out", str(tmp_path / f"{cell}-{target}"))
        assert out.returncode == 0, (target, out.stderr)
        assert "MISMATCH" not in out.stderr
    ntn = yaml.safe_load((tmp_path / f"{cell}-srsran.yml").read_text())["ntn"]
    assert ntn["cell_specific_koffset"] > 0
    conf = libconf.loads((tmp_path / f"{cell}-oai.conf").read_text())
    assert conf["gNBs"][0]["servingCellConfigCommon"][0]["ta-Common-r17"] > 0
    trace = list(csv.DictReader((tmp_path / f"{cell}-oai.trace.csv").open()))
    assert len(trace) == 4                                   # 0, 10, 20, 30 s
    series = json.loads((tmp_path / f"{cell}-trajectory.json").read_text())["series"]
    assert len(series["e2e_delay_s"]) == 4
    rows = list(csv.DictReader((tmp_path / f"{cell}-trajectory.csv").open()))
    assert float(rows[0]["e2e_delay_s"]) == series["e2e_delay_s"][0]
    assert (tmp_path / f"{cell}-amarisoft.cfg").read_text().startswith("/*")


def test_direct_arguments_to_stdout():
    # Gateway near Kolkata: it sees the satellite (above 12.7 N, 89.9 E at that time) at 22 deg
    # elevation; a gateway that cannot see it is refused (tests/rrc/test_builders.py).
    out = _run("--target", "srsran", "--sat", "preset:tr38821-leo600",
               "--gateway", "22.57,88.36,10", "--start", "2026-01-01T00:10:00Z",
               "--ephemeris", "orbital", "--polarisation", "lhcp", "--srsran-extended")
    assert out.returncode == 0, out.stderr
    ntn = yaml.safe_load(out.stdout)["ntn"]
    assert set(ntn["ephemeris_orbital"]) == {"semi_major_axis", "eccentricity", "periapsis",
                                             "longitude", "inclination", "mean_anomaly"}
    assert ntn["polarization"] == {"dl": "lhcp", "ul": "lhcp"}


@pytest.mark.parametrize(("args", "names"), [
    (["--target", "srsran", "--sat", "preset:tr38821-geo", "--start", "yesterday"], "--start"),
    (["--target", "srsran", "--scenario", str(LAB), "--cell", "nope"], "--cell"),
    (["--target", "srsran", "--scenario", str(LAB)], "--cell"),
    (["--target", "oai", "--sat", "kepler:1:2"], "--sat"),
    (["--target", "oai"], "--scenario or --sat"),
    (["--target", "trajectory", "--sat", "geo:116"], "--ue"),
    (["--target", "srsran", "--sat", "geo:116", "--validity-s", "7"], "--validity-s"),
    (["--target", "trajectory", "--sat", "geo:116", "--ue", "91,0,0"], "--ue"),
    (["--target", "trajectory", "--sat", "geo:116", "--ue", "30,116,0", "--step-s", "0"],
     "--step-s"),
    (["--target", "oai", "--sat", "geo:116", "--ephemeris", "orbital"], "--ephemeris"),
    (["--target", "srsran", "--scenario", "missing.yaml"], "missing.yaml"),
    (["--target", "amarisoft", "--sat", "geo:116", "--out", "/nonexistent/dir/x"], "--out"),
    (["--target", "cisco", "--sat", "geo:116"], "--target"),
    (["--target", "trajectory", "--sat", "geo:116", "--ue", "30,116,0", "--environment",
      "mars"], "--environment 'mars'"),
])
def test_bad_input_exits_2_naming_the_argument(args, names):
    out = _run(*args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], out.stderr


def test_sfn0_moves_the_epoch_sfn():
    """epochTime SFN = 10 ms frames since --sfn0, modulo 1024 (TS 38.331 EpochTime-r17)."""
    sfn = {}
    for sfn0 in ("1970-01-01T00:00:00Z", "2026-03-01T00:09:59.5Z"):
        out = _run("--target", "srsran", "--scenario", str(LAB), "--cell", "geo-cell",
                   "--start", CULMINATION, "--sfn0", sfn0)
        assert out.returncode == 0, out.stderr
        sfn[sfn0] = yaml.safe_load(out.stdout)["ntn"]["epoch_time"]["sfn"]
    assert sfn["2026-03-01T00:09:59.5Z"] == 50                 # 0.5 s = 50 frames
    assert sfn["1970-01-01T00:00:00Z"] == (1772323800 * 100) % 1024

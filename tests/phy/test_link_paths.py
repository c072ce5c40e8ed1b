"""The link kernel's code paths: eight lanes (AVX-512) and four (AVX2 + FMA), taken on CPUs
that have them, and two lanes (SSE2 / NEON). NTNPHY_NO_AVX512=1 forces four lanes and
NTNPHY_NO_AVX2=1 two; the other paths run in a child interpreter with the variable set (which
inherits the sanitizer build's environment under ``build.py test --sanitize``).
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import phy_ffi
from tests.phy.circular_orbit import R_3GPP_M, circular_states
from tests.phy.test_link import random_pairs

ROOT = Path(__file__).resolve().parents[2]
TWO_LANES = {"NTNPHY_NO_AVX2": "1"}
FOUR_LANES = {"NTNPHY_NO_AVX512": "1"}
# Both paths use the same formulas and the same atan2; the four-lane one sums products with
# fused multiply-adds, so they round differently (measured: at most 4e-16 of a field's
# largest magnitude, 8.5e-12 relative where d.v or d.a cancel towards zero).
RTOL = 1e-12
SCALE_FRACTION = 1e-13


def link_cases() -> dict[str, np.ndarray]:
    """Flat pairs and a grid whose lengths leave partial quads and blocks, with bad elements."""
    pos, vel, acc, ue, gw = random_pairs(5001, seed=3)
    pos[::97] = np.nan
    ue[5::89] = 0.0  # the Earth's centre: a terminal error
    flat = phy_ffi.link_states(pos, vel, acc, ue, gw)
    t = np.linspace(0.0, 1200.0, 67)  # one block of 64 times and a partial quad of 3
    sats = [circular_states(R_3GPP_M + 600e3, 53.0, raan, 10.0, t) for raan in (0.0, 70.0)]
    grid_pos, grid_vel, grid_acc = (np.stack([s[k] for s in sats]) for k in range(3))
    ues = phy_ffi.geodetic_to_ecef(np.linspace(-50, 50, 5), np.linspace(-30, 90, 5), 0.0).ecef_m
    ues[2] = np.nan
    grid = phy_ffi.link_grid(grid_pos, grid_vel, grid_acc, ues, gw[:2])
    cases = {f"{form}_{name}": np.asarray(getattr(out, name))
             for form, out in (("flat", flat), ("grid", grid)) for name in out._fields}
    # a field selection skips the azimuth's atan2 on both paths; the elevation is unchanged
    some = phy_ffi.link_grid(grid_pos, grid_vel, grid_acc, ues, gw[:2], fields="elevation_deg")
    np.testing.assert_array_equal(some.elevation_deg, grid.elevation_deg)
    cases["selected_elevation_deg"] = some.elevation_deg
    return cases


def write_link_cases(path: str) -> None:
    """Child side: the cases computed by this process's kernel, into an .npz file."""
    np.savez(path, **link_cases())


def run_child(args: list[str], extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **extra_env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def two_lane_cases(tmp_path, env: dict[str, str] = TWO_LANES) -> dict[str, np.ndarray]:
    """The cases computed in a child whose environment adds env (default: two lanes)."""
    path = tmp_path / "child_lanes.npz"
    code = ("from tests.phy.test_link_paths import write_link_cases; "
            f"write_link_cases({str(path)!r})")
    done = run_child(["-c", code], env)
    assert done.returncode == 0, done.stderr
    with np.load(path) as data:
        return dict(data)


def four_lanes_expected() -> bool:
    """This process runs the four-lane path: an AVX2 + FMA CPU and no NTNPHY_NO_AVX2."""
    if os.environ.get("NTNPHY_NO_AVX2", "") not in ("", "0"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx2" in flags and "fma" in flags


def test_the_two_paths_agree(tmp_path):
    this, two = link_cases(), two_lane_cases(tmp_path)
    assert this.keys() == two.keys()
    for key in this:
        a, b = this[key], two[key]
        if key.endswith("status"):
            np.testing.assert_array_equal(a, b, err_msg=key)
            assert (a != 0).any(), key  # the bad elements are there
            continue
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=key)
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        diff = np.abs(a - b)
        if key.endswith("azimuth_deg"):  # 359.99999... and 0 are the same direction
            diff = np.abs((a - b + 180.0) % 360.0 - 180.0)
        bound = RTOL * np.abs(b) + SCALE_FRACTION * np.abs(b).max()
        assert (diff <= bound).all(), f"{key}: worst {np.max(diff - bound):.3g} over the bound"


@pytest.mark.skipif(not four_lanes_expected(),
                    reason="two lanes here too (no AVX2 + FMA, or NTNPHY_NO_AVX2 set)")
def test_no_avx2_really_switches_the_kernel(tmp_path):
    # The fused multiply-adds of the four-lane path round differently from the two-lane
    # products in most elements (80 % of random pairs): identical outputs would mean that the
    # variable did not switch the path.
    this, two = link_cases(), two_lane_cases(tmp_path)
    differs = [k for k in this if not np.array_equal(this[k], two[k], equal_nan=True)]
    assert "flat_range_rate_mps" in differs and "grid_elevation_deg" in differs


def test_eight_and_four_lanes_give_the_same_bits(tmp_path):
    # Both wide paths sum the same fused products in the same order (csrc/link_lanes.h), so
    # without AVX-512 (or with it switched off here) the results must not move by one bit.
    this, four = link_cases(), two_lane_cases(tmp_path, FOUR_LANES)
    assert this.keys() == four.keys()
    for key in this:
        np.testing.assert_array_equal(this[key], four[key], err_msg=key)


@pytest.mark.parametrize("lanes", ["two", "four"])
def test_link_tests_pass_on_the_narrower_paths(lanes):
    # four lanes: their own streamed stores of large outputs (tests/phy/test_link.py, streamed)
    env = TWO_LANES if lanes == "two" else FOUR_LANES
    done = run_child(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-disable",
                      "tests/phy/test_link.py"], env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout

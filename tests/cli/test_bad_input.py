"""Every bad input of issue 14's probe: one line on stderr naming the argument or the
file:line:col, exit status 2, never a traceback; resources bounded by ntnstack.limits; and the
valid input it refused (positions south or west). In-process through ntnstack.cli.main."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import ntnstack.orbit.tle
from ntnstack import limits
from ntnstack.cli import build_parser, main

ORBIT_DATA = Path(__file__).resolve().parents[1] / "orbit" / "data"
WAITS = Path(__file__).resolve().parents[1] / "runner" / "scenarios" / "waits.yaml"
UE = "30,100,0"          # sees geo:100 at about 55 deg elevation
SOUTH = "-33.9,100,0"    # and from the south too
START = "2026-01-01T00:00:00Z"


def one_line_error(capsys, argv: list[str], *needles: str) -> str:
    """main(argv) exits 2 with one stderr line holding every needle."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# ---------------------------------------------------------------- times that overflow
OVERFLOWING = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
TIME_OPTIONS = {
    "link": (["link", "--sat", "geo:100", "--ue", UE, "--start"], "--start"),
    "passes": (["passes", "--sat", "geo:100", "--ue", UE, "--duration", "600", "--start"],
               "--start"),
    "stack": (["stack", "--start"], "--start"),
    "demo": (["demo", "--start"], "--start"),
    "nmea": (["nmea", "--ue", UE, "--count", "1", "--start"], "--start"),
    "sib encode": (["sib", "encode", "--kind", "sib19", "--sat", "preset:tr38821-leo600",
                    "--start"], "--start"),
    "export": (["export", "--target", "srsran", "--sat", "geo:100", "--sfn0"], "--sfn0"),
}


@pytest.mark.parametrize("when", OVERFLOWING)
@pytest.mark.parametrize("command", TIME_OPTIONS)
def test_overflowing_time_is_one_line(capsys, command, when):
    argv, option = TIME_OPTIONS[command]
    one_line_error(capsys, [*argv, when], option, "year outside")


# ---------------------------------------------------------------- orbit files
@pytest.mark.parametrize("text, needle", [
    ("[1,2,3]\n", "OMM record 1: expected an object"),
    ("<ndm><omm>\n", "not a readable OMM"),
    ("{\"OBJECT_NAME\": [1]}\n", "OMM record 1"),
    ("[" * 100_000, "not a readable OMM"),
])
def test_omm_that_is_not_omm(capsys, tmp_path, text, needle):
    path = tmp_path / "bad.omm"
    path.write_text(text)
    one_line_error(capsys, ["link", "--sat", f"omm:{path}", "--ue", UE], "--sat", needle)


def test_binary_tle_is_named_as_not_text(capsys, tmp_path):
    path = tmp_path / "x.tle"
    path.write_bytes(bytes(range(256)))
    one_line_error(capsys, ["link", "--sat", f"tle:{path}", "--ue", UE], "not UTF-8 text")


@pytest.mark.parametrize("command", [["link"], ["passes", "--duration", "600"]])
def test_decayed_tle_says_so(capsys, command):
    # The ISS elements of 2018 (tests/orbit/data) no longer propagate in 2060: SGP4 error
    # (-q: the warning that the elements are 42 years old goes, the error stays).
    iss = ORBIT_DATA / "real_tles.txt"
    one_line_error(capsys, ["-q", *command, "--sat", f"tle:{iss}:ISS (ZARYA)", "--ue", UE,
                            "--start", "2060-01-01T00:00:00Z"],
                   "ISS (ZARYA)", "cannot be propagated", "decayed")


def test_orbit_file_satellite_and_size_limits(capsys, monkeypatch, tmp_path):
    many = ORBIT_DATA / "real_tles.txt"
    count = len(ntnstack.orbit.tle.load_satellites(many))
    monkeypatch.setattr(ntnstack.orbit.tle, "MAX_ORBIT_FILE_SATELLITES", count - 1)
    one_line_error(capsys, ["passes", "--sat", f"tle:{many}", "--ue", UE, "--duration", "60"],
                   f"{count} satellites, more than {count - 1}")
    monkeypatch.setattr(ntnstack.orbit.tle, "MAX_ORBIT_FILE_BYTES", 100)
    one_line_error(capsys, ["passes", "--sat", f"tle:{many}", "--ue", UE, "--duration", "60"],
                   "larger than")


def test_walker_over_a_month_is_bounded(capsys):
    one_line_error(capsys, ["passes", "--sat", "walker:5000/50/1:600:53", "--ue", UE,
                            "--duration", "2592000"], "--sat/--duration", "satellite-seconds")


# ---------------------------------------------------------------- output paths
@pytest.mark.parametrize("command", [["run", str(WAITS)], ["certify", "--profile", "ntn-3gpp"]])
def test_out_on_an_existing_file(capsys, tmp_path, command):
    target = tmp_path / "file"
    target.write_text("x")
    one_line_error(capsys, [*command, "--out", str(target)], "--out", "not a directory")


@pytest.mark.parametrize("command, where", [(["run", str(WAITS)], "/proc/ntnstack-out"),
                                            (["certify", "--profile", "ntn-3gpp"],
                                             "/sys/ntnstack-out")])
def test_out_under_kernel_file_systems(capsys, command, where):
    one_line_error(capsys, [*command, "--out", where], "--out", "kernel file system")


def test_garbage_journal_in_out(capsys, tmp_path):
    (tmp_path / "results.sqlite").write_bytes(b"not sqlite " * 200)
    one_line_error(capsys, ["run", str(WAITS), "--out", str(tmp_path), "--quiet"],
                   "results.sqlite", "not an ntnstack journal")


@pytest.mark.parametrize("out", ["", "."])
def test_export_out_that_names_no_file(capsys, out):
    # found by the CLI fuzz: Path("").with_suffix() raised ValueError
    one_line_error(capsys, ["export", "--target", "srsran", "--sat", "geo:100", "--out", out],
                   "--out", "expected a file path")


def test_nmea_link_on_a_directory(capsys, tmp_path):
    one_line_error(capsys, ["nmea", "--ue", UE, "--count", "1", "--link", str(tmp_path)],
                   "--link", "a directory is there")


# ---------------------------------------------------------------- IQ channel
@pytest.fixture
def cf32(tmp_path) -> Path:
    path = tmp_path / "in.cf32"
    path.write_bytes(bytes(8 * 1000))
    return path


def _channel(cf32: Path, *extra: str) -> list[str]:
    return ["channel", "--in", str(cf32), "--out", str(cf32.with_name("out.cf32")),
            "--no-progress", *extra]


def test_sigmf_meta_that_is_a_directory(capsys, tmp_path):
    (tmp_path / "rec.sigmf-meta").mkdir()
    one_line_error(capsys, ["channel", "--in", str(tmp_path / "rec.sigmf-meta"), "--out",
                            str(tmp_path / "o.cf32"), "--rate", "1e6", "--sat", "geo:100",
                            "--ue", UE, "--start", START], "--in", "cannot read")


@pytest.mark.parametrize("meta, needle", [
    ({"global": {"core:datatype": "cf32_le", "core:sample_rate": "fast"}},
     "core:sample_rate 'fast' is not a number"),
    ({"global": {"core:datatype": "cf32_le"}, "captures": 5}, "captures must be an array"),
    ({"global": {"core:datatype": "cf32_le"}, "captures": [{"core:frequency": "2 GHz"}]},
     "captures[0] core:frequency"),
    ({"global": {"core:datatype": "cf32_le"}, "captures": [{"core:datetime": 5}]},
     "captures[0] core:datetime"),
])
def test_sigmf_meta_with_wrong_types(capsys, tmp_path, meta, needle):
    (tmp_path / "rec.sigmf-meta").write_text(json.dumps(meta))
    (tmp_path / "rec.sigmf-data").write_bytes(bytes(80))
    one_line_error(capsys, ["channel", "--in", str(tmp_path / "rec.sigmf-meta"), "--out",
                            str(tmp_path / "o.cf32"), "--rate", "1e6", "--sat", "geo:100",
                            "--ue", UE, "--start", START], "--in", needle)


@pytest.mark.parametrize("name, needle", [("missing.cf32", "does not exist"),
                                           ("fifo.cf32", "is not a regular file")])
def test_iq_input_that_is_no_regular_file(capsys, tmp_path, name, needle):
    path = tmp_path / name
    if name.startswith("fifo"):
        os.mkfifo(path)   # exists, as /dev/null does, but has no size to read samples from
    one_line_error(capsys, _channel(path, "--rate", "1e6", "--sat", "geo:100", "--ue", UE,
                                    "--start", START), "--in", str(path), needle)


def test_empty_trajectory_file(capsys, cf32):
    empty = cf32.with_name("t.csv")
    empty.write_text("")
    one_line_error(capsys, _channel(cf32, "--rate", "1e6", "--trajectory", str(empty)),
                   "--trajectory", "not a CSV")


def test_chunk_is_bounded(capsys, cf32):
    one_line_error(capsys, _channel(cf32, "--rate", "1e6", "--sat", "geo:100", "--ue", UE,
                                    "--start", START, "--chunk", str(10**12)), "--chunk")


def test_rate_times_delay_memory_is_bounded(capsys, cf32):
    # geo:100 seen from 30 N: about 0.125 s one way; at 1e9 samples/s the history needs
    # 1.25e8 samples -> 2^27 x 8 bytes = 1 GiB, over MAX_IQ_DELAY_BYTES (512 MiB).
    assert limits.MAX_IQ_DELAY_BYTES < (1 << 27) * 8
    one_line_error(capsys, _channel(cf32, "--rate", "1e9", "--sat", "geo:100", "--ue", UE,
                                    "--start", START), "--rate", "GiB")


ZMQ = ["channel", "--rate", "1e6", "--sat", "geo:100", "--ue", UE, "--start", START]
ENDPOINTS = ["--zmq-bs-tx", "tcp://127.0.0.1:1", "--zmq-ue-tx", "tcp://127.0.0.1:2",
             "--zmq-dl-bind", "tcp://127.0.0.1:3", "--zmq-ul-bind", "tcp://127.0.0.1:4"]


def test_zmq_duration_is_bounded(capsys):
    one_line_error(capsys, [*ZMQ, *ENDPOINTS, "--duration", "1e12"], "--duration")


def test_zmq_bogus_url(capsys):
    argv = [*ZMQ, *ENDPOINTS]
    argv[argv.index("tcp://127.0.0.1:3")] = "bogus"
    one_line_error(capsys, argv, "--zmq-dl-bind 'bogus'", "ZeroMQ endpoint")


# ---------------------------------------------------------------- scenario YAML
def _scenario(tmp_path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return str(path)


def _waits_with_steps(steps: str) -> str:
    return WAITS.read_text().split("steps:")[0] + "steps:\n" + steps


BILLION_LAUGHS = ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                  + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                            for p, n in zip("abcdefgh", "bcdefghi", strict=True)))


@pytest.mark.parametrize("text, needle", [
    ("name: &s [*s]\n", "s.yaml:1:11: (top level): alias *s refers to itself"),
    ("name: " + "[" * 20_000 + "\n", "s.yaml:1:"),
    (BILLION_LAUGHS, "values with aliases expanded"),
    ("base: &b {x: 1}\nname:\n  <<: *b\n", "s.yaml:3:3: name: YAML merge keys (<<)"),
    (WAITS.read_text().replace("validity_s: 10", "validity_s: " + "9" * 400),
     "cells.leo-cell.validity_s: expected a whole number of seconds, got a 1329-bit integer"),
    (WAITS.read_text().replace("start: 2026-03-01T00:00:00Z",
                               "start: 9999-12-31T23:59:59-01:00"),
     "s.yaml:4:8: start: time '9999-12-31T23:59:59-01:00': year outside 1957..2199"),
    (_waits_with_steps("  - {terminal: ue, do: wait, duration_s: 1.0e+15}\n"),
     "steps[0].duration_s: expected seconds in [0, 86400], got 1e+15"),
    (_waits_with_steps("  - &w {terminal: ue, do: wait, duration_s: 1}\n"
                       + "  - *w\n" * limits.MAX_SCENARIO_STEPS),
     f"steps: {limits.MAX_SCENARIO_STEPS + 1} steps, more than"),
    (_waits_with_steps("  - {terminal: ue, do: wait, duration_s: 1}\n" * 250_000),
     "larger than 1 MiB"),
], ids=["recursive alias", "20000 [", "billion laughs", "merge key", "400-digit integer",
        "start 9999", "duration_s 1e15", "10001 steps", "250000 steps"])
def test_bad_yaml_is_one_line_with_file_line_col(capsys, tmp_path, text, needle):
    one_line_error(capsys, ["run", _scenario(tmp_path, text), "--out", str(tmp_path / "o")],
                   needle)
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- accepted, then broken
@pytest.mark.parametrize("option, value", [("--speed", "1e308"), ("--speed", "nan"),
                                           ("--search-s", "inf"), ("--search-s", "-1")])
def test_module_serve_refuses_unusable_numbers(capsys, option, value):
    one_line_error(capsys, ["module", "serve", "--family", "nbntn-generic", option, value],
                   option)


def test_residual_step_blames_step(capsys):
    one_line_error(capsys, ["sib", "residuals", "--kind", "sib19", "--sat", "geo:100",
                            "--time", START, "--ue", UE, "--step-s", "1e-300"], "--step-s")


# ---------------------------------------------------------------- positions south and west
POSITION_OPTIONS = [
    (["link", "--sat", "geo:100"], "--ue"), (["link", "--sat", "geo:100"], "--gateway"),
    (["passes", "--sat", "geo:100"], "--ue"),
    (["sib", "encode", "--kind", "sib19", "--sat", "geo:100", "--time", START], "--gateway"),
    (["sib", "residuals", "--kind", "sib19", "--sat", "geo:100", "--time", START], "--ue"),
    (["sib", "residuals", "--kind", "sib19", "--sat", "geo:100", "--time", START,
      "--ue", UE], "--gateway"),
    (["export", "--target", "srsran", "--sat", "geo:100"], "--ue"),
    (["export", "--target", "srsran", "--sat", "geo:100"], "--gateway"),
    (["nmea"], "--ue"), (["module", "serve", "--family", "nbntn-generic"], "--ue"),
    (["channel"], "--ue"), (["channel"], "--gateway"),
]


@pytest.mark.parametrize("argv, option", POSITION_OPTIONS,
                         ids=[f"{' '.join(a[:2])} {o}" for a, o in POSITION_OPTIONS])
def test_every_position_option_takes_a_negative_latitude(argv, option):
    args = build_parser().parse_args([*argv, option, "-30.5,-70.25,10"])
    assert getattr(args, option[2:]) == "-30.5,-70.25,10"


@pytest.mark.parametrize("argv", [
    ["sib", "encode", "--kind", "sib19", "--sat", "geo:100", "--time", START,
     "--gateway", "-30,100,0"],
    ["sib", "residuals", "--kind", "sib19", "--sat", "geo:100", "--time", START,
     "--ue", SOUTH, "--max-age-s", "10"],
    ["export", "--target", "srsran", "--sat", "geo:100", "--ue", SOUTH],
], ids=["sib encode --gateway", "sib residuals --ue", "export --ue"])
def test_southern_positions_run(capsys, argv):
    assert main(argv) == 0, capsys.readouterr().err


# ---------------------------------------------------------------- a bug shows as a bug
def test_a_bug_is_not_reported_as_bad_input(monkeypatch):
    """cli.main turns only InputError into exit 2; any other ValueError is a bug and keeps
    its traceback."""
    import ntnstack.commands.geometry as geometry

    def broken(args):
        raise ValueError("a bug")

    monkeypatch.setattr(geometry, "run", broken)
    with pytest.raises(ValueError, match="a bug"):
        main(["geometry", "--altitude-km", "600", "--elevation-deg", "10"])


def test_a_downlink_carrier_without_room_for_the_default_uplink_names_freq_hz(capsys):
    # UL defaults to DL - 190 MHz (the n256 duplex spacing): 250 MHz leaves 60 MHz, below the
    # 100 MHz the link model takes; the user gave --freq-hz, not --freq-ul-hz
    one_line_error(capsys, ["link", "--sat", "geo:110", "--ue", UE, "--freq-hz", "2.5e8"],
                   "--freq-hz: 2.5e+08 Hz leaves no UL carrier 190 MHz below it",
                   "give --freq-ul-hz")
    assert main(["link", "--sat", "geo:110", "--ue", UE, "--freq-hz", "2.5e8",
                 "--freq-ul-hz", "2.4e8", "--duration", "0", "-q"]) == 0


def test_a_websocket_url_puts_an_ipv6_host_in_brackets():
    # RFC 3986 3.2.2: an IP literal in a URL is bracketed ("ws://::1:8765" is not a URL)
    from ntnstack.commands._options import ws_url

    assert ws_url("::1", 8765) == "ws://[::1]:8765"
    assert ws_url("127.0.0.1", 8765) == "ws://127.0.0.1:8765"

"""``ntnstack channel`` and SigMF metadata: Non-Conforming Datasets (header / trailing bytes,
core:dataset), several captures, the output's own metadata (no stale core:dataset /
core:sha512, the carrier and start the channel used), and what the channel cannot carry
(a Doppler shift beyond the band, a satellite below the mask, NaN samples)."""
import hashlib
import json

import numpy as np
import pytest

import phy_ffi
from ntnstack.cli import main
from ntnstack.clock import parse_iso8601
from ntnstack.link.series import link_series
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import parse_orbit_spec
from tests.iq.signals import complex_noise

RATE_HZ = 1.92e6                  # LTE 1.4 MHz / NB-IoT sampling rate
LEO = "circular:600:53:0:0"       # as tests/iq/test_channel_cli.py: seen from UE at START
UE = "0,10,0"
START = "2026-01-01T00:01:00Z"
SHIFT = 100                       # samples of constant delay of the CSV trajectory


def _meta(captures, **glob) -> dict:
    return {"global": {"core:datatype": "cf32_le", "core:sample_rate": RATE_HZ,
                       "core:version": "1.0.0", **glob},
            "captures": captures, "annotations": []}


def _write(tmp_path, name: str, meta: dict, data: bytes):
    (tmp_path / f"{name}.sigmf-data").write_bytes(data)
    (tmp_path / f"{name}.sigmf-meta").write_text(json.dumps(meta))
    return tmp_path / f"{name}.sigmf-meta"


def _shift_csv(tmp_path):
    """A constant delay of SHIFT samples: the output is the input SHIFT samples later."""
    path = tmp_path / "shift.csv"
    path.write_text("t_s,delay_s,doppler_hz,gain_db\n"
                    f"0,{SHIFT / RATE_HZ!r},0,0\n10,{SHIFT / RATE_HZ!r},0,0\n")
    return path


def _run(inp, out, *extra) -> int:
    return main(["channel", "--in", str(inp), "--out", str(out), "-q", *extra])


def test_header_and_trailing_bytes_are_skipped_and_not_declared(tmp_path):
    """SigMF 1.0 Non-Conforming Dataset: 64 header bytes before each of two captures and 24
    trailing bytes; read in 700-sample blocks (a block spans the second header). The output
    holds exactly the samples, shifted by the trajectory's delay, and declares no header or
    trailer."""
    x = complex_noise(3000, seed=7)
    first = 1234
    header = bytes(range(64))               # decodes as tiny floats and NaN-free garbage
    data = header + x[:first].tobytes() + header + x[first:].tobytes() + b"\xff" * 24
    meta = _meta([{"core:sample_start": 0, "core:header_bytes": 64},
                  {"core:sample_start": first, "core:header_bytes": 64}],
                 **{"core:trailing_bytes": 24})
    inp = _write(tmp_path, "ncd", meta, data)
    out = tmp_path / "o.sigmf-meta"
    assert _run(inp, out, "--trajectory", str(_shift_csv(tmp_path)), "--chunk", "700") == 0
    y = np.fromfile(tmp_path / "o.sigmf-data", np.complex64)
    assert y.size == x.size
    np.testing.assert_array_equal(y[SHIFT:], x[:-SHIFT])
    written = json.loads(out.read_text())
    assert "core:trailing_bytes" not in written["global"]
    assert [c.get("core:header_bytes") for c in written["captures"]] == [None, None]


@pytest.mark.parametrize("where, field, value, message", [
    ("capture", "core:header_bytes", -8, "captures[0] core:header_bytes -8 is not a count"),
    ("capture", "core:header_bytes", "64", "captures[0] core:header_bytes '64' is not a count"),
    ("capture", "core:header_bytes", 9000, "exceed the 8000-byte dataset"),
    ("global", "core:trailing_bytes", 3, "7997 bytes of samples"),
    ("global", "core:dataset", "../x.sigmf-data", "core:dataset '../x.sigmf-data' is not a "
                                                  "file name"),
    ("capture", "core:sample_start", 1001, "captures[0] core:sample_start 1001 is beyond the "
                                           "dataset's 1000 samples"),
])
def test_bad_byte_counts_are_refused_naming_in(tmp_path, capsys, where, field, value, message):
    meta = _meta([{"core:sample_start": 0}])
    (meta["global"] if where == "global" else meta["captures"][0])[field] = value
    inp = _write(tmp_path, "bad", meta, complex_noise(1000).tobytes())
    assert _run(inp, tmp_path / "o.cf32", "--trajectory", str(_shift_csv(tmp_path))) == 2
    err = capsys.readouterr().err
    assert err.startswith("ntnstack channel: error: --in ") and message in err, err
    assert err.count("\n") == 1


def test_captures_out_of_sample_order_are_refused(tmp_path, capsys):
    meta = _meta([{"core:sample_start": 0}, {"core:sample_start": 500},
                  {"core:sample_start": 300}])
    inp = _write(tmp_path, "order", meta, complex_noise(1000).tobytes())
    assert _run(inp, tmp_path / "o.cf32", "--trajectory", str(_shift_csv(tmp_path))) == 2
    assert "captures[2] core:sample_start 300 is before the previous capture's 500 " \
           "(captures go in sample order)" in capsys.readouterr().err


def test_a_first_capture_after_sample_0_reads_from_its_header(tmp_path):
    """SigMF captures[0] at sample_start 10 (sigmf-python's byte layout: its header, then
    samples 0..), a second capture with its own header at 600: every sample is read,
    samples 0..9 included."""
    x = complex_noise(1000, seed=5)
    meta = _meta([{"core:sample_start": 10, "core:header_bytes": 16},
                  {"core:sample_start": 600, "core:header_bytes": 8}])
    inp = _write(tmp_path, "late", meta,
                 bytes(16) + x[:600].tobytes() + bytes(8) + x[600:].tobytes())
    assert _run(inp, tmp_path / "o.cf32", "--trajectory", str(_shift_csv(tmp_path))) == 0
    np.testing.assert_array_equal(np.fromfile(tmp_path / "o.cf32", np.complex64)[SHIFT:],
                                  x[:-SHIFT])


def test_dataset_and_sha512_of_the_input_are_not_the_outputs(tmp_path):
    """core:dataset names the input's data file (read from there); the output is a new
    conforming dataset: no core:dataset pointer to the input, no hash of the input's data."""
    x = complex_noise(2000, seed=2)
    (tmp_path / "elsewhere.sigmf-data").write_bytes(x.tobytes())
    meta = _meta([{"core:sample_start": 0}],
                 **{"core:dataset": "elsewhere.sigmf-data",
                    "core:sha512": hashlib.sha512(x.tobytes()).hexdigest()})
    inp = _write(tmp_path, "ptr", meta, b"")          # its own .sigmf-data is empty
    out = tmp_path / "o.sigmf-meta"
    assert _run(inp, out, "--trajectory", str(_shift_csv(tmp_path))) == 0
    np.testing.assert_array_equal(np.fromfile(tmp_path / "o.sigmf-data", np.complex64)[SHIFT:],
                                  x[:-SHIFT])
    glob = json.loads(out.read_text())["global"]
    assert "core:dataset" not in glob and "core:sha512" not in glob


@pytest.mark.parametrize("second, message", [
    ({"core:frequency": 2.19e9}, "captures[1] core:frequency 2.19e+09 Hz differs from "
                                 "captures[0]'s (2.185e+09 Hz)"),
    ({"core:datetime": "2026-01-01T00:01:10Z"},
     "captures[1] core:datetime 2026-01-01T00:01:10Z (sample 960000) is not the continuation "
     "of captures[0], not 2026-01-01T00:01:00.5Z"),
])
def test_a_capture_at_another_carrier_or_time_is_refused(tmp_path, capsys, second, message):
    """The channel follows one carrier and one clock: a later capture elsewhere is refused
    (one line naming --in and the capture), not processed as the first one's continuation."""
    meta = _meta([{"core:sample_start": 0, "core:frequency": 2.185e9, "core:datetime": START},
                  {"core:sample_start": 960_000, **second}])
    inp = _write(tmp_path, "two", meta, complex_noise(1_000_000).tobytes())
    assert _run(inp, tmp_path / "o.sigmf-meta", "--sat", LEO, "--ue", UE) == 2
    err = capsys.readouterr().err
    assert err.startswith("ntnstack channel: error: --in ") and message in err, err
    assert err.count("\n") == 1
    assert not (tmp_path / "o.sigmf-data").exists()


def test_continuous_captures_are_one_recording_and_follow_the_start(tmp_path):
    """A second capture at the first one's carrier and time + 960000 / 1.92e6 s = +0.5 s is
    the same recording: the output equals that of one capture; its capture times say when
    the channel put them (--start moves both)."""
    x = complex_noise(1_000_000, seed=8)
    one = _write(tmp_path, "one", _meta([{"core:sample_start": 0, "core:frequency": 2.185e9,
                                          "core:datetime": START}]), x.tobytes())
    two = _write(tmp_path, "two", _meta([
        {"core:sample_start": 0, "core:frequency": 2.185e9, "core:datetime": START},
        {"core:sample_start": 960_000, "core:frequency": 2.185e9,
         "core:datetime": "2026-01-01T00:01:00.5Z"}]), x.tobytes())
    assert _run(one, tmp_path / "o1.sigmf", "--sat", LEO, "--ue", UE) == 0
    assert _run(two, tmp_path / "o2.sigmf", "--sat", LEO, "--ue", UE) == 0
    assert (tmp_path / "o1.sigmf-data").read_bytes() == (tmp_path / "o2.sigmf-data").read_bytes()
    caps = json.loads((tmp_path / "o2.sigmf-meta").read_text())["captures"]
    assert [c["core:datetime"] for c in caps] == [START, "2026-01-01T00:01:00.5Z"]
    assert _run(two, tmp_path / "o3.sigmf", "--sat", LEO, "--ue", UE,
                "--start", "2026-01-01T00:01:02Z") == 0
    caps = json.loads((tmp_path / "o3.sigmf-meta").read_text())["captures"]
    assert [c["core:datetime"] for c in caps] == ["2026-01-01T00:01:02Z",
                                                  "2026-01-01T00:01:02.5Z"]


def test_a_first_capture_dated_after_sample_0_puts_sample_0_earlier(tmp_path):
    """captures[0] at sample 960 dated START + 0.5 ms (960 / 1.92e6 s), captures[1] at 1920
    dated START + 1 ms: sample 0 is at START, as in a recording with one capture at sample 0
    dated START; the same output, the capture times kept."""
    x = complex_noise(5000, seed=6).tobytes()
    cap = {"core:frequency": 2.185e9}
    one = _write(tmp_path, "one", _meta([{"core:sample_start": 0, "core:datetime": START,
                                          **cap}]), x)
    late = _write(tmp_path, "late", _meta([
        {"core:sample_start": 960, "core:datetime": "2026-01-01T00:01:00.0005Z", **cap},
        {"core:sample_start": 1920, "core:datetime": "2026-01-01T00:01:00.001Z", **cap}]), x)
    assert _run(one, tmp_path / "o1.sigmf", "--sat", LEO, "--ue", UE) == 0
    assert _run(late, tmp_path / "o2.sigmf", "--sat", LEO, "--ue", UE) == 0
    assert (tmp_path / "o1.sigmf-data").read_bytes() == (tmp_path / "o2.sigmf-data").read_bytes()
    caps = json.loads((tmp_path / "o2.sigmf-meta").read_text())["captures"]
    assert [c["core:datetime"] for c in caps] == ["2026-01-01T00:01:00.0005Z",
                                                  "2026-01-01T00:01:00.001Z"]


def test_a_raw_input_gives_the_output_the_carrier_and_start_it_was_given(tmp_path):
    complex_noise(5000).tofile(tmp_path / "in.cf32")
    out = tmp_path / "o.sigmf-meta"
    assert _run(tmp_path / "in.cf32", out, "--rate", str(RATE_HZ), "--freq-hz", "2.18e9",
                "--sat", LEO, "--ue", UE, "--start", START) == 0
    (cap,) = json.loads(out.read_text())["captures"]
    assert cap["core:frequency"] == 2.18e9
    assert parse_iso8601(cap["core:datetime"]) == parse_iso8601(START)


def test_a_recording_with_direction_ul_is_at_the_uplink_carrier(tmp_path):
    """The recording's core:frequency is the carrier of its signal: with --direction ul the
    UL carrier (1.995 GHz here, not 1.995 - 0.190 GHz), which the output keeps and whose
    Doppler the samples get (-f dr/dt / c: the DL figures scaled by 1.995 / 2.185)."""
    meta = _meta([{"core:sample_start": 0, "core:frequency": 1.995e9, "core:datetime": START}])
    inp = _write(tmp_path, "ul", meta, complex_noise(5000).tobytes())
    dl_run = tmp_path / "dl.sigmf-meta"
    assert _run(tmp_path / "ul.sigmf-meta", dl_run, "--sat", LEO, "--ue", UE,
                "--freq-hz", "2.185e9") == 0
    out = tmp_path / "o.sigmf-meta"
    assert _run(inp, out, "--sat", LEO, "--ue", UE, "--direction", "ul") == 0
    written = json.loads(out.read_text())
    note = written["annotations"][0]
    assert note["ntnstack:carrier_hz"] == 1.995e9
    assert written["captures"][0]["core:frequency"] == 1.995e9
    dl_doppler = json.loads(dl_run.read_text())["annotations"][0]["ntnstack:doppler_hz_range"]
    assert note["ntnstack:doppler_hz_range"] == pytest.approx(
        [d * 1.995 / 2.185 for d in dl_doppler], rel=1e-12)


def test_a_recorded_carrier_out_of_range_names_the_metadata(tmp_path, capsys):
    meta = _meta([{"core:sample_start": 0, "core:frequency": 5e7, "core:datetime": START}])
    inp = _write(tmp_path, "vhf", meta, complex_noise(100).tobytes())
    assert _run(inp, tmp_path / "o.cf32", "--sat", LEO, "--ue", UE) == 2
    assert f"error: --in {inp} core:frequency: 5e+07 is outside [1e+08, 1e+11]" \
        in capsys.readouterr().err


def test_uplink_path_loss_is_that_of_the_uplink_carrier(tmp_path):
    """--direction ul: the annotation's absolute loss is the TR 38.811 loss on the UL carrier
    (1.995e9 = 2.185e9 - 190 MHz, n256), phy_ffi.pathloss at the closest knot, not the DL
    one (the loss grows with the carrier: 20 log10(f) in the free-space term)."""
    complex_noise(5000).tofile(tmp_path / "in.cf32")
    losses = {}
    for direction in ("dl", "ul"):
        out = tmp_path / f"{direction}.sigmf-meta"
        assert _run(tmp_path / "in.cf32", out, "--rate", str(RATE_HZ), "--freq-hz", "2.185e9",
                    "--sat", LEO, "--ue", UE, "--start", START, "--direction", direction) == 0
        note = json.loads(out.read_text())["annotations"][0]
        losses[direction] = note["ntnstack:pathloss_db_at_0_db_gain"]
    start = parse_iso8601(START)
    knots = start + np.arange(4) * 0.1                # the trajectory's knots (0.1 s step)
    s = link_series(parse_orbit_spec(LEO, start), parse_position(UE), knots)
    for direction, carrier in (("dl", 2.185e9), ("ul", 1.995e9)):
        expected = phy_ffi.pathloss(s.range_m, s.elevation_deg, carrier, "rural").total_db
        assert losses[direction] == pytest.approx(float(np.min(expected)), abs=1e-9)
    assert losses["dl"] - losses["ul"] > 0.5


def test_a_doppler_shift_beyond_half_the_rate_is_refused(tmp_path, capsys):
    """At 20 kS/s a complex baseband holds +-10 kHz; the LEO pass's Doppler at 2.185 GHz is
    tens of kHz (link: v_r / c x f), which would alias: refused with both figures."""
    complex_noise(2000).tofile(tmp_path / "in.cf32")
    assert _run(tmp_path / "in.cf32", tmp_path / "o.cf32", "--rate", "2e4", "--sat", LEO,
                "--ue", UE, "--start", START) == 2
    err = capsys.readouterr().err
    assert "error: --rate 20000 Hz: the channel's Doppler shift reaches " in err
    assert "beyond the +-10,000 Hz" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("half_width_hz, warned", [(940e3, True), (900e3, False)])
def test_an_annotated_signal_pushed_past_the_band_edge_is_warned(tmp_path, capsys,
                                                                 half_width_hz, warned):
    """The LEO pass at START shifts by +24.95..+25.01 kHz at 2.185 GHz (link_trajectory);
    at 1.92 MS/s the band ends at +-960 kHz: a signal annotated up to +940 kHz then reaches
    about 965 kHz and wraps (warned, the output still written); one up to +900 kHz does
    not."""
    meta = _meta([{"core:sample_start": 0, "core:frequency": 2.185e9, "core:datetime": START}])
    meta["annotations"] = [{"core:sample_start": 0, "core:sample_count": 2000,
                            "core:label": "NPDSCH",
                            "core:freq_lower_edge": 2.185e9 - half_width_hz,
                            "core:freq_upper_edge": 2.185e9 + half_width_hz}]
    inp = _write(tmp_path, "band", meta, complex_noise(2000).tobytes())
    assert _run(inp, tmp_path / "o.sigmf-meta", "--sat", LEO, "--ue", UE) == 0
    err = capsys.readouterr().err
    expected = (f"ntnstack channel: warning: --in {inp}: annotations[0] (NPDSCH) spans "
                f"-940,000..+940,000 Hz about the carrier; shifted by +24,949..+25,009 Hz it "
                f"reaches 965,009 Hz from the centre, beyond the +-960,000 Hz of --rate "
                f"1.92e+06: that part wraps around the band edge\n")
    assert err == (expected if warned else "")


GEO_EDGE = ["--sat", "preset:beidou3-geo-140e", "--ue", "42.0,75.0,500",
            "--start", "2026-01-01T00:00:00Z"]       # elevation 9.74 deg (ntnstack link)


def test_a_geo_slot_below_the_mask_needs_a_lower_mask_not_a_pass(tmp_path, capsys):
    complex_noise(2000).tofile(tmp_path / "in.cf32")
    args = [tmp_path / "in.cf32", tmp_path / "o.cf32", "--rate", str(RATE_HZ), *GEO_EDGE]
    assert _run(*args) == 2
    err = capsys.readouterr().err
    assert "minimum 10); a geostationary slot stays there: lower --min-elevation-deg" in err
    assert "pass" not in err
    assert _run(*args, "--min-elevation-deg", "9") == 0
    assert _run(*args, "--min-elevation-deg", "nan") == 2
    assert "--min-elevation-deg: nan is outside [-90, 90]" in capsys.readouterr().err


def test_a_leo_preset_is_reached_through_its_anchor(tmp_path, capsys):
    """preset:tr38821-leo600 culminates over the reference UE 600 s after its anchor
    (ntnstack.orbit.presets): anchored at --start it is below the mask and the error says how
    to anchor it; anchored 10 min before --start the samples are at culmination."""
    complex_noise(2000).tofile(tmp_path / "in.cf32")
    args = [tmp_path / "in.cf32", tmp_path / "o.cf32", "--rate", str(RATE_HZ),
            "--ue", "39.9042,116.4074,50", "--start", "2026-01-01T00:10:00Z"]
    assert _run(*args, "--sat", "preset:tr38821-leo600") == 2
    assert "--sat preset:tr38821-leo600 is anchored at --start: SPEC@ISO8601 anchors it " \
           "elsewhere" in capsys.readouterr().err
    assert _run(*args, "--sat", "preset:tr38821-leo600@2026-01-01T00:00:00Z") == 0


def test_a_nan_sample_names_the_input_and_its_index(tmp_path, capsys):
    x = complex_noise(3000)
    x[2345] = np.nan
    x.tofile(tmp_path / "in.cf32")
    args = [tmp_path / "in.cf32", tmp_path / "o.cf32", "--rate", str(RATE_HZ), "--sat", LEO,
            "--ue", UE, "--start", START, "--chunk", "1000"]
    assert _run(*args) == 2
    err = capsys.readouterr().err
    assert f"error: --in {tmp_path / 'in.cf32'}: NaN or infinite sample at index 2,345" in err
    assert _run(*args, "--snr-db", "10") == 2
    assert f"error: --in {tmp_path / 'in.cf32'}: the reference signal power is nan" \
        in capsys.readouterr().err

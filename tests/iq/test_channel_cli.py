"""``ntnstack channel`` in file mode: cf32 and SigMF in and out, chunking, progress, errors."""
import io
import json
import os
import sys
import threading

import numpy as np
import pytest

import phy_ffi
from ntnstack.cli import main
from ntnstack.iq.cli import PASS_BLOCK, _mean_power
from ntnstack.clock import parse_iso8601
from ntnstack.iq.trajectory import link_trajectory
from ntnstack.link.terminals import parse_position
from ntnstack.orbit import parse_orbit_spec
from tests.iq.signals import complex_noise

RATE_HZ = 1.92e6                  # LTE 1.4 MHz / NB-IoT sampling rate
LEO = "circular:600:53:0:0"       # TR 38.821 LEO-600 (elements set at --start): seen from
UE = "0,10,0"                     # 0N 10E at 22 deg elevation, setting 5 min 18 s later
START = "2026-01-01T00:01:00Z"


def _sigmf(tmp_path, x, **capture):
    x.tofile(tmp_path / "in.sigmf-data")
    meta = {"global": {"core:datatype": "cf32_le", "core:sample_rate": RATE_HZ,
                       "core:version": "1.0.0", "core:description": "a test recording"},
            "captures": [{"core:sample_start": 0, **capture}],
            "annotations": [{"core:sample_start": 10, "core:sample_count": 5,
                             "core:label": "burst"}]}
    (tmp_path / "in.sigmf-meta").write_text(json.dumps(meta))
    return tmp_path / "in.sigmf-meta"


def test_cf32_with_csv_trajectory_is_an_exact_shift(tmp_path, capsys):
    x = complex_noise(50_000)
    x.tofile(tmp_path / "in.cf32")
    (tmp_path / "traj.csv").write_text("t_s,delay_s,doppler_hz,gain_db\n"
                                       f"0,{100 / RATE_HZ!r},0,0\n1,{100 / RATE_HZ!r},0,0\n")
    rc = main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(tmp_path / "o.cf32"),
               "--rate", str(RATE_HZ), "--trajectory", str(tmp_path / "traj.csv"),
               "--chunk", "7000"])
    assert rc == 0
    y = np.fromfile(tmp_path / "o.cf32", np.complex64)
    np.testing.assert_array_equal(y[100:], x[:-100])
    assert "\r" not in capsys.readouterr().err    # stderr is not a terminal: no progress bar


def test_sigmf_leo_pass_keeps_metadata_and_matches_the_channel(tmp_path):
    x = complex_noise(300_000, seed=4)
    meta_in = _sigmf(tmp_path, x, **{"core:frequency": 2.185e9, "core:datetime": START})
    out = tmp_path / "out.sigmf-meta"
    assert main(["channel", "--in", str(meta_in), "--out", str(out), "--sat", LEO, "--ue", UE,
                 "--snr-db", "30", "--chunk", "65536", "-q"]) == 0
    meta = json.loads(out.read_text())
    assert meta["global"]["core:description"] == "a test recording"
    assert meta["global"]["core:sample_rate"] == RATE_HZ
    assert meta["captures"][0]["core:datetime"] == START
    labels = [a["core:label"] for a in meta["annotations"]]
    assert labels == ["ntnstack channel", "burst"]
    note = meta["annotations"][0]
    assert note["core:sample_count"] == x.size and note["ntnstack:direction"] == "dl"
    assert note["ntnstack:satellite"] == "circular 600 km 53 deg"
    # The same channel built directly from the link layer, one call: identical samples.
    start = parse_iso8601(START)
    lt = link_trajectory(parse_orbit_spec(LEO, start), parse_position(UE), start,
                         x.size / RATE_HZ, freq_dl_hz=2.185e9, freq_ul_hz=1.995e9)
    power = float(np.mean(np.abs(x.astype(np.complex128)) ** 2))
    ch = phy_ffi.IQChannel(RATE_HZ, lt.trajectory, noise_power=note["ntnstack:noise_power"],
                           seed=1)
    assert note["ntnstack:noise_power"] == pytest.approx(power * 1e-3, rel=1e-9)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "out.sigmf-data", np.complex64),
                                  ch.process(x))


@pytest.mark.parametrize("extra, message", [
    ([], "--rate: required"),
    (["--rate", "0"], "--rate: must be a finite sample rate > 0"),
    (["--rate", "1e6", "--sat", LEO, "--ue", "0,-170,0", "--start", START],
     "not visible from the terminal"),
    (["--rate", "1e6", "--trajectory", "nonexistent.csv"], "--trajectory nonexistent.csv"),
    (["--rate", "1e6", "--sat", LEO, "--ue", UE, "--start", "yesterday"], "--start 'yesterday'"),
])
def test_bad_options_are_named(tmp_path, capsys, extra, message):
    complex_noise(1000).tofile(tmp_path / "in.cf32")
    rc = main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(tmp_path / "o.cf32"),
               *extra])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_bad_recordings_are_named(tmp_path, capsys):
    (tmp_path / "odd.cf32").write_bytes(b"\0" * 12)
    assert main(["channel", "--in", str(tmp_path / "odd.cf32"), "--out",
                 str(tmp_path / "o.cf32"), "--rate", "1e6"]) == 2
    assert "12 bytes is not a whole number of cf32 samples" in capsys.readouterr().err
    meta = _sigmf(tmp_path, complex_noise(10))
    text = json.loads(meta.read_text())
    text["global"]["core:datatype"] = "ci16_le"
    meta.write_text(json.dumps(text))
    assert main(["channel", "--in", str(meta), "--out", str(tmp_path / "o.cf32")]) == 2
    assert "core:datatype 'ci16_le' is not supported (cf32_le only)" in capsys.readouterr().err


@pytest.mark.parametrize("field, value, message", [
    ("core:sample_rate", -5, "in.sigmf-meta core:sample_rate: must be a finite sample rate > 0"),
    ("core:datetime", "notadate", "in.sigmf-meta core:datetime 'notadate'"),
])
def test_bad_metadata_values_name_the_metadata(tmp_path, capsys, field, value, message):
    # a value from the recording's metadata, not an option the user gave, is what is wrong
    meta = _sigmf(tmp_path, complex_noise(1000), **{"core:datetime": START})
    text = json.loads(meta.read_text())
    (text["global"] if field == "core:sample_rate" else text["captures"][0])[field] = value
    meta.write_text(json.dumps(text))
    assert main(["channel", "--in", str(meta), "--out", str(tmp_path / "o.cf32"), "--sat", LEO,
                 "--ue", UE]) == 2
    err = capsys.readouterr().err
    assert message in err and "--rate" not in err and "--start" not in err, err


def test_csv_without_a_column_is_named(tmp_path, capsys):
    complex_noise(100).tofile(tmp_path / "in.cf32")
    (tmp_path / "t.csv").write_text("t_s,delay_s,doppler_hz\n0,1e-3,0\n1,1e-3,0\n")
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out",
                 str(tmp_path / "o.cf32"), "--rate", "1e6", "--trajectory",
                 str(tmp_path / "t.csv")]) == 2
    assert "missing column(s) gain_db" in capsys.readouterr().err


def test_trajectory_shorter_than_the_file_is_named(tmp_path, capsys):
    complex_noise(3000).tofile(tmp_path / "in.cf32")
    (tmp_path / "t.csv").write_text("t_s,delay_s,doppler_hz,gain_db\n0,1e-3,0,0\n1e-3,1e-3,0,0\n")
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out",
                 str(tmp_path / "o.cf32"), "--rate", "1e6", "--trajectory",
                 str(tmp_path / "t.csv"), "-q"]) == 2
    assert "trajectory: ends at t = 0.001 s" in capsys.readouterr().err


def test_zmq_options_go_together(capsys):
    assert main(["channel", "--zmq-bs-tx", "tcp://127.0.0.1:2000", "--rate", "1e6"]) == 2
    assert "--zmq-ue-tx, --zmq-dl-bind and --zmq-ul-bind go together" in capsys.readouterr().err


SUM_BUFFER = phy_ffi.CONST.IQ_SUM_BUFFER     # floats per numpy cast buffer (ntn_phy.h)


@pytest.mark.parametrize("chunk", [5_000, PASS_BLOCK + 12_345, 3 * SUM_BUFFER])
def test_block_by_block_command_equals_the_plain_channel(tmp_path, chunk):
    """The command reads the input in --chunk pieces to sum the squares in C, then again
    in blocks of at most PASS_BLOCK samples for the channel; its noise power and output equal the
    plain sequence: the mean power of --chunk pieces (float32 squares, one np.sum in float64
    each), then the channel on the whole recording in one call. The chunks are shorter than,
    not a multiple of, and a multiple of numpy's cast buffer."""
    x = complex_noise(2 * chunk + 777, seed=9)
    meta_in = _sigmf(tmp_path, x, **{"core:frequency": 2.185e9, "core:datetime": START})
    out = tmp_path / "out.sigmf-meta"
    assert main(["channel", "--in", str(meta_in), "--out", str(out), "--sat", LEO, "--ue", UE,
                 "--snr-db", "20", "--chunk", str(chunk), "-q"]) == 0
    total = 0.0
    for i in range(0, x.size, chunk):
        total += float(np.sum(np.square(x[i:i + chunk].view(np.float32)), dtype=np.float64))
    noise = total / x.size * 10.0 ** (-20 / 10.0)
    note = json.loads(out.read_text())["annotations"][0]
    assert note["ntnstack:noise_power"] == noise
    start = parse_iso8601(START)
    lt = link_trajectory(parse_orbit_spec(LEO, start), parse_position(UE), start,
                         x.size / RATE_HZ, freq_dl_hz=2.185e9, freq_ul_hz=1.995e9)
    ch = phy_ffi.IQChannel(RATE_HZ, lt.trajectory, noise_power=noise, seed=1)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "out.sigmf-data", np.complex64),
                                  ch.process(x))


def test_mean_power_has_the_bits_of_one_numpy_sum_per_chunk():
    """The mean power equals one np.sum of float32 squares per chunk, added up, to the last
    bit. The amplitudes span 9 decades, so that the float64 sums round (float32 squares of
    one magnitude would add up exactly) and any other order of additions would show."""
    rng = np.random.default_rng(16)
    for chunk in (1 << 20, 77_777, SUM_BUFFER // 2, 3 * SUM_BUFFER, 1, 250_000):
        size = int(rng.integers(1, 2_200_000)) if chunk > 1 else 9
        x = (complex_noise(size, seed=int(rng.integers(1 << 30)))
             * 10.0 ** rng.uniform(-6, 3, size)).astype(np.complex64)
        plain = sum(float(np.sum(np.square(x[i:i + chunk].view(np.float32)), dtype=np.float64))
                    for i in range(0, size, chunk))
        blocks = (x[i:i + chunk] for i in range(0, size, chunk))
        assert _mean_power(blocks, size) == plain / size, (chunk, size)


def test_an_older_longer_output_is_cut_and_a_fifo_is_written(tmp_path):
    """The output replaces a longer old file whole: no byte of it remains; a FIFO (not a
    regular file, written directly) receives the same bytes."""
    x = complex_noise(20_000, seed=3)
    x.tofile(tmp_path / "in.cf32")
    args = ["--rate", str(RATE_HZ), "--sat", LEO, "--ue", UE, "--start", START, "--snr-db",
            "10", "--chunk", "3000", "-q"]
    fresh = tmp_path / "fresh.cf32"
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(fresh), *args]) == 0
    old = tmp_path / "old.cf32"
    old.write_bytes(b"\xff" * (3 * x.nbytes + 5))
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(old), *args]) == 0
    assert old.read_bytes() == fresh.read_bytes() and old.stat().st_size == x.nbytes
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(fifo), *args]) == 0
    reader.join()
    assert got == [fresh.read_bytes()]


def test_a_run_that_dies_midway_leaves_the_old_output_whole(tmp_path):
    """A regular output is written beside the old one and renamed over it at close: a run
    killed after some samples (no close) leaves the old file as it was, never new samples
    over an old tail; a symlinked output replaces the file it names."""
    from ntnstack.iq.files import IQWriter

    old = tmp_path / "old.cf32"
    old.write_bytes(b"\xff" * 4000)
    w = IQWriter(old, rate_hz=RATE_HZ, frequency_hz=None, start_unix_s=None, meta=None,
                 annotation={})
    w.write(np.zeros(100, dtype=np.complex64))          # then SIGKILL: no close
    assert old.read_bytes() == b"\xff" * 4000
    os.close(w._fd)
    link = tmp_path / "link.cf32"
    link.symlink_to(old)
    with IQWriter(link, rate_hz=RATE_HZ, frequency_hz=None, start_unix_s=None, meta=None,
                  annotation={}) as w:
        w.write(np.ones(10, dtype=np.complex64))
    assert link.is_symlink() and old.read_bytes() == np.ones(10, dtype=np.complex64).tobytes()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_ends_at_every_sample(tmp_path, monkeypatch):
    """On a terminal the bar is drawn and its last state counts every sample, with a rate."""
    x = complex_noise(3 * PASS_BLOCK + 5, seed=4)
    x.tofile(tmp_path / "in.cf32")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out",
                 str(tmp_path / "out.cf32"), "--rate", str(RATE_HZ), "--sat", LEO, "--ue", UE,
                 "--start", START]) == 0
    last = terminal.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("channel [" + "#" * 10) and f"{x.size:,}/{x.size:,}" in last
    assert "100.0%  samples" in last and " M/s" in last


@pytest.mark.parametrize(("inp", "out"), [("in.cf32", "link.cf32"),
                                         ("rec.sigmf-meta", "rec.sigmf")])
def test_out_naming_the_samples_of_in_is_refused(tmp_path, capsys, inp, out):
    """A hard link, or another name of the same SigMF recording, is the input itself."""
    complex_noise(1000).tofile(tmp_path / "in.cf32")
    os.link(tmp_path / "in.cf32", tmp_path / "link.cf32")
    _sigmf(tmp_path, complex_noise(1000))
    (tmp_path / "in.sigmf-meta").rename(tmp_path / "rec.sigmf-meta")
    (tmp_path / "in.sigmf-data").rename(tmp_path / "rec.sigmf-data")
    assert main(["channel", "--in", str(tmp_path / inp), "--out", str(tmp_path / out),
                 "--rate", str(RATE_HZ), "--sat", LEO, "--ue", UE, "--start", START,
                 "-q"]) == 2
    assert "error: --out: must differ from --in" in capsys.readouterr().err
    assert (tmp_path / "in.cf32").stat().st_size == (tmp_path / "rec.sigmf-data").stat().st_size


def test_an_input_that_shrinks_midway_is_one_line_and_the_old_output_stays(tmp_path, capsys,
                                                                          monkeypatch):
    """The input is read, not mapped: cut to a third by another program between two blocks
    of the channel pass, it ends the command with one line naming --in and how far it got
    (exit 2, no SIGBUS), and the old output is left whole (the .part file goes)."""
    import ntnstack.iq.cli as iq_cli

    x = complex_noise(3 * PASS_BLOCK, seed=5)
    x.tofile(tmp_path / "in.cf32")
    old = tmp_path / "out.cf32"
    old.write_bytes(b"old output")
    process = iq_cli._process
    blocks = []

    def cut_after_the_first(channel, block, out, args, src):
        process(channel, block, out, args, src)
        blocks.append(block.size)
        if len(blocks) == 1:
            os.truncate(tmp_path / "in.cf32", PASS_BLOCK * 8)
    monkeypatch.setattr(iq_cli, "_process", cut_after_the_first)
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", str(old),
                 "--rate", str(RATE_HZ), "--sat", LEO, "--ue", UE, "--start", START,
                 "--snr-db", "20", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--in" in err and "in.cf32: shrank while being read " \
        f"(ends after {PASS_BLOCK:,} of its {3 * PASS_BLOCK:,} samples)" in err
    assert old.read_bytes() == b"old output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.cf32", "out.cf32"]


def test_full_disk_is_one_line(tmp_path, capsys):
    """A write that fails (/dev/full: ENOSPC) ends the command with one line naming --out,
    exit 2."""
    complex_noise(50_000).tofile(tmp_path / "in.cf32")
    assert main(["channel", "--in", str(tmp_path / "in.cf32"), "--out", "/dev/full",
                 "--rate", str(RATE_HZ), "--sat", LEO, "--ue", UE, "--start", START,
                 "--chunk", "7000", "-q"]) == 2
    err = capsys.readouterr().err
    assert "error: --out /dev/full: cannot write (No space left on device)" in err
    assert "Traceback" not in err

"""The work behind ``ntnstack channel``: trajectory from the options, the file job and the
ZeroMQ relay job (argument parsing lives in ntnstack.commands.channel)."""
from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ntnstack.errors import InputError
from ntnstack.iq.band import band_overflow, check_doppler
from ntnstack.iq.files import (
    BYTES_PER_SAMPLE, IQInput, IQWriter, open_iq, sample_blocks, sigmf_paths,
)
from ntnstack.iq.sigmf import check_continuous
from ntnstack.iq.trajectory import ChannelLink
from ntnstack.progress import ProgressBar
from ntnstack.limits import (
    MAX_IQ_CHUNK, MAX_IQ_DELAY_BYTES, MAX_SERIES_ROWS, MAX_SPAN_S,
    check_range,
)

__all__ = ["read_trajectory_csv", "run_files", "run_relay"]

CSV_COLUMNS = ("t_s", "delay_s", "doppler_hz", "gain_db")
# zmq_connect(3) / zmq_bind(3): TRANSPORT://ADDRESS
ZMQ_ENDPOINT = re.compile(r"^(tcp|ipc|inproc|pgm|epgm|vmci|ws|wss|udp)://\S+$")
REDRAW_S = 0.2
"""Wall seconds between two redraws of the progress bar (a block takes far less)."""
PASS_BLOCK = 1 << 16          # samples per step of the channel pass: its 512 KiB output
                              # stays in the 2 MiB L2 cache from the channel to the write


def read_trajectory_csv(path: str):
    """ChannelTrajectory from a CSV with columns t_s, delay_s, doppler_hz, gain_db (a header
    line and '#' comments allowed); InputError naming the file for anything malformed."""
    import phy_ffi

    if not Path(path).is_file():
        raise InputError(f"--trajectory {path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")     # numpy warns (not raises) on an empty file
            rows = np.genfromtxt(path, delimiter=",", comments="#", names=True,
                                 dtype=np.float64, max_rows=MAX_SERIES_ROWS)
    except OSError as exc:
        raise InputError(f"--trajectory {path}: cannot read ({exc.strerror or exc})") from None
    except (ValueError, IndexError, UnicodeDecodeError, UserWarning) as exc:
        raise InputError(f"--trajectory {path}: not a CSV of {', '.join(CSV_COLUMNS)} "
                         f"({type(exc).__name__}: {str(exc)[:100]})") from None
    missing = [c for c in CSV_COLUMNS if c not in (rows.dtype.names or ())]
    if missing:
        raise InputError(f"--trajectory {path}: missing column(s) {', '.join(missing)} "
                         f"(header: {', '.join(CSV_COLUMNS)})")
    try:
        return phy_ffi.channel_trajectory(*(np.atleast_1d(rows[c]) for c in CSV_COLUMNS))
    except ValueError as exc:
        raise InputError(f"--trajectory {path}: {exc}") from None


def _rate_hz(args, src: IQInput | None) -> float:
    rate = args.rate if args.rate is not None else (src.rate_hz if src else None)
    if rate is None:
        raise InputError("--rate: required (the input has no SigMF core:sample_rate)")
    where = "--rate" if args.rate is not None else src.field("core:sample_rate")
    if not (np.isfinite(rate) and rate > 0):
        raise InputError(f"{where}: must be a finite sample rate > 0 Hz, got {rate}")
    return float(rate)


def _check_duration(duration_s: float, step_s: float, where: str) -> None:
    """The span of the trajectory: at most MAX_SPAN_S and MAX_SERIES_ROWS knots."""
    check_range(duration_s, where, 0.0, MAX_SPAN_S, "s")
    if np.isfinite(step_s) and step_s > 0 and duration_s / step_s > MAX_SERIES_ROWS:
        raise InputError(f"{where}: {duration_s:g} s in --step {step_s:g} s knots is more than "
                         f"{MAX_SERIES_ROWS} knots")


def _make_channel(rate_hz: float, traj, noise_power: float, seed: int):
    """phy_ffi.IQChannel, its arguments checked first: the delay history (a power of two of
    complex64 samples covering rate x largest delay) within MAX_IQ_DELAY_BYTES, and every
    Doppler shift within the band of a complex baseband at rate_hz (|f_d| <= rate / 2)."""
    import phy_ffi
    from phy_ffi.channel import channel_setup

    check_doppler(rate_hz, traj[2])
    delay = float(np.max(traj[1]))
    try:
        setup = channel_setup(rate_hz, traj, None, noise_power, seed, None)
    except ValueError as exc:
        raise InputError(f"--rate {rate_hz:g} Hz with delays up to {delay:g} s: {exc}") from None
    need = setup.history_len * BYTES_PER_SAMPLE
    if need > MAX_IQ_DELAY_BYTES:
        raise InputError(f"--rate: {rate_hz:g} Hz x {delay:g} s of delay needs a "
                         f"{need / 2**30:.1f} GiB delay history, more than "
                         f"{MAX_IQ_DELAY_BYTES / 2**30:g} GiB; lower the rate")
    return phy_ffi.IQChannel(rate_hz, traj, noise_power=noise_power, seed=seed)


def _check_endpoints(args) -> None:
    """Each --zmq-* option a ZeroMQ endpoint TRANSPORT://ADDRESS."""
    for option in ("zmq_bs_tx", "zmq_ue_tx", "zmq_dl_bind", "zmq_ul_bind"):
        url = getattr(args, option)
        if not ZMQ_ENDPOINT.match(url):
            raise InputError(f"--{option.replace('_', '-')} {url!r}: expected a ZeroMQ "
                             f"endpoint such as tcp://127.0.0.1:2000 or ipc:///tmp/ue")


def _links(args, duration_s: float, directions: tuple[str, ...], src: IQInput | None
           ) -> list[ChannelLink]:
    """A ChannelLink per direction, from --sat/--ue/--start, --trajectory or a scenario
    terminal; every direction starts at one instant."""
    if args.trajectory:
        return [ChannelLink(read_trajectory_csv(args.trajectory),
                            {"ntnstack:trajectory": args.trajectory}) for _ in directions]
    _check_duration(duration_s, args.step_s, "--duration" if src is None
                    else f"--in ({src.count} samples at {args.rate or src.rate_hz:g} Hz)")
    if args.scenario or args.terminal or args.live:
        return _scenario_links(args, duration_s, directions, src)
    from ntnstack.clock import format_iso8601, parse_iso8601
    from ntnstack.iq.trajectory import link_trajectory
    from ntnstack.link.defaults import DEFAULT_MIN_ELEVATION_DEG
    from ntnstack.link.options import check_number
    from ntnstack.link.terminals import parse_position
    from ntnstack.orbit import parse_orbit_spec

    if not args.sat or not args.ue:
        raise InputError("--sat and --ue are required (or --trajectory)")
    start = (parse_iso8601(args.start, "--start") if args.start
             else src.start_unix_s(_rate_hz(args, src)) if src else None)
    if start is None:
        raise InputError("--start: required (the input has no SigMF core:datetime)")
    dl, ul = _carriers(args, directions, src)
    ue = parse_position(args.ue, "--ue")
    gateway = parse_position(args.gateway, "--gateway") if args.gateway else None
    mask = (DEFAULT_MIN_ELEVATION_DEG if args.min_elevation_deg is None
            else check_number(args.min_elevation_deg, "--min-elevation-deg", -90.0, 90.0))
    source = parse_orbit_spec(args.sat, start, "--sat")
    out = []
    for direction in directions:
        carrier = dl if direction == "dl" else ul
        lt = link_trajectory(source, ue, start, duration_s, gateway=gateway, freq_dl_hz=dl,
                             freq_ul_hz=ul, direction=direction, payload=args.payload,
                             step_s=args.step_s, min_elevation_deg=mask,
                             advice=_visibility_advice(args.sat, source))
        out.append(ChannelLink(lt.trajectory, {
            "ntnstack:satellite": lt.satellite, "ntnstack:ue": ue.label(),
            "ntnstack:gateway": gateway.label() if gateway else None,
            "ntnstack:payload": args.payload, "ntnstack:start": format_iso8601(start),
            "ntnstack:carrier_hz": carrier,
            "ntnstack:pathloss_db_at_0_db_gain": lt.min_pathloss_db}, start, carrier))
    return out


def _carriers(args, directions: tuple[str, ...], src: IQInput | None) -> tuple[float, float]:
    """(DL, UL) carriers, Hz: --freq-hz / --freq-ul-hz, else the recording's core:frequency
    as the carrier of its --direction, else the n256 defaults (ntnstack.link.options)."""
    from ntnstack.link.options import FREQ_RANGE_HZ, check_number, uplink_hz

    recorded = src.frequency_hz if src else None
    if recorded is not None:
        check_number(recorded, src.field("core:frequency"), *FREQ_RANGE_HZ)
    if recorded is not None and directions == ("ul",) and args.freq_ul_hz is None:
        return uplink_hz(args.freq_hz, None)[0], float(recorded)
    return uplink_hz(args.freq_hz if args.freq_hz is not None else recorded, args.freq_ul_hz)


def _visibility_advice(spec: str, source) -> str:
    """What helps when the satellite of --sat is below the mask: not a pass for a GEO slot;
    the anchor for an orbit whose elements are set at --start (a LEO preset's pass)."""
    from ntnstack.orbit.geo import GeoSlot
    from ntnstack.orbit.spec import anchored_at_start

    if isinstance(source, GeoSlot):
        return "a geostationary slot stays there: lower --min-elevation-deg or move --ue"
    if anchored_at_start(spec):
        return (f"--sat {spec} is anchored at --start: SPEC@ISO8601 anchors it elsewhere "
                f"(a preset's pass), or choose --start within a pass")
    return "choose --start within a pass (ntnstack passes lists them)"


def _scenario_links(args, duration_s: float, directions: tuple[str, ...],
                    src: IQInput | None) -> list:
    """--scenario / --terminal / --live (ntnstack.iq.scenario_link)."""
    from ntnstack.iq.scenario_link import scenario_links

    if not (args.scenario and args.terminal):
        raise InputError("--scenario and --terminal go together (--live needs both)")
    if (args.sat or args.ue or args.gateway or args.freq_hz is not None
            or args.min_elevation_deg is not None):
        raise InputError("--scenario excludes --sat, --ue, --gateway, --freq-hz and "
                         "--min-elevation-deg (the scenario gives them)")
    return scenario_links(args, duration_s, directions, src)


def _describe(traj, direction: str) -> dict:
    spans = {name: [float(np.min(v)), float(np.max(v))]
             for name, v in zip(("delay_s", "doppler_hz", "gain_db"), traj[1:], strict=True)}
    return {"ntnstack:direction": direction,
            **{f"ntnstack:{k}_range": v for k, v in spans.items()}}


def _noise_power(args, signal_power: float, where: str) -> float:
    """Noise power for --snr-db relative to ``signal_power`` (from ``where``: the input's
    mean power or --ref-power)."""
    if args.snr_db is None:
        return 0.0
    if not np.isfinite(args.snr_db):
        raise InputError(f"--snr-db: must be a finite number, got {args.snr_db}")
    if not np.isfinite(signal_power):
        raise InputError(f"{where}: the reference signal power is {signal_power} (NaN or "
                         f"infinite samples?)")
    if not signal_power > 0:
        raise InputError("--snr-db: the reference signal power is 0 (an all-zero input?)")
    return float(signal_power * 10.0 ** (-args.snr_db / 10.0))


def _mean_power(blocks: Iterable[np.ndarray], count: int) -> float:
    """Mean |x|^2 of a recording of ``count`` samples given in ``blocks``: I^2 and Q^2 in
    float32 (each within half an ulp, the errors average out), summed in float64 per block
    as one np.sum of their squares adds them (phy_ffi.sum_squares, in C), the blocks' sums
    added up."""
    import phy_ffi

    total = 0.0
    for block in blocks:
        total += phy_ffi.sum_squares(block.view(np.float32))
    return total / max(count, 1)


def run_files(args) -> int:
    """``--in`` through the channel into ``--out``: the input's mean power summed for
    --snr-db in --chunk pieces, then the C channel, the input read again into a small buffer
    and the output written from another, at most min(--chunk, PASS_BLOCK) samples per step
    (both stay in the L2 cache)."""

    check_range(args.chunk, "--chunk", 1, MAX_IQ_CHUNK, "samples")
    src = open_iq(args.inp, "--in")
    if _same_file(src.data_path, args.out):
        raise InputError("--out: must differ from --in")
    rate = _rate_hz(args, src)
    if src.meta is not None:
        check_continuous(src.meta, rate, f"--in {src.meta_path}")
    (link,) = _links(args, src.count / rate, (args.direction,), src)
    traj = link.trajectory
    noise = _noise_power(args, _mean_power(sample_blocks(src, args.chunk), src.count)
                         if args.snr_db is not None else 0, f"--in {src.data_path}")
    channel = _make_channel(rate, traj, noise, args.seed)
    overflow = band_overflow(src.meta, src.frequency_hz, rate, traj[2])
    if overflow:
        print(f"ntnstack channel: warning: --in {src.meta_path}: {overflow}", file=sys.stderr)
    note = {"core:label": "ntnstack channel",
            "core:comment": "delay, Doppler, path loss and noise of an emulated satellite "
                            "link applied by ntnstack (output sample n at the time of "
                            "input sample n)",
            **link.note, **_describe(traj, args.direction), "ntnstack:snr_db": args.snr_db,
            "ntnstack:noise_power": noise, "ntnstack:seed": args.seed}
    progress = ProgressBar(src.count, label="channel", enabled=args.progress,
                           interval_s=REDRAW_S)
    with IQWriter(args.out, rate_hz=rate, frequency_hz=link.carrier_hz,
                  start_unix_s=link.start_unix_s, meta=src.meta, annotation=note) as out:
        step = min(args.chunk, PASS_BLOCK, max(src.count, 1))
        buffer = np.empty(step, dtype="<c8")
        for x in sample_blocks(src, step):
            block = buffer[:x.size]
            _process(channel, x, block, args, src)
            out.write(block)
            if progress.enabled:      # the rate's text costs 10 us a block
                progress.update(out.count, _throughput(out.count, src.count, progress))
    progress.close(_throughput(out.count, src.count, progress))
    return 0


def _same_file(data_in: Path, out: str) -> bool:
    """The input's data file and --out name one file of samples: one path, a symbolic or a
    hard link, or two names of one SigMF recording (the output would replace the input)."""
    data_out = (sigmf_paths(out) or (None, Path(out)))[1]
    if data_in.resolve() == data_out.resolve():
        return True
    try:
        return os.path.samefile(data_in, data_out)
    except OSError:           # either does not exist (yet): open_iq names a missing --in
        return False


def _process(channel, block: np.ndarray, out: np.ndarray, args, src: IQInput) -> None:
    """The channel on ``block`` into ``out``; InputError naming the input for a NaN or
    infinite sample (its index in the recording), else the trajectory's origin (the input
    outlasts it)."""
    done = channel.samples_done
    try:
        channel.process(block, out)
    except ValueError as exc:
        from phy_ffi.channel import first_bad_sample

        bad = first_bad_sample(block)
        if bad >= 0:
            raise InputError(f"--in {src.data_path}: NaN or infinite sample at index "
                             f"{done + bad:,}") from None
        where = f"--trajectory {args.trajectory}" if args.trajectory else "--sat"
        raise InputError(f"{where}: {exc}") from None


def _throughput(done: int, total: int, progress: ProgressBar) -> str:
    """``45.0%  samples  1.23 M/s`` for the progress bar."""
    rate = done / max(progress.elapsed_s(), 1e-9)
    return f"{100 * done / max(total, 1):5.1f}%  samples  {rate / 1e6:.2f} M/s"


def run_relay(args) -> int:
    """The ZeroMQ relay until Ctrl-C, the end of the trajectory or a socket error."""
    from ntnstack.iq.relay import RelayLeg, ZmqRelay

    _check_endpoints(args)
    rate = _rate_hz(args, None)
    noise = _noise_power(args, args.ref_power, "--ref-power")
    links = _links(args, args.duration, ("dl", "ul"), None)    # one start for both legs
    legs = []
    for (name, direction, serve, upstream), (traj, *_) in zip(
            (("DL", "dl", args.zmq_dl_bind, args.zmq_bs_tx),
             ("UL", "ul", args.zmq_ul_bind, args.zmq_ue_tx)), links, strict=True):
        channel = _make_channel(rate, traj, noise, args.seed + (direction == "ul"))
        legs.append(RelayLeg(name, serve, upstream, channel))
    relay = ZmqRelay(legs).start()
    start = links[0].note.get("ntnstack:start")
    print(f"ntnstack channel: relaying DL {legs[0].upstream} -> {legs[0].endpoint}, "
          f"UL {legs[1].upstream} -> {legs[1].endpoint} at {rate:g} Hz"
          + (f", both legs from {start}" if start else ""), file=sys.stderr)
    try:
        while relay.wait(1.0):
            pass
    finally:
        relay.stop()
    if relay.failed:
        raise InputError(f"zmq {relay.failed.name}: {relay.failed.error}")
    return 0

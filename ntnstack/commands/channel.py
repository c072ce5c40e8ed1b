"""``ntnstack channel``: IQ samples through the emulated satellite channel.

File mode: ``--in FILE --out FILE`` (raw cf32 or SigMF; SigMF metadata is carried over
with an annotation describing the channel, at the carrier and start the channel used;
several captures only as one continuous recording, ntnstack.iq.sigmf). ZeroMQ mode:
``--zmq-bs-tx/--zmq-ue-tx`` and ``--zmq-dl-bind/--zmq-ul-bind`` relay the srsRAN ZMQ radio
convention both ways.
The trajectory comes from ``--sat/--ue/--start`` (ntnstack.link), from a scenario terminal
(``--scenario FILE --terminal NAME [--live URL]``: the link the run's world and the live state
give it, ntnstack.iq.scenario_link) or from ``--trajectory CSV`` (columns t_s, delay_s,
doppler_hz, gain_db; t_s in seconds since the first sample).
"""
from __future__ import annotations

DEFAULT_CHUNK = 1 << 20          # samples per partial sum of the mean power (8 MB)
DEFAULT_ZMQ_DURATION_S = 3600.0


def register(sub) -> None:
    from ntnstack.commands._options import old_spelling
    from ntnstack.iq import DEFAULT_STEP_S

    p = sub.add_parser("channel", help="apply the satellite channel (delay, Doppler, loss, "
                       "noise) to IQ samples: cf32/SigMF files or a ZeroMQ radio relay",
                       description=__doc__.splitlines()[0])
    p.add_argument("--in", dest="inp", metavar="FILE", help="input cf32 or SigMF recording")
    p.add_argument("--out", metavar="FILE", help="output cf32 or SigMF (.sigmf-meta/-data)")
    p.add_argument("--rate", type=float, metavar="HZ",
                   help="sample rate, Hz (default: the SigMF core:sample_rate)")
    p.add_argument("--freq-hz", type=float, metavar="F",
                   help="DL carrier, Hz (default: SigMF core:frequency with --direction dl, "
                        "else 2.185e9 n256)")
    p.add_argument("--freq-ul-hz", type=float, metavar="F",
                   help="UL carrier, Hz (default: SigMF core:frequency with --direction ul, "
                        "else --freq-hz - 190 MHz, the n256 spacing)")
    p.add_argument("--sat", metavar="SPEC", help="orbit spec, as for ntnstack link "
                   "(SPEC@ISO8601 anchors a generated orbit, e.g. a preset's pass, elsewhere "
                   "than --start)")
    p.add_argument("--ue", metavar="LAT,LON,ALT_M", help="terminal, WGS-84 deg, deg, m")
    p.add_argument("--start", metavar="ISO8601",
                   help="time of the first sample (default: SigMF core:datetime)")
    p.add_argument("--gateway", metavar="LAT,LON,ALT_M",
                   help="feeder-link gateway: transparent payload delay UE-sat-gateway")
    p.add_argument("--payload", choices=["transparent", "regenerative"], default="transparent",
                   help="transparent (default): delay includes the feeder link to --gateway")
    p.add_argument("--min-elevation-deg", type=float, metavar="E",
                   help="with --sat: visibility mask, deg (default 10, TR 38.821); the "
                        "satellite must stay above it over the whole span")
    p.add_argument("--direction", choices=["dl", "ul"], default="dl",
                   help="file mode: which carrier's Doppler to apply (default dl)")
    p.add_argument("--trajectory", metavar="CSV", help="explicit trajectory instead of --sat")
    p.add_argument("--scenario", metavar="FILE",
                   help="instead of --sat/--ue: the link of a scenario terminal (--terminal), "
                        "as the run's world and the live state give it")
    p.add_argument("--terminal", metavar="NAME", help="with --scenario: the terminal")
    p.add_argument("--live", metavar="URL",
                   help="with --scenario: start at the current emulated time of the live "
                        "service at URL (ws://HOST:PORT of ntnstack live / run --live)")
    p.add_argument("--step-s", type=float, default=DEFAULT_STEP_S, metavar="S",
                   help=f"trajectory knot spacing, s (default {DEFAULT_STEP_S:g})")
    old_spelling(p, "--step", "step_s", type=float)
    p.add_argument("--snr-db", type=float, metavar="X",
                   help="add noise: SNR at the strongest point of the pass, relative to the "
                   "input's mean power (file mode) or to --ref-power (ZeroMQ mode)")
    p.add_argument("--ref-power", type=float, default=1.0, metavar="P",
                   help="ZeroMQ mode: signal power the SNR refers to (default 1)")
    p.add_argument("--seed", type=int, default=1, help="noise seed (default 1)")
    p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, metavar="N",
                   help=f"file mode: samples per partial sum of the mean power (the noise "
                        f"power's last bits depend on it) and at most per step of the "
                        f"channel pass (default {DEFAULT_CHUNK})")
    old_spelling(p, "--no-progress", "quiet", action="store_const", const=1)
    z = p.add_argument_group("ZeroMQ relay (srsRAN ZMQ radio convention)")
    z.add_argument("--zmq-bs-tx", metavar="URL", help="base station tx_port to request from")
    z.add_argument("--zmq-ue-tx", metavar="URL", help="UE tx_port to request from")
    z.add_argument("--zmq-dl-bind", metavar="URL", help="bind here for the UE's rx_port")
    z.add_argument("--zmq-ul-bind", metavar="URL", help="bind here for the BS's rx_port")
    z.add_argument("--duration", type=float, default=DEFAULT_ZMQ_DURATION_S, metavar="S",
                   help=f"ZeroMQ mode: trajectory span, s (default {DEFAULT_ZMQ_DURATION_S:g})")
    p.set_defaults(func=run)


def run(args) -> int:
    from ntnstack.commands._options import show_progress
    from ntnstack.errors import InputError

    args.progress = show_progress(args)

    zmq_opts = (args.zmq_bs_tx, args.zmq_ue_tx, args.zmq_dl_bind, args.zmq_ul_bind)
    if any(zmq_opts):
        if not all(zmq_opts):
            raise InputError("--zmq-bs-tx, --zmq-ue-tx, --zmq-dl-bind and --zmq-ul-bind go "
                             "together")
        if args.inp or args.out:
            raise InputError("--in/--out and the --zmq-* options exclude each other")
        from ntnstack.iq.cli import run_relay
        return run_relay(args)
    if not args.inp or not args.out:
        raise InputError("--in and --out are required (or the --zmq-* options)")
    from ntnstack.iq.cli import run_files
    return run_files(args)

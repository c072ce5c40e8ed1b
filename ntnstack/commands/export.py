"""``ntnstack export``: the emulated satellite as configuration for lab base stations and
channel emulators (srsRAN, OpenAirInterface, Amarisoft, delay/Doppler trajectories).

Every file written is read back from disk, parsed (YAML, libconfig, JSON, CSV) and compared
with ntnstack's own SIB and link values; a disagreement exits 1 and names the field.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ntnstack.commands._options import SFN0_HELP, old_spelling

TARGETS = ("srsran", "oai", "amarisoft", "trajectory")


def register(sub) -> None:
    p = sub.add_parser("export", help="export a cell to srsRAN / OAI / Amarisoft / a trajectory",
                       description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--target", required=True, choices=TARGETS)
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML holding the cell")
    p.add_argument("--cell", metavar="NAME", help="the scenario's cell (needed if several)")
    p.add_argument("--sat", metavar="SPEC", help="instead of --scenario: orbit SPEC "
                   "(geo:LON, preset:NAME, tle:FILE[:NAME], ...)")
    p.add_argument("--ue", metavar="LAT,LON,ALT_M", help="terminal (deg, deg, m)")
    p.add_argument("--gateway", metavar="LAT,LON,ALT_M", help="feeder-link gateway (with --sat)")
    p.add_argument("--payload", choices=("transparent", "regenerative"), default="transparent",
                   help="with --sat (default transparent)")
    p.add_argument("--validity-s", type=int, default=20, metavar="S",
                   help="with --sat: ntn-UlSyncValidityDuration, s (20)")
    p.add_argument("--start", metavar="ISO8601", help="broadcast / start time, UTC "
                   "(default: the scenario's start, or 2026-01-01T00:00:00Z)")
    old_spelling(p, "--time", "start")
    p.add_argument("--out", metavar="PATH", help="output file; the suffix is the target's "
                   "(.yml, .conf + .trace.csv, .cfg, .csv + .json); default: stdout")
    p.add_argument("--ephemeris", choices=("state-vectors", "orbital"), default="state-vectors")
    p.add_argument("--polarisation", choices=("rhcp", "lhcp", "linear"),
                   help="ntn-PolarizationDL/UL (SIB19)")
    p.add_argument("--srsran-extended", action="store_true",
                   help="srsran: also k_mac, epoch_timestamp, ntn_gateway_location, polarization")
    p.add_argument("--duration", type=float, default=600.0, metavar="S",
                   help="trajectory / OAI trace span, s (600)")
    p.add_argument("--step-s", type=float, default=1.0, metavar="S",
                   help="trajectory / OAI trace step, s (1)")
    old_spelling(p, "--step", "step_s", type=float)
    p.add_argument("--freq-hz", type=float, metavar="F", help="with --sat: service DL carrier, "
                   "Hz (2.185e9, n256 centre)")
    p.add_argument("--freq-ul-hz", type=float, metavar="F",
                   help="with --sat: service UL carrier, Hz (DL - 190 MHz)")
    p.add_argument("--feeder-up-hz", type=float, default=30e9, metavar="F",
                   help="trajectory: feeder gateway->satellite carrier, Hz (30e9, Ka)")
    p.add_argument("--feeder-down-hz", type=float, default=20e9, metavar="F",
                   help="trajectory: feeder satellite->gateway carrier, Hz (20e9, Ka)")
    p.add_argument("--environment", default="rural", help="trajectory: TR 38.811 environment")
    p.add_argument("--sfn0", metavar="ISO8601|gps", help=SFN0_HELP)
    p.set_defaults(func=run)


def _inputs(args):
    from ntnstack.errors import InputError
    from ntnstack.export import from_args, from_scenario
    from ntnstack.link.options import DEFAULT_START, uplink_hz
    from ntnstack.link.terminals import parse_position

    ue = parse_position(args.ue, "--ue") if args.ue else None
    if args.scenario and args.sat:
        raise InputError("--scenario and --sat: give one of them, not both")
    if args.scenario:
        if args.gateway:
            raise InputError("--gateway: the scenario's cell names its gateway")
        return from_scenario(args.scenario, args.cell, ue)
    if not args.sat:
        raise InputError("--scenario or --sat: one of them is required")
    if args.cell:
        raise InputError("--cell: only with --scenario")
    from ntnstack.clock import parse_iso8601
    from ntnstack.rrc.units import VALIDITY_S

    if args.validity_s not in VALIDITY_S:
        raise InputError(f"--validity-s: {args.validity_s} is not one of {VALIDITY_S}")
    start = parse_iso8601(args.start or DEFAULT_START, "--start")
    dl, ul = uplink_hz(args.freq_hz, args.freq_ul_hz)
    gateway = parse_position(args.gateway, "--gateway") if args.gateway else None
    return from_args(args.sat, start, ue=ue, gateway=gateway, payload=args.payload,
                     validity_s=args.validity_s, freq_dl_hz=dl, freq_ul_hz=ul)


def _options(args):
    import math

    from ntnstack.errors import InputError
    from ntnstack.export import ExportOptions
    from ntnstack.timescales import parse_sfn0
    from ntnstack.link.options import check_environment

    check_environment(args.environment)
    for name, value in (("--feeder-up-hz", args.feeder_up_hz),
                        ("--feeder-down-hz", args.feeder_down_hz)):
        if not (math.isfinite(value) and 1e8 <= value <= 1e11):
            raise InputError(f"{name}: {value:g} is outside [1e8, 1e11] Hz")
    return ExportOptions(ephemeris_format=args.ephemeris, polarisation=args.polarisation,
                         srsran_extended=args.srsran_extended, duration_s=args.duration,
                         step_s=args.step_s, feeder_up_hz=args.feeder_up_hz,
                         feeder_down_hz=args.feeder_down_hz, environment=args.environment,
                         trace=bool(args.out),
                         sfn0_unix_s=parse_sfn0(args.sfn0, 0.0))   # checked; set in run


def _paths(out: str, files) -> list[Path]:
    """Main file at --out; the others at its stem + their suffix."""
    main = Path(out)
    stem = main.with_suffix("") if main.suffix == files[0].suffix else main
    first = main if main.suffix else stem.with_name(stem.name + files[0].suffix)
    return [first] + [stem.with_name(stem.name + f.suffix) for f in files[1:]]


def _write_and_check(files, out: str | None) -> int:
    """Write (or print the main file), parse back what was written, report."""
    from ntnstack.errors import InputError

    failures = []
    if out is None:
        sys.stdout.write(files[0].text)
        texts = [(f"<stdout {f.suffix}>", f, f.text) for f in files[:1]]
    else:
        if not Path(out).name or Path(out).is_dir():
            raise InputError(f"--out {out!r}: expected a file path, not a directory")
        texts = []
        for path, f in zip(_paths(out, files), files, strict=True):
            try:
                path.write_text(f.text, encoding="utf-8")
            except OSError as exc:
                raise InputError(f"--out {path}: {exc.strerror or exc}") from None
            texts.append((str(path), f, path.read_text(encoding="utf-8")))
    for where, f, text in texts:
        failures += [f"{where}: {m}" for m in f.check(text)]
        failures += [f"{where}: link cross-check: {p}" for p in f.problems]
        if out is not None:
            print(f"ntnstack export: wrote {where}", file=sys.stderr)
    for line in failures:
        print(f"ntnstack export: MISMATCH {line}", file=sys.stderr)
    return 1 if failures else 0


def run(args) -> int:
    import dataclasses

    from ntnstack.clock import parse_iso8601
    from ntnstack.export import build
    from ntnstack.timescales import parse_sfn0

    options = _options(args)      # checked before the cell and its SIB are built
    inputs = _inputs(args)
    t = parse_iso8601(args.start, "--start") if args.start else inputs.start_unix_s
    options = dataclasses.replace(options, sfn0_unix_s=parse_sfn0(args.sfn0, t))
    files = build(args.target, inputs, t, options)
    return _write_and_check(files, args.out)

"""``ntnstack passes``: rise, culmination, set and maximum elevation over a span; with
several satellites (a TLE file, a Walker or a constellation preset) also the serving plan
and the handover times."""
from __future__ import annotations

import json

from ntnstack.link.options import add_orbit_options


def register(sub) -> None:
    p = sub.add_parser("passes", help="satellite passes over a terminal, serving plan, handovers",
                       description=__doc__.split("``: ", 1)[1])
    add_orbit_options(p, duration_default=None)
    p.add_argument("--policy", choices=["longest", "highest"], default="longest",
                   help="serving choice over several satellites: longest remaining visibility "
                   "(default, fewest handovers) or highest elevation")
    p.add_argument("--list-presets", action="store_true", help="print the preset names and exit")
    p.set_defaults(func=run)


def run(args) -> int:
    from ntnstack.errors import InputError
    from ntnstack.limits import MAX_PASS_SATELLITE_S
    from ntnstack.link.options import MAX_SPAN_S, check_number, fmt_time, start_unix_s
    from ntnstack.link.passes import passes_many, serving_plan
    from ntnstack.link.terminals import parse_position
    from ntnstack.orbit import parse_orbit_specs

    if args.list_presets:
        return _list_presets(args.json)
    if not args.sat or not args.ue or args.duration is None:
        raise InputError("--sat, --ue and --duration are required")
    start = start_unix_s(args)
    ue = parse_position(args.ue, "--ue")
    check_number(args.min_elevation_deg, "--min-elevation-deg", -90.0, 90.0)
    check_number(args.duration, "--duration", 1e-3, MAX_SPAN_S)
    sources = parse_orbit_specs(args.sat, start, "--sat")
    if len(sources) * args.duration > MAX_PASS_SATELLITE_S:
        raise InputError(f"--sat/--duration: {len(sources)} satellites over {args.duration:g} s "
                         f"is more than {MAX_PASS_SATELLITE_S:g} satellite-seconds (about a "
                         f"minute of work); shorten --duration or name fewer satellites")
    for source in sources:
        source.check_span(start, args.duration)
    found = passes_many(sources, ue, start, args.duration, args.min_elevation_deg,
                        progress=_progress_on_terminal())
    plan, handovers = ([], []) if len(sources) == 1 else serving_plan(
        sources, ue, start, args.duration, args.min_elevation_deg, args.policy, found)
    if args.json:
        _print_json(found, plan, handovers, start, start + args.duration)
        return 0
    print(f"# passes over {ue.label()} above {args.min_elevation_deg:g} deg, "
          f"{fmt_time(start)} + {args.duration:g} s ('-': the span starts/ends inside a pass)")
    _print_table(found, start, start + args.duration)
    if len(sources) > 1:
        print(f"# serving plan ({args.policy}): {len(plan)} intervals, {len(handovers)} "
              f"handovers")
        for s in plan:
            print(f"{s.satellite[:24]:24s} {fmt_time(s.start_unix_s)} .. {fmt_time(s.end_unix_s)}")
    return 0


def _progress_on_terminal():
    """A progress callback writing "satellites searched" to stderr when it is a terminal."""
    import sys

    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rsearched {done}/{total} satellites", end=end, file=sys.stderr, flush=True)

    return show


def _list_presets(as_json: bool) -> int:
    """Print the orbit preset names and descriptions; exit status 0."""
    from ntnstack.orbit import list_presets

    for name, description in list_presets():
        print(json.dumps({"preset": name, "description": description}) if as_json
              else f"{name:22s} {description}")
    return 0


def _print_table(found, start: float, end: float) -> None:
    """One row per pass: rise, culmination, set (UTC), max elevation (deg), duration (s)."""
    from ntnstack.link.options import fmt_time

    print(f"{'satellite':24s} {'rise':24s} {'culmination':24s} {'set':24s} {'max el':>7s} "
          f"{'dur s':>8s}")
    for p in found:
        print(f"{p.satellite[:24]:24s} {fmt_time(p.rise_unix_s):24s} "
              f"{fmt_time(p.culmination_unix_s):24s} {fmt_time(p.set_unix_s):24s} "
              f"{p.max_elevation_deg:7.2f} {p.duration_s(start, end):8.1f}")


def _print_json(found, plan, handovers, start: float, end: float) -> None:
    """JSON lines: passes, then serving intervals, then handovers (times ISO and unix s)."""
    for p in found:
        print(json.dumps({"type": "pass", "satellite": p.satellite,
                          "rise": _iso(p.rise_unix_s), "culmination":
                          _iso(p.culmination_unix_s), "set": _iso(p.set_unix_s),
                          "max_elevation_deg": p.max_elevation_deg,
                          "duration_s": p.duration_s(start, end),
                          "rise_unix_s": p.rise_unix_s, "set_unix_s": p.set_unix_s,
                          "culmination_unix_s": p.culmination_unix_s}))
    for s in plan:
        print(json.dumps({"type": "serving", "satellite": s.satellite,
                          "start": _iso(s.start_unix_s), "end": _iso(s.end_unix_s),
                          "start_unix_s": s.start_unix_s, "end_unix_s": s.end_unix_s}))
    for h in handovers:
        print(json.dumps({"type": "handover", "t": _iso(h.t_unix_s), "t_unix_s": h.t_unix_s,
                          "from": h.source_satellite, "to": h.target_satellite}))


def _iso(t):
    from ntnstack.link.options import fmt_time

    return None if t is None else fmt_time(t)

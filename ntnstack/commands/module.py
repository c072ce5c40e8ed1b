"""``ntnstack module serve``: virtual terminal modules on pseudo-terminals.

Prints each device path (one line each, flushed) and serves until SIGINT/SIGTERM; --link
keeps a symlink to the current device (also across a vanish-and-return fault), removed at
exit. With --count N the modules share one in-process network (calls, SMS, data between them).
"""
from __future__ import annotations

import signal
import sys
import threading

from at_bridge.families import FAMILIES

FAMILY_HELP = ", ".join(FAMILIES)


def register(sub) -> None:
    p = sub.add_parser("module", help="virtual terminal modules on a pty")
    msub = p.add_subparsers(dest="module_command", required=True)
    s = msub.add_parser("serve", help="serve one virtual module until interrupted")
    s.add_argument("--family", required=True, help=FAMILY_HELP)
    s.add_argument("--sat", metavar="SPEC", help="orbit (geo:LON, circular:..., tle:..., "
                   "preset:...), fixed:ALT_KM:EL_DEG[:PERIOD_S:VISIBLE_S] or beidou-geo")
    s.add_argument("--ue", metavar="LAT,LON,ALT_M", help="UE position (deg, deg, m)")
    s.add_argument("--scenario", help="scenario YAML: satellite and position of a terminal")
    s.add_argument("--terminal", help="terminal name in --scenario (default: first of the family)")
    s.add_argument("--link", help="keep a symlink to the pty at this path")
    s.add_argument("--speed", default="1", help="emulated seconds per real second (scaled "
                   "clock; 1 = real time). There is no virtual clock here: a client outside "
                   "this process cannot tell it what it has in flight")
    s.add_argument("--faults", help="e.g. reboot-mid-command:0.1,garbage:0.05,urc-race,"
                   "silent-after:30,vanish-after:20:5 (see ntnstack.terminals.faults)")
    s.add_argument("--seed", type=int, default=0, help="random seed of the faults")
    s.add_argument("--serial", type=int, default=0, help="instance number (IMEI, MSISDN...)")
    s.add_argument("--search-s", type=float, help="NB-IoT NTN cell search + SIB31 acquisition "
                   "time, emulated s (default: ntnstack.terminals.procedures.NtnTiming)")
    s.add_argument("--journal", help="append every byte in/out and every event as JSON lines "
                   "(emulated time t_s, port, kind rx/tx/event, text)")
    s.add_argument("--count", type=int, default=1, help="serve N modules of the family on one "
                   "in-process network (calls, SMS and data between them; with 2, NIDD peers); "
                   "--link PATH becomes PATH-0, PATH-1, ...")
    s.set_defaults(func=run)


def _clock(speed: str):
    from ntnstack.clock import make_clock
    from ntnstack.errors import InputError
    from ntnstack.limits import MAX_SPEED

    if speed.strip().lower() == "virtual":
        raise InputError("--speed virtual: the served modules' clients are outside this "
                         "process (minicom, ModemManager, a rig), and the virtual clock cannot "
                         "know what they have in flight; give a speed N > 0 (scaled clock)")
    try:
        value = float(speed)
    except ValueError:
        raise InputError(f"--speed {speed!r}: expected a number > 0") from None
    if not 0 < value <= MAX_SPEED:
        raise InputError(f"--speed {speed!r}: expected 0 < speed <= {MAX_SPEED:g} (emulated s "
                         f"per wall s)")
    return make_clock(value)


def _from_scenario(args, epoch_unix_s: float):
    """(sat SPEC, GroundPoint, identity numbers) of the scenario terminal."""
    from ntnstack.errors import InputError
    from ntnstack.link.terminals import ground_point
    from ntnstack.scenario import load_scenario
    sc = load_scenario([args.scenario])
    terms = [t for t in sc.terminals.values()
             if (args.terminal and t.name == args.terminal)
             or (not args.terminal and t.family == args.family)]
    if not terms:
        raise InputError(f"--scenario {args.scenario}: no terminal "
                         f"{args.terminal or 'of family ' + args.family}")
    term = terms[0]
    if term.family != args.family:
        raise InputError(f"--terminal {term.name}: the scenario's terminal is {term.family}, "
                         f"not --family {args.family}")
    sat = sc.satellite_of(term)
    pos = term.position
    return (sat.orbit if sat else None,
            ground_point(pos.lat_deg, pos.lon_deg, pos.alt_m, where=f"terminal {term.name}"),
            dict(term.identity))


def build(args):
    """(host, modules) from the parsed options."""
    from ntnstack.errors import InputError
    from ntnstack.limits import MAX_SCENARIO_SPAN_S, MAX_TERMINALS, check_range
    from ntnstack.link.terminals import parse_position
    from ntnstack.outputs import symlink_path
    from ntnstack.terminals.factory import build_module
    from ntnstack.terminals.faults import parse_faults
    from ntnstack.terminals.host import ModuleHost
    from ntnstack.terminals.network import VirtualNetwork
    from ntnstack.terminals.orbit_link import link_from_options
    from ntnstack.terminals.procedures import NtnTiming

    if args.family not in FAMILIES:
        raise InputError(f"--family {args.family!r}: expected one of {FAMILY_HELP}")
    if args.scenario and (args.sat or args.ue):
        raise InputError("--scenario: give either --scenario or --sat/--ue, not both")
    if not 1 <= args.count <= MAX_TERMINALS:
        raise InputError(f"--count {args.count}: expected 1..{MAX_TERMINALS}")
    symlink_path(args.link, "--link")
    if args.search_s is not None:
        check_range(args.search_s, "--search-s", 0.0, MAX_SCENARIO_SPAN_S, "s")
    plan = parse_faults(args.faults)
    clock = _clock(args.speed)
    if args.scenario:
        sat, ue, numbers = _from_scenario(args, clock.epoch_unix_s)
    else:
        sat, ue, numbers = args.sat, parse_position(args.ue or "39.9042,116.4074,50", "--ue"), {}
    link = link_from_options(sat, ue, clock.epoch_unix_s, args.family)
    host = ModuleHost(clock)
    network = VirtualNetwork()
    kw = {"ue_position": (ue.lat_deg, ue.lon_deg, ue.alt_m)}
    if args.search_s is not None:
        kw["timing"] = NtnTiming(search_s=args.search_s)
    modules = []
    for i in range(args.count):
        link_path = args.link if args.count == 1 or not args.link else f"{args.link}-{i}"
        modules.append(build_module(args.family, link, serial=args.serial + i, faults=plan,
                                    seed=args.seed + i, port_link=link_path, network=network,
                                    identity=numbers if i == 0 else {},
                                    journal_path=args.journal, **kw))
        host.add(modules[-1])
    if args.count == 2:
        network.pair(*modules)
    return host, modules


def run(args) -> int:
    host, modules = build(args)
    done = threading.Event()

    def stop(signum, frame) -> None:
        done.set()
        host.wake()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host.start()
    for m in modules:
        print(m.path, flush=True)
        if m.port.link:
            print(f"link {m.port.link} -> {m.path}", file=sys.stderr, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        host.close()
    return 0

"""``ntnstack nmea``: an NMEA 0183 position feed (GGA, RMC, ZDA once per period) for a
module's GNSS input, on a new pty (path printed, optional symlink) or an existing serial port.
With ``--live URL --terminal NAME`` the position and time follow that terminal in a live
service (ntnstack.live.follow): the module sees itself where the cells' broadcast puts it.
"""
from __future__ import annotations

import signal
import threading


def register(sub) -> None:
    p = sub.add_parser("nmea", help="NMEA 0183 position feed (GGA/RMC/ZDA) on a pty or port")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--ue", metavar="LAT,LON,ALT_M", help="the terminal (deg, deg, m)")
    where.add_argument("--live", metavar="URL",
                       help="follow a terminal of a live service (ws://HOST:PORT of "
                            "`ntnstack live` or `ntnstack run --live`): its position and "
                            "time; --speed is the service's clock scale")
    p.add_argument("--start", metavar="ISO8601", help="time of the first fix (default: now)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="clock scale: emulated seconds per wall second (default 1)")
    p.add_argument("--period-s", type=float, default=1.0, help="wall seconds between epochs")
    p.add_argument("--link", help="keep a symlink to the pty at this path")
    p.add_argument("--port", help="write to this serial device or pyserial URL instead of a pty")
    p.add_argument("--count", type=int, default=0, help="stop after N epochs (0: until killed)")
    p.add_argument("--terminal", metavar="NAME", help="with --live: the scenario terminal")
    p.set_defaults(func=run)


def _check(args) -> None:
    from ntnstack.errors import InputError
    from ntnstack.limits import MAX_SPEED

    if not 0 < args.speed <= MAX_SPEED:
        raise InputError(f"--speed {args.speed}: expected 0 < speed <= {MAX_SPEED:g}")
    if not 0.01 <= args.period_s <= 3600:
        raise InputError(f"--period-s {args.period_s}: expected 0.01..3600 s")
    if args.count < 0:
        raise InputError(f"--count {args.count}: expected >= 0")
    if (args.live is None) != (args.terminal is None):
        raise InputError("--terminal: give it with --live, and only then")


def _serial_port(url: str):
    import serial

    from ntnstack.errors import InputError
    from ntnstack.position.feed import NmeaSerial

    try:
        return NmeaSerial(url)
    except (serial.SerialException, ValueError) as exc:
        raise InputError(f"--port {url}: {exc}") from None


def run(args) -> int:
    from ntnstack.clock import Clock, parse_iso8601
    from ntnstack.link.terminals import parse_position
    from ntnstack.position.feed import NmeaFeed, NmeaPty

    from ntnstack.outputs import symlink_path

    _check(args)
    symlink_path(args.link, "--link")
    follower = _follower(args) if args.live else None
    if follower is None:
        ue = parse_position(args.ue, "--ue")
        start = parse_iso8601(args.start, "--start") if args.start else None
        now, where = Clock("scaled", args.speed, start).now_unix_s, \
            (lambda t: (ue.lat_deg, ue.lon_deg, ue.alt_m))
    else:
        now, where = (lambda: follower.state()[0]), (lambda t: follower.state()[1])
    port = _serial_port(args.port) if args.port else NmeaPty(link=args.link)
    print(port.device, flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    feed = NmeaFeed(port, where, now, args.period_s).start()
    try:
        done.wait(args.count * args.period_s - args.period_s / 2 if args.count else None)
    finally:
        feed.stop()
        port.close()
        if follower is not None:
            follower.close()
    return 0


def _follower(args):
    """The --live client, connected and holding the terminal's first state."""
    from ntnstack.live.follow import LiveFollower

    if args.start:
        from ntnstack.errors import InputError

        raise InputError("--start: with --live the time is the service's")
    return LiveFollower(args.live, args.terminal, args.speed).start()

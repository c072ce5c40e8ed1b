"""``ntnstack live``: serve the NTN state of a scenario's cells over WebSocket + JSON.

On connect a client gets one message per cell, then a new one at each SIB update and each
coverage loss or regain, on the chosen clock (docs/live.md: the schema). Serves until
SIGINT / SIGTERM, or for ``--duration`` emulated seconds.
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("live", help="serve the cells' NTN state live over WebSocket (JSON)",
                       description=__doc__.split("``: ", 1)[1])
    p.add_argument("scenario", nargs="*", metavar="SCENARIO",
                   help="scenario YAML files, overlaid in order; default: the default scenario")
    p.add_argument("--cell", action="append", metavar="NAME",
                   help="serve only this cell (repeat); default: every broadcasting cell")
    p.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="address to listen on (port 0: any free port, printed)")
    p.add_argument("--clock", default="realtime", metavar="MODE",
                   help="realtime (default) | scaled:N (N emulated seconds per real second)")
    p.add_argument("--start", metavar="ISO8601",
                   help="emulated time at start-up (default: the scenario's start)")
    p.add_argument("--duration", type=float, metavar="S",
                   help="stop after this many emulated seconds (default: serve until stopped)")
    p.set_defaults(func=run)


def run(args) -> int:
    import asyncio
    import contextlib
    import math
    import signal

    from ntnstack.clock import parse_clock, parse_iso8601
    from ntnstack.commands._options import host_port, ws_url
    from ntnstack.errors import InputError
    from ntnstack.live import LiveCells
    from ntnstack.live.server import serve
    from ntnstack.scenario.load import default_scenario_path, load_scenario

    host, port = host_port(args.listen, "--listen")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise InputError(f"--duration {args.duration}: expected a finite number of seconds > 0")
    scenario = load_scenario(args.scenario or [default_scenario_path()])
    start = parse_iso8601(args.start, "--start") if args.start else scenario.start_unix_s
    if parse_clock(args.clock, start_unix_s=start).virtual:   # a bad --clock fails first
        raise InputError(f"--clock {args.clock}: a live service runs on realtime or scaled:N "
                         f"(its clients are outside the emulated time)")
    live = LiveCells(scenario, args.cell)
    for cell in live.names:                              # imports and ASN.1 compilation
        live.message(cell, start)
    clock = parse_clock(args.clock, start_unix_s=start)  # emulated time starts now
    until = None if args.duration is None else start + args.duration

    def ready(bound: int) -> None:
        print(f"ntnstack live: serving {', '.join(live.names)} on {ws_url(host, bound)} "
              f"({clock})", flush=True)

    async def main() -> None:
        task = asyncio.ensure_future(serve(live, clock, host, port, until, ready))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(main())
    except OSError as exc:
        raise InputError(f"--listen {args.listen}: {exc.strerror or exc}") from None
    print("ntnstack live: stopped", file=sys.stderr)
    return 0

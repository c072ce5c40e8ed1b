"""The channel of a scenario terminal (``ntnstack channel --scenario FILE --terminal NAME``):
the link the run's world gives that terminal (its cell's satellite, payload, gateway and
carriers: ntnstack.runner.world), so the samples see the delay and Doppler the cell's
broadcast and the live state describe. With ``--live URL`` the stream starts at the live
service's current emulated time (its answer to a ``get``), so a ZeroMQ relay runs in step
with ``ntnstack live`` / ``ntnstack run --live`` on the same scenario."""
from __future__ import annotations

from ntnstack.errors import InputError


def scenario_links(args, duration_s: float, directions: tuple[str, ...], src) -> list:
    """[ChannelLink] of ``args.terminal`` in ``args.scenario``, one per direction (dl | ul),
    all from one start: the live service is asked once."""
    from ntnstack.clock import format_iso8601
    from ntnstack.iq.trajectory import ChannelLink, link_trajectory
    from ntnstack.runner.world import World
    from ntnstack.scenario import load_scenario

    scenario = load_scenario([args.scenario])
    if args.terminal not in scenario.terminals:
        raise InputError(f"--terminal {args.terminal!r}: not a terminal of {args.scenario} "
                         f"(terminals: {', '.join(scenario.terminals)})")
    link = World(scenario).links[args.terminal]
    if link.terminal.trajectory:
        raise InputError(f"--terminal {args.terminal}: moves along a trajectory; the channel "
                         f"takes a terminal at a fixed position")
    start = _start(args, scenario, src)
    out = []
    for direction in directions:
        carrier = link.carrier_dl_hz if direction == "dl" else link.carrier_ul_hz
        lt = link_trajectory(link.source, link.ue, start, duration_s, gateway=link.gateway,
                             freq_dl_hz=link.carrier_dl_hz, freq_ul_hz=link.carrier_ul_hz,
                             direction=direction, payload=link.payload, step_s=args.step_s,
                             min_elevation_deg=scenario.min_elevation_deg)
        out.append(ChannelLink(lt.trajectory, {
            "ntnstack:scenario": args.scenario, "ntnstack:terminal": args.terminal,
            "ntnstack:satellite": lt.satellite, "ntnstack:payload": link.payload,
            "ntnstack:start": format_iso8601(start),
            "ntnstack:carrier_hz": carrier,
            "ntnstack:pathloss_db_at_0_db_gain": lt.min_pathloss_db}, start, carrier))
    return out


def _start(args, scenario, src) -> float:
    """--live: the service's now; else --start, the input's SigMF datetime, the scenario's
    start (unix s)."""
    from ntnstack.clock import parse_iso8601

    if args.live:
        if args.start:
            raise InputError("--start: with --live the time is the service's")
        from ntnstack.live.follow import LiveFollower

        follower = LiveFollower(args.live, args.terminal).start()
        try:
            return follower.state()[0]
        finally:
            follower.close()
    if args.start:
        return parse_iso8601(args.start, "--start")
    recorded = src.start_unix_s(args.rate or src.rate_hz) if src else None
    return scenario.start_unix_s if recorded is None else recorded

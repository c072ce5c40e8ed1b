"""``ntnstack link``: the link between one satellite and one terminal, one row per step."""
from __future__ import annotations

import json

from ntnstack.commands._options import old_spelling
from ntnstack.link.options import add_orbit_options


def register(sub) -> None:
    p = sub.add_parser("link", help="link time series: geometry, delay, RTT, Doppler, TA, loss",
                       description="One row per step: t, elevation_deg, azimuth_deg, range_m, "
                       "range_rate_mps, delay_s, rtt_s, doppler_dl_hz, doppler_ul_hz, "
                       "doppler_rate_hz_s, ta_ue_s, ta_common_s, pathloss_db, visible.")
    add_orbit_options(p, duration_default=600.0)
    p.add_argument("--gateway", metavar="LAT,LON,ALT_M",
                   help="feeder-link gateway (transparent payload: RTT and common TA via it)")
    p.add_argument("--freq-hz", type=float, metavar="F",
                   help="downlink carrier, Hz (default 2.185e9, n256 DL centre)")
    p.add_argument("--freq-ul-hz", type=float, metavar="F",
                   help="uplink carrier, Hz (default --freq-hz - 190 MHz, the n256 spacing)")
    p.add_argument("--step-s", type=float, default=10.0, metavar="S", help="row step, s (10)")
    old_spelling(p, "--step", "step_s", type=float)
    p.add_argument("--payload", choices=["transparent", "regenerative"], default="transparent",
                   help="transparent: RTT UE-satellite-gateway (feeder link 0 without --gateway); "
                   "regenerative: UE-satellite")
    p.add_argument("--environment", default="rural",
                   help="TR 38.811 environment for the path loss (default rural)")
    p.set_defaults(func=run)


def _inputs(args):
    """(start, ue, gateway, dl_hz, ul_hz, source) checked; InputError naming the argument."""
    from ntnstack.errors import InputError
    from ntnstack.link.options import (MAX_SPAN_S, check_environment, check_number,
                                       start_unix_s, uplink_hz)
    from ntnstack.link.terminals import parse_position
    from ntnstack.orbit import parse_orbit_spec

    if not args.sat or not args.ue:
        raise InputError("--sat and --ue are required")
    start = start_unix_s(args)
    ue = parse_position(args.ue, "--ue")
    gateway = parse_position(args.gateway, "--gateway") if args.gateway is not None else None
    dl, ul = uplink_hz(args.freq_hz, args.freq_ul_hz)
    check_number(args.min_elevation_deg, "--min-elevation-deg", -90.0, 90.0)
    check_number(args.duration, "--duration", 0.0, MAX_SPAN_S)
    check_environment(args.environment)
    return start, ue, gateway, dl, ul, parse_orbit_spec(args.sat, start, "--sat")


def run(args) -> int:
    from ntnstack.link.options import fmt_time
    from ntnstack.link.series import link_series, sample_times

    start, ue, gateway, dl, ul, source = _inputs(args)
    series = link_series(source, ue, sample_times(start, args.duration, args.step_s), gateway,
                         freq_dl_hz=dl, freq_ul_hz=ul, payload=args.payload,
                         environment=args.environment, min_elevation_deg=args.min_elevation_deg)
    if args.json:
        for i, t in enumerate(series.t_unix_s):
            print(json.dumps({"t": fmt_time(t), "t_unix_s": float(t), **series.row(i)}))
        return 0
    print(f"# {source.name} from {ue.label()}"
          + (f" via gateway {gateway.label()}" if gateway else "")
          + f", {args.payload}, DL {dl / 1e6:g} MHz, UL {ul / 1e6:g} MHz")
    _print_table(series)
    return 0


def _print_table(series) -> None:
    """The link series as a fixed-width table (km, ms, Hz, dB)."""
    from ntnstack.link.options import fmt_time

    print(f"{'t (UTC)':24s} {'el':>6s} {'az':>6s} {'range km':>10s} {'rr m/s':>9s} "
          f"{'delay ms':>9s} {'rtt ms':>9s} {'dop DL Hz':>10s} {'rate Hz/s':>10s} "
          f"{'TA_UE ms':>9s} {'TA_com ms':>9s} {'PL dB':>7s} vis")
    for i, t in enumerate(series.t_unix_s):
        r = series.row(i)
        print(f"{fmt_time(t):24s} {_f(r['elevation_deg'], 6, 2)} {_f(r['azimuth_deg'], 6, 1)} "
              f"{_f(r['range_m'], 10, 3, 1e-3)} {_f(r['range_rate_mps'], 9, 1)} "
              f"{_f(r['delay_s'], 9, 4, 1e3)} {_f(r['rtt_s'], 9, 4, 1e3)} "
              f"{_f(r['doppler_dl_hz'], 10, 1)} {_f(r['doppler_rate_hz_s'], 10, 2)} "
              f"{_f(r['ta_ue_s'], 9, 4, 1e3)} {_f(r['ta_common_s'], 9, 4, 1e3)} "
              f"{_f(r['pathloss_db'], 7, 1)} {'yes' if r['visible'] else 'no'}")


def _f(value, width: int, decimals: int, scale: float = 1.0) -> str:
    return f"{'-':>{width}s}" if value is None else f"{value * scale:{width}.{decimals}f}"

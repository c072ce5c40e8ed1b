"""``ntnstack stack``: one NB-IoT NTN UE through attach, data, SMS and release (docs/stack.md).

GEO: the TR 38.821 GEO cell behind a transparent payload. LEO: two LEO-600 cells on an
overhead pass; after the release the UE changes cell when its satellite sets and sends once
more from idle. Prints one row per procedure; ``--pcap`` writes every message for tshark.
"""
from __future__ import annotations

import json

from ntnstack.link.options import DEFAULT_START

LEO_ATTACH_OFFSET_S = 500.0   # 100 s before the first LEO-600 cell culminates (presets)


def register(sub) -> None:
    p = sub.add_parser("stack", help="NB-IoT NTN procedures with real RRC / NAS messages",
                       description="Attach (EPS AKA, security mode, default bearer), "
                       "control-plane data, SMS and release of one UE over the emulated GEO "
                       "or LEO link; one row per procedure.")
    p.add_argument("--orbit", choices=["geo", "leo"], default="geo",
                   help="geo: TR 38.821 GEO, transparent; leo: two LEO-600, regenerative")
    p.add_argument("--start", default=DEFAULT_START, metavar="ISO8601",
                   help=f"power-on time (default {DEFAULT_START})")
    p.add_argument("--pcap", metavar="PATH", help="write every message here (link type 252)")
    p.add_argument("--eea", choices=["eea0", "eea2"], default="eea2",
                   help="NAS ciphering (eea0 lets tshark read the NAS after security mode)")
    p.add_argument("--pdn-type", choices=["non-ip", "ipv4", "ipv6", "ipv4v6"],
                   default="non-ip", help="PDN type of the default bearer")
    p.add_argument("--gnss-error-m", metavar="DX,DY,DZ", default="0,0,0",
                   help="error of the UE's GNSS position in ECEF, m (fault injection)")
    p.add_argument("--ues", type=int, metavar="N",
                   help="load run: N UEs attach over the pass (LEO) or an hour (GEO), one "
                   "summary: x_real_time, cpu_s_per_ue, peak_rss_mb")
    p.add_argument("--json", action="store_true", help="one JSON object per procedure")
    p.set_defaults(func=run)


def _vector(text: str, name: str) -> tuple[float, float, float]:
    """DX,DY,DZ in m: three finite numbers whose norm is a plausible GNSS error."""
    import math

    from ntnstack.errors import InputError
    from ntnstack.stack.model import MAX_GNSS_ERROR_M

    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise InputError(f"{name} {text!r}: expected three numbers DX,DY,DZ")
    if not all(math.isfinite(v) for v in values) or math.hypot(*values) > MAX_GNSS_ERROR_M:
        raise InputError(f"{name} {text!r}: expected finite metres of norm <= "
                         f"{MAX_GNSS_ERROR_M:g} (the Earth's mean radius)")
    return values


def _procedures(session, orbit: str):
    yield session.attach()
    if not session.attached:
        return
    yield session.send_data(b"ntnstack uplink")
    yield session.send_sms("+8613912345678", "ntnstack MO SMS")
    yield session.release()
    if orbit == "leo":
        yield session.cell_change()
        yield session.send_data(b"after the cell change")
        yield session.release()


def run(args) -> int:
    from ntnstack.clock import parse_iso8601
    from ntnstack.stack import UeConfig, geo_cell, leo_cells, new_session

    start = parse_iso8601(args.start, "--start")
    ue = UeConfig(pdn_type=args.pdn_type,
                  gnss_error_ecef_m=_vector(args.gnss_error_m, "--gnss-error-m"))
    if args.orbit == "geo":
        cells, power_on = [geo_cell(start)], start
    else:
        cells, power_on = leo_cells(start), start + LEO_ATTACH_OFFSET_S
    if args.ues is not None:
        return _load_run(args, cells, start, ue)
    session = new_session(cells, power_on, ue=ue, pcap=args.pcap, eea=args.eea)
    try:
        rows = [_row(result) for result in _procedures(session, args.orbit)]
    finally:
        session.close()
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(f"{'procedure':12s} {'ok':3s} {'duration s':>10s} {'round trips':>11s}  details")
        for row in rows:
            print(f"{row['procedure']:12s} {'yes' if row['ok'] else 'NO':3s} "
                  f"{row['duration_s']:10.3f} {row['round_trips']:11d}  {row['summary']}")
    return 0 if all(row["ok"] for row in rows) else 1


def _load_run(args, cells, start: float, ue) -> int:
    """``--ues N``: one summary of N attaches (JSON with --json); exit 1 if any failed."""
    from ntnstack.errors import InputError
    from ntnstack.stack.load import MAX_UES, attach_many, load_span

    if not 1 <= args.ues <= MAX_UES:
        raise InputError(f"--ues {args.ues}: expected 1..{MAX_UES}")
    if args.pcap:
        raise InputError("--pcap: not with --ues (one capture per UE would be written)")
    first, span = load_span(cells, start, args.orbit, ue)
    figures = attach_many(cells, first, span, args.ues, ue=ue, eea=args.eea).as_dict()
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['attached']}/{figures['ues']} UEs attached over {span:.0f} s: "
              f"{figures['x_real_time']}x real time, {figures['cpu_s_per_ue'] * 1e3:.2f} ms "
              f"CPU per UE, peak RSS {figures['peak_rss_mb']} MB")
    return 0 if figures["attached"] == figures["ues"] else 1


def _row(result) -> dict:
    d = result.details
    summary = result.reason
    if result.name == "attach" and result.ok:
        summary = (f"RTT {d['rtt_s'] * 1e3:.1f} ms, TA {d['ta_applied_s'] * 1e3:.3f} ms, "
                   f"preamble error {d['ta_error_s'] * 1e6:.2f} us "
                   f"(tolerance {d['tolerance_s'] * 1e6:.1f} us)")
    elif "latency_s" in d:
        summary = f"latency {d['latency_s'] * 1e3:.1f} ms"
    elif result.name == "cell-change" and result.ok:
        summary = (f"{d['source']} -> {d['target']}, coverage gap {d['coverage_gap_s']:.1f} s, "
                   f"outage {d['outage_s']:.1f} s")
    return {"procedure": result.name, "ok": result.ok, "duration_s": result.duration_s,
            "round_trips": result.round_trips, "summary": summary,
            "details": {k: v for k, v in d.items() if isinstance(v, int | float | str)}}

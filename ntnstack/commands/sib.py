"""``ntnstack sib``: build, decode and judge the NTN system information (SIB31, SIB31-NB, SIB19).

encode     the whole BCCH-DL-SCH message (hex) a cell broadcasts at --start for --sat
decode     a message (hex) back to fields in physical units; malformed -> exit 2 with the bit
           offset where decoding failed
residuals  TA and UL Doppler errors of a UE that uses the SIB, as the ephemeris ages
"""
from __future__ import annotations

import dataclasses
import json

from ntnstack.commands._options import SFN0_HELP, old_spelling

KINDS = ("sib31", "sib31-nb", "sib19")
DEFAULT_UL_FREQ_HZ = 1.995e9   # centre of the n256 / band 256 uplink, 1980-2010 MHz (TS 38.101-5)


def register(sub) -> None:
    p = sub.add_parser("sib", help="NTN system information: encode, decode, residuals")
    verbs = p.add_subparsers(dest="verb", required=True)
    enc = verbs.add_parser("encode", help="build the SIB for a satellite at a time (hex)")
    _cell_args(enc)
    enc.add_argument("--pcap", help="also write the message to this pcap (link type 252)")
    enc.add_argument("--json", action="store_true", help="fields as integers and in units")
    enc.set_defaults(func=run_encode)
    dec = verbs.add_parser("decode", help="decode a whole BCCH message given in hex")
    dec.add_argument("--kind", choices=KINDS, required=True)
    dec.add_argument("hex", help="the message, hex digits (spaces and colons allowed)")
    dec.add_argument("--json", action="store_true", help="one JSON object")
    dec.set_defaults(func=run_decode)
    res = verbs.add_parser("residuals", help="UE TA / Doppler error as the ephemeris ages")
    _cell_args(res)
    res.add_argument("--ue", required=True, help="UE position LAT,LON[,ALT_M] (deg, deg, m)")
    res.add_argument("--max-age-s", type=float, default=120.0, help="last age, s (120)")
    res.add_argument("--step-s", type=float, default=5.0, help="age step, s (5)")
    res.add_argument("--freq-hz", type=float, default=DEFAULT_UL_FREQ_HZ,
                     help="UL carrier, Hz (1.995e9, n256 centre)")
    res.add_argument("--json", action="store_true", help="one JSON object")
    res.set_defaults(func=run_residuals)


def _cell_args(p) -> None:
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--sat", required=True, help="orbit SPEC (preset:NAME, geo:LON, tle:FILE ...)")
    p.add_argument("--start", metavar="ISO8601", help="time of the broadcast, UTC (required)")
    old_spelling(p, "--time", "start")
    p.add_argument("--gateway", help="gateway LAT,LON,ALT_M: transparent payload, RP at gateway")
    p.add_argument("--ephemeris", choices=("state-vectors", "orbital"), default="state-vectors")
    p.add_argument("--validity-s", type=int, default=20,
                   help="ul-SyncValidityDuration, s: 5..60 in 5 s steps, 120, 180, 240, 900")
    p.add_argument("--koffset-margin-ms", type=int, default=1, help="K_offset margin, ms (1)")
    p.add_argument("--sfn0", metavar="ISO8601|gps", help=SFN0_HELP)


def _position(text: str, arg: str) -> tuple[float, float, float]:
    """ECEF (m) of a LAT,LON[,ALT_M] argument (ntnstack.link.parse_position checks it)."""
    from ntnstack.link.terminals import parse_position

    return tuple(float(x) for x in parse_position(text, arg).ecef_m)


def _check_cell_args(args) -> None:
    """InputError naming --validity-s or --koffset-margin-ms when out of their range."""
    import phy_ffi
    from ntnstack.errors import InputError
    from ntnstack.rrc.units import VALIDITY_S

    if args.validity_s not in VALIDITY_S:
        raise InputError(f"--validity-s: {args.validity_s} is not one of "
                         f"{', '.join(map(str, VALIDITY_S))}")
    if not 0 <= args.koffset_margin_ms <= phy_ffi.CONST.K_OFFSET_MAX_MS:
        raise InputError(f"--koffset-margin-ms: {args.koffset_margin_ms} is outside "
                         f"0..{phy_ffi.CONST.K_OFFSET_MAX_MS}")


def _build(args):
    from ntnstack.clock import parse_iso8601
    from ntnstack.errors import InputError
    from ntnstack.orbit import parse_orbit_spec
    from ntnstack.rrc.builders import CellConfig, build_sib
    from ntnstack.timescales import parse_sfn0

    _check_cell_args(args)
    if args.start is None:   # not argparse's required: --time may give it
        raise InputError("--start: required (the ISO 8601 time of the broadcast)")
    t = parse_iso8601(args.start, "--start")
    source = parse_orbit_spec(args.sat, t, "--sat")
    gateway = _position(args.gateway, "--gateway") if args.gateway is not None else None
    sfn0 = parse_sfn0(args.sfn0, t)
    cell = CellConfig(kind=args.kind, gateway_ecef_m=gateway, ephemeris_format=args.ephemeris,
                      validity_s=args.validity_s, k_offset_margin_ms=args.koffset_margin_ms,
                      sfn0_unix_s=sfn0)
    if gateway is not None:
        _check_visible(source, t, gateway, "--gateway", "no feeder link, no common TA",
                       args.sat)
    return source, cell, build_sib(source, cell, t)


def _jsonable(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return {value[0]: _jsonable(value[1])}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def run_encode(args) -> int:
    from ntnstack.capture import PcapWriter
    from ntnstack.clock import format_iso8601
    from ntnstack.rrc.codec import KINDS as INFO

    from ntnstack.errors import InputError

    if args.pcap is not None and not args.pcap.strip():
        raise InputError("--pcap: empty file name")
    _, _, built = _build(args)
    if args.pcap:
        with PcapWriter(args.pcap) as pcap:
            pcap.write(INFO[args.kind].dissector, built.message, built.epoch_unix_s)
    if not args.json:
        print(built.message.hex())
        return 0
    print(json.dumps({"kind": args.kind, "spec": INFO[args.kind].spec,
                      "hex": built.message.hex(),
                      "epoch": format_iso8601(built.epoch_unix_s, 6),   # a subframe start: us
                      "fields": _jsonable(built.fields),
                      "physical": dataclasses.asdict(built.sib),
                      "rtt_service_max_s": built.rtt_service_max_s,
                      "common_ta_fit_residual_s": built.common_ta_residual_s}, indent=1))
    return 0


def run_decode(args) -> int:
    from ntnstack.errors import InputError
    from ntnstack.rrc.codec import decode_sib
    from ntnstack.rrc.fields import from_fields

    text = "".join(args.hex.replace(":", "").split())
    if not text:
        raise InputError("HEX: no hex digits given")
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise InputError(f"HEX: {args.hex[:40]!r} is not hex digits") from None
    fields = decode_sib(args.kind, data)
    sib = dataclasses.asdict(from_fields(args.kind, fields))
    if args.json:
        print(json.dumps({"kind": args.kind, "fields": _jsonable(fields), "physical": sib},
                         indent=1))
    else:
        _print_tree(sib)
    return 0


def _print_tree(value, indent: str = "") -> None:
    for key, v in value.items():
        if isinstance(v, dict):
            print(f"{indent}{key}:")
            _print_tree(v, indent + "  ")
        elif v is not None and v != ():
            print(f"{indent}{key}: {v}")


def _check_residual_args(args) -> None:
    """InputError naming --step-s, --max-age-s or --freq-hz when out of range."""
    from ntnstack.errors import InputError
    from ntnstack.limits import MAX_SCENARIO_SPAN_S, MAX_SERIES_ROWS
    from ntnstack.link.options import FREQ_RANGE_HZ, check_number

    if not 0 < args.step_s < float("inf"):
        raise InputError(f"--step-s: {args.step_s} is not a finite step > 0 s")
    check_number(args.max_age_s, "--max-age-s", 0.0, MAX_SCENARIO_SPAN_S)
    if args.max_age_s / args.step_s > MAX_SERIES_ROWS:
        raise InputError(f"--step-s: {args.step_s:g} s up to --max-age-s {args.max_age_s:g} s "
                         f"is more than {MAX_SERIES_ROWS} ages")
    check_number(args.freq_hz, "--freq-hz", *FREQ_RANGE_HZ)


def _check_visible(source, t_unix_s: float, ground_ecef_m, arg: str, consequence: str,
                   spec: str) -> None:
    """InputError naming ``arg`` when the satellite is below that ground point's horizon at
    t_unix_s (the SIB's epoch is the start of the subframe holding it: 1 ms earlier at most);
    for a generated orbit anchored at --start the message says how to anchor it elsewhere."""
    import numpy as np

    import phy_ffi
    from ntnstack.errors import InputError
    from ntnstack.orbit.spec import anchored_at_start

    pos = source.states(np.array([t_unix_s]))[0][0]
    el = float(phy_ffi.look_angles(pos, ground_ecef_m).elevation_deg[0])
    if not el >= 0.0:
        hint = (f"; --sat {spec} is anchored at --start, SPEC@ISO8601 anchors it elsewhere"
                if anchored_at_start(spec) else "")
        raise InputError(f"{arg}: {source.name} is below its horizon at --start "
                         f"(elevation {el:.1f} deg): {consequence}{hint}")


def run_residuals(args) -> int:
    import numpy as np

    from ntnstack.rrc.residuals import residuals

    _check_residual_args(args)
    ue = _position(args.ue, "--ue")
    source, cell, built = _build(args)
    _check_visible(source, built.epoch_unix_s, ue, "--ue", "the UE cannot receive this SIB",
                   args.sat)
    ages = np.arange(0.0, args.max_age_s + 0.5 * args.step_s, args.step_s)
    r = residuals(source, cell, built, ue, ages, args.freq_hz)
    rows = [{"age_s": float(a), "ta_error_s": float(te), "ta_error_tc": float(tc),
             "doppler_error_hz": float(dh), "doppler_error_ppm": float(dp), "expired": bool(x)}
            for a, te, tc, dh, dp, x in zip(*r[:6], strict=True)]
    if args.json:
        print(json.dumps({"kind": args.kind, "ephemeris": args.ephemeris,
                          "validity_s": r.validity_s, "rows": rows}, indent=1))
        return 0
    print(f"{'age_s':>8} {'ta_err_s':>12} {'ta_err_Tc':>12} {'dopp_err_Hz':>12} "
          f"{'dopp_err_ppm':>12}")
    for row in rows:
        mark = f"  expired (validity ends at {r.validity_s} s)" if row["expired"] else ""
        print(f"{row['age_s']:8.1f} {row['ta_error_s']:12.4e} {row['ta_error_tc']:12.1f} "
              f"{row['doppler_error_hz']:12.4f} {row['doppler_error_ppm']:12.6f}{mark}")
    return 0

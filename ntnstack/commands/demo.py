"""``ntnstack demo``: a short geometry + link + passes report for a Tiantong GEO slot, a
BeiDou-3 GEO slot and a TR 38.821 LEO-600 pass over a terminal in Beijing (the default
job of ``python3 build.py demo`` until ``ntnstack run`` exists)."""
from __future__ import annotations

DEMO_UE = "39.9042,116.4074,50"       # Beijing (= ntnstack.orbit.REFERENCE_UE)
DEMO_GATEWAY = "30.5928,114.3055,30"  # Wuhan: an assumed gateway, not an operator's site
BEIDOU_RDSS_S_HZ = 2491.75e6          # RDSS outbound (satellite -> user), S band
BEIDOU_RDSS_L_HZ = 1615.68e6          # RDSS inbound (user -> satellite), L band


def register(sub) -> None:
    p = sub.add_parser("demo", help="geometry, link and passes report (Tiantong, BeiDou, LEO)")
    p.add_argument("--start", default="2026-01-01T00:00:00Z", metavar="ISO8601",
                   help="start time (default 2026-01-01T00:00:00Z)")
    p.add_argument("--json", action="store_true",
                   help="the figures as one JSON object (SI units: s, m, Hz, dB, deg)")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from ntnstack.link.options import start_unix_s
    from ntnstack.link.terminals import parse_position

    start = start_unix_s(args)
    ue, gateway = parse_position(DEMO_UE, "--ue"), parse_position(DEMO_GATEWAY, "--gateway")
    report = {"start_unix_s": start, "ue": DEMO_UE, "gateway": DEMO_GATEWAY,
              "geo": [_geo("Tiantong-1 01, S-band MSS, transparent via the gateway",
                           "preset:tiantong-1-01", start, ue, gateway, 2.185e9, 1.995e9),
                      _geo("BeiDou-3 GEO 110.5 E, RDSS short message (S outbound, L inbound)",
                           "preset:beidou3-geo-110.5e", start, ue, gateway, BEIDOU_RDSS_S_HZ,
                           BEIDOU_RDSS_L_HZ)],
              "leo": _leo(start, ue)}
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        _print(report, ue, gateway)
    return 0


def _geo(title, spec, start, ue, gateway, dl_hz, ul_hz) -> dict:
    """A GEO slot seen from ``ue`` at ``start`` (Doppler bound over one hour)."""
    import numpy as np

    import phy_ffi
    from ntnstack.link.series import link_series, sample_times
    from ntnstack.orbit import parse_orbit_spec

    src = parse_orbit_spec(spec, start, "--sat")
    s = link_series(src, ue, sample_times(start, 3600.0, 600.0), gateway, freq_dl_hz=dl_hz,
                    freq_ul_hz=ul_hz)
    return {"title": title, "satellite": src.name, "elevation_deg": float(s.elevation_deg[0]),
            "azimuth_deg": float(s.azimuth_deg[0]), "range_m": float(s.range_m[0]),
            "gateway_elevation_deg": float(s.gateway_elevation_deg[0]),
            "delay_s": float(s.delay_s[0]), "rtt_s": float(s.rtt_s[0]),
            "ta_ue_s": float(s.ta_ue_s[0]), "ta_common_s": float(s.ta_common_s[0]),
            "k_offset_ms": int(phy_ffi.required_k_offset_ms(2 * s.delay_s,
                                                            s.ta_common_s).pass_max_ms),
            "dl_hz": dl_hz, "pathloss_db": float(s.pathloss_db[0]),
            "max_abs_doppler_hz": float(np.max(np.abs(s.doppler_dl_hz)))}


def _leo(start, ue) -> dict:
    """The LEO-600 passes of the next four hours; the first one minute by minute and its
    extremes at 1 s steps."""
    import numpy as np

    import phy_ffi
    from ntnstack.link.passes import passes
    from ntnstack.link.series import link_series, sample_times
    from ntnstack.orbit import parse_orbit_spec

    src = parse_orbit_spec("preset:tr38821-leo600", start, "--sat")
    found = passes(src, ue, start, 4 * 3600.0)
    first = found[0]
    t = np.append(sample_times(first.rise_unix_s, first.set_unix_s - first.rise_unix_s, 60.0),
                  first.set_unix_s)
    s = link_series(src, ue, t, payload="regenerative")
    fine = link_series(src, ue, np.append(sample_times(first.rise_unix_s, first.set_unix_s
                                                       - first.rise_unix_s, 1.0),
                                          first.set_unix_s), payload="regenerative")
    rows = [{"t_unix_s": float(s.t_unix_s[i]), "elevation_deg": float(s.elevation_deg[i]),
             "range_m": float(s.range_m[i]), "delay_s": float(s.delay_s[i]),
             "doppler_hz": float(s.doppler_dl_hz[i]),
             "doppler_rate_hz_s": float(s.doppler_rate_hz_s[i]),
             "ta_ue_s": float(s.ta_ue_s[i])} for i in range(len(s.t_unix_s))]
    return {"passes": [{"rise_unix_s": p.rise_unix_s, "culmination_unix_s":
                        p.culmination_unix_s, "set_unix_s": p.set_unix_s,
                        "max_elevation_deg": p.max_elevation_deg} for p in found],
            "first_pass": rows,
            "max_abs_doppler_hz": float(np.max(np.abs(fine.doppler_dl_hz))),
            "max_abs_doppler_rate_hz_s": float(np.max(np.abs(fine.doppler_rate_hz_s))),
            "max_rtt_s": float(np.max(fine.rtt_s)),
            "k_offset_ms": int(phy_ffi.required_k_offset_ms(fine.rtt_s).pass_max_ms)}


def _print(report: dict, ue, gateway) -> None:
    from ntnstack.link.options import fmt_time

    print(f"ntnstack demo - {fmt_time(report['start_unix_s'])}, terminal Beijing "
          f"({ue.label()}), gateway Wuhan ({gateway.label()}, assumed)\n")
    for g in report["geo"]:
        print(f"{g['title']}\n  {g['satellite']}: elevation {g['elevation_deg']:.2f} deg, "
              f"azimuth {g['azimuth_deg']:.2f} deg, range {g['range_m'] / 1e3:,.1f} km"
              f" (gateway elevation {g['gateway_elevation_deg']:.1f} deg)")
        print(f"  one-way delay {g['delay_s'] * 1e3:.3f} ms, RTT via gateway "
              f"{g['rtt_s'] * 1e3:.3f} ms, TA_UE {g['ta_ue_s'] * 1e3:.3f} ms, common TA "
              f"{g['ta_common_s'] * 1e3:.3f} ms, K_offset >= {g['k_offset_ms']} ms")
        print(f"  DL {g['dl_hz'] / 1e6:.2f} MHz: path loss {g['pathloss_db']:.1f} dB (TR 38.811 "
              f"rural mean), |Doppler| <= {g['max_abs_doppler_hz']:.3f} Hz over 1 h (ideal "
              f"slot)\n")
    leo = report["leo"]
    print("TR 38.821 LEO-600 (circular 53 deg), regenerative payload, n256 2185/1995 MHz")
    for p in leo["passes"]:
        print(f"  pass rise {fmt_time(p['rise_unix_s'])} culmination "
              f"{fmt_time(p['culmination_unix_s'])} set {fmt_time(p['set_unix_s'])} max "
              f"elevation {p['max_elevation_deg']:.1f} deg")
    print(f"  {'time (UTC)':24s} {'el deg':>6s} {'range km':>9s} {'delay ms':>8s} "
          f"{'Doppler kHz':>11s} {'rate Hz/s':>9s} {'TA_UE ms':>8s}")
    for r in leo["first_pass"]:
        print(f"  {fmt_time(r['t_unix_s']):24s} {r['elevation_deg']:6.1f} "
              f"{r['range_m'] / 1e3:9.1f} {r['delay_s'] * 1e3:8.3f} "
              f"{r['doppler_hz'] / 1e3:11.2f} {r['doppler_rate_hz_s']:9.1f} "
              f"{r['ta_ue_s'] * 1e3:8.3f}")
    print(f"  over the pass (1 s steps): max |Doppler| {leo['max_abs_doppler_hz'] / 1e3:.2f} "
          f"kHz, max |Doppler rate| {leo['max_abs_doppler_rate_hz_s']:.1f} Hz/s, max RTT "
          f"{leo['max_rtt_s'] * 1e3:.3f} ms, K_offset >= {leo['k_offset_ms']} ms")

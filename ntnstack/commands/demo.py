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
    p.set_defaults(func=run)


def run(args) -> int:
    from ntnstack.link.options import fmt_time, start_unix_s
    from ntnstack.link.terminals import parse_position

    start = start_unix_s(args)
    ue, gateway = parse_position(DEMO_UE, "--ue"), parse_position(DEMO_GATEWAY, "--gateway")
    print(f"ntnstack demo - {fmt_time(start)}, terminal Beijing ({ue.label()}), "
          f"gateway Wuhan ({gateway.label()}, assumed)\n")
    _geo("Tiantong-1 01, S-band MSS, transparent via the gateway", "preset:tiantong-1-01",
         start, ue, gateway, 2.185e9, 1.995e9)
    _geo("BeiDou-3 GEO 110.5 E, RDSS short message (S outbound, L inbound)",
         "preset:beidou3-geo-110.5e", start, ue, gateway, BEIDOU_RDSS_S_HZ, BEIDOU_RDSS_L_HZ)
    _leo(start, ue)
    return 0


def _geo(title, spec, start, ue, gateway, dl_hz, ul_hz) -> None:
    import numpy as np

    import phy_ffi
    from ntnstack.link.series import link_series, sample_times
    from ntnstack.orbit import parse_orbit_spec

    src = parse_orbit_spec(spec, start, "--sat")
    s = link_series(src, ue, sample_times(start, 3600.0, 600.0), gateway, freq_dl_hz=dl_hz,
                    freq_ul_hz=ul_hz)
    k = phy_ffi.required_k_offset_ms(2 * s.delay_s, s.ta_common_s).pass_max_ms
    print(f"{title}\n  {src.name}: elevation {s.elevation_deg[0]:.2f} deg, azimuth "
          f"{s.azimuth_deg[0]:.2f} deg, range {s.range_m[0] / 1e3:,.1f} km"
          f" (gateway elevation {s.gateway_elevation_deg[0]:.1f} deg)")
    print(f"  one-way delay {s.delay_s[0] * 1e3:.3f} ms, RTT via gateway {s.rtt_s[0] * 1e3:.3f} "
          f"ms, TA_UE {s.ta_ue_s[0] * 1e3:.3f} ms, common TA {s.ta_common_s[0] * 1e3:.3f} ms, "
          f"K_offset >= {k} ms")
    print(f"  DL {dl_hz / 1e6:.2f} MHz: path loss {s.pathloss_db[0]:.1f} dB (TR 38.811 rural "
          f"mean), |Doppler| <= {np.max(np.abs(s.doppler_dl_hz)):.3f} Hz over 1 h (ideal slot)\n")


def _leo(start, ue) -> None:
    import numpy as np

    import phy_ffi
    from ntnstack.link.options import fmt_time
    from ntnstack.link.passes import passes
    from ntnstack.link.series import link_series, sample_times
    from ntnstack.orbit import parse_orbit_spec

    src = parse_orbit_spec("preset:tr38821-leo600", start, "--sat")
    print("TR 38.821 LEO-600 (circular 53 deg), regenerative payload, n256 2185/1995 MHz")
    found = passes(src, ue, start, 4 * 3600.0)
    for p in found:
        print(f"  pass rise {fmt_time(p.rise_unix_s)} culmination {fmt_time(p.culmination_unix_s)}"
              f" set {fmt_time(p.set_unix_s)} max elevation {p.max_elevation_deg:.1f} deg")
    first = found[0]
    t = np.append(sample_times(first.rise_unix_s, first.set_unix_s - first.rise_unix_s, 60.0),
                  first.set_unix_s)
    s = link_series(src, ue, t, payload="regenerative")
    print(f"  {'time (UTC)':24s} {'el deg':>6s} {'range km':>9s} {'delay ms':>8s} "
          f"{'Doppler kHz':>11s} {'rate Hz/s':>9s} {'TA_UE ms':>8s}")
    for i, ti in enumerate(s.t_unix_s):
        print(f"  {fmt_time(ti):24s} {s.elevation_deg[i]:6.1f} {s.range_m[i] / 1e3:9.1f} "
              f"{s.delay_s[i] * 1e3:8.3f} {s.doppler_dl_hz[i] / 1e3:11.2f} "
              f"{s.doppler_rate_hz_s[i]:9.1f} {s.ta_ue_s[i] * 1e3:8.3f}")
    fine = link_series(src, ue, np.append(sample_times(first.rise_unix_s, first.set_unix_s
                                                       - first.rise_unix_s, 1.0),
                                          first.set_unix_s), payload="regenerative")
    k = phy_ffi.required_k_offset_ms(fine.rtt_s).pass_max_ms
    print(f"  over the pass (1 s steps): max |Doppler| "
          f"{np.max(np.abs(fine.doppler_dl_hz)) / 1e3:.2f} kHz, max |Doppler rate| "
          f"{np.max(np.abs(fine.doppler_rate_hz_s)):.1f} Hz/s, max RTT "
          f"{np.max(fine.rtt_s) * 1e3:.3f} ms, K_offset >= {k} ms")

"""``ntnstack geometry``: the TR 38.811 reference geometry for an altitude and elevation.

Prints slant_range_m (TR 38.811 6.6, spherical Earth R = 6371 km), delay_one_way_s,
rtt_regenerative_s (service link both ways), rtt_transparent_s (service + feeder link both
ways, the feeder link at the same elevation: 4 d / c) and, with --freq-hz, fspl_db
(TR 38.811 eq. 6.6-2).
"""
from __future__ import annotations

import json
import math


def register(sub) -> None:
    p = sub.add_parser("geometry", help="reference geometry (TR 38.811) for altitude/elevation")
    p.add_argument("--altitude-km", type=float, required=True, help="satellite altitude, km")
    p.add_argument("--elevation-deg", type=float, required=True,
                   help="elevation at the UE, deg (0..90)")
    p.add_argument("--freq-hz", type=float, help="carrier frequency for the FSPL, Hz")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=run)


def _check_inputs(args) -> None:
    """InputError naming the first bad argument (NaN, out of range)."""
    from ntnstack.errors import InputError
    from ntnstack.link.options import FREQ_RANGE_HZ, check_number
    from ntnstack.orbit.spec import MAX_ALT_KM

    if not 0 < args.altitude_km <= MAX_ALT_KM:
        raise InputError(f"--altitude-km: {args.altitude_km} is outside (0, {MAX_ALT_KM:g}] km")
    if not math.isfinite(args.elevation_deg) or not 0 <= args.elevation_deg <= 90:
        raise InputError(f"--elevation-deg: {args.elevation_deg} is outside 0..90 deg")
    if args.freq_hz is not None:
        check_number(args.freq_hz, "--freq-hz", *FREQ_RANGE_HZ)


def geometry_row(altitude_km: float, elevation_deg: float, freq_hz: float | None) -> dict:
    """The reference-geometry figures (s, m, dB) for one altitude, elevation and carrier."""
    import phy_ffi
    from ntnstack.errors import InputError

    res = phy_ffi.reference_slant_range(altitude_km * 1e3, elevation_deg)
    if res.status[0]:
        raise InputError(f"--altitude-km/--elevation-deg: {phy_ffi.strerror(res.status[0])}")
    d = float(res.slant_range_m[0])
    c = phy_ffi.CONST.SPEED_OF_LIGHT_MPS
    row = {"slant_range_m": d, "delay_one_way_s": d / c, "rtt_regenerative_s": 2 * d / c,
           "rtt_transparent_s": 4 * d / c}
    if freq_hz is not None:
        loss = phy_ffi.fspl_db(d, freq_hz)
        if loss.status[0]:
            raise InputError(f"--freq-hz: {phy_ffi.strerror(loss.status[0])}")
        row["fspl_db"] = float(loss.fspl_db[0])
    return row


def run(args) -> int:
    _check_inputs(args)
    row = geometry_row(args.altitude_km, args.elevation_deg, args.freq_hz)
    print(json.dumps(row) if args.json else "\n".join(f"{k:20s} {v:.9g}" for k, v in row.items()))
    return 0

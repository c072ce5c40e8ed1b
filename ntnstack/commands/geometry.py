"""``ntnstack geometry``: the TR 38.811 reference geometry for an altitude and elevation."""
from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("geometry", help="reference geometry (TR 38.811) for altitude/elevation")
    p.add_argument("--altitude-km", type=float, required=True, help="satellite altitude, km")
    p.add_argument("--elevation-deg", type=float, required=True, help="elevation at the UE, deg")
    p.add_argument("--freq-hz", type=float, help="carrier frequency for the FSPL, Hz")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    import phy_ffi
    from ntnstack.errors import InputError

    res = phy_ffi.reference_slant_range(args.altitude_km * 1e3, args.elevation_deg)
    if res.status[0]:
        raise InputError(f"--altitude-km/--elevation-deg: "
                         f"{phy_ffi._bindings.strerror(int(res.status[0]))}")
    d = float(res.slant_range_m[0])
    c = phy_ffi._bindings.CONST.SPEED_OF_LIGHT_MPS
    row = {"slant_range_m": d, "delay_one_way_s": d / c, "rtt_regenerative_s": 2 * d / c,
           "rtt_transparent_s": 4 * d / c}
    print(json.dumps(row) if args.json else "\n".join(f"{k:20s} {v:.9g}" for k, v in row.items()))
    return 0

"""Ground points (terminals, gateways): WGS-84 geodetic and ECEF, parsed from LAT,LON,ALT_M."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ntnstack.errors import InputError

__all__ = ["GroundPoint", "ground_point", "parse_position"]

MIN_ALT_M = -500.0        # below the Dead Sea shore (-430 m)
MAX_ALT_M = 100_000.0     # aircraft and balloons; above this it is not a terminal


class GroundPoint(NamedTuple):
    """A fixed point on or above the Earth: WGS-84 latitude/longitude (deg), altitude (m)."""

    lat_deg: float
    lon_deg: float
    alt_m: float
    ecef_m: np.ndarray  # (3,)

    def label(self) -> str:
        return f"{self.lat_deg:.4f},{self.lon_deg:.4f},{self.alt_m:g}"


def ground_point(lat_deg: float, lon_deg: float, alt_m: float = 0.0,
                 where: str = "position") -> GroundPoint:
    """Checked ground point; InputError naming ``where`` for out-of-range values."""
    import phy_ffi

    for name, value in (("latitude", lat_deg), ("longitude", lon_deg), ("altitude", alt_m)):
        if not np.isfinite(value):
            raise InputError(f"{where}: {name} must be a finite number, got {value}")
    if not -90.0 <= lat_deg <= 90.0:
        raise InputError(f"{where}: latitude {lat_deg:g} deg is outside [-90, 90]")
    if not -180.0 <= lon_deg <= 360.0:
        raise InputError(f"{where}: longitude {lon_deg:g} deg is outside [-180, 360]")
    if not MIN_ALT_M <= alt_m <= MAX_ALT_M:
        raise InputError(f"{where}: altitude {alt_m:g} m is outside [{MIN_ALT_M:g}, "
                         f"{MAX_ALT_M:g}]")
    ecef = phy_ffi.geodetic_to_ecef(lat_deg, lon_deg, alt_m).ecef_m[0]
    return GroundPoint(float(lat_deg), float(lon_deg), float(alt_m), ecef)


def parse_position(text: str, where: str = "--ue") -> GroundPoint:
    """``LAT,LON[,ALT_M]`` (degrees, degrees, metres; altitude 0 if omitted) -> GroundPoint."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) not in (2, 3):
        raise InputError(f"{where} {text!r}: expected LAT,LON,ALT_M")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{where} {text!r}: LAT,LON,ALT_M must be numbers") from None
    return ground_point(*values, where=f"{where} {text!r}")

"""Walker-delta constellations i: t/p/f (Walker 1984, J. Br. Interplanet. Soc. 37).

t satellites in p equally spaced planes (node spacing 360/p deg), t/p per plane equally
spaced in argument of latitude (360 p/t deg), and satellites in adjacent planes offset by
f * 360/t deg (0 <= f < p). Circular orbits, elements in the ECI frame aligned with ECEF at
the epoch; the first plane's node at ``raan0_deg``.
"""
from __future__ import annotations

from ntnstack.orbit.kepler import KeplerSource, circular_elements

__all__ = ["walker_delta"]


def walker_delta(total: int, planes: int, phasing: int, altitude_m: float,
                 inclination_deg: float, epoch_unix_s: float, raan0_deg: float = 0.0,
                 name: str = "walker", j2: bool = False) -> list[KeplerSource]:
    """The t/p/f constellation as ``total`` sources named NAME-PLANE-SLOT (1-based)."""
    if planes < 1 or total < 1 or total % planes:
        raise ValueError(f"Walker {total}/{planes}/{phasing}: t must be a positive multiple "
                         f"of p")
    if not 0 <= phasing < planes:
        raise ValueError(f"Walker {total}/{planes}/{phasing}: f must be in 0..p-1")
    per_plane = total // planes
    sats = []
    for j in range(planes):
        for k in range(per_plane):
            raan = raan0_deg + 360.0 * j / planes
            arg_lat = 360.0 * k / per_plane + 360.0 * phasing * j / total
            elements = circular_elements(altitude_m, inclination_deg, raan % 360.0,
                                         arg_lat % 360.0)
            sats.append(KeplerSource(elements, epoch_unix_s, f"{name}-{j + 1}-{k + 1}", j2=j2))
    return sats

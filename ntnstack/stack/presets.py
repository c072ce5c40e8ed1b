"""Ready-made satellite cells and sessions for the reference geometries (TR 38.821).

- ``geo_cell``: the TR 38.821 GEO reference satellite (35 786 km, on REFERENCE_UE's
  meridian) as a transparent payload whose eNB sits at a gateway (``GEO_GATEWAY``, 36 N
  120 E, about 500 km from the reference UE), uplink reference point at the gateway;
- ``leo_cells``: two LEO-600 satellites (circular, 53 deg, J2 secular drift in the truth)
  whose overhead passes over REFERENCE_UE culminate ``culminations_s`` after the start, on a
  regenerative payload (eNB on board); the second rises after the first sets, so an idle UE
  changes cell across a coverage gap that follows from the geometry;
- ``new_session``: a StackSession with the MME provisioned for the UE.
"""
from __future__ import annotations

from pathlib import Path

import phy_ffi
from ntnstack.clock import Clock
from ntnstack.orbit import REFERENCE_UE, KeplerSource, parse_orbit_spec
from ntnstack.orbit.presets import overhead_pass_elements
from ntnstack.rrc import CellConfig
from ntnstack.stack.cell import SatelliteCell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.session import StackSession, UeConfig

__all__ = ["GEO_GATEWAY", "geo_cell", "leo_cells", "new_session"]

GEO_GATEWAY = (36.0, 120.0, 0.0)
"""Gateway of the GEO cell (lat deg, lon deg, alt m): an assumption of this preset."""


def _ecef(lat_deg: float, lon_deg: float, alt_m: float) -> tuple[float, float, float]:
    return tuple(float(x) for x in phy_ffi.geodetic_to_ecef(lat_deg, lon_deg, alt_m).ecef_m[0])


def geo_cell(start_unix_s: float, validity_s: int = 60, orbit: str = "preset:tr38821-geo",
             gateway_deg_m: tuple[float, float, float] = GEO_GATEWAY) -> SatelliteCell:
    """The GEO NB-IoT cell behind a transparent payload; SFN 0 at the start."""
    source = parse_orbit_spec(orbit, start_unix_s)
    config = CellConfig(kind="sib31-nb", payload="transparent",
                        gateway_ecef_m=_ecef(*gateway_deg_m), validity_s=validity_s,
                        sfn0_unix_s=start_unix_s)
    return SatelliteCell(source, config, pci=1)


def leo_cells(start_unix_s: float, culminations_s: tuple[float, ...] = (600.0, 1200.0),
              validity_s: int = 20, payload: str = "regenerative",
              gateway_deg_m: tuple[float, float, float] | None = None) -> list[SatelliteCell]:
    """LEO-600 cells overhead REFERENCE_UE at the given culminations (s after the start)."""
    cells = []
    for i, culmination in enumerate(culminations_s):
        elements = overhead_pass_elements(*REFERENCE_UE, 600e3, 53.0, culmination)
        source = KeplerSource(elements, start_unix_s, f"LEO600-{i + 1}", j2=True)
        config = CellConfig(kind="sib31-nb", payload=payload,
                            gateway_ecef_m=_ecef(*gateway_deg_m) if gateway_deg_m else None,
                            validity_s=validity_s, sfn0_unix_s=start_unix_s)
        cells.append(SatelliteCell(source, config, pci=i + 1))
    return cells


def new_session(cells: list[SatelliteCell], start_unix_s: float, ue: UeConfig | None = None,
                pcap: str | Path | None = None, eea: str = "eea2", eia: str = "eia2",
                clock: Clock | None = None, mme: Mme | None = None) -> StackSession:
    """A session of ``ue`` (default UeConfig) on ``cells``, its subscriber provisioned in
    ``mme`` (shared by the UEs of one network; default: a new MME with ``eea`` / ``eia``); a
    virtual clock at ``start_unix_s`` unless ``clock`` is given."""
    ue = ue or UeConfig()
    mme = mme or Mme(eea=eea, eia=eia, seed=ue.seed)
    mme.add(Subscriber(ue.imsi, ue.k, ue.opc))
    clock = clock or Clock("virtual", start_unix_s=start_unix_s)
    return StackSession(cells, ue, mme, clock, pcap)

"""NtnSib (physical units) <-> the asn1tools values of the NTN block, for each kind.

``to_fields(sib)`` quantises every field (ntnstack.rrc.units.quantise: nearest step, range
checked); ``from_fields(kind, fields)`` is its inverse. Field names are those of
ntnstack/rrc/asn/ (TS 36.331 / TS 38.331 V17.4.0).
"""
from __future__ import annotations

import math

from ntnstack.errors import InputError
from ntnstack.rrc.codec import KINDS, DecodeError, ellipsoid_point_codec
from ntnstack.rrc.units import (NTP_UNIX_OFFSET_S, STEPS, VALIDITY_S, CommonTa, EpochTime,
                                Neighbour, NtnConfig, NtnSib, OrbitalParameters, StateVectors,
                                physical, quantise)

__all__ = ["from_fields", "to_fields", "wrap"]

_AXES = ("X", "Y", "Z")
_POLARISATIONS = ("rhcp", "lhcp", "linear")


def _state_vectors(sv: StateVectors, where: str) -> dict:
    pos, vel = STEPS["position_m"], STEPS["velocity_mps"]
    out = {f"position{a}-r17": quantise(p, pos, f"{where}.position{a}")
           for a, p in zip(_AXES, sv.position_ecef_m, strict=True)}
    out |= {f"velocityV{a}-r17": quantise(v, vel, f"{where}.velocity{a}")
            for a, v in zip(_AXES, sv.velocity_ecef_mps, strict=True)}
    return out


def _orbital(op: OrbitalParameters, anomaly_name: str, where: str) -> dict:
    angle = STEPS["angle_rad"]
    return {
        "semiMajorAxis-r17": quantise(op.semi_major_axis_m, STEPS["semi_major_axis_m"],
                                      f"{where}.semiMajorAxis"),
        "eccentricity-r17": quantise(op.eccentricity, STEPS["eccentricity"],
                                     f"{where}.eccentricity"),
        "periapsis-r17": quantise(wrap(op.periapsis_rad), angle, f"{where}.periapsis"),
        "longitude-r17": quantise(wrap(op.longitude_ascending_node_rad), angle,
                                  f"{where}.longitude"),
        "inclination-r17": quantise(op.inclination_rad, STEPS["inclination_rad"],
                                    f"{where}.inclination"),
        anomaly_name: quantise(wrap(op.mean_anomaly_rad), angle, f"{where}.anomaly"),
    }


def wrap(angle_rad: float) -> float:
    """An angle in [0, 2 pi)."""
    return angle_rad % (2 * math.pi) if math.isfinite(angle_rad) else angle_rad


def _validity(validity_s: int | None, where: str) -> str:
    if validity_s not in VALIDITY_S:
        raise InputError(f"{where}: validity {validity_s} s is not one of {VALIDITY_S}")
    return f"s{validity_s}"


def _ta_terms(ta: CommonTa, prefix: str, names: tuple[str, str, str], where: str) -> dict:
    values = (ta.ta_common_s, ta.drift_s_per_s, ta.drift_variation_s_per_s2)
    steps = ("ta_common_s", "drift_s_per_s", "variation_s_per_s2")
    return {name: quantise(v, STEPS[f"{prefix}_{s}"], f"{where}.{name}")
            for name, v, s in zip(names, values, steps, strict=True) if v is not None}


def _lte_block(cfg: NtnConfig) -> dict:
    where = "servingSatelliteInfo"
    if cfg.ephemeris is None or cfg.k_offset_ms is None:
        raise InputError(f"{where}: ephemeris and k_offset_ms are mandatory in SIB31")
    if isinstance(cfg.ephemeris, StateVectors):
        eph = ("stateVectors", _state_vectors(cfg.ephemeris, where))
    else:
        eph = ("orbitalParameters", _orbital(cfg.ephemeris, "anomaly-r17", where))
    ssi = {"ephemerisInfo-r17": eph,
           "nta-CommonParameters-r17": _ta_terms(
               cfg.common_ta or CommonTa(), "sib31",
               ("nta-Common-r17", "nta-CommonDrift-r17", "nta-CommonDriftVariation-r17"), where),
           "ul-SyncValidityDuration-r17": _validity(cfg.validity_s, where),
           "k-Offset-r17": int(cfg.k_offset_ms)}
    if cfg.epoch is not None:
        ssi["epochTime-r17"] = {"startSFN-r17": cfg.epoch.sfn,
                                "startSubFrame-r17": cfg.epoch.subframe}
    if cfg.k_mac_ms is not None:
        ssi["k-Mac-r17"] = int(cfg.k_mac_ms)
    return {"servingSatelliteInfo-r17": ssi}


def _nr_config(cfg: NtnConfig, where: str) -> dict:
    out: dict = {}
    if cfg.epoch is not None:
        out["epochTime-r17"] = {"sfn-r17": cfg.epoch.sfn, "subFrameNR-r17": cfg.epoch.subframe}
    if cfg.validity_s is not None:
        out["ntn-UlSyncValidityDuration-r17"] = _validity(cfg.validity_s, where)
    if cfg.k_offset_ms is not None:
        out["cellSpecificKoffset-r17"] = int(cfg.k_offset_ms)
    if cfg.k_mac_ms is not None:
        out["kmac-r17"] = int(cfg.k_mac_ms)
    if cfg.common_ta is not None:
        if cfg.common_ta.ta_common_s is None:
            raise InputError(f"{where}.ta-Info: ta-Common is mandatory when ta-Info is present")
        out["ta-Info-r17"] = _ta_terms(cfg.common_ta, "sib19", (
            "ta-Common-r17", "ta-CommonDrift-r17", "ta-CommonDriftVariant-r17"), where)
    for name, value in (("ntn-PolarizationDL-r17", cfg.polarisation_dl),
                        ("ntn-PolarizationUL-r17", cfg.polarisation_ul)):
        if value is not None:
            if value not in _POLARISATIONS:
                raise InputError(f"{where}.{name}: {value!r} is not one of {_POLARISATIONS}")
            out[name] = value
    if isinstance(cfg.ephemeris, StateVectors):
        out["ephemerisInfo-r17"] = ("positionVelocity-r17", _state_vectors(cfg.ephemeris, where))
    elif cfg.ephemeris is not None:
        out["ephemerisInfo-r17"] = ("orbital-r17",
                                    _orbital(cfg.ephemeris, "meanAnomaly-r17", where))
    if cfg.ta_report:
        out["ta-Report-r17"] = "enabled"
    return out


def _reference_location(lat_deg: float, lon_deg: float) -> bytes:
    """Ellipsoid-Point (TS 23.032 6.1): N <= 2^23 |lat| / 90 < N + 1, N <= 2^24 lon / 360 < N+1."""
    if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0):
        raise InputError(f"referenceLocation: ({lat_deg}, {lon_deg}) deg is not a location")
    lon = lon_deg - 360.0 if lon_deg >= 180.0 else lon_deg
    point = {"latitudeSign": "south" if lat_deg < 0 else "north",
             "degreesLatitude": min(int(abs(lat_deg) / 90.0 * 2**23), 2**23 - 1),
             "degreesLongitude": math.floor(lon / 360.0 * 2**24)}
    return ellipsoid_point_codec().encode("Ellipsoid-Point", point, check_constraints=True)


def _sib19_block(sib: NtnSib) -> dict:
    out: dict = {"ntn-Config-r17": _nr_config(sib.config, "ntn-Config")}
    if sib.t_service_unix_s is not None:
        out["t-Service-r17"] = quantise(sib.t_service_unix_s + NTP_UNIX_OFFSET_S,
                                        STEPS["t_service_s"], "t-Service")
    if sib.reference_location_deg is not None:
        out["referenceLocation-r17"] = _reference_location(*sib.reference_location_deg)
    if sib.distance_thresh_m is not None:
        out["distanceThresh-r17"] = quantise(sib.distance_thresh_m, STEPS["distance_thresh_m"],
                                             "distanceThresh")
    if sib.neighbours:
        out["ntn-NeighCellConfigList-r17"] = [_neighbour(nb, i)
                                              for i, nb in enumerate(sib.neighbours)]
    return out


def _neighbour(nb: Neighbour, index: int) -> dict:
    out: dict = {}
    if nb.config is not None:
        out["ntn-Config-r17"] = _nr_config(nb.config, f"ntn-NeighCellConfigList[{index}]")
    if nb.carrier_arfcn is not None:
        out["carrierFreq-r17"] = int(nb.carrier_arfcn)
    if nb.pci is not None:
        out["physCellId-r17"] = int(nb.pci)
    return out


def to_fields(sib: NtnSib) -> dict:
    """The NTN block of ``sib.kind`` as asn1tools values, every field quantised."""
    if sib.kind not in KINDS:
        raise InputError(f"kind: {sib.kind!r} is not one of {', '.join(KINDS)}")
    if sib.kind == "sib19":
        return _sib19_block(sib)
    return _lte_block(sib.config)


def _ephemeris_from(choice: tuple[str, dict]) -> StateVectors | OrbitalParameters:
    name, v = choice
    if name in ("stateVectors", "positionVelocity-r17"):
        pos, vel = STEPS["position_m"], STEPS["velocity_mps"]
        return StateVectors(
            tuple(physical(v[f"position{a}-r17"], pos) for a in _AXES),
            tuple(physical(v[f"velocityV{a}-r17"], vel) for a in _AXES))
    angle = STEPS["angle_rad"]
    anomaly = v.get("anomaly-r17", v.get("meanAnomaly-r17"))
    return OrbitalParameters(
        physical(v["semiMajorAxis-r17"], STEPS["semi_major_axis_m"]),
        physical(v["eccentricity-r17"], STEPS["eccentricity"]),
        physical(v["periapsis-r17"], angle), physical(v["longitude-r17"], angle),
        physical(v["inclination-r17"], STEPS["inclination_rad"]), physical(anomaly, angle))


def _ta_from(values: dict, prefix: str, names: tuple[str, str, str]) -> CommonTa:
    steps = ("ta_common_s", "drift_s_per_s", "variation_s_per_s2")
    return CommonTa(*(physical(values[n], STEPS[f"{prefix}_{s}"]) if n in values else None
                      for n, s in zip(names, steps, strict=True)))


def _lte_from(block: dict) -> NtnConfig:
    ssi = block["servingSatelliteInfo-r17"]
    epoch = ssi.get("epochTime-r17")
    return NtnConfig(
        ephemeris=_ephemeris_from(ssi["ephemerisInfo-r17"]),
        common_ta=_ta_from(ssi["nta-CommonParameters-r17"], "sib31", (
            "nta-Common-r17", "nta-CommonDrift-r17", "nta-CommonDriftVariation-r17")),
        validity_s=int(ssi["ul-SyncValidityDuration-r17"][1:]),
        epoch=EpochTime(epoch["startSFN-r17"], epoch["startSubFrame-r17"]) if epoch else None,
        k_offset_ms=ssi["k-Offset-r17"], k_mac_ms=ssi.get("k-Mac-r17"))


def _nr_config_from(cfg: dict) -> NtnConfig:
    epoch = cfg.get("epochTime-r17")
    validity = cfg.get("ntn-UlSyncValidityDuration-r17")
    ta = cfg.get("ta-Info-r17")
    eph = cfg.get("ephemerisInfo-r17")
    return NtnConfig(
        ephemeris=_ephemeris_from(eph) if eph else None,
        common_ta=_ta_from(ta, "sib19", ("ta-Common-r17", "ta-CommonDrift-r17",
                                         "ta-CommonDriftVariant-r17")) if ta else None,
        validity_s=int(validity[1:]) if validity else None,
        epoch=EpochTime(epoch["sfn-r17"], epoch["subFrameNR-r17"]) if epoch else None,
        k_offset_ms=cfg.get("cellSpecificKoffset-r17"), k_mac_ms=cfg.get("kmac-r17"),
        polarisation_dl=cfg.get("ntn-PolarizationDL-r17"),
        polarisation_ul=cfg.get("ntn-PolarizationUL-r17"),
        ta_report="ta-Report-r17" in cfg)


def _reference_location_from(data: bytes) -> tuple[float, float]:
    """Centre of the Ellipsoid-Point cell (so the error is at most half a step)."""
    try:
        p = ellipsoid_point_codec().decode("Ellipsoid-Point", bytes(data))
    except Exception as exc:  # noqa: BLE001 - asn1tools on untrusted octets, as in codec
        raise DecodeError("sib19", f"referenceLocation-r17 does not hold an Ellipsoid-Point "
                                   f"(TS 37.355): {exc}") from None
    lat = (p["degreesLatitude"] + 0.5) * 90.0 / 2**23
    lon = (p["degreesLongitude"] + 0.5) * 360.0 / 2**24
    return (-lat if p["latitudeSign"] == "south" else lat, lon)


def _sib19_from(block: dict) -> NtnSib:
    cfg = block.get("ntn-Config-r17")
    t_service = block.get("t-Service-r17")
    ref = block.get("referenceLocation-r17")
    dist = block.get("distanceThresh-r17")
    neighbours = tuple(
        Neighbour(_nr_config_from(nb["ntn-Config-r17"]) if "ntn-Config-r17" in nb else None,
                  nb.get("carrierFreq-r17"), nb.get("physCellId-r17"))
        for nb in block.get("ntn-NeighCellConfigList-r17", ()))
    return NtnSib(
        "sib19", _nr_config_from(cfg) if cfg else NtnConfig(),
        t_service_unix_s=(physical(t_service, STEPS["t_service_s"]) - NTP_UNIX_OFFSET_S
                          if t_service is not None else None),
        reference_location_deg=_reference_location_from(ref) if ref is not None else None,
        distance_thresh_m=physical(dist, STEPS["distance_thresh_m"]) if dist is not None else None,
        neighbours=neighbours)


def from_fields(kind: str, block: dict) -> NtnSib:
    """Decoded asn1tools values of the NTN block of ``kind`` -> NtnSib in physical units."""
    if kind == "sib19":
        return _sib19_from(block)
    if kind in ("sib31", "sib31-nb"):
        return NtnSib(kind, _lte_from(block))
    raise InputError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")

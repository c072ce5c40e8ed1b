"""Orbit SPEC strings of the command line and the YAML scenarios.

  geo:LON_DEG[:INC_DEG[:BOX_HALF_WIDTH_DEG]]   a GEO slot (east longitude)
  circular:ALT_KM:INC_DEG:RAAN_DEG:ARG_LAT_DEG  elements at the start time, ECI frame aligned
                                                with ECEF then (RAAN = node longitude)
  kepler:A_KM:ECC:INC_DEG:RAAN_DEG:ARGP_DEG:M_DEG   3GPP orbital parameters at the start
  walker:T/P/F:ALT_KM:INC_DEG                   Walker-delta constellation
  tle:PATH[:NAME]  omm:PATH[:NAME]              TLE / OMM file (NAME or NORAD number)
  preset:NAME                                   see ``ntnstack passes --list-presets``

Every kind but the files takes an optional ``@ISO8601`` after it: the time its elements (or
the preset's pass) are anchored at instead of the command's start, e.g.
``preset:tr38821-leo600@2026-01-01T00:00:00Z`` culminates at 00:10:00 whatever --start is.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable

import numpy as np

from ntnstack.clock import parse_iso8601
from ntnstack.errors import InputError
from ntnstack.limits import MAX_WALKER_SATELLITES
from ntnstack.orbit.elements import OrbitalElements
from ntnstack.orbit.geo import GeoSlot
from ntnstack.orbit.kepler import KeplerSource, circular_elements
from ntnstack.orbit.presets import PRESETS, preset_sources
from ntnstack.orbit.source import OrbitSource
from ntnstack.orbit.tle import load_satellites
from ntnstack.orbit.walker import walker_delta
from phy_ffi import CONST

__all__ = ["MAX_ALT_KM", "MAX_WALKER_SATELLITES", "anchored_at_start", "parse_orbit_spec",
           "parse_orbit_specs"]

MAX_ALT_KM = 100_000.0        # above GEO (35 786 km) and HEO apogees (~40 000 km): Earth orbits


def _numbers(spec: str, where: str, fields: list[str], names: list[str],
             optional: int = 0) -> list[float]:
    if not len(names) - optional <= len(fields) <= len(names):
        raise InputError(f"{where} {spec!r}: expected {':'.join(names)} after the kind, got "
                         f"{len(fields)} field(s)")
    out = []
    for field, name in zip(fields, names, strict=False):
        try:
            value = float(field)
        except ValueError:
            raise InputError(f"{where} {spec!r}: {name} {field!r} is not a number") from None
        if not np.isfinite(value):
            raise InputError(f"{where} {spec!r}: {name} must be finite")
        out.append(value)
    return out


STALE_ELEMENTS_DAYS = 14.0
"""Days between a TLE / OMM epoch and the time asked for beyond which a warning is logged:
SGP4's along-track error grows by about 1-3 km a day in LEO, so two weeks away the geometry is
tens of kilometres off (decay and SGP4's own error codes are refused elsewhere)."""


def _warn_stale(sats: list, t_unix_s: float, where: str, spec: str) -> None:
    """One warning line when some satellite's elements are far from the start time."""
    ages = [abs(t_unix_s - ((s.satrec.jdsatepoch + s.satrec.jdsatepochF) - 2440587.5) * 86400.0)
            / 86400.0 for s in sats]
    stale = [a for a in ages if a > STALE_ELEMENTS_DAYS]
    if stale:
        logging.getLogger(__name__).warning(
            "%s %r: %d of %d satellite(s) have elements more than %g days from the start "
            "(up to %.0f days): SGP4 drifts by kilometres a day, use fresher elements",
            where, spec, len(stale), len(sats), STALE_ELEMENTS_DAYS, max(stale))


def _file_sources(spec: str, body: str, where: str) -> list[OrbitSource]:
    path, name = body, None
    if not os.path.exists(body) and ":" in body:
        path, name = body.rsplit(":", 1)
    if not path:
        raise InputError(f"{where} {spec!r}: missing file path")
    if not os.path.isfile(path):
        raise InputError(f"{where} {spec!r}: file {path!r} not found")
    sats = load_satellites(path, f"{where} {path}")
    if name is None:
        return sats
    wanted = name.strip().upper()
    # a NORAD number as written in the TLE (Alpha-5 "A5544" too) or decoded ("105544")
    hits = [s for s in sats if wanted in (s.name.upper(), str(s.satrec.satnum),
                                          s.satrec.satnum_str.strip().upper())]
    if not hits:
        known = ", ".join(s.name for s in sats[:5]) + (" ..." if len(sats) > 5 else "")
        raise InputError(f"{where} {spec!r}: no satellite {name!r} in {path} (has {known})")
    return hits[:1]


def _geo(spec, fields, epoch, where):
    values = _numbers(spec, where, fields, ["LON_DEG", "INC_DEG", "BOX_HALF_WIDTH_DEG"],
                      optional=2)
    lon, inc, box = [*values, 0.0, 0.0][:3]
    if not -180.0 <= lon <= 360.0:
        raise InputError(f"{where} {spec!r}: LON_DEG {lon:g} is outside [-180, 360]")
    if not 0.0 <= inc < 90.0 or not 0.0 <= box <= 5.0:
        raise InputError(f"{where} {spec!r}: need 0 <= INC_DEG < 90 and 0 <= BOX <= 5 deg")
    return [GeoSlot(lon, epoch, inclination_deg=inc, box_half_width_deg=box)]


def _check_orbit(spec: str, where: str, alt_km: float, inc_deg: float) -> None:
    if not 0 < alt_km <= MAX_ALT_KM:
        raise InputError(f"{where} {spec!r}: ALT_KM must be in (0, {MAX_ALT_KM:g}], "
                         f"got {alt_km:g}")
    if not 0.0 <= inc_deg <= 180.0:
        raise InputError(f"{where} {spec!r}: INC_DEG must be in [0, 180], got {inc_deg:g}")


def _circular(spec, fields, epoch, where):
    alt, inc, raan, u = _numbers(spec, where, fields,
                                 ["ALT_KM", "INC_DEG", "RAAN_DEG", "ARG_LAT_DEG"])
    _check_orbit(spec, where, alt, inc)
    return [KeplerSource(circular_elements(alt * 1e3, inc, raan, u), epoch,
                         f"circular {alt:g} km {inc:g} deg")]


def _kepler(spec, fields, epoch, where):
    a, e, inc, raan, argp, m = _numbers(
        spec, where, fields, ["A_KM", "ECC", "INC_DEG", "RAAN_DEG", "ARGP_DEG", "M_DEG"])
    if not 0.0 <= e < 1.0 or a * (1 - e) * 1e3 <= CONST.EARTH_RADIUS_3GPP_M:
        raise InputError(f"{where} {spec!r}: need 0 <= ECC < 1 and a perigee above the Earth")
    if a * (1 + e) * 1e3 - CONST.EARTH_RADIUS_3GPP_M > MAX_ALT_KM * 1e3:
        raise InputError(f"{where} {spec!r}: apogee above {MAX_ALT_KM:g} km altitude")
    _check_orbit(spec, where, a, inc)
    el = OrbitalElements(a * 1e3, e, *np.radians([argp, raan, inc, m]))
    return [KeplerSource(el, epoch, f"kepler a={a:g} km e={e:g}")]


def _walker(spec, fields, epoch, where):
    if len(fields) != 3:
        raise InputError(f"{where} {spec!r}: expected walker:T/P/F:ALT_KM:INC_DEG")
    try:
        t, p, f = (int(x) for x in fields[0].split("/"))
    except ValueError:
        raise InputError(f"{where} {spec!r}: T/P/F {fields[0]!r} is not three integers") from None
    alt, inc = _numbers(spec, where, fields[1:], ["ALT_KM", "INC_DEG"])
    _check_orbit(spec, where, alt, inc)
    if t > MAX_WALKER_SATELLITES:
        raise InputError(f"{where} {spec!r}: T = {t} satellites exceeds "
                         f"{MAX_WALKER_SATELLITES}")
    try:
        return walker_delta(t, p, f, alt * 1e3, inc, epoch, name=f"walker{t}-{p}-{f}")
    except ValueError as exc:
        raise InputError(f"{where} {spec!r}: {exc}") from None


def _preset(spec, fields, epoch, where):
    name = ":".join(fields).strip().lower()
    if name not in PRESETS:
        raise InputError(f"{where} {spec!r}: unknown preset {name!r} (known: "
                         f"{', '.join(sorted(PRESETS))})")
    return preset_sources(name, epoch)


_KINDS: dict[str, Callable] = {"geo": _geo, "circular": _circular, "kepler": _kepler,
                               "walker": _walker, "preset": _preset}


def parse_orbit_specs(spec: str, epoch_unix_s: float, where: str = "orbit spec"
                      ) -> list[OrbitSource]:
    """Every satellite a SPEC names (a TLE file or Walker gives many), elements at the epoch.

    Raises InputError naming ``where`` and the spec: bad number, unknown kind or preset,
    missing file, malformed TLE (with its line number).
    """
    kind, sep, body = str(spec).partition(":")
    kind = kind.strip().lower()
    if not sep or not body.strip():
        raise InputError(f"{where} {spec!r}: expected KIND:..., KIND one of geo, circular, "
                         f"kepler, walker, tle, omm, preset")
    if kind in ("tle", "omm"):
        sats = _file_sources(spec, body, where)
        _warn_stale(sats, float(epoch_unix_s), where, spec)
        return sats
    if kind not in _KINDS:
        raise InputError(f"{where} {spec!r}: unknown kind {kind!r} (geo, circular, kepler, "
                         f"walker, tle, omm, preset)")
    if "@" in body:
        body, anchor = body.rsplit("@", 1)
        epoch_unix_s = parse_iso8601(anchor, f"{where} {spec!r}: anchor after @")
    return _KINDS[kind](spec, body.split(":"), float(epoch_unix_s), where)


def anchored_at_start(spec: str) -> bool:
    """True when SPEC's elements are set at the command's start: a generated orbit (not a
    TLE / OMM file) without an ``@ISO8601`` anchor."""
    kind = str(spec).split(":", 1)[0].strip().lower()
    return kind not in ("tle", "omm") and "@" not in str(spec)


def parse_orbit_spec(spec: str, epoch_unix_s: float, where: str = "orbit spec") -> OrbitSource:
    """Exactly one satellite; a SPEC that names several is an InputError asking for one."""
    sats = parse_orbit_specs(spec, epoch_unix_s, where)
    if len(sats) != 1:
        raise InputError(f"{where} {spec!r}: names {len(sats)} satellites, this needs one "
                         f"(for a file: tle:PATH:NAME)")
    return sats[0]

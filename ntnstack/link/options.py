"""Command-line options shared by ``ntnstack link``, ``passes`` and ``demo``."""
from __future__ import annotations

import re

from ntnstack.clock import format_iso8601, parse_iso8601
from ntnstack.errors import InputError
from ntnstack.limits import MAX_SPAN_S  # longest --duration (the bounds: ntnstack.limits)
from ntnstack.link.defaults import DEFAULT_FREQ_DL_HZ, DEFAULT_MIN_ELEVATION_DEG

__all__ = ["DEFAULT_START", "DUPLEX_SPACING_HZ", "FREQ_RANGE_HZ", "MAX_SPAN_S",
           "accept_negative_positions", "add_orbit_options", "check_number", "fmt_time",
           "start_unix_s", "uplink_hz"]

DEFAULT_START = "2026-01-01T00:00:00Z"  # fixed for reproducible runs
FREQ_RANGE_HZ = (1e8, 1e11)  # carriers the commands accept: VHF .. W band
DUPLEX_SPACING_HZ = 190e6  # n256: DL 2170-2200 MHz, UL 1980-2010 MHz (TS 38.101-5)


def accept_negative_positions(p) -> None:
    """Let ``--ue -33.9,18.4,0`` through: argparse takes a value starting with '-' for an
    option unless it looks like a number, so its (private, stable since 3.2) matcher is
    widened to comma-separated numbers."""
    p._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[\d.eE+]+(,[-\d.eE+]*)+$")


def add_orbit_options(p, duration_default: float | None) -> None:
    """--sat, --ue, --start, --duration, --min-elevation-deg, --json."""
    accept_negative_positions(p)
    p.add_argument("--sat", metavar="SPEC", help="orbit: geo:LON_DEG, circular:ALT_KM:INC_DEG:"
                   "RAAN_DEG:ARG_LAT_DEG, kepler:..., walker:T/P/F:ALT_KM:INC_DEG, "
                   "tle:PATH[:NAME], omm:PATH[:NAME], preset:NAME")
    p.add_argument("--ue", metavar="LAT,LON[,ALT_M]",
                   help="terminal, WGS-84 deg, deg, m (altitude 0 if omitted)")
    p.add_argument("--start", default=DEFAULT_START, metavar="ISO8601",
                   help=f"start time, UTC if no zone (default {DEFAULT_START}, fixed so that "
                   "runs repeat; elements of geo/circular/preset specs are set at this time)")
    p.add_argument("--duration", type=float, default=duration_default, metavar="S",
                   help="span, s" + ("" if duration_default is None
                                     else f" (default {duration_default:g})"))
    p.add_argument("--min-elevation-deg", type=float, default=DEFAULT_MIN_ELEVATION_DEG,
                   metavar="E", help="visibility mask, deg (default 10, TR 38.821)")
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")


def start_unix_s(args) -> float:
    return parse_iso8601(args.start, "--start")


def check_number(value: float, name: str, low: float, high: float) -> float:
    """``value`` within [low, high] and finite, else InputError naming the option."""
    if not low <= value <= high:
        raise InputError(f"{name}: {value:g} is outside [{low:g}, {high:g}]")
    return value


def check_environment(name: str, where: str = "--environment") -> str:
    """``name`` when it is a TR 38.811 environment of the path-loss model; InputError naming
    ``where`` and the choices otherwise."""
    import phy_ffi

    try:
        phy_ffi.environment_code(name)
    except ValueError as exc:
        raise InputError(f"{where} {name!r}: {exc}") from None
    return name


def uplink_hz(freq_dl_hz: float | None, freq_ul_hz: float | None) -> tuple[float, float]:
    """(DL, UL) carriers: DL default n256 centre; UL default DL - 190 MHz (n256 spacing)."""
    dl = DEFAULT_FREQ_DL_HZ if freq_dl_hz is None else freq_dl_hz
    check_number(dl, "--freq-hz", *FREQ_RANGE_HZ)
    if freq_ul_hz is not None:
        check_number(freq_ul_hz, "--freq-ul-hz", *FREQ_RANGE_HZ)
        return dl, freq_ul_hz
    ul = dl - DUPLEX_SPACING_HZ
    if not FREQ_RANGE_HZ[0] <= ul <= FREQ_RANGE_HZ[1]:
        raise InputError(f"--freq-hz: {dl:g} Hz leaves no UL carrier {DUPLEX_SPACING_HZ / 1e6:g} "
                         f"MHz below it within [{FREQ_RANGE_HZ[0]:g}, {FREQ_RANGE_HZ[1]:g}] Hz; "
                         f"give --freq-ul-hz")
    return dl, ul


def fmt_time(t_unix_s: float | None) -> str:
    return "-" if t_unix_s is None else format_iso8601(t_unix_s)

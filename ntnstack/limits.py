"""The bounds on every input, in one place (documented in docs/limits.md).

Each bound keeps one run within minutes and about a gigabyte on a laptop; an input beyond it
is refused with an InputError naming the argument or the file:line:col, never an attempt that
runs out of memory or time.
"""
from __future__ import annotations

# Time spans (s). A month of passes is far more than a test campaign needs.
MAX_SPAN_S = 30 * 86400.0
# Rows of a time series (link samples, IQ trajectory knots, sib residual ages): span / step.
MAX_SERIES_ROWS = 1_000_000
# passes: satellites x span, about a minute on one core for the vectorised search (measured:
# walker:1584 over one day, 1.4e8 satellite-seconds, 2.3 s on a loaded core; TLE sets are
# slower): 1584 satellites over 29 days, or 5000 over 9 days.
MAX_PASS_SATELLITE_S = 4e9
# Satellites of one SPEC (Walker T, or the element sets of a TLE / OMM file: CelesTrak's
# "active" group holds about 11 000).
MAX_WALKER_SATELLITES = 5000
MAX_ORBIT_FILE_SATELLITES = 20_000
MAX_ORBIT_FILE_BYTES = 32 << 20
# Scenarios, testbeds and profiles.
MAX_YAML_BYTES = 1 << 20          # the default scenario is 6 kB
MAX_YAML_NODES = 100_000          # nodes after alias expansion (a "billion laughs" stops here)
MAX_YAML_DEPTH = 64               # nesting of lists and mappings
MAX_SCENARIO_STEPS = 10_000       # the default scenario has 39
# Emulated time a scenario plans (its waits and its last at_s): link samples are journaled
# every 5 s (LEO) for every terminal, 17 280 a day each.
MAX_SCENARIO_SPAN_S = 86400.0
MAX_TERMINALS = 256               # terminals of a scenario, modules of `module serve --count`
MAX_SUBSCRIBERS = 1_000_000       # lines of `ntnstack mme --subscribers` (about 90 MB)
# Clock scale of the served modules and the NMEA feed: emulated s per wall s.
MAX_SPEED = 1e6
# IQ channel: the delay history holds rate x largest delay complex64 samples (8 bytes each).
MAX_IQ_DELAY_BYTES = 512 << 20     # 61.44 Msps over a GEO transparent link (0.54 s)
MAX_IQ_CHUNK = 1 << 24            # samples per read (three buffers of 128 MiB of complex64)


def check_range(value: float, where: str, low: float, high: float, unit: str = "") -> float:
    """``value`` finite and within [low, high], else InputError naming ``where``."""
    from ntnstack.errors import InputError

    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{where}: expected a number, got {value!r}") from None
    if not low <= number <= high:
        unit = f" {unit}" if unit else ""
        raise InputError(f"{where}: {number:g}{unit} is outside [{low:g}, {high:g}]{unit}")
    return number


def read_bounded_text(path, where: str, max_bytes: int, kind: str) -> str:
    """The UTF-8 text of the file at ``path``, at most ``max_bytes``; InputError starting
    with ``where`` when it cannot be read, is larger or is not UTF-8 (``kind`` names what
    the file should be, e.g. "TLE or OMM text")."""
    from ntnstack.errors import InputError

    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(f"{where}: larger than {max_bytes / 2**20:g} MiB; expected {kind}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (byte {exc.start}); expected {kind}") from None

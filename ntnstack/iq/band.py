"""What a complex baseband at rate R can carry: [-R/2, R/2) about its centre frequency.

The channel shifts the samples by the Doppler f_d(t); a shift beyond R/2 aliases (wrong
sign and size) and is refused. A signal the input's SigMF annotations place in
[core:freq_lower_edge, core:freq_upper_edge] wraps around the band edge when the shift
pushes an edge past +-R/2: that gets a warning (the edges are often set loosely, and the
rest of the recording is still right).
"""
from __future__ import annotations

import numpy as np

from ntnstack.errors import InputError

__all__ = ["check_doppler", "band_overflow"]


def check_doppler(rate_hz: float, doppler_hz: np.ndarray) -> None:
    """InputError when the largest |Doppler| exceeds rate_hz / 2."""
    doppler = np.asarray(doppler_hz)
    worst = float(doppler[np.argmax(np.abs(doppler))])
    if abs(worst) > rate_hz / 2:
        raise InputError(f"--rate {rate_hz:g} Hz: the channel's Doppler shift reaches "
                         f"{worst:+,.0f} Hz, beyond the +-{rate_hz / 2:,.0f} Hz a complex "
                         f"baseband at this rate holds (it would alias); the rate must exceed "
                         f"{2 * abs(worst):,.0f} Hz plus the signal's bandwidth")


def band_overflow(meta: dict | None, centre_hz: float | None, rate_hz: float,
                  doppler_hz: np.ndarray) -> str | None:
    """The first annotated signal whose band, shifted by the Doppler range, leaves
    [-rate/2, rate/2] about ``centre_hz`` (the capture's core:frequency), described in one
    line; None when every annotated band stays inside (or none is annotated)."""
    if meta is None or centre_hz is None:
        return None
    low, high = float(np.min(doppler_hz)), float(np.max(doppler_hz))
    for i, note in enumerate(meta.get("annotations") or []):
        lower, upper = note.get("core:freq_lower_edge"), note.get("core:freq_upper_edge")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in (lower, upper)):
            continue
        reach = max(upper - centre_hz + high, centre_hz - lower - low)
        if reach > rate_hz / 2:
            label = note.get("core:label")
            return (f"annotations[{i}]{f' ({label})' if label else ''} spans "
                    f"{lower - centre_hz:+,.0f}..{upper - centre_hz:+,.0f} Hz about the "
                    f"carrier; shifted by {low:+,.0f}..{high:+,.0f} Hz it reaches "
                    f"{reach:,.0f} Hz from the centre, beyond the +-{rate_hz / 2:,.0f} Hz "
                    f"of --rate {rate_hz:g}: that part wraps around the band edge")
    return None

"""Many UEs attaching to one emulated cell, each in its own virtual timeline (a load run).

UE i powers on at ``first + i * span / N``: over a LEO cell's pass from 1 s after its rise
(10 deg) to 30 s before its set, or over an hour of a GEO cell. The UEs share one MME (distinct
RANDs and M-TMSIs), and each session is closed before the next starts, so memory does not
grow with N beyond the MME's contexts (a few hundred bytes per UE). The figures: emulated
span / wall time, CPU seconds per UE and the process's peak resident memory.
"""
from __future__ import annotations

import dataclasses
import resource
import time
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.stack.mme import Mme
from ntnstack.stack.presets import new_session
from ntnstack.stack.session import UeConfig

GEO_SPAN_S = 3600.0        # GEO: power-ons spread over an hour
SET_MARGIN_S = 30.0        # LEO: the last attach (a few RTTs) ends before the set
RISE_MARGIN_S = 1.0        # LEO: the rise is found to 0.01 s, either side of the mask
MAX_UES = 1_000_000


@dataclass(frozen=True)
class LoadResult:
    ues: int
    attached: int
    emulated_s: float
    wall_s: float
    cpu_s: float
    peak_rss_mb: float

    def as_dict(self) -> dict:
        """The JSON figures: x_real_time = emulated / wall, cpu_s_per_ue."""
        return {"ues": self.ues, "attached": self.attached, "emulated_s": self.emulated_s,
                "wall_s": round(self.wall_s, 3), "x_real_time": round(
                    self.emulated_s / self.wall_s, 1) if self.wall_s > 0 else None,
                "cpu_s_per_ue": round(self.cpu_s / self.ues, 6),
                "peak_rss_mb": round(self.peak_rss_mb, 1)}


def load_span(cells, start_unix_s: float, orbit: str, ue: UeConfig) -> tuple[float, float]:
    """(first power-on, span) in unix s: the first LEO cell's pass over the UE, or an hour of
    GEO from the start."""
    if orbit == "geo":
        return start_unix_s, GEO_SPAN_S
    from ntnstack.link import ground_point
    from ntnstack.link.passes import passes

    here = ground_point(*ue.position_deg_m)
    every = passes(cells[0].source, here, start_unix_s, 7200.0, ue.min_elevation_deg)
    whole = [p for p in every if p.rise_unix_s is not None and p.set_unix_s is not None]
    if not whole:
        raise InputError(f"{cells[0].name}: no complete pass over the UE in the 2 h after "
                         f"the start")
    first = whole[0].rise_unix_s + RISE_MARGIN_S
    return first, whole[0].set_unix_s - first - SET_MARGIN_S


def attach_many(cells, first_unix_s: float, span_s: float, count: int,
                ue: UeConfig | None = None, eea: str = "eea2") -> LoadResult:
    """Attach ``count`` UEs (IMSIs 00101 + 10-digit index, seeds = index) over the span."""
    base = ue or UeConfig()
    mme = Mme(eea=eea, seed=base.seed)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    attached = 0
    for i in range(count):
        config = dataclasses.replace(base, imsi=f"00101{i:010d}", seed=i)
        session = new_session(cells, first_unix_s + i * span_s / count, ue=config, mme=mme)
        try:
            attached += session.attach().ok
        finally:
            session.close()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
    return LoadResult(count, attached, span_s, wall, cpu, peak_kb / 1024.0)

"""LEO mobility of an idle UE: cell re-selection when the serving satellite sets, to the
satellite already up that sets last or else the first to rise (TR 38.821 minimum elevation),
with the coverage gap that follows from the geometry (ntnstack.link.passes)."""
from __future__ import annotations

import math

from ntnstack.link.passes import passes
from ntnstack.link.passes import TIME_RESOLUTION_S
from ntnstack.stack.access import fails_on_cell_loss
from ntnstack.stack.cell import SatelliteCell
from ntnstack.stack.model import ProcedureResult

__all__ = ["MobilityMixin"]


class MobilityMixin:
    """Cell change of StackSession."""

    @fails_on_cell_loss
    def cell_change(self, horizon_s: float = 7200.0) -> ProcedureResult:
        """Idle-mode re-selection when the serving satellite sets below the minimum
        elevation: the next satellite is one already up (gap 0; the one that sets last) or
        the first to rise; the UE reads its MIB-NB / SIB31-NB once it is up. Details:
        coverage_gap_s (geometry: next rise - set, 0 if overlapping), outage_s (set to
        SIB31-NB decoded), source and target satellites. A UE still RRC_CONNECTED when its
        satellite sets loses the link (radio link failure, no re-establishment: idle)."""
        proc = self._begin("cell-change")
        now = proc.start_unix_s
        mine = passes(self.cell.source, self.ground, now, horizon_s, self.ue.min_elevation_deg)
        if not mine or (mine[0].rise_unix_s or now) > now + 1e-6 or mine[0].set_unix_s is None:
            return self._end(False, now, f"{self.cell.name} is not up now or does not set "
                                         f"within {horizon_s:.0f} s")
        t_lost = mine[0].set_unix_s
        target, t_up = self._next_cell(t_lost, horizon_s)
        if target is None:
            return self._end(False, t_lost, f"no satellite rises within {horizon_s:.0f} s")
        if self.rrc_state == "connected":
            self._event(t_lost, "radio link failure", cell=self.cell.name)
            self.rrc_state = "idle"
        self._event(t_lost, "serving cell lost", cell=self.cell.name)
        source, self.cell = self.cell.name, target
        t_sib = self._acquire_sib(max(t_lost, t_up) + TIME_RESOLUTION_S)   # rise found to it
        proc.details.update(source=source, target=target.name, lost_unix_s=t_lost,
                            coverage_gap_s=max(0.0, t_up - t_lost), outage_s=t_sib - t_lost)
        return self._end(True, t_sib)

    def _next_cell(self, t_lost: float, horizon_s: float) -> tuple[SatelliteCell | None, float]:
        """(cell to re-select at t_lost, time it is above the minimum elevation)."""
        best, best_key = None, None
        for cell in self.cells:
            if cell is self.cell:
                continue
            for p in passes(cell.source, self.ground, t_lost, horizon_s,
                            self.ue.min_elevation_deg):
                rise = p.rise_unix_s if p.rise_unix_s is not None else t_lost
                end = p.set_unix_s if p.set_unix_s is not None else math.inf
                key = (max(rise, t_lost), -end)
                if end > t_lost and (best_key is None or key < best_key):
                    best, best_key = cell, key
        return best, (best_key[0] if best_key else math.inf)

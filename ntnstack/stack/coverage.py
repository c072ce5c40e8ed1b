"""A registered UE back in coverage after a gap (TS 24.301 5.3.5, 5.5.3.2.2).

Out of coverage the UE stays EMM-REGISTERED (NO-CELL-AVAILABLE) with its GUTI and EPS
security context. Back in coverage it reads the cell's broadcast (MIB-NB, SIB1-NB, SIB2-NB,
SIB31-NB) and, when T3412 expired meanwhile, performs a periodic TRACKING AREA UPDATE: random
access, RRC connection (mo-Signalling) with the TRACKING AREA UPDATE REQUEST in Msg5 (old
GUTI, KSI of the current context, integrity protected: security header type 1), TRACKING
AREA UPDATE ACCEPT (GUTI kept, T3412 restarted). Without an expiry it has nothing to send (the
emulated cells share one TAC, so it never enters a TA outside its TAI list). T3412 is counted
from the end of the UE's last procedure (its release or last exchange: EMM-IDLE from then).
"""
from __future__ import annotations

from ntnstack.stack import nas as n
from ntnstack.stack.access import fails_on_cell_loss
from ntnstack.stack.model import ProcedureResult

__all__ = ["CoverageMixin", "DEFAULT_T3412_S"]

DEFAULT_T3412_S = 3240.0     # 54 min, TS 24.301 10.2 (what the emulated MME gives)


class CoverageMixin:
    """Return to coverage of StackSession (uses its cell, security, guti, results, _connect,
    _mme, _nas_dl)."""

    t3412_s: float | None = DEFAULT_T3412_S
    """Periodic TAU timer from the last ATTACH / TRACKING AREA UPDATE ACCEPT (None:
    deactivated)."""

    def t3412_expired(self, t_unix_s: float) -> bool:
        """T3412 ran out by t since the end of the UE's last procedure."""
        if self.t3412_s is None or not self.results:
            return False
        return t_unix_s - self.results[-1].end_unix_s >= self.t3412_s

    @fails_on_cell_loss
    def return_to_coverage(self) -> ProcedureResult:
        """Broadcast read, then a periodic TAU if T3412 expired. Details:
        ``t3412_expired``, ``in_service_rx_unix_s`` (the SIBs decoded, or the TRACKING AREA
        UPDATE ACCEPT at the UE)."""
        proc = self._begin("return-to-coverage")
        if not self.attached:
            return self._end(False, proc.start_unix_s, "not registered: attach instead")
        expired = self.t3412_expired(proc.start_unix_s)
        proc.details["t3412_expired"] = expired
        t = proc.details["in_service_rx_unix_s"] = self._acquire_sib(proc.start_unix_s)
        if not expired:
            return self._end(True, t)
        request = n.tracking_area_update_request(self.security.ksi, self.guti)
        ok, t_enb, t_ue = self._connect(
            t, n.protect(self.security, request, uplink=True, header_type=1),
            "tracking-area-update-request", "mo-Signalling")
        if not ok:
            return self._end(False, t_ue, proc.details["reason"])
        t_back, dl = self._mme(t_enb, self._last_ul_nas)
        proc.round_trips += 1
        t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
        if parsed[-1].message != "tracking-area-update-accept":
            return self._end(False, t_rx, f"expected TRACKING AREA UPDATE ACCEPT, got "
                                          f"{parsed[-1].message}")
        self.t3412_s = parsed[-1].ies["t3412_s"]
        proc.details["in_service_rx_unix_s"] = t_rx
        return self._end(True, t_rx)

"""Paging of an idle UE (mobile-terminated SMS or data) and the service request that answers it.

The MME sends S1 Paging to the eNB when downlink NAS waits for an ECM-IDLE UE; the eNB sends
Paging-NB (PCCH) with the UE's S-TMSI at the UE's next paging occasion (TS 36.304 7.1, NB-IoT):
- DRX cycle T = the cell's defaultPagingCycle (``SatelliteCell.paging_cycle_rf``, radio
  frames; no UE-specific DRX is negotiated), nB = T/4 (``NB_DIVISOR``), so N = min(T, nB) =
  T/4 paging frames per cycle and Ns = max(1, nB/T) = 1 paging occasion per paging frame;
- UE_ID = IMSI mod 4096 (NB-IoT, P-RNTI monitored on NPDCCH);
- paging frame: SFN mod T = (T div N) * (UE_ID mod N); paging occasion: subframe 9 of it
  (TS 36.304 Table 7.2-3, NB-IoT, Ns = 1).
The UE, monitoring its paging occasions, reads the record with its S-TMSI one UE - eNB one way
later and answers with random access and a CONTROL PLANE SERVICE REQUEST of service type
"mobile terminating request" (TS 24.301 5.6.1.2.2, establishment cause mt-Access); the MME
then sends what waited (TS 24.301 5.6.1.4.2).
"""
from __future__ import annotations


from ntnstack.rrc.epoch import US_PER_FRAME, US_PER_SUBFRAME, frame_start_s, us_since_sfn0
from ntnstack.stack import rrc_nb as r
from ntnstack.stack.access import CellLost
from ntnstack.stack.cell import PAGING_CYCLES_RF

__all__ = ["NB_DIVISOR", "PAGING_CYCLES_RF", "PO_SUBFRAME", "PagingMixin",
           "next_paging_occasion_s", "paging_frame_offset", "paging_ue_id"]

NB_DIVISOR = 4                              # nB = T/4 ("quarterT", TS 36.331 PCCH-Config-NB)
PO_SUBFRAME = 9                             # TS 36.304 Table 7.2-3, NB-IoT, Ns = 1


def paging_ue_id(imsi: str) -> int:
    """UE_ID = IMSI mod 4096 (TS 36.304 7.1, NB-IoT)."""
    return int(imsi) % 4096


def paging_frame_offset(cycle_rf: int, ue_id: int) -> int:
    """SFN mod T of the UE's paging frame: (T div N) * (UE_ID mod N), N = T / NB_DIVISOR."""
    n = cycle_rf // NB_DIVISOR
    return (cycle_rf // n) * (ue_id % n)


def next_paging_occasion_s(sfn0_unix_s: float, cycle_rf: int, ue_id: int,
                           t_unix_s: float) -> float:
    """eNB time (unix s) of the first paging occasion of ``ue_id`` at or after t: subframe
    PO_SUBFRAME of the first frame whose SFN mod T is the UE's paging-frame offset (SFN
    counted from ``sfn0_unix_s``; T divides 1024, so frame number mod T = SFN mod T)."""
    offset = paging_frame_offset(cycle_rf, ue_id)
    us = us_since_sfn0(sfn0_unix_s, t_unix_s)
    frame = us // US_PER_FRAME
    frame += (offset - frame) % cycle_rf
    if frame * US_PER_FRAME + PO_SUBFRAME * US_PER_SUBFRAME < us:
        frame += cycle_rf
    return frame_start_s(sfn0_unix_s, frame, PO_SUBFRAME)


class PagingMixin:
    """Paging and the paging response of StackSession."""

    def _paged_service_request(self, t_core: float) -> tuple[bool, float, float]:
        """Downlink NAS waits at the MME from ``t_core``: S1 Paging, Paging-NB at the UE's
        paging occasion, random access and CONTROL PLANE SERVICE REQUEST (MT); (ok, eNB
        arrival of Msg5, UE time). Details: paging_cycle_s, paging_occasion_unix_s,
        paging_wait_s (S1 Paging at the eNB to the occasion), paging_rx_unix_s."""
        cell, proc = self.cell, self._proc
        cycle = cell.paging_cycle_rf
        t_enb = t_core + self.core_delay_s + self.enb_processing_s
        t_po = next_paging_occasion_s(cell.config.sfn0_unix_s, cycle,
                                      paging_ue_id(self.ue.imsi), t_enb)
        elevation = cell.elevation_deg(t_po, self.ue_ecef)
        if elevation < self.ue.min_elevation_deg:
            raise CellLost(t_po, f"no cell: paging not heard, {cell.name} at {elevation:.1f} "
                                 f"deg elevation, below {self.ue.min_elevation_deg:g} deg")
        pdu = r.paging([self.s_tmsi])
        t_rx = self._dl(t_po, pdu)
        proc.details.update(paging_cycle_s=cycle * US_PER_FRAME * 1e-6, paging_occasion_unix_s=t_po,
                            paging_wait_s=t_po - (t_core + self.core_delay_s),
                            paging_rx_unix_s=t_rx)
        if self.s_tmsi not in r.paging_s_tmsis(pdu.data):
            return False, t_rx, t_rx
        self._event(t_rx, "paging", cell=cell.name, s_tmsi=self.s_tmsi)
        return self._service_request(t_rx, "mt-Access", service="mt")

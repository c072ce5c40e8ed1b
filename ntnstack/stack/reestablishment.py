"""Radio link failure and RRC connection re-establishment for the control plane CIoT EPS
optimisation (NB-IoT, TS 36.331 5.3.7 and 5.3.11; TS 33.401 9.5 for the NAS MACs).

A connected UE that has uplink to send and finds its link gone (T317 expired with SIB31-NB
not re-read, the satellite below the minimum elevation, or a forced failure) declares radio
link failure, starts T311 and selects a cell: the first cell of the session's list that is
above the UE's minimum elevation within T311 (geometry, checked every ``T311_STEP_S``). None:
T311 expires and the UE goes idle (the procedure fails). Found: MIB-NB / SIB1-NB / SIB31-NB of
that cell, random access, RRCConnectionReestablishmentRequest-NB (r14: S-TMSI, ul-NAS-MAC,
ul-NAS-Count) in Msg3; the eNB asks the MME to verify (S1, emulated by
``Mme.verify_reestablishment``); RRCConnectionReestablishment-NB with the DL NAS MAC, which the
UE checks, and RRCConnectionReestablishmentComplete-NB; or RRCConnectionReestablishmentReject
and the UE goes idle. The pending uplink then goes in a ULInformationTransfer-NB.
"""
from __future__ import annotations

from ntnstack.stack import rrc_nb as r
from ntnstack.stack.access import CellLost, rar_c_rnti
from ntnstack.stack.nas_security import reestablishment_mac

__all__ = ["T311_S", "ReestablishmentMixin"]

T311_S = 10.0        # t311-r13 ms10000 (UE-TimersAndConstants-NB of SIB2-NB, TS 36.331 6.7.3)
T311_STEP_S = 0.5    # the cell selection's look at the geometry


class ReestablishmentMixin:
    """Radio link failure and CP re-establishment of StackSession."""

    def force_radio_link_failure(self) -> None:
        """Fault injection: the next UE-initiated uplink in RRC_CONNECTED finds the radio link
        failed (as T310 expiry would) and the UE re-establishes."""
        self._forced_rlf = True

    def _check_forced_rlf(self, t_ue: float) -> None:
        if self._forced_rlf and self.rrc_state == "connected":
            self._forced_rlf = False
            raise CellLost(t_ue, "radio link failure (forced)")

    def _select_cell(self, t_ue: float):
        """(cell, UE time) of the first cell above the minimum elevation within T311."""
        steps = int(T311_S / T311_STEP_S)
        for k in range(steps + 1):
            t = t_ue + k * T311_STEP_S
            for cell in self.cells:
                if cell.elevation_deg(t, self.ue_ecef) >= self.ue.min_elevation_deg:
                    return cell, t
        return None, t_ue + T311_S

    def _reestablish(self, lost: CellLost) -> tuple[bool, float, str]:
        """RLF at ``lost.t_unix_s``, then the CP re-establishment; (ok, UE time, reason)."""
        proc, t = self._proc, lost.t_unix_s
        self._event(t, "radio link failure", cell=self.cell.name, cause=str(lost))
        source_pci, source_c_rnti = self.cell.pci, self.c_rnti
        self.rrc_state = "idle"           # RRC_CONNECTED left; SRB1 suspended until done
        cell, t_sel = self._select_cell(t)
        if cell is None:
            self._event(t_sel, "T311 expired", t311_s=T311_S)
            return False, t_sel, f"{lost}; no suitable cell within T311 ({T311_S:g} s): idle"
        self.cell = cell
        try:
            t = self._acquire_sib(t_sel)
        except CellLost as exc:
            return False, exc.t_unix_s, f"{lost}; re-establishment: {exc}"
        ok, t_rar, info = self._random_access(t)
        proc.details.update({k: v for k, v in info.items() if k != "reason"})
        if not ok:
            return False, t_rar, f"{lost}; re-establishment: {info['reason']}"
        sec = self.security
        count = sec.ul_count
        mac = reestablishment_mac(sec, count, cell.cell_identity, source_pci, source_c_rnti,
                                  uplink=True) ^ self._reestablishment_mac_error
        proc.details.update(reestablishment_ul_nas_count=count, reestablishment_ul_nas_mac=mac,
                            source_pci=source_pci, source_c_rnti=source_c_rnti,
                            target_cell_identity=cell.cell_identity)
        t3 = self._msg3_time(info["t_rar_enb"], t_rar)
        request = r.rrc_connection_reestablishment_request(self.s_tmsi, mac, count)
        t3_enb = self._ul(t3, request)
        proc.round_trips += 1
        sec.ul_count += 1                 # the UL NAS COUNT steps after the UL NAS MAC
        s_tmsi, ul_mac, ul_count5 = r.reestablishment_request_fields(request.data)  # the eNB
        dl_mac = self.mme.verify_reestablishment(s_tmsi, ul_mac, ul_count5, cell.cell_identity,
                                                 source_pci, source_c_rnti)
        t_dl = t3_enb + 2 * self.core_delay_s + self.mme_processing_s + self.enb_processing_s
        if dl_mac is None:
            t4 = self._dl(t_dl, r.rrc_connection_reestablishment_reject())
            self._event(t4, "rrc connection re-establishment rejected", cell=cell.name)
            return False, t4, (f"{lost}; RRCConnectionReestablishmentReject: the MME did not "
                               f"verify the UL NAS MAC: idle")
        self.c_rnti = rar_c_rnti(info)
        t4 = self._dl(t_dl, r.rrc_connection_reestablishment(self._next_tid(), dl_mac))
        self._harq_ack(t4)
        expected = reestablishment_mac(sec, sec.dl_count, cell.cell_identity, source_pci,
                                       source_c_rnti, uplink=False)
        if expected != dl_mac:
            return False, t4, f"{lost}; re-establishment: DL NAS MAC does not verify: idle"
        sec.dl_count += 1
        self.rrc_state = "connected"
        t5 = self._ul_after_dl(t4)
        self._ul(t5, r.rrc_connection_reestablishment_complete(self._tid))
        self._event(t5, "rrc connection re-established", cell=cell.name)
        proc.details["reestablished"] = True
        return True, t5 + 1e-3, ""

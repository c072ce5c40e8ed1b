"""One NB-IoT NTN UE against the emulated satellite cell(s) and MME, on the one clock.

``StackSession`` runs the procedures in virtual (event-driven) time and returns a
``ProcedureResult`` per procedure; every RRC message (NAS inside) goes to the pcap,
stamped at the eNB (capture point of the emulated network: downlink at transmission,
uplink at reception). Every message is delivered after the UE - eNB one-way delay at its
sending time (service link, plus the feeder link on a transparent payload). The timing
rules of the radio access are in ``access``; data, SMS and detach in ``services``; the LEO
cell change in ``mobility``; the periodic TAU after a coverage gap in ``coverage``. A
UE-initiated uplink in RRC_CONNECTED first waits one scheduling-request round trip.
"""
from __future__ import annotations

import functools
import random
from pathlib import Path

import numpy as np

from ntnstack.capture.pcap import PcapWriter
from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.link import GroundPoint, ground_point
from ntnstack.rrc import SiWindows
from ntnstack.stack import crypto
from ntnstack.stack import nas as n
from ntnstack.stack import rrc_nb as r
from ntnstack.stack.access import (NPRACH_CP_S, AccessMixin, UeSib, fails_on_cell_loss,
                                   rar_c_rnti)
from ntnstack.stack.cell import SatelliteCell
from ntnstack.stack.coverage import CoverageMixin
from ntnstack.stack.mme import Mme
from ntnstack.stack.mobility import MobilityMixin
from ntnstack.stack.model import MessageRecord, ProcedureResult, UeConfig, derived_seed
from ntnstack.stack.paging import PagingMixin
from ntnstack.stack.reestablishment import ReestablishmentMixin
from ntnstack.stack.services import ServicesMixin

__all__ = ["MessageRecord", "ProcedureResult", "StackSession", "UeConfig"]


@functools.lru_cache(maxsize=256)
def _ground(lat_deg: float, lon_deg: float, alt_m: float) -> GroundPoint:
    """The UE's checked ground point, shared by the sessions of UEs at one place (a load
    run's); its ECEF array read-only."""
    point = ground_point(lat_deg, lon_deg, alt_m)
    point.ecef_m.setflags(write=False)
    return point


class StackSession(AccessMixin, ServicesMixin, PagingMixin, MobilityMixin,
                   ReestablishmentMixin, CoverageMixin):
    """One UE's procedures against ``cells`` (time order of service) and an MME.

    ``attach()``, ``send_data()``, ``receive_data()``, ``send_sms()``, ``receive_sms()``,
    ``detach()``, ``release()`` and ``cell_change()`` compute the procedure's timeline, move
    the clock to its end and return a ProcedureResult (also kept in ``self.results``);
    ``self.events`` lists the UE's timeline events; ``wait()`` lets time pass.
    """

    core_delay_s = 0.005          # one-way eNB (gateway) - MME delay over S1
    mme_processing_s = 0.005      # MME handling of one NAS message
    enb_processing_s = 0.005      # eNB from a received message to its answer on the air

    def __init__(self, cells: list[SatelliteCell], ue: UeConfig, mme: Mme, clock: Clock,
                 pcap: str | Path | None = None):
        if not cells:
            raise InputError("StackSession: needs at least one cell")
        if ue.nprach_format not in NPRACH_CP_S:
            raise InputError(f"nprach_format: {ue.nprach_format} is not one of 0, 1")
        self.cells, self.cell, self.ue, self.mme, self.clock = cells, cells[0], ue, mme, clock
        self.ground = _ground(*ue.position_deg_m)
        self.ue_ecef = np.asarray(self.ground.ecef_m, dtype=float)
        self.gnss_ecef = self.ue_ecef + np.asarray(ue.gnss_error_ecef_m, dtype=float)
        self.rng = random.Random(derived_seed(ue.seed, "ue", ue.imsi))
        self.pcap = PcapWriter(pcap) if pcap is not None else None
        self.sib: UeSib | None = None
        self.si_windows: SiWindows | None = None      # SIB31-NB's, from the last SIB1-NB
        self.ignores_validity = False   # fault: T317 ignored, the SIB31-NB kept however old
        self.security: n.NasSecurityContext | None = None
        self.rrc_state = "idle"
        self.attached = False
        self.sms_registered = False     # the attach accept said "SMS only" (SMS over NAS)
        self.c_rnti = 0                 # from the RAR of the last random access
        self._forced_rlf = False        # fault: the next connected uplink finds RLF
        self._reestablishment_mac_error = 0   # fault: XORed into the UL NAS MAC
        self.results: list[ProcedureResult] = []
        self.events: list[tuple[float, str, dict]] = []
        self._proc: ProcedureResult | None = None
        self._tid = 0
        self._mo_sms_mr = 0
        self._last_ul_nas = b""
        self._kasme = b""
        self.pdn_address = b""
        self.s_tmsi: tuple[int, int] | None = None     # (MMEC, M-TMSI) from the GUTI
        self.guti: tuple | None = None                 # (PLMN, MMEGI, MMEC, M-TMSI)
        self.sms_received: list = []
        self.data_received: list[bytes] = []

    def set_gnss_position(self, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        """The position the UE's GNSS now reports (deg, deg, m): TA and Doppler
        pre-compensation use it from the next procedure; the truth stays ``ue.position_deg_m``."""
        self.gnss_ecef = np.asarray(ground_point(lat_deg, lon_deg, alt_m, "UE GNSS position")
                                    .ecef_m, dtype=float)

    def close(self) -> None:
        if self.pcap is not None:
            self.pcap.close()

    def _event(self, t: float, kind: str, **detail) -> None:
        self.events.append((t, kind, detail))

    def _record(self, t: float, direction: str, pdu: r.RrcPdu, nas_name: str = "") -> None:
        if self.pcap is not None:
            self.pcap.write(pdu.channel, pdu.data, t)
        rec = MessageRecord(t, direction, pdu.channel, pdu.name, nas_name)
        if self._proc is not None:
            self._proc.messages.append(rec)

    def _dl(self, t_enb: float, pdu: r.RrcPdu, nas_name: str = "") -> float:
        """Send a DL message at eNB time t; returns its arrival time at the UE."""
        self._record(t_enb, "DL", pdu, nas_name)
        return t_enb + self.cell.one_way_s(t_enb, self.ue_ecef)

    def _ul(self, t_ue: float, pdu: r.RrcPdu, nas_name: str = "") -> float:
        """Send an UL message at time t from the UE; returns its arrival time at the eNB."""
        self._checked_uplink(t_ue, pdu.name)
        t_rx = t_ue + self.cell.one_way_s(t_ue, self.ue_ecef)
        self._record(t_rx, "UL", pdu, nas_name)
        return t_rx

    def _begin(self, name: str) -> ProcedureResult:
        self._proc = ProcedureResult(name, False, self.clock.now_unix_s(), 0.0)
        return self._proc

    def _end(self, ok: bool, t: float, reason: str = "") -> ProcedureResult:
        proc, self._proc = self._proc, None
        proc.ok, proc.end_unix_s, proc.reason = ok, t, reason
        last_air = max((m.t_unix_s for m in proc.messages), default=t)
        self.clock.sleep_until(max(t, last_air))
        self.results.append(proc)
        return proc

    def _next_tid(self) -> int:
        self._tid = (self._tid + 1) % 4
        return self._tid

    def _mme(self, t_enb: float, nas_ul: bytes, answers: int = 1
             ) -> tuple[float, list[bytes]]:
        """eNB -> MME -> eNB (S1 delays and MME processing); DL NAS and when it is back.
        ``answers``: how many DL NAS messages the procedure is owed when more than one; a
        core across a network (ntnstack.s1ap.enb_node) hands them over as they arrive, read
        lazily (the first) or waited for (``wait_for(answers)``); the in-process MME returns
        them all at once (a list)."""
        dl = self.mme.handle(self.ue.imsi, nas_ul)
        if answers > 1 and not isinstance(dl, list):
            dl = dl.wait_for(answers)
        return t_enb + 2 * self.core_delay_s + self.mme_processing_s, dl

    def _nas_dl(self, t_enb: float, nas_msgs: list[bytes]) -> tuple[float, list[n.ParsedNas]]:
        """DLInformationTransfer-NB for each DL NAS, read by the UE in order (MAC checked,
        deciphered); (UE arrival of the last one, the plain messages)."""
        t_rx, parsed = t_enb, []
        for i, msg in enumerate(nas_msgs):
            plain = self._ue_rx(msg)
            t_rx = self._dl(t_enb + i * 1e-3, r.dl_information_transfer(self._next_tid(), msg),
                            plain.message)
            self._harq_ack(t_rx)
            parsed.append(plain)
        return t_rx, parsed

    def _ul_nas(self, t_ue: float, plain: bytes, header_type: int) -> tuple[bytes, float]:
        """ULInformationTransfer-NB with ``plain`` protected as ``header_type``; (octets
        sent, eNB arrival time). The octets are kept for the MME relay."""
        data = plain if self.security is None else \
            n.protect(self.security, plain, uplink=True, header_type=header_type)
        self._last_ul_nas = data
        return data, self._ul(t_ue, r.ul_information_transfer(data), n.message_name(plain))

    def _ue_rx(self, data: bytes) -> n.ParsedNas:
        """The UE reads one DL NAS message; a SECURITY MODE COMMAND (header type 3) first
        makes the new EPS security context from K_ASME (TS 24.301 5.4.3.3)."""
        data = bytes(data)
        if data[0] >> 4 == 3:
            smc = n.parse(data[6:])
            eea = {0: "eea0", 2: "eea2"}[smc.ies["eea"]]
            eia = {0: "eia0", 2: "eia2"}[smc.ies["eia"]]
            self.security = n.NasSecurityContext(
                crypto.k_nas(self._kasme, crypto.ALG_DISTINGUISHER_NAS_INT, n.ALGORITHMS[eia]),
                crypto.k_nas(self._kasme, crypto.ALG_DISTINGUISHER_NAS_ENC, n.ALGORITHMS[eea]),
                eea, eia)
        if data[0] >> 4 == 0:
            return n.parse(data)
        if self.security is None:
            raise InputError("UE: protected NAS message before any security context")
        return n.parse(n.unprotect(self.security, data, uplink=False))

    def _connect(self, t_ue: float, first_nas: bytes, nas_name: str, cause: str
                 ) -> tuple[bool, float, float]:
        """RACH, Msg3, Msg4, Msg5 with ``first_nas``; (ok, eNB rx time of Msg5, UE time)."""
        ok, t_rar, info = self._random_access(t_ue)
        self._proc.details.update(info)
        if not ok:
            return False, t_rar, t_rar
        self.c_rnti = rar_c_rnti(info)
        t3 = self._msg3_time(info["t_rar_enb"], t_rar)
        t3_enb = self._ul(t3, r.rrc_connection_request(self.rng.getrandbits(40), cause,
                                                       self.s_tmsi))
        self._proc.round_trips += 1
        t4 = self._dl(t3_enb + self.enb_processing_s, r.rrc_connection_setup(self._next_tid()))
        self._harq_ack(t4)
        self.rrc_state = "connected"
        t5 = self._ul_after_dl(t4)
        self._last_ul_nas = first_nas
        t5_enb = self._ul(t5, r.rrc_connection_setup_complete(self._tid, first_nas), nas_name)
        return True, t5_enb, t5

    @fails_on_cell_loss
    def attach(self) -> ProcedureResult:
        """Power-on to Attach Accept: GNSS fix, SIB acquisition, RACH, RRC connection, EPS
        AKA, security mode, default bearer (CP CIoT). ``round_trips`` counts UE waits."""
        proc = self._begin("attach")
        self.attached, self.security = False, None    # a new attach starts unprotected
        self.s_tmsi = None
        t = proc.start_unix_s + self.ue.gnss_fix_s
        t = self._acquire_sib(t)
        req = n.attach_request(self.ue.imsi, self.ue.pdn_type)
        ok, t_enb, t_ue = self._connect(t, req, "attach-request", "mo-Signalling")
        if not ok:
            return self._end(False, t_ue, proc.details["reason"])
        t_rx = t_enb
        for _ in range(3):          # AttachReq->AuthReq, AuthResp->SMC, SMC complete->Accept
            t_back, dl = self._mme(t_enb, self._last_ul_nas)
            proc.round_trips += 1
            t_rx, parsed = self._nas_dl(t_back + self.enb_processing_s, dl)
            reply = self._ue_answer(parsed[-1])
            if parsed[-1].message == "attach-reject":
                return self._end(False, t_rx, n.attach_reject_reason(parsed[-1]))
            if parsed[-1].message == "attach-accept":
                self._accepted(parsed[-1])
            if reply is None:
                break
            plain, header = reply
            t_enb = self._ul_nas(self._ul_after_dl(t_rx), plain, header)[1]
        proc.details["attach_accept_rx_unix_s"] = t_rx
        t_c = self._ul_after_dl(t_rx)
        data, t_enb = self._ul_nas(t_c, n.attach_complete(5), 2)
        self.mme.handle(self.ue.imsi, data)
        self.attached = True
        proc.details["rtt_s"] = 2 * self.cell.one_way_s(t_rx, self.ue_ecef)
        return self._end(True, t_rx)

    def _accepted(self, accept: n.ParsedNas) -> None:
        """From the ATTACH ACCEPT: the PDN address, the S-TMSI (MMEC, M-TMSI) of the GUTI and
        T3412."""
        self.pdn_address = n.parse(accept.ies["esm"]).ies["pdn_address"]
        self.guti = accept.ies["guti"]      # (PLMN, MMEGI, MMEC, M-TMSI)
        _, _, mmec, m_tmsi = self.guti
        self.s_tmsi = (mmec, m_tmsi)
        self.sms_registered = accept.ies["sms_only"]
        self.t3412_s = accept.ies["t3412_s"]

    def _ue_answer(self, msg: n.ParsedNas) -> tuple[bytes, int] | None:
        """The UE's NAS answer to a DL EMM message: (plain, security header type) or None."""
        if msg.message == "security-mode-command":
            imeisv = self.ue.imeisv if msg.ies["imeisv_request"] else None
            return n.security_mode_complete(imeisv), 4
        if msg.message == "authentication-request":
            return n.authentication_response(self._authenticate(msg)), 0
        return None

    def _authenticate(self, msg: n.ParsedNas) -> bytes:
        """USIM: check AUTN's MAC-A (f1), derive RES and K_ASME (TS 33.102 6.3.3)."""
        rand, autn = msg.ies["rand"], msg.ies["autn"]
        ak = crypto.milenage_ak(self.ue.k, self.ue.opc, rand)     # f5: of RAND only
        sqn = bytes(a ^ b for a, b in zip(autn[:6], ak, strict=True))
        out = crypto.milenage(self.ue.k, self.ue.opc, rand, sqn, autn[6:8])
        if out.mac_a != autn[8:16]:
            raise InputError("UE: AUTN MAC-A does not verify (network not authentic)")
        self._kasme = crypto.k_asme(out.ck, out.ik, self.mme.plmn, autn[:6])
        return out.res

    def _ul_request(self, t_ue: float) -> float:
        """UE-initiated uplink in RRC_CONNECTED: one scheduling-request round trip."""
        self._check_forced_rlf(t_ue)
        t_ue = self._uplink_sync(t_ue)
        rtt = 2 * self.cell.one_way_s(t_ue, self.ue_ecef)
        self._proc.round_trips += 1
        return self._ul_after_dl(t_ue + rtt + self.enb_processing_s)

    def release(self) -> ProcedureResult:
        """RRCConnectionRelease-NB from the eNB now; the UE is idle when it arrives."""
        proc = self._begin("release")
        t_rx = self._dl(proc.start_unix_s, r.rrc_connection_release(self._next_tid()))
        self.rrc_state = "idle"
        return self._end(True, t_rx)

    def wait(self, dt_s: float) -> float:
        """Let ``dt_s`` of emulated time pass (the UE idles or stays connected)."""
        return self.clock.advance(dt_s)

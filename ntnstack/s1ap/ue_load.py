"""N emulated UEs of an NB-IoT NTN cell through an MME over S1AP: attach, data, release
to idle, MO SMS from idle (control plane service request: INITIAL UE MESSAGE with the
S-TMSI), detach; with ``reply`` each UE waits, still connected, for the application
server's reply to its data (``ntnstack mme --forward-udp``: a real server on the host).

UE i (IMSI 00101 + ten-digit i, the UeConfig test keys, seed i) powers on at
``first + i * span / N`` on its own virtual clock, as in ``ntnstack stack --ues``; its RRC
and NAS timeline (satellite delays of the cell, RACH, the stack's UE procedures) is the
stack's, and its NAS goes to the MME through :class:`ntnstack.s1ap.enb_node.S1apEnb`.
Latency of a procedure: from its start to its end on the UE's clock, s (it includes the
service and feeder link delays of the cell); failures name the UE, procedure and reason.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ntnstack.clock import Clock
from ntnstack.errors import InputError
from ntnstack.s1ap.enb_node import S1apEnb
from ntnstack.stack.model import ProcedureResult
from ntnstack.stack.session import StackSession, UeConfig

__all__ = ["PERCENTILES", "UeLoadReport", "run_ues", "emulated_imsi"]

PERCENTILES = (50, 90, 99)
PROCEDURES = ("attach", "data", "sms", "detach")
UPLINK_PAYLOAD = b"ntnstack uplink over S1"
SMS_DESTINATION, SMS_TEXT = "+8613912345678", "ntnstack MO SMS over S1"


def emulated_imsi(index: int) -> str:
    """IMSI of emulated UE ``index``: test PLMN 001/01 and a ten-digit index."""
    return f"00101{index:010d}"


@dataclass
class UeLoadReport:
    """Per procedure: latencies (s) of the successes; failures as (IMSI, procedure, why)."""

    ues: int
    latencies_s: dict[str, list[float]] = field(
        default_factory=lambda: {p: [] for p in PROCEDURES})
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    rtt_s: list[float] = field(default_factory=list)      # each UE's RTT at its attach
    replies: dict[str, bytes] = field(default_factory=dict)   # IMSI -> reply payload

    def as_dict(self) -> dict:
        """The JSON report: per procedure count, failures and latency percentiles, s."""
        procedures = {}
        for name, values in self.latencies_s.items():
            failed = sum(1 for _, p, _ in self.failures if p == name)
            entry = {"ok": len(values), "failed": failed}
            if values:
                entry |= {f"p{q}_s": round(float(np.percentile(values, q)), 6)
                          for q in PERCENTILES}
                entry["max_s"] = round(max(values), 6)
            procedures[name] = entry
        return {"ues": self.ues, "procedures": procedures,
                "failures": [{"imsi": i, "procedure": p, "reason": r}
                             for i, p, r in self.failures],
                "rtt_s": {"min": round(min(self.rtt_s), 6), "max": round(max(self.rtt_s), 6)}
                if self.rtt_s else None} | (
            {"replies": {imsi: data.hex() for imsi, data in self.replies.items()}}
            if "reply" in self.latencies_s else {})


def _record(report: UeLoadReport, imsi: str, name: str, result: ProcedureResult) -> bool:
    if result.ok:
        report.latencies_s[name].append(result.duration_s)
    else:
        report.failures.append((imsi, name, result.reason or "failed"))
    return result.ok


def _one_ue(report: UeLoadReport, session: StackSession, payload: bytes) -> None:
    imsi = session.ue.imsi
    attach = session.attach()
    if not _record(report, imsi, "attach", attach):
        return
    report.rtt_s.append(attach.details["rtt_s"])
    if not _record(report, imsi, "data", session.send_data(payload)):
        return
    if "reply" in report.latencies_s:          # the server's reply, MME to UE (UE clock)
        if not _record(report, imsi, "reply", session.receive_data(b"")):
            return
        report.replies[imsi] = session.data_received[-1]
    session.release()                         # RRC release: the UE is idle
    core = session.mme
    if isinstance(core, S1apEnb):
        core.release(imsi)                    # UE CONTEXT RELEASE REQUEST / COMMAND / COMPLETE
        core.s_tmsi[imsi] = session.s_tmsi    # what its next RRC Connection Request names
    if _record(report, imsi, "sms", session.send_sms(SMS_DESTINATION, SMS_TEXT)) and \
            _record(report, imsi, "detach", session.detach()) and isinstance(core, S1apEnb):
        core.detached(imsi)          # its UE CONTEXT RELEASE before the next UE's messages


def run_ues(core, cells, count: int, first_unix_s: float, span_s: float,
            ue: UeConfig | None = None, reply: bool = False,
            payload: bytes = UPLINK_PAYLOAD) -> UeLoadReport:
    """Attach, send data (``payload``; with ``reply`` receive the server's reply) and an SMS,
    and
    detach ``count`` UEs through ``core``: an S1apEnb (S1AP), or the stack's Mme itself
    (the in-process path, the benchmark's baseline)."""
    if count < 1:
        raise InputError(f"--ues {count}: at least 1")
    base = ue or UeConfig()
    report = UeLoadReport(count)
    if reply:
        report.latencies_s = {"attach": [], "data": [], "reply": [], "sms": [], "detach": []}
    for i in range(count):
        config = dataclasses.replace(base, imsi=emulated_imsi(i), seed=i)
        clock = Clock("virtual", start_unix_s=first_unix_s + i * span_s / count)
        session = StackSession(cells, config, core, clock)
        try:
            _one_ue(report, session, payload)
        except InputError as exc:     # includes CoreUnreachable: the MME did not answer
            report.failures.append((config.imsi, "s1ap", str(exc)))
        finally:
            session.close()
    return report

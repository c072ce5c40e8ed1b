"""Network-side evidence for a certification: what ``ntnstack mme --journal FILE`` recorded
for the module's IMSI while a real module attached through a real base station to
ntnstack's MME (docs/s1ap.md).

A requirement names its network-side check in the profile (``network: NAME``); each check
reads the attach steps of the module's IMSI in every MME run of the journal (scenario
``mme``; an attach step's observed facts are ntnstack.stack.mme.ATTACH_FACTS) and gives
``passed``, ``failed`` or ``not-observable`` with the reason:

- ``identity-binding``: the MME checked the device against the IMEI the IMSI is bound to
  (TS 23.401 5.3.2.1 ME identity check): failed when an attach was rejected with EMM cause #6
  (another device), passed when attaches passed the check; not observable when the
  subscriber file binds no IMEI to the IMSI or the MME saw no attach of it.
- ``ipv6-pdn``: the attach brought an IPv6 PDN up (PDN type IPv6 or IPv4v6 granted, TS 24.301
  6.5.1): passed when one did; failed when every attach that reached the PDN decision granted
  no IPv6 (IPv4 or non-IP, or a PDN CONNECTIVITY REJECT); not observable when none reached it
  (no attach of the IMSI, or only ones rejected before, e.g. EMM cause #6).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["NETWORK_CHECKS", "NetworkVerdict", "judge_network", "mme_attaches"]

MME_SCENARIO = "mme"                 # the scenario name of ntnstack mme's runs
IPV6_PDN_TYPES = ("ipv6", "ipv4v6")


@dataclass
class NetworkVerdict:
    """One requirement's network-side verdict; ``steps``: the attach steps it read."""

    check: str
    verdict: str
    explanation: str
    steps: list[dict[str, Any]] = field(default_factory=list)


def mme_attaches(journal: str | Path, imsis: set[str],
                 window_unix_s: tuple[float, float] | None = None
                 ) -> tuple[list[str], list[dict]]:
    """(the MME runs of ``journal``, the attach steps of ``imsis`` in them, in order) with
    run_id, terminal (IMSI), status, message and the attach facts; with ``window_unix_s``
    (the certification run's wall-clock span, s) only the attaches that started inside it
    (a journal kept across sessions holds older attaches of the same IMSI, which say nothing
    of this module). InputError when the file is not a journal."""
    from ntnstack.runner.journal import list_runs, read_run

    runs = [r["run_id"] for r in list_runs(journal) if r["scenario"] == MME_SCENARIO]
    steps = []
    for run_id in runs:
        run = read_run(journal, run_id)
        for s in run["steps"]:
            at = run["run"]["start_unix_s"] + s["started_s"]
            if window_unix_s is not None and not window_unix_s[0] <= at <= window_unix_s[1]:
                continue
            if s["action"] == "attach" and s["terminal"] in imsis:
                steps.append({"run_id": run_id, "imsi": s["terminal"], "status": s["status"],
                              "message": s["message"], **s["observed"]})
    return runs, steps


def _decided(steps: list[dict]) -> list[dict]:
    """The attaches that reached the MME's decision (the facts are recorded)."""
    return [s for s in steps if "pdn_requested" in s]


def _identity_binding(steps: list[dict]) -> tuple[str, str]:
    decided = _decided(steps)
    bound = [s for s in decided if s.get("imei_bound")]
    if not bound:
        return "not-observable", ("the MME saw no attach of the IMSI" if not decided else
                                  "the subscriber file binds no IMEI to the IMSI: the MME "
                                  "did not check the device")
    wrong = [s for s in bound if s["message"].startswith("EMM cause #6")]
    if wrong:
        return "failed", "; ".join(s["message"] for s in wrong)
    return "passed", (f"{len(bound)} attach(es) from IMEISV "
                      f"{', '.join(sorted({s['imeisv'] for s in bound}))}, the device bound "
                      f"to the IMSI (IMEI {bound[0]['imei_bound']})")


def _ipv6_pdn(steps: list[dict]) -> tuple[str, str]:
    decided = [s for s in _decided(steps) if s["pdn_type"] or s["esm_cause"]]
    if not decided:
        return "not-observable", ("the MME saw no attach of the IMSI" if not steps else
                                  "no attach of the IMSI reached the PDN decision")
    granted = [s for s in decided if s["pdn_type"] in IPV6_PDN_TYPES]
    if granted:
        return "passed", ", ".join(f"PDN {s['pdn_type']} granted ({s['pdn_requested']} "
                                   f"requested)" for s in granted)
    return "failed", "; ".join(
        f"{s['pdn_requested']} requested, " + (f"PDN {s['pdn_type']} granted" if s["pdn_type"]
                                               else s["message"]) for s in decided)


NETWORK_CHECKS = {"identity-binding": _identity_binding, "ipv6-pdn": _ipv6_pdn}


def judge_network(check: str, journal: str | Path, imsis: set[str],
                  window_unix_s: tuple[float, float] | None = None) -> NetworkVerdict:
    """The network-side verdict ``check`` (a key of NETWORK_CHECKS) for a module known by
    ``imsis`` (what it reported, or its scenario identity) from the MME journal, from the
    attaches inside ``window_unix_s`` (see mme_attaches)."""
    runs, steps = mme_attaches(journal, imsis, window_unix_s)
    if not imsis:
        return NetworkVerdict(check, "not-observable", "the module's IMSI is not known (no "
                              "read_identity step, no identity.imsi in the scenario)")
    if not runs:
        return NetworkVerdict(check, "not-observable", f"{journal} holds no run of "
                              f"ntnstack mme")
    verdict, why = NETWORK_CHECKS[check](steps)
    return NetworkVerdict(check, verdict, f"IMSI {', '.join(sorted(imsis))} in "
                          f"{len(runs)} MME run(s): {why}", steps)

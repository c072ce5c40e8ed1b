"""Run a certification profile and judge it requirement by requirement.

The profile's scenario runs through ntnstack.runner (junit.xml, report.html, results.sqlite
and the raw serial logs in the out dir as for ``ntnstack run``); each requirement is then
judged: every one of its steps passed (their expectations met) and every pass criterion holds.
Verdicts: ``passed``, ``failed``, ``error`` (a step could not be carried out, or a setup step
failed) and ``not-observable`` (the bridge cannot see it; the reason is stated).
certification.json and certification.md in the out dir hold the report with its evidence:
the measured values and the serial-log lines of each step. results.sqlite holds the verdicts
too (table ``requirements``, each criterion with its measured value) and the run's status as
judged (``journal_status``), written with the run's end in one transaction (a run is never
journaled finished without its verdicts), so that ``ntnstack results list|show|diff`` see a
failed certification as failed.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ntnstack.certification.criteria import CriterionResult, judge, rtt_at
from ntnstack.certification.defects import check_defects
from ntnstack.certification.network import NetworkVerdict, judge_network
from ntnstack.certification.profile import Profile, Requirement

EVIDENCE_LINES = 12
"""Serial-log lines (commands, responses, URCs) kept per step in the report."""
LOG_KINDS = ("cmd", "rsp", "urc", "link", "network")
RUN_SEVERITY = ("passed", "incomplete", "failed", "error")
"""A finished run's statuses (ntnstack.runner.engine), least severe first."""


@dataclass
class StepEvidence:
    step: str
    terminal: str
    status: str
    message: str
    started_s: float
    ended_s: float
    observed: dict[str, Any]
    log: list[str]


@dataclass
class Verdict:
    id: str
    title: str
    source: str
    verdict: str
    explanation: str
    criteria: list[CriterionResult] = field(default_factory=list)
    steps: list[StepEvidence] = field(default_factory=list)
    network: NetworkVerdict | None = None     # with an MME journal: the network side


@dataclass
class Certification:
    profile: str
    title: str
    family: str
    run_id: str
    out_dir: str
    emulated_s: float
    wall_s: float
    verdicts: list[Verdict]

    @property
    def failed(self) -> list[str]:
        return [v.id for v in self.verdicts if v.verdict in ("failed", "error")]

    @property
    def passed(self) -> bool:
        return not self.failed

    def journal_status(self, runner_status: str) -> str:
        """The run's status with the verdicts: the worse of the runner's (its steps) and
        ``failed`` / ``error`` when a requirement is; an unfinished run (interrupted, running)
        keeps its status. Not-observable requirements leave it as the steps made it."""
        if runner_status not in RUN_SEVERITY:
            return runner_status
        verdicts = {v.verdict for v in self.verdicts}
        mine = "error" if "error" in verdicts else "failed" if "failed" in verdicts else \
            "passed"
        return max(runner_status, mine, key=RUN_SEVERITY.index)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed"] = self.failed
        return out


def certify(profile: Profile, out_dir: str | Path, *, testbed=None,
            defects: dict[str, tuple[str, ...]] | None = None, progress: bool = False,
            companions=None, mme_journal: str | Path | None = None,
            mme_since_unix_s: float | None = None) -> Certification:
    """Run ``profile`` into ``out_dir`` on ``testbed`` (default: every terminal virtual);
    ``defects``: terminal -> known defects to give its virtual module
    (ntnstack.certification.defects); ``companions``: (scenario, testbed) -> the run's
    companions (ntnstack.live.ran.ran_companions pushes into the testbed's ``ran:``
    equipment, which the runner refuses to leave unfed); ``mme_journal``: what ntnstack mme
    recorded, for the requirements that name a network-side check
    (ntnstack.certification.network), judged from its attaches between ``mme_since_unix_s``
    (default: when the run starts) and the judgement."""
    from ntnstack.certification.modules import CertModules
    from ntnstack.runner.api import prepare
    from ntnstack.runner.engine import Runner
    from ntnstack.scenario.testbed import virtual_testbed

    testbed = testbed or virtual_testbed()
    scenario, ports = prepare(profile.scenario, testbed)
    for name, items in (defects or {}).items():
        family = scenario.terminals[name].family if name in scenario.terminals else None
        check_defects(items, where=f"defect of {name}:", family=family)

    def modules(scen, prts, clock, world, out):
        return CertModules(scen, prts, clock, world, out, defects=defects)
    judged: list[Certification] = []
    started_unix_s = time.time()

    def judge_run(info, step_results):
        """The requirement verdicts of the finished run, journaled with its end."""
        from ntnstack.runner.world import World

        results = {r.index: r for r in step_results}
        setup_bad = [results[i] for i in profile.setup.values()
                     if _status(results, i) != "passed"]
        real = {name for name, port in ports.items() if not port.virtual}
        verdicts = [_judge(req, results, setup_bad, World(scenario), real)
                    for req in profile.requirements]
        if mme_journal is not None:
            for req, verdict in zip(profile.requirements, verdicts, strict=True):
                if req.network:
                    _add_network(verdict, req, results, scenario, mme_journal,
                                 (started_unix_s if mme_since_unix_s is None
                                  else mme_since_unix_s, time.time()))
        cert = Certification(profile.name, profile.title, profile.family, info.run_id,
                             str(out_dir), info.emulated_s, info.wall_s, verdicts)
        judged.append(cert)
        return [asdict(v) for v in verdicts], cert.journal_status(info.status)

    runner = Runner(scenario, testbed, ports, out_dir, progress=progress,
                    modules_factory=modules, judge=judge_run,
                    companions=companions(scenario, testbed) if companions else None)
    stopped = None
    try:
        runner.run()
    except KeyboardInterrupt as exc:   # SIGINT / SIGTERM: the steps done are judged, reported
        if not judged:                 # stopped before the run had any outcome
            raise
        stopped = exc
    write_report(judged[0], Path(out_dir))
    if stopped is not None:
        raise stopped
    return judged[0]


def _module_imsis(req: Requirement, results: dict, scenario) -> set[str]:
    """The IMSIs of the terminals of ``req``'s steps: what they reported (identity.imsi of
    any step of the run), else their scenario identity."""
    terminals = {r.terminal for i in req.steps.values() if (r := results.get(i))}
    reported = {r.observed["identity"].get("imsi") for r in results.values()
                if r.terminal in terminals and isinstance(r.observed.get("identity"), dict)}
    configured = {scenario.terminals[t].identity.get("imsi") for t in terminals
                  if t in scenario.terminals}
    return {imsi for imsi in (reported or configured) if imsi}


def _add_network(v: Verdict, req: Requirement, results: dict, scenario, journal,
                 window_unix_s: tuple[float, float]) -> None:
    """The network-side verdict joins the requirement's: a failure fails it; a pass or
    "not observable" is stated beside the module-side verdict."""
    v.network = judge_network(req.network, journal, _module_imsis(req, results, scenario),
                              window_unix_s)
    v.explanation += f"; network side ({req.network}): {v.network.verdict}, " \
                     f"{v.network.explanation}"
    if v.network.verdict == "failed" and v.verdict in ("passed", "not-observable"):
        v.verdict = "failed"


def _status(results: dict, index: int) -> str:
    r = results.get(index)
    return r.status if r is not None else "not run"


def _judge(req: Requirement, results: dict, setup_bad: list, world, real: set[str]
           ) -> Verdict:
    """``real``: the terminals on real modules (a requirement with not_observable_on_real is
    not observable when one of its steps ran on one)."""
    v = Verdict(req.id, req.title, req.source, "passed", "")
    if req.not_observable:
        v.verdict, v.explanation = "not-observable", req.not_observable
        return v
    mine = {sid: results.get(i) for sid, i in req.steps.items()}
    v.steps = [_evidence(r) for r in mine.values() if r is not None]
    if req.not_observable_on_real and any(r.terminal in real for r in mine.values() if r):
        v.verdict, v.explanation = "not-observable", req.not_observable_on_real
        return v
    if setup_bad:
        v.verdict = "error"
        v.explanation = "; ".join(f"setup step {r.label} {r.status}: {r.message}"
                                  for r in setup_bad)
        return v
    missing = [sid for sid, r in mine.items() if r is None]
    unseen = [r for r in mine.values() if r is not None and r.status == "not-observable"]
    if unseen and not missing:
        v.verdict = "not-observable"
        v.explanation = "; ".join(f"{r.label}: {r.message}" for r in unseen)
        return v
    broken = [r for r in mine.values() if r is not None and r.status != "passed"]
    if missing or any(r.status in ("error", "skipped") for r in broken):
        v.verdict = "error"
        v.explanation = "; ".join([f"step {s} did not run" for s in missing] +
                                  [f"{r.label} {r.status}: {r.message}" for r in broken])
        return v
    v.criteria = [judge(c, mine, lambda r: rtt_at(world, r)) for c in req.criteria]
    bad = [f"{r.label}: {r.message}" for r in broken] + \
        [f"not met: {c.text} (measured {c.measured!r})" for c in v.criteria if not c.passed]
    if bad:
        v.verdict, v.explanation = "failed", "; ".join(bad)
    else:
        v.explanation = "; ".join(f"{c.text}: measured {_show(c.measured)}"
                                  for c in v.criteria) or "every step met its expectations"
    return v


def _show(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else repr(value)


def _evidence(r) -> StepEvidence:
    log = [f"{e.t_s:10.3f} s {e.terminal} {e.kind}: {e.text}" for e in r.events
           if e.kind in LOG_KINDS]
    if len(log) > EVIDENCE_LINES:
        log = [*log[:EVIDENCE_LINES // 2], "...", *log[-EVIDENCE_LINES // 2:]]
    observed = {k: v for k, v in r.observed.items() if _plain(v)}
    return StepEvidence(r.label, r.terminal, r.status, r.message, round(r.started_s, 3),
                        round(r.ended_s, 3), observed, log)


def _plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def write_report(cert: Certification, out_dir: Path) -> None:
    """certification.json (everything) and certification.md (for people) in ``out_dir``; its
    junit.xml again with a case per requirement (a failed requirement is a failure) and its
    report.html again, linking these files too."""
    from ntnstack.runner import junit, report
    from ntnstack.runner.journal import read_run
    from ntnstack.runner.outputs import seal_evidence

    out_dir.mkdir(parents=True, exist_ok=True)
    run = read_run(out_dir, cert.run_id)
    junit.write(run, out_dir / "junit.xml", [asdict(v) for v in cert.verdicts])
    (out_dir / "certification.json").write_text(json.dumps(cert.as_dict(), indent=1,
                                                           default=str))
    (out_dir / "certification.md").write_text(markdown(cert))
    report.write(run, out_dir / "report.html")
    seal_evidence(out_dir, also=("certification.json", "certification.md"))


def markdown(cert: Certification) -> str:
    lines = [f"# Certification: {cert.profile} ({cert.family})", "", cert.title, "",
             f"Run {cert.run_id}: {cert.emulated_s:.1f} s emulated, {cert.wall_s:.2f} s wall. "
             f"Result: {'PASSED' if cert.passed else 'FAILED: ' + ', '.join(cert.failed)}", "",
             "Evidence: the lines below come from the serial traffic of each step; the raw "
             "serial logs are in serial/*.rawlog of this directory.", "",
             "| requirement | source | verdict |", "|---|---|---|"]
    lines += [f"| {v.id} {v.title} | {v.source} | {v.verdict} |" for v in cert.verdicts]
    for v in cert.verdicts:
        lines += ["", f"## {v.id}: {v.title}", "", f"Source: {v.source}",
                  f"Verdict: **{v.verdict}** - {v.explanation}"]
        for c in v.criteria:
            lines.append(f"- [{'x' if c.passed else ' '}] {c.text}; measured "
                         f"{_show(c.measured)}")
        for s in v.steps:
            lines += ["", f"Step {s.step} on {s.terminal}: {s.status} "
                      f"({s.started_s:.3f}-{s.ended_s:.3f} s) {s.message}", "```"]
            lines += [*s.log, "```"]
    return "\n".join(lines) + "\n"


def summary(cert: Certification) -> str:
    """One line per requirement, for the terminal."""
    width = max(len(v.id) for v in cert.verdicts)
    rows = [f"{v.id:<{width}}  {v.verdict.upper():<14} {v.source}\n{'':<{width}}  "
            f"{v.explanation}" for v in cert.verdicts]
    return "\n".join(rows)

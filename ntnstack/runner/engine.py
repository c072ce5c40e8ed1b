"""The run: steps in order against the terminals, expectations judged, every step journaled
the moment it finishes, then junit.xml, report.html and capture.pcap written from the journal.

The modules are behind one small interface, ntnstack.runner.context.RunModules (open a
terminal, run one step, let emulated time pass, close); ``ntnstack.runner.modules``
implements it with at_bridge drivers on virtual modules or on testbed ports.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntnstack.clock import RANK_RUNNER, Clock
from ntnstack.errors import InputError
from ntnstack.runner import junit, report, timeline
from ntnstack.runner.console import StepProgress
from ntnstack.runner.context import Companion, RunModules, StepContext, StepError
from ntnstack.runner.expect import judge_all
from ntnstack.runner.journal import (Journal, check_journal, hold_live, live_path,
                                      read_run)
from ntnstack.runner.modules import BridgeModules
from ntnstack.runner.outputs import prepare_evidence, seal_evidence
from ntnstack.runner.ports import check_open
from ntnstack.runner.records import RunInfo, StepResult
from ntnstack.runner.stop import StopSignals
from ntnstack.runner.world import World
from ntnstack.scenario.model import Geodetic, Port, Scenario, Testbed


@dataclass
class RunOutcome:
    info: RunInfo
    results: list[StepResult]
    out_dir: Path

    @property
    def passed(self) -> bool:
        return self.info.status == "passed"


def _check_ran_fed(testbed: Testbed, companions: list[Companion]) -> None:
    """InputError unless every ``ran:`` entry of the testbed has a companion pushing into it
    (its ``ran_equipment`` names it): a run never leaves a base station silently unfed. The
    runner does not reach up to the live layer that builds them."""
    fed = {name for c in companions for name in c.ran_equipment}
    unfed = [eq.name for eq in testbed.ran if eq.name not in fed]
    if unfed:
        raise InputError(f"testbed {testbed.name}: ran.{unfed[0]} has no pusher; pass "
                         f"companions=ntnstack.live.ran.ran_companions(scenario, testbed)")


def scenario_clock(scenario: Scenario) -> Clock:
    """The run's one clock: the scenario's mode, epoch at the scenario's start time."""
    mode = scenario.clock.mode
    return Clock(mode, scenario.clock.factor if mode == "scaled" else 1.0,
                 scenario.start_unix_s)


class Runner:
    """Runs one scenario on one testbed into ``out_dir``."""

    def __init__(self, scenario: Scenario, testbed: Testbed, ports: dict[str, Port],
                 out_dir: str | Path, *, progress: bool = True,
                 modules_factory: Callable[..., RunModules] | None = None,
                 companions: list[Companion] | None = None,
                 judge: Callable[[RunInfo, list[StepResult]],
                                 tuple[list[dict], str]] | None = None):
        self.scenario, self.testbed, self.ports = scenario, testbed, ports
        # (the finished run's info, its step results) -> (requirement verdicts, the run's
        # status as judged), journaled with the run's end (ntnstack.certification)
        self.judge = judge
        # prepared on the run's world, started with the first step on the run's clock, stopped
        # after the last: ntnstack.live's service (--live), the pusher into base stations
        self.companions = companions or []
        _check_ran_fed(testbed, self.companions)
        self.out_dir = Path(out_dir)
        self.progress_enabled = progress
        self.outcome: RunOutcome | None = None   # set when run() ends, stopped or not
        self.modules_factory = modules_factory or BridgeModules
        """(scenario, ports, clock, world, out_dir) -> the run's RunModules."""

    def run(self) -> RunOutcome:
        """Every step in order; SIGINT / SIGTERM stop the steps, and the run still closes its
        modules, journals the status ``interrupted``, writes junit.xml and the report of
        the steps done, then raises KeyboardInterrupt. A hardware port that does not open
        stops the run before anything is written (PortsNotOpening, naming it)."""
        self._companions_stopped = False
        live = None   # the folder's live lock, held exclusively: one run at a time writes here
        try:   # companions hold connections (a callbox) from their making on: closed on failure
            check_open(self.ports)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            fresh = not live_path(self.out_dir / "results.sqlite").exists()
            live = hold_live(self.out_dir / "results.sqlite", exclusive=True)
            check_journal(self.out_dir / "results.sqlite")   # refused: nothing written
            prepare_evidence(self.out_dir, self.scenario.terminals)
            world = World(self.scenario)
            for companion in self.companions:   # their heavy work before the clock starts
                companion.prepare(world)
        except BaseException:
            self._stop_companions(None)
            if live is not None:   # a refused run leaves the folder as it found it
                if fresh:
                    live_path(self.out_dir / "results.sqlite").unlink()
                os.close(live)
            raise
        clock = scenario_clock(self.scenario)
        info = RunInfo.begin(self.scenario.name, list(self.scenario.files), self.testbed.name,
                             str(self.scenario.clock), self.scenario.start_unix_s)
        journal = Journal(self.out_dir / "results.sqlite")
        journal.start(info, live)
        wall0, results, stopped, opened = time.monotonic(), [], None, False
        with StopSignals() as stop:
            try:
                modules = self.modules_factory(self.scenario, self.ports, clock, world,
                                                 self.out_dir)
                opened = True
                progress = StepProgress(len(self.scenario.steps),
                                        enabled=self.progress_enabled)
                with clock.party("runner", rank=RANK_RUNNER):
                    try:
                        for companion in self.companions:
                            companion.start(clock)
                        self._steps(clock, world, modules, journal, progress, results)
                    except KeyboardInterrupt as exc:
                        stopped = exc
                    finally:   # time stops with the last step; modules close while it stands
                        stop.disarm()
                        info.emulated_s = clock.now()
                        progress.close()
                        self._stop_companions(journal)
                        modules.close()
            finally:
                stop.disarm()
                self._stop_companions(journal)   # the modules failed to open: none started
                info.finish(_status(results, len(self.scenario.steps)), time.monotonic() - wall0)
                judged = None
                try:
                    if self.judge is not None and opened:
                        judged = self.judge(info, results)
                except BaseException as exc:   # never journaled as passed without its verdicts
                    judged = ([], "interrupted" if isinstance(exc, KeyboardInterrupt) else "error")
                    raise
                finally:
                    journal.finish(info, judged)
                    journal.close()
            self.write_outputs(world, info, modules.pcaps, modules.imsis)
        self.outcome = RunOutcome(info, results, self.out_dir)  # also for a stopped run
        if stopped is not None:
            raise stopped
        return self.outcome

    def _steps(self, clock, world, modules, journal, progress, results: list[StepResult]
               ) -> None:
        """Run the steps, appending each result to ``results`` as it is journaled."""
        broken, sampled_to = set(), 0.0
        for step in self.scenario.steps:
            progress.begin(f"{step.terminal} {step.label}")
            term = self.scenario.terminals[step.terminal]
            ctx = StepContext(step, term, self.scenario, clock, world, modules)
            result = _run_one(ctx, broken)
            if result.status == "error":
                broken.add(step.terminal)
            samples = []
            if world is not None and result.ended_s > sampled_to:
                for name in self.scenario.terminals:
                    samples += world.samples(name, sampled_to, result.ended_s)
                sampled_to = result.ended_s
            journal.step(result, samples)
            for companion in self.companions:
                journal.pushes(companion.take())
            results.append(result)
            progress.end(result)

    def _stop_companions(self, journal: Journal | None) -> None:
        """Stop every companion (once: a companion never started is stopped too, closing
        what it holds), journaling what each pushed since the last step."""
        if self._companions_stopped:
            return
        self._companions_stopped = True
        for companion in self.companions:
            companion.stop()
            if journal is not None:
                journal.pushes(companion.take())

    def write_outputs(self, world, info: RunInfo, pcaps: list[Path] = (),
                      imsis: dict[str, str] | None = None) -> None:
        """junit.xml, report.html and timeline.json (every terminal's exchanges, BeiDou and
        Tiantong included, for which no dissector exists) from the journal; capture.pcap
        from the cells' SIBs and the modules' own captures (``pcaps``; ``imsis``: terminal
        -> IMSI, to say whose frame is whose)."""
        data = read_run(self.out_dir / "results.sqlite", info.run_id)
        junit.write(data, self.out_dir / "junit.xml")
        timeline.write(data, self.out_dir / "timeline.json")
        if world is not None:
            from ntnstack.runner.sibs import write_capture

            write_capture(self.scenario, world, info.emulated_s, self.out_dir / "capture.pcap",
                          pcaps, imsis)
        report.write(data, self.out_dir / "report.html")   # it links to the others
        seal_evidence(self.out_dir)


def _run_one(ctx: StepContext, broken: set[str]) -> StepResult:
    step, term = ctx.step, ctx.terminal
    result = StepResult(step.index, step.terminal, step.action, term.family, ctx.t(),
                        params={k: _plain(v) for k, v in step.params.items()})
    peer = step.params.get("to")
    if step.terminal in broken or peer in broken:
        who = "this terminal" if step.terminal in broken else f"the peer {peer}"
        result.status, result.message = "skipped", f"an earlier step of {who} errored"
        result.ended_s = result.started_s
        return result
    if step.at_s is not None and ctx.t() < step.at_s:
        ctx.wait_until(None, step.at_s)
        result.started_s = ctx.t()
    wall0 = time.monotonic()
    ctx.note("step", f"{step.action} {_describe(step.params)}".strip())
    if step.at_s is not None and ctx.t() > step.at_s:   # the schedule, not the terminal
        ctx.observed["late_by_s"] = ctx.t() - step.at_s
        ctx.note("step", f"at_s {step.at_s:g} had passed: started {ctx.t() - step.at_s:.3f} s "
                         f"late (the steps before it took longer)")
    try:
        ctx.modules.run_step(ctx)
    except StepError as exc:
        result.status, result.message = "error", str(exc)
        ctx.observed.setdefault("reason", str(exc))
    except Exception as exc:  # noqa: BLE001 - a module's failure must not lose the run
        result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
    hung = _recover(ctx, result.status == "error")
    if hung is not None and ctx.observed["recovery"]["back_after_s"] is not None:
        result.status, result.message = "passed", ""   # back: judged, and failed, below
    result.wall_s = time.monotonic() - wall0
    result.ended_s = ctx.t()
    result.observed, result.events = dict(ctx.observed), ctx.events
    if hung is not None and result.status == "error":
        result.checks, result.message = [hung], hung.message
    if result.status != "error":
        observed = ctx.observed
        if hung is not None and observed.get("unanswered"):   # the hang is judged once, below
            observed = {**observed, "succeeded": True}
        result.checks = judge_all(step.action, step.expect, observed)
        if hung is not None:
            result.checks.append(hung)
        failed = [c for c in result.checks if not c.passed]
        if failed:
            observable = any(c.observable for c in failed)
            result.status = "failed" if observable else "not-observable"
            result.message = "; ".join(c.message for c in failed)
    return result


def _recover(ctx: StepContext, errored: bool):
    """The failed ``responsive`` check when the step's module hung and its power switch
    cycled it (ntnstack.runner.power.recover); None otherwise."""
    if not (errored or ctx.terminal.name in ctx.unanswered):
        return None
    try:
        return ctx.modules.recover(ctx)
    except Exception as exc:  # noqa: BLE001 - the recovery must not lose the run
        ctx.note("power", f"recovery failed: {type(exc).__name__}: {exc}")
        return None


def _describe(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={_plain(v)}" for k, v in params.items())


def _plain(value: Any) -> Any:
    if isinstance(value, Geodetic):
        return [value.lat_deg, value.lon_deg, value.alt_m]
    return value


def _status(results: list[StepResult], total: int) -> str:
    if len(results) < total:
        return "interrupted"
    if any(r.status == "error" for r in results):
        return "error"
    if any(r.status in ("failed", "skipped") for r in results):
        return "failed"
    return "incomplete" if any(r.status == "not-observable" for r in results) else "passed"


"""``ntnstack run``: play scenarios against virtual modules (default) or a testbed's ports.

Exit status: 0 every expectation met, 1 an expectation failed or a step errored, 2 bad input.
"""
from __future__ import annotations

import json
import sys

from ntnstack.commands._options import default_out, show_progress


def register(sub) -> None:
    p = sub.add_parser("run", help="run a scenario (default: the embedded default scenario)",
                       description="Play scenarios against virtual modules (default) or a "
                                   "testbed's ports. Exit status 0 every expectation met, 1 an "
                                   "expectation failed or a step errored, 2 bad input.")
    p.add_argument("scenario", nargs="*", metavar="SCENARIO",
                   help="scenario YAML files, overlaid in order (the last wins); "
                        "default: ntnstack/configs/scenarios/default.yaml")
    p.add_argument("--testbed", action="append", metavar="FILE",
                   help="testbed YAML (repeat to overlay); default: every terminal virtual")
    p.add_argument("--out", metavar="DIR", default=default_out("run"),
                   help="output directory (junit.xml, report.html, capture.pcap, serial/ "
                        "hold this run only; results.sqlite keeps every run); "
                        "default: %(default)s")
    p.add_argument("--clock", metavar="MODE", help="virtual | scaled:N | realtime "
                   "(overrides the scenario's clock)")
    p.add_argument("--labgrid", action="append", metavar="PLACE",
                   help="hold a labgrid place for the run (a name, or TAG=VALUE[,TAG=VALUE]: "
                        "any free place with these tags); its serial resources named after "
                        "terminals are their ports; repeat for several places")
    p.add_argument("--labgrid-coordinator", metavar="HOST:PORT",
                   help="labgrid coordinator (default: the testbed's, else LG_COORDINATOR, "
                        "else 127.0.0.1:20408)")
    p.add_argument("--labgrid-wait", type=float, metavar="SECONDS",
                   help="wait this long for a held place (default 0: report its holder)")
    p.add_argument("--live", metavar="HOST:PORT",
                   help="serve the cells' NTN state over WebSocket during the run (as "
                        "`ntnstack live`; port 0: any free port, printed on stderr); needs "
                        "--clock scaled:N or realtime")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from ntnstack.outputs import output_dir
    from ntnstack.scenario.labgrid_spec import spec_for
    from ntnstack.runner.api import load_inputs, prepare

    scenario, testbed, ports = load_inputs(args.scenario, args.testbed, args.clock)
    if args.live is not None:
        from ntnstack.commands._options import host_port

        host_port(args.live, "--live")
    output_dir(args.out, "--out")
    spec = spec_for(testbed.labgrid, args.labgrid, args.labgrid_coordinator, args.labgrid_wait,
                    "--labgrid")
    if spec is None:
        return run_on(args, scenario, testbed, ports)
    from ntnstack.rigs.labgrid import hold
    from ntnstack.rigs.places import overlay

    with hold(spec) as held:
        for place in held:
            print(f"ntnstack run: holding labgrid place {place.name} "
                  f"({', '.join(sorted(place.serial)) or 'no serial ports'})", file=sys.stderr)
        testbed = overlay(testbed, held, {t.name: t.family for t in scenario.terminals.values()})
        scenario, ports = prepare(scenario, testbed, args.clock)
        return run_on(args, scenario, testbed, ports)


def run_on(args, scenario, testbed, ports) -> int:
    """Run on the resolved ports and print the result; the exit status. ``scenario`` is
    final here: its clock is the one the run uses (a held labgrid place's real modules move
    a virtual run to realtime), so ``--live`` is judged against it."""
    from ntnstack.live.ran import ran_companions
    from ntnstack.live.service import check_clock
    from ntnstack.runner.api import run_scenario, split_pairs
    from ntnstack.runner.console import summary_table
    from ntnstack.scenario.testbed import unused_ports

    if args.live is not None:
        check_clock(scenario.clock.mode, "--live")
    for warning in [*unused_ports(testbed, scenario), *split_pairs(scenario, ports)]:
        print(f"ntnstack run: warning: {warning}", file=sys.stderr)
    companions = ran_companions(scenario, testbed)
    if args.live is not None:
        companions.append(_live_service(scenario, args.live))
    outcome = run_scenario(scenario, testbed, ports, args.out,
                           progress=show_progress(args, json_output=args.json),
                           companions=companions)
    if args.json:
        print(json.dumps(outcome_dict(outcome), sort_keys=True))
    else:
        print(summary_table(outcome.results))
        info = outcome.info
        print(f"{info.status.upper()}: {scenario.name} on {testbed.name}, "
              f"{info.emulated_s:.1f} s emulated in {info.wall_s:.2f} s wall; "
              f"results in {outcome.out_dir}/")
    sys.stdout.flush()
    return 0 if outcome.passed else 1


def _live_service(scenario, listen: str):
    """The --live service; it prints its address on stderr once it accepts connections."""
    from ntnstack.commands._options import host_port, ws_url
    from ntnstack.live.service import LiveService

    host, port = host_port(listen, "--live")

    def ready(bound: int) -> None:
        print(f"ntnstack run: live state on {ws_url(host, bound)}", file=sys.stderr, flush=True)

    return LiveService(scenario, host, port, ready)


def outcome_dict(outcome) -> dict:
    info = outcome.info
    return {"run_id": info.run_id, "scenario": info.scenario, "status": info.status,
            "testbed": info.testbed, "clock": info.clock, "wall_s": info.wall_s,
            "emulated_s": info.emulated_s, "out": str(outcome.out_dir),
            "steps": [{"terminal": r.terminal, "step": r.label, "status": r.status,
                       "t_s": r.ended_s, "message": r.message,
                       "checks": [{"name": c.name, "expected": c.expected,
                                   "observed": c.observed, "passed": c.passed}
                                  for c in r.checks]} for r in outcome.results]}

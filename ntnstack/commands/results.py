"""``ntnstack results``: read run journals. ``results diff RUN_A RUN_B``: what changed
(verdicts, timings beyond --tolerance-s); exit 1 when a verdict regressed, 2 on bad input.
``results show RUN``: the steps of one run (and a certification's requirement verdicts), RUN
an output folder or results.sqlite (its latest run) or a run id (looked up in --journal,
default every ntnstack-out/*/results.sqlite).
``results list [JOURNAL]``: the runs a journal holds. ``results merge OUT SRC...``: the runs of
several journals (rigs, CI jobs, xdist workers) into one, in one transaction."""
from __future__ import annotations

import json
from pathlib import Path

from ntnstack.commands._options import OUT_ROOT


def register(sub) -> None:
    p = sub.add_parser("results", help="compare, show or merge run journals (results.sqlite)",
                       description="Read run journals: diff two runs (exit 1 when a verdict "
                                   "regressed), show or list them, merge several into one.")
    rsub = p.add_subparsers(dest="results_command", required=True, parser_class=type(p))
    d = rsub.add_parser("diff", help="what changed between two runs (exit 1 on regression)")
    d.add_argument("run_a", metavar="RUN_A", help="output directory or results.sqlite (its "
                   "latest run), or a run id (or its first characters) in --journal")
    d.add_argument("run_b", metavar="RUN_B", help="as RUN_A; the runs may come from different "
                   "rigs (each run's testbed and host are shown)")
    d.add_argument("--journal", action="append", metavar="PATH",
                   help="where to look for run ids, e.g. a merged journal (repeatable; "
                        f"default every {OUT_ROOT}/*/results.sqlite)")
    d.add_argument("--tolerance-s", type=float, default=1.0, metavar="S",
                   help="report observed timings that moved by more than S emulated seconds "
                        "(default %(default)s)")
    d.add_argument("--json", action="store_true", help="one JSON object")
    d.set_defaults(func=run_diff)
    s = rsub.add_parser("show", help="the steps and verdicts of a run (a certification's "
                        "requirements too)")
    s.add_argument("run", metavar="RUN", help="output directory or results.sqlite (its latest "
                   "run), or a run id (or its first characters)")
    s.add_argument("--journal", action="append", metavar="PATH",
                   help="where to look for a run id: output directory or results.sqlite "
                   f"(repeatable; default every {OUT_ROOT}/*/results.sqlite)")
    s.add_argument("--json", action="store_true", help="the journal as one JSON object")
    s.set_defaults(func=run_show)
    ls = rsub.add_parser("list", help="the runs of a journal, oldest first")
    ls.add_argument("journal", nargs="?", default=str(OUT_ROOT / "run"), metavar="JOURNAL",
                    help="output directory or results.sqlite (default %(default)s)")
    ls.add_argument("--json", action="store_true", help="one JSON object per run")
    ls.set_defaults(func=run_list)
    m = rsub.add_parser("merge", help="merge run journals into one (transactional, idempotent)",
                        description="Copy every run of the SRC journals into OUT in one "
                                    "transaction: runs already there are skipped, a bad SRC "
                                    "is named and nothing is written.")
    m.add_argument("out", metavar="OUT", help="results.sqlite to merge into (a .sqlite path), "
                   "or a directory for OUT/results.sqlite; created when missing")
    m.add_argument("sources", nargs="+", metavar="SRC",
                   help="output directory or results.sqlite of the runs to merge")
    m.add_argument("--json", action="store_true", help="one JSON object: run ids added, "
                   "replaced (an unfinished copy finished) and skipped (already there)")
    m.set_defaults(func=run_merge)


def run_diff(args) -> int:
    import math

    from ntnstack.errors import InputError
    from ntnstack.runner.diff import diff_runs, format_text
    from ntnstack.runner.journal import read_run

    if not (math.isfinite(args.tolerance_s) and args.tolerance_s >= 0):
        raise InputError(f"--tolerance-s: expected seconds >= 0, got {args.tolerance_s}")
    d = diff_runs(read_run(*_locate(args.run_a, args.journal)),
                  read_run(*_locate(args.run_b, args.journal)), args.tolerance_s)
    print(json.dumps(d.as_dict(), sort_keys=True) if args.json else format_text(d))
    return 1 if d.regressions else 0


def run_show(args) -> int:
    from ntnstack.runner.journal import read_run

    data = read_run(*_locate(args.run, args.journal))
    if args.json:
        print(json.dumps(data, sort_keys=True, default=str))
        return 0
    info = data["run"]
    print(f"run {info['run_id']} {info['scenario']} {info['status']} "
          f"({info['clock']}, testbed {info['testbed']})")
    for s in data["steps"]:
        failed = "; ".join(c["message"] for c in s["checks"] if not c["passed"])
        print(f"{s['terminal']:14s} {s['idx']:02d}-{s['action']:22s} {s['ended_s']:9.1f} "
              f"{s['status'].upper():8s} {failed or s['message']}")
    for r in data["requirements"]:
        print(f"requirement {r['requirement']:26s} {r['verdict'].upper():14s} "
              f"{r['explanation']}")
    return 0 if info["status"] == "passed" else 1


def run_list(args) -> int:
    from ntnstack.runner.diff import rig
    from ntnstack.runner.journal import list_runs

    for r in list_runs(args.journal):
        print(json.dumps(r, sort_keys=True) if args.json else
              f"{r['run_id']}  {r['started_at'][:19]}  {r['status']:11s} {r['scenario']}  "
              f"({rig(r)})")
    return 0


def run_merge(args) -> int:
    from dataclasses import asdict

    from ntnstack.runner.merge import merge, output_path

    done = merge(args.out, args.sources)
    if args.json:
        print(json.dumps(asdict(done), sort_keys=True))
    else:
        print(f"{output_path(args.out)}: {len(done.added)} run(s) added, "
              f"{len(done.replaced)} replaced, {len(done.skipped)} already there "
              f"(from {len(args.sources)} journal(s))")
    return 0


def _locate(run: str, journals: list[str] | None) -> tuple[Path, str | None]:
    """RUN -> (journal, run id or None for its latest run); InputError unless exactly one
    run of the journals has an id starting with RUN."""
    from ntnstack.errors import InputError
    from ntnstack.runner.journal import list_runs

    if Path(run).exists():
        return Path(run), None
    places = [Path(j) for j in journals] if journals else sorted(OUT_ROOT.glob("*/results.sqlite"))
    found = [(place, r["run_id"]) for place in places for r in list_runs(place)
             if r["run_id"].startswith(run)]
    if len(found) != 1:
        where = ", ".join(map(str, places)) or f"no journal under {OUT_ROOT}/"
        raise InputError(f"RUN {run}: {'no' if not found else len(found)} runs with that id "
                         f"in {where}; give an output directory, a results.sqlite or a run id")
    return found[0]

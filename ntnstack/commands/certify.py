"""``ntnstack certify``: run a certification profile and report requirement by requirement.

Exit status: 0 every requirement passed (or is stated not observable), 1 a requirement
failed or could not be carried out, 2 bad input.
"""
from __future__ import annotations

import json
import sys

from ntnstack.commands._options import default_out, show_progress
from ntnstack.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("certify", help="run a certification profile (see --list)",
                       description="Run a certification profile against virtual modules "
                                   "(default) or a testbed's ports; report each requirement "
                                   "with its source, verdict and evidence. Exit status 0 all "
                                   "passed, 1 a requirement failed, 2 bad input.")
    p.add_argument("--profile", metavar="NAME|FILE",
                   help="a shipped profile (see --list) or a profile YAML file")
    p.add_argument("--list", action="store_true", help="list the shipped profiles and exit")
    p.add_argument("--testbed", action="append", metavar="FILE",
                   help="testbed YAML (repeat to overlay); default: every terminal virtual")
    p.add_argument("--family", metavar="F",
                   help="family of the module(s) under test (default: the profile's first)")
    p.add_argument("--defect", action="append", metavar="TERMINAL:DEFECT", default=[],
                   help="give a virtual module a known defect (ntnstack.certification.defects)"
                        "; repeatable")
    p.add_argument("--mme-journal", metavar="FILE",
                   help="what ntnstack mme --journal recorded while the module attached "
                        "through a real base station: the requirements that name a network-"
                        "side check (identity binding, IPv6 PDN) are judged from it too")
    p.add_argument("--mme-since", metavar="ISO8601",
                   help="judge the MME journal's attaches from this instant on (default: when "
                        "the certification run starts; a journal kept across sessions holds "
                        "older attaches of the same IMSI)")
    p.add_argument("--out", metavar="DIR", default=default_out("certify"),
                   help="output directory (certification.json/.md, junit.xml, report.html, "
                        "serial/); default: %(default)s")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


def _defects(items: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        terminal, sep, name = item.partition(":")
        if not sep or not terminal or not name:
            raise InputError(f"--defect {item!r}: expected TERMINAL:DEFECT")
        out[terminal] = (*out.get(terminal, ()), name)
    return out


def run(args) -> int:
    from ntnstack.certification import certify, load_profile, profile_names
    from ntnstack.certification.run import summary

    if args.list:
        print("\n".join(profile_names()))
        return 0
    if not args.profile:
        raise InputError("--profile: required (a shipped profile name or a YAML file; "
                         "see --list)")
    from ntnstack.outputs import output_dir

    profile = load_profile(args.profile, args.family)
    defects = _defects(args.defect)
    for terminal in defects:
        if terminal not in profile.scenario.terminals:
            raise InputError(f"--defect {terminal}: no such terminal in profile "
                             f"{profile.name} (terminals: "
                             f"{', '.join(profile.scenario.terminals)})")
    testbed = None
    if args.testbed:
        from ntnstack.scenario import load_testbed

        testbed = load_testbed(list(args.testbed))
    mme_since = None
    if args.mme_since is not None:
        from ntnstack.clock import parse_iso8601

        mme_since = parse_iso8601(args.mme_since, "--mme-since")
    if args.mme_journal:
        from ntnstack.certification.network import mme_attaches

        try:
            mme_attaches(args.mme_journal, set())     # a file that is no journal fails here
        except InputError as exc:
            raise InputError(f"--mme-journal: {exc}") from None
    output_dir(args.out, "--out")
    from ntnstack.live.ran import ran_companions

    cert = certify(profile, args.out, testbed=testbed, defects=defects,
                   progress=show_progress(args, json_output=args.json),
                   companions=ran_companions, mme_journal=args.mme_journal,
                   mme_since_unix_s=mme_since)
    if args.json:
        print(json.dumps(cert.as_dict(), sort_keys=True, default=str))
    else:
        print(summary(cert))
        print(f"{'PASSED' if cert.passed else 'FAILED'}: {cert.profile} on {cert.family}, "
              f"{cert.emulated_s:.1f} s emulated in {cert.wall_s:.2f} s wall; report in "
              f"{cert.out_dir}/certification.md")
    sys.stdout.flush()
    return 0 if cert.passed else 1

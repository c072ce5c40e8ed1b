"""timeline.json: every terminal's exchanges of a run in emulated time order, from the
journal (commands, responses, URCs, BeiDou sentences, 27.010 channels, module and stack
events). It is the evidence for what no dissector reads: BeiDou RDSS sentences and Tiantong
AT / CMUX traffic sit here beside capture.pcap."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per journal event: t_s (emulated s since the start), terminal, family, step
    index, kind, text."""
    family = {s["terminal"]: s["family"] for s in run["steps"]}
    out = [{"t_s": round(e["t_s"], 6), "terminal": e["terminal"],
            "family": family.get(e["terminal"], ""), "step": e["step_idx"], "kind": e["kind"],
            "text": e["text"]} for e in run["events"]]
    return sorted(out, key=lambda r: r["t_s"])


def write(run: dict[str, Any], path: str | Path) -> None:
    """timeline.json of ``run`` (ntnstack.runner.journal.read_run)."""
    Path(path).write_text(json.dumps({"run_id": run["run"]["run_id"],
                                      "scenario": run["run"]["scenario"],
                                      "events": rows(run)}, ensure_ascii=False, indent=1))

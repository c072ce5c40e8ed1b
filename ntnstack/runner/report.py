"""report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched).
Per terminal: its steps with verdicts, plots of elevation, delay, Doppler, TA and signal
against emulated time with the terminal's commands and URCs as markers, and the timeline."""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from ntnstack.runner.svg import KIND_COLOURS, MARKED, line_plot

PLOTS = (("elevation_deg", "elevation", "deg", 1.0),
         ("delay_ms", "one-way service-link delay", "ms", 0.1),
         ("doppler_hz", "downlink Doppler", "Hz", 1.0),
         ("ta_us", "UE-specific TA (service RTT)", "us", 1.0),
         ("signal_dbm", "downlink signal (RSRP)", "dBm", 1.0))
"""(sample field, title, unit, smallest axis span in that unit)."""
CSS = """body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;
margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:left}
.passed{background:#e6f4e6}.failed{background:#fbe3e3}.error{background:#fde9c8}
.skipped{background:#eee}.timeline{max-height:24em;overflow:auto}code{font-size:11px}
h2{border-bottom:2px solid #444;margin-top:2em}.legend span{margin-right:1em}"""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, sort_keys=True))
    return escape("" if value is None else str(value))


def render(run: dict[str, Any]) -> str:
    """journal.read_run()'s data -> the HTML text."""
    info, steps = run["run"], run["steps"]
    terminals = list(dict.fromkeys([s["terminal"] for s in steps] +
                                   [s["terminal"] for s in run["samples"]]))
    body = [f"<h1>ntnstack run: {escape(info['scenario'])}</h1>", _summary(info, steps),
            '<p class="legend">' + "".join(f'<span style="color:{c}">&#9646; {k}</span>'
                                           for k, c in KIND_COLOURS.items()) + "</p>"]
    for i, terminal in enumerate(terminals):
        body.append(_terminal(terminal, run, _span(terminal, steps), f"t{i}"))
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ntnstack "
            f"{escape(info['scenario'])}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _span(terminal: str, steps: list[dict]) -> tuple[float, float]:
    """The plots' time axis: the terminal's own steps, with a 5 % margin each side."""
    mine = [s for s in steps if s["terminal"] == terminal] or steps
    if not mine:
        return 0.0, 1.0
    t0, t1 = min(s["started_s"] for s in mine), max(s["ended_s"] for s in mine)
    pad = max(0.05 * (t1 - t0), 1.0)
    return max(0.0, t0 - pad), t1 + pad


def _summary(info: dict, steps: list[dict]) -> str:
    counts = {k: sum(1 for s in steps if s["status"] == k) for k in ("passed", "failed",
                                                                      "error", "skipped",
                                                                      "not-observable")}
    rows = [("run", info["run_id"]), ("status", info["status"]),
            ("files", ", ".join(info["files"])), ("testbed", info["testbed"]),
            ("clock", info["clock"]), ("started", info["started_at"]),
            ("emulated time", f"{info.get('emulated_s') or 0:.1f} s"),
            ("wall time", f"{info.get('wall_s') or 0:.2f} s"),
            ("steps", ", ".join(f"{v} {k}" for k, v in counts.items()))]
    return "<table>" + "".join(f"<tr><th>{k}</th><td>{_cell(v)}</td></tr>" for k, v in rows) + \
        "</table>"


def _terminal(terminal: str, run: dict, t_range: tuple[float, float], uid: str) -> str:
    steps = [s for s in run["steps"] if s["terminal"] == terminal]
    events = [e for e in run["events"] if e["terminal"] == terminal]
    samples = [s for s in run["samples"] if s["terminal"] == terminal]
    family = steps[0]["family"] if steps else ""
    markers = [(e["t_s"], e["kind"], e["text"]) for e in events if e["kind"] in MARKED]
    out = [f'<section id="t-{escape(terminal)}"><h2>{escape(terminal)} '
           f'<small>{escape(family)}</small></h2>', _steps_table(steps)]
    if samples:
        t = [s["t_s"] for s in samples]
        for key, title, unit, span in PLOTS:
            values = [s[key] if s[key] is not None else float("nan") for s in samples]
            out.append("<div>" + line_plot(t, values, title=title, unit=unit, t_range=t_range,
                                           markers=markers, min_span=span,
                                           clip_id=f"{uid}-{key}") + "</div>")
    out.append('<div class="timeline"><table><tr><th>t [s]</th><th>kind</th><th>text</th></tr>'
               + "".join(f'<tr><td>{e["t_s"]:.3f}</td><td style="color:'
                         f'{KIND_COLOURS.get(e["kind"], "#333")}">{escape(e["kind"])}</td>'
                         f'<td><code>{escape(e["text"])}</code></td></tr>' for e in events)
               + "</table></div></section>")
    return "\n".join(out)


def _steps_table(steps: list[dict]) -> str:
    head = ("<table><tr><th>step</th><th>t [s]</th><th>status</th><th>expected</th>"
            "<th>observed</th><th>message</th></tr>")
    rows = []
    for s in steps:
        expected = "; ".join(f"{c['name']}={_cell(c['expected'])}" for c in s["checks"])
        observed = "; ".join(f"{k}={_cell(v)}" for k, v in s["observed"].items())
        rows.append(f'<tr class="{escape(s["status"])}"><td>{s["idx"]:02d} '
                    f'{escape(s["action"])}</td><td>{s["started_s"]:.1f}-{s["ended_s"]:.1f}'
                    f'</td><td>{escape(s["status"])}</td><td>{expected}</td><td>{observed}'
                    f'</td><td>{_cell(s["message"])}</td></tr>')
    return head + "".join(rows) + "</table>"


def write(run: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(render(run), encoding="utf-8")

"""report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched).
At the top: the tool version, the run, its failures first, links to the evidence files of
the folder and the legends. Per terminal: its steps with verdicts, plots of elevation, delay,
Doppler, TA and signal against emulated time with the terminal's commands and URCs as
markers (a series that stays within its plot's smallest span is one line of text instead),
a message sequence chart and the timeline. What the run pushed into lab equipment (base
stations following the satellite): a table of its own, and per terminal beside its steps."""
from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

import ntnstack
from ntnstack.runner import msc, pushes_html, timeline
from ntnstack.runner.junit import case_names
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
.skipped{background:#eee}.not-observable{background:#e8eefa}
.timeline,.msc-box{max-height:24em;overflow:auto}code{font-size:11px}
h2{border-bottom:2px solid #444;margin-top:2em}.legend span{margin-right:1em}"""
STATUSES = (("passed", "expectations met"), ("failed", "an expectation not met"),
            ("error", "the step could not be carried out"),
            ("skipped", "not run (an earlier step of the terminal errored)"),
            ("not-observable", "the bridge cannot see it: neither pass nor fail"))
EVIDENCE = ("serial/*.rawlog", "capture*.pcap", "capture-frames.json", "timeline.json",
            "junit.xml", "results.sqlite", "certification.md")
"""Files of the run's folder the report links to (relative links, in this order)."""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, sort_keys=True))
    return escape("" if value is None else str(value))


def render(run: dict[str, Any], evidence: list[str] = ()) -> str:
    """journal.read_run()'s data -> the HTML text; ``evidence``: files of the run's folder
    to link to (paths relative to the report)."""
    info, steps = run["run"], run["steps"]
    terminals = list(dict.fromkeys([s["terminal"] for s in steps] +
                                   [s["terminal"] for s in run["samples"]]))
    names = case_names(steps)
    rows = timeline.rows(run)
    body = [f"<h1>ntnstack run: {escape(info['scenario'])}</h1>",
            f"<p>ntnstack {escape(ntnstack.__version__)}</p>", _summary(info, steps),
            _failures(steps, names), _evidence(evidence), _legends(),
            pushes_html.section(run.get("pushes", []))]
    for i, terminal in enumerate(terminals):
        body.append(_terminal(terminal, run, _span(terminal, steps), f"t{i}", names, rows))
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


def _failures(steps: list[dict], names: dict[int, str]) -> str:
    """The steps that did not pass, failed and errored first, each linked to its row."""
    order = {"failed": 0, "error": 1, "skipped": 2, "not-observable": 3}
    bad = sorted((s for s in steps if s["status"] in order),
                 key=lambda s: (order[s["status"]], s["idx"]))
    if not bad:
        return '<h2 id="failures">Failures</h2><p class="passed">none: every step passed</p>'
    rows = "".join(f'<tr class="{escape(s["status"])}"><td>{escape(s["status"])}</td><td>'
                   f'<a href="#{_anchor(s)}">{escape(s["terminal"])} '
                   f'{escape(names[s["idx"]])}</a></td><td>{_cell(s["message"])}</td></tr>'
                   for s in bad)
    return (f'<h2 id="failures">Failures first ({len(bad)} steps not passed)</h2><table>'
            f"<tr><th>status</th><th>step</th><th>why</th></tr>{rows}</table>")


def _evidence(files: list[str]) -> str:
    if not files:
        return ""
    links = ", ".join(f'<a href="{escape(f)}">{escape(f)}</a>' for f in files)
    return f"<p>Evidence in this folder: {links}</p>"


def _legends() -> str:
    statuses = "".join(f'<span class="{k}">{k}: {escape(v)}</span>' for k, v in STATUSES)
    kinds = "".join(f'<span style="color:{c}">&#9646; {k}</span>'
                    for k, c in KIND_COLOURS.items())
    return (f'<p class="legend"><b>Step status</b>: {statuses}</p><p class="legend"><b>Event '
            f"kinds</b> (plot ticks for {', '.join(MARKED)}; chart arrows and timeline): "
            f"{kinds}</p><p class=\"legend\">Plots: emulated seconds since the start on "
            "the x axis; a gap is time without the satellite in view.</p>")


def _anchor(step: dict) -> str:
    return escape(f"s-{step['terminal']}-{step['idx']}")


def _flat(values: list[float], span: float, unit: str) -> str | None:
    """A one-line summary when the series varies by less than ``span`` (its plot's smallest
    axis span, in ``unit``) or is never defined; None when it is worth a plot."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return "no value (the satellite is never in view)"
    lo, hi = min(finite), max(finite)
    if hi - lo >= span:
        return None
    gaps = ", with gaps out of view" if len(finite) < len(values) else ""
    return (f"{0.5 * (lo + hi):.4g} {unit} throughout (varies by less than {span:g} {unit})"
            f"{gaps}")


def _terminal(terminal: str, run: dict, t_range: tuple[float, float], uid: str,
              names: dict[int, str], rows: list[dict]) -> str:
    steps = [s for s in run["steps"] if s["terminal"] == terminal]
    events = [e for e in run["events"] if e["terminal"] == terminal]
    samples = [s for s in run["samples"] if s["terminal"] == terminal]
    family = steps[0]["family"] if steps else ""
    markers = [(e["t_s"], e["kind"], e["text"]) for e in events if e["kind"] in MARKED]
    out = [f'<section id="t-{escape(terminal)}"><h2>{escape(terminal)} '
           f'<small>{escape(family)}</small></h2>', _steps_table(steps, names),
           pushes_html.for_terminal(terminal, run.get("pushes", []))]
    if samples:
        t = [s["t_s"] for s in samples]
        flat = []
        for key, title, unit, span in PLOTS:
            values = [s[key] if s[key] is not None else float("nan") for s in samples]
            summary = _flat(values, span, unit)
            if summary:
                flat.append(f"<li>{escape(title)}: {escape(summary)}</li>")
                continue
            out.append("<div>" + line_plot(t, values, title=title, unit=unit, t_range=t_range,
                                           markers=markers, min_span=span,
                                           clip_id=f"{uid}-{key}") + "</div>")
        if flat:
            out.append("<p>Steady over the run (not plotted):</p><ul>" + "".join(flat)
                       + "</ul>")
    out.append('<h3>Message sequence</h3><div class="msc-box">' + msc.chart(rows, terminal)
               + "</div>")
    out.append('<div class="timeline"><table><tr><th>t [s]</th><th>kind</th><th>text</th></tr>'
               + "".join(f'<tr><td>{e["t_s"]:.3f}</td><td style="color:'
                         f'{KIND_COLOURS.get(e["kind"], "#333")}">{escape(e["kind"])}</td>'
                         f'<td><code>{escape(e["text"])}</code></td></tr>' for e in events)
               + "</table></div></section>")
    return "\n".join(out)


def _steps_table(steps: list[dict], names: dict[int, str]) -> str:
    head = ("<table><tr><th>step</th><th>t [s]</th><th>status</th><th>expected</th>"
            "<th>observed</th><th>message</th></tr>")
    rows = []
    for s in steps:
        expected = "; ".join(f"{c['name']}={_cell(c['expected'])}" for c in s["checks"])
        observed = "; ".join(f"{k}={_cell(v)}" for k, v in s["observed"].items())
        rows.append(f'<tr id="{_anchor(s)}" class="{escape(s["status"])}"><td>'
                    f'{escape(names[s["idx"]])}</td><td>{s["started_s"]:.1f}-{s["ended_s"]:.1f}'
                    f'</td><td>{escape(s["status"])}</td><td>{expected}</td><td>{observed}'
                    f'</td><td>{_cell(s["message"])}</td></tr>')
    return head + "".join(rows) + "</table>"


def write(run: dict[str, Any], path: str | Path) -> None:
    """Write report.html, linking to the evidence files already in its folder."""
    folder = Path(path).parent
    files = [str(f.relative_to(folder)) for pattern in EVIDENCE
             for f in sorted(folder.glob(pattern))]
    Path(path).write_text(render(run, files), encoding="utf-8")

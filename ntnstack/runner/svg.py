"""A small inline-SVG line plot (no dependency, no script): one quantity against emulated time,
with event markers as vertical ticks carrying tooltips."""
from __future__ import annotations

import math
from html import escape

KIND_COLOURS = {"step": "#2ca02c", "call": "#17becf", "cmd": "#1f77b4", "rsp": "#7f7f7f",
                "urc": "#d62728", "link": "#9467bd", "module": "#bcbd22", "result": "#8c564b",
                "stack": "#e377c2"}
MARKED = ("step", "cmd", "urc", "link")
"""Event kinds drawn as ticks on the plots (all kinds are in the timeline table)."""
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 12, 18, 22


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 5 x 10^n steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.7g}"


def line_plot(t_s: list[float], values: list[float], *, title: str, unit: str,
              t_range: tuple[float, float], markers: list[tuple[float, str, str]] = (),
              width: int = 900, height: int = 130, min_span: float = 1.0,
              clip_id: str = "plot") -> str:
    """An <svg> of ``values`` (NaN breaks the line) against ``t_s`` (emulated s since the
    start). ``markers`` are (t_s, kind, text) drawn as ticks with a tooltip; the value axis
    spans at least ``min_span`` (in the plot's unit). The curve is clipped to the plot area
    (``clip_id`` must be unique in the page)."""
    t0, t1 = t_range
    t1 = t1 if t1 > t0 else t0 + 1.0
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi - lo < min_span:  # a steady quantity: show it flat, not its rounding noise
        mid = 0.5 * (hi + lo)
        lo, hi = mid - 0.5 * min_span, mid + 0.5 * min_span
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad
    pw, ph = width - MARGIN_L - MARGIN_R, height - MARGIN_T - MARGIN_B

    def x(t: float) -> float:
        return MARGIN_L + (t - t0) / (t1 - t0) * pw

    def y(v: float) -> float:
        return MARGIN_T + (hi - v) / (hi - lo) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<clipPath id="{escape(clip_id)}"><rect x="{MARGIN_L}" y="{MARGIN_T}" '
             f'width="{pw}" height="{ph}"/></clipPath>',
             f'<rect x="{MARGIN_L}" y="{MARGIN_T}" width="{pw}" height="{ph}" fill="#fafafa" '
             f'stroke="#ccc"/>',
             f'<text x="{MARGIN_L}" y="12" font-size="11" font-weight="bold">'
             f'{escape(title)} [{escape(unit)}]</text>']
    for v in nice_ticks(lo, hi, 4):
        parts.append(f'<line x1="{MARGIN_L}" x2="{MARGIN_L + pw}" y1="{y(v):.1f}" '
                     f'y2="{y(v):.1f}" stroke="#e4e4e4"/><text x="{MARGIN_L - 4}" '
                     f'y="{y(v) + 3:.1f}" font-size="9" text-anchor="end">{_fmt(v)}</text>')
    for t in nice_ticks(t0, t1, 8):
        parts.append(f'<text x="{x(t):.1f}" y="{height - 8}" font-size="9" '
                     f'text-anchor="middle">{_fmt(t)} s</text>')
    for t, kind, text in markers:
        if t0 <= t <= t1:
            colour = KIND_COLOURS.get(kind, "#333")
            parts.append(f'<line class="ev ev-{escape(kind)}" x1="{x(t):.1f}" x2="{x(t):.1f}" '
                         f'y1="{MARGIN_T}" y2="{MARGIN_T + ph}" stroke="{colour}" '
                         f'stroke-opacity="0.5"><title>{t:.3f} s {escape(kind)}: '
                         f'{escape(text)}</title></line>')
    for run in _runs(t_s, values):
        points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
        parts.append(f'<polyline class="series" fill="none" stroke="#000" stroke-width="1.3" '
                     f'clip-path="url(#{escape(clip_id)})" points="{points}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _runs(t_s: list[float], values: list[float]) -> list[list[tuple[float, float]]]:
    """Split the series at NaN / None (no line across gaps: the satellite is not visible)."""
    runs, current = [], []
    for t, v in zip(t_s, values, strict=True):
        if v is None or not math.isfinite(v):
            if current:
                runs.append(current)
            current = []
        else:
            current.append((t, v))
    if current:
        runs.append(current)
    return runs

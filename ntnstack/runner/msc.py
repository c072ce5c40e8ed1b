"""A message sequence chart of one terminal as inline SVG (no script), from its timeline.json
rows: three lifelines, the test (the driver and its steps), the module at the port and the
emulated network. Commands go test -> module, responses and URCs module -> test, RRC / NAS
messages module <-> network by their direction (``UL`` / ``DL``); steps are bands across the
chart, module and link events notes on their lifeline."""
from __future__ import annotations

from html import escape
from typing import Any

from ntnstack.runner.svg import KIND_COLOURS

LIFELINES = ("test", "module", "network")
X = {"test": 120, "module": 450, "network": 780}
WIDTH, ROW_H, TOP = 900, 16, 34
MAX_ROWS = 300
"""Rows drawn per terminal; the rest are counted (every event is in timeline.json)."""
ARROWS = {"cmd": ("test", "module"), "rsp": ("module", "test"), "urc": ("module", "test")}
NOTES = {"module": "module", "link": "network", "call": "test", "result": "test"}


def _placement(row: dict[str, Any]) -> tuple[str, str, str] | None:
    """(kind of drawing, from, to) of a timeline row, or None when not charted."""
    kind, text = row["kind"], row["text"]
    if kind in ARROWS:
        return ("arrow", *ARROWS[kind])
    if kind == "stack":
        up = text.startswith("UL")
        return ("arrow", "module", "network") if up else ("arrow", "network", "module")
    if kind == "step":
        return ("band", "test", "network")
    if kind in NOTES:
        return ("note", NOTES[kind], NOTES[kind])
    return None


def chart(rows: list[dict[str, Any]], terminal: str) -> str:
    """The <svg> chart of ``terminal``'s rows (timeline.rows of the run)."""
    mine = [(r, p) for r in rows if r["terminal"] == terminal
            and (p := _placement(r)) is not None]
    shown, hidden = mine[:MAX_ROWS], len(mine) - MAX_ROWS
    height = TOP + ROW_H * (len(shown) + 1) + (ROW_H if hidden > 0 else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="msc" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="message sequence chart of {escape(terminal)}">',
             '<defs><marker id="msc-head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#444"/></marker>'
             '</defs>']
    for name in LIFELINES:
        parts.append(f'<text x="{X[name]}" y="14" font-size="12" font-weight="bold" '
                     f'text-anchor="middle">{name}</text><line x1="{X[name]}" x2="{X[name]}" '
                     f'y1="20" y2="{height - 4}" stroke="#bbb" stroke-dasharray="4 3"/>')
    for i, (row, (how, src, dst)) in enumerate(shown):
        y = TOP + ROW_H * i
        parts.append(_draw(row, how, src, dst, y))
    if hidden > 0:
        parts.append(f'<text x="10" y="{TOP + ROW_H * len(shown) + 8}" font-size="10">... '
                     f'{hidden} more events in timeline.json</text>')
    parts.append("</svg>")
    return "".join(parts)


def _draw(row: dict[str, Any], how: str, src: str, dst: str, y: int) -> str:
    colour = KIND_COLOURS.get(row["kind"], "#333")
    text = row["text"] if len(row["text"]) <= 60 else row["text"][:57] + "..."
    stamp = f'<text x="4" y="{y + 4}" font-size="9" fill="#666">{row["t_s"]:.3f} s</text>'
    tip = f'<title>{row["t_s"]:.3f} s {escape(row["kind"])}: {escape(row["text"])}</title>'
    if how == "band":
        return (f'{stamp}<rect x="{X[src] - 60}" y="{y - 6}" width="{X[dst] - X[src] + 120}" '
                f'height="{ROW_H - 4}" fill="{colour}" fill-opacity="0.15">{tip}</rect>'
                f'<text x="{(X[src] + X[dst]) // 2}" y="{y + 4}" font-size="10" '
                f'text-anchor="middle">step: {escape(text)}</text>')
    if how == "note":
        return (f'{stamp}<text x="{X[src] + 6}" y="{y + 4}" font-size="9" fill="{colour}">'
                f'{escape(row["kind"])}: {escape(text)}{tip}</text>')
    dash = ' stroke-dasharray="5 3"' if row["kind"] == "urc" else ""
    mid = (X[src] + X[dst]) // 2
    return (f'{stamp}<line x1="{X[src]}" x2="{X[dst]}" y1="{y}" y2="{y}" stroke="{colour}"'
            f'{dash} marker-end="url(#msc-head)">{tip}</line><text x="{mid}" y="{y - 2}" '
            f'font-size="9" text-anchor="middle" fill="{colour}">{escape(text)}</text>')

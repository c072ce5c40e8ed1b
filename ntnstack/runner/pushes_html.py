"""The report's view of what the run pushed into lab equipment (ntnstack.live.ran): a table
for the run and, per terminal, the pushes for its cell beside its steps. Routine NTN
parameter updates (one per SIB update) are counted; every cut, restore, restart and refusal
is listed. Every push, with its full request and reply, is in results.sqlite (``pushes``)."""
from __future__ import annotations

from html import escape

ROUTINE = ("config_set",)
"""Actions repeated at each SIB update: counted, not listed, when accepted."""


def section(pushes: list[dict]) -> str:
    """``Pushed to lab equipment``: the counts, then the listed pushes of every cell."""
    if not pushes:
        return ""
    refused = sum(1 for p in pushes if not p["ok"])
    equipment = sorted({p["equipment"] for p in pushes})
    return (f'<h2 id="pushes">Pushed to lab equipment ({len(pushes)} requests to '
            f'{escape(", ".join(equipment))}; {refused} refused)</h2>' + _listing(pushes))


def for_terminal(terminal: str, pushes: list[dict]) -> str:
    """The pushes for ``terminal``'s cell, beside its steps."""
    mine = [p for p in pushes if terminal in p["terminals"]]
    if not mine:
        return ""
    return (f"<h3>Pushed to lab equipment for cell {escape(mine[0]['cell'])}</h3>"
            + _listing(mine))


def _listing(pushes: list[dict]) -> str:
    """Accepted routine pushes counted per equipment and cell; the others in a table."""
    counts: dict[tuple[str, str], list[float]] = {}
    for p in pushes:
        if p["action"] in ROUTINE and p["ok"]:
            counts.setdefault((p["equipment"], p["cell"]), []).append(p["t_s"])
    lines = "".join(f"<li>{escape(eq)}, cell {escape(cell)}: {len(t)} NTN parameter updates "
                    f"accepted, {t[0]:.1f} s to {t[-1]:.1f} s</li>"
                    for (eq, cell), t in sorted(counts.items()))
    listed = [p for p in pushes if p["action"] not in ROUTINE or not p["ok"]]
    return ((f"<ul>{lines}</ul>" if lines else "")
            + (f'<div class="timeline">{_table(listed)}</div>' if listed else ""))


def _table(pushes: list[dict]) -> str:
    head = ("<table><tr><th>t [s]</th><th>equipment</th><th>cell</th><th>action</th>"
            "<th>request</th><th>reply</th></tr>")
    rows = "".join(f'<tr class="{"passed" if p["ok"] else "failed"}"><td>{p["t_s"]:.3f}</td>'
                   f'<td>{escape(p["equipment"])}</td><td>{escape(p["cell"])}</td>'
                   f'<td>{escape(p["action"])}</td><td><code>{escape(p["request"])}</code>'
                   f'</td><td><code>{escape(p["reply"])}</code></td></tr>' for p in pushes)
    return head + rows + "</table>"

"""The scenario reference (docs/scenarios.md), generated from the action table itself
(ntnstack.scenario.actions), so the document cannot drift from what the loader accepts.
``python3 build.py docs`` rewrites the generated block; a test checks it is current."""
from __future__ import annotations

from ntnstack.scenario.actions import ACTIONS, STEP_KEYS, SUCCEEDS, Action, Param

BEGIN, END = "<!-- actions:begin -->", "<!-- actions:end -->"


def _param(name: str, p: Param) -> str:
    bounds = ""
    if p.minimum is not None or p.maximum is not None:
        lo = "" if p.minimum is None else f"{p.minimum:g}"
        hi = "" if p.maximum is None else f"{p.maximum:g}"
        bounds = f", {lo}..{hi}"
    unit = f" ({p.unit}{bounds})" if p.unit or bounds else ""
    return f"`{name}`: {p.kind}{unit}{'' if p.required else ', optional'}"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|")


def _expects(action: Action) -> str:
    return "; ".join(f"`{k}` ({e.kind}): {e.meaning}" for k, e in action.expects.items()) \
        or "-"


def action_table() -> str:
    """The markdown table of every action: families, parameters, expectations, meaning."""
    lines = ["| action | families | parameters | expectations | what it does |",
             "| --- | --- | --- | --- | --- |"]
    for name, action in ACTIONS.items():
        params = "; ".join(_param(k, p) for k, p in action.params.items()) or "none"
        lines.append(f"| `{name}` | {', '.join(action.groups)} | {_cell(params)} | "
                     f"{_cell(_expects(action))} | {_cell(action.doc or '-')} |")
    keys = ", ".join(f"`{k}`" for k in STEP_KEYS)
    return "\n".join([BEGIN, f"Keys of a step: {keys}, plus the action's parameters. Every "
                      f"action also takes `expect: {{succeeds: false}}`: "
                      f"{SUCCEEDS.meaning}.", "", *lines, END])


def rewrite(text: str) -> str:
    """``text`` with its generated block replaced by the current table."""
    head, rest = text.split(BEGIN, 1)
    return head + action_table() + rest.split(END, 1)[1]

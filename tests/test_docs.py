"""The docs stand alone: every relative link in the repository's Markdown resolves inside
the repository, and no file points to documents a clone does not hold."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
OUTSIDE = re.compile(r"\.\./shared|\bDESIGN\.md|\bSTYLE\.md|\bREFERENCE\.md")


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return [ROOT / p for p in out.splitlines()]


def test_markdown_links_resolve_inside_the_repository():
    broken = []
    for md in (p for p in _tracked() if p.suffix == ".md"):
        for target in LINK.findall(md.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (md.parent / target).resolve()
            if not path.exists() or ROOT not in path.parents:
                broken.append(f"{md.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_no_file_points_outside_the_repository():
    pointing = [str(p.relative_to(ROOT)) for p in _tracked() if p.is_file()
                and p.name != "test_docs.py"
                and OUTSIDE.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert pointing == []


def test_scenario_reference_is_generated_from_the_action_table():
    """docs/scenarios.md lists every action as ntnstack.scenario.actions defines it
    (``python3 build.py docs`` regenerates it)."""
    from ntnstack.scenario.actions import ACTIONS
    from ntnstack.scenario.reference import rewrite

    text = (ROOT / "docs" / "scenarios.md").read_text()
    assert rewrite(text) == text, "docs/scenarios.md is stale: run python3 build.py docs"
    assert all(f"| `{name}` |" in text for name in ACTIONS)


def test_driver_api_page_is_generated_from_the_docstring():
    """docs/drivers.md is at_bridge.drivers' docstring as markdown (``build.py docs``)."""
    from at_bridge.drivers.reference import markdown

    text = (ROOT / "docs" / "drivers.md").read_text()
    assert text == markdown(), "docs/drivers.md is stale: run python3 build.py docs"
    assert "open_module(url, family" in text and "```python" in text

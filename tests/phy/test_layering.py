"""Layer rules of docs/design.md (layer 1 and the order of layers), checked on the source
tree with ``ast``:

- only phy_ffi/_bindings.py imports the compiled module ``phy_ffi._ntnphy``;
- at_bridge imports nothing from ntnstack or phy_ffi (it is usable alone).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("ntnstack", "phy_ffi", "at_bridge", "tests")
COMPILED = "_ntnphy"
BINDINGS = ROOT / "phy_ffi" / "_bindings.py"


def python_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts)


def imported_modules(source: str) -> list[str]:
    """Every module a source imports: ``import a.b``, ``from a import b`` (as a.b), relative
    imports (with their dots), and importlib.import_module / __import__ of a literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found += [base] + [f"{base}.{alias.name}".replace("..", ".") for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id",
              None)) in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(node.args[0].value)
    return found


def imports_compiled(source: str) -> bool:
    return any(COMPILED in name.split(".") for name in imported_modules(source))


def imports_upper_layers(source: str) -> list[str]:
    return [m for m in imported_modules(source) if m.split(".")[0] in ("ntnstack", "phy_ffi")]


@pytest.mark.parametrize("snippet, expected", [
    ("from phy_ffi._ntnphy import ffi, lib", True),
    ("import phy_ffi._ntnphy as m", True),
    ("from phy_ffi import _ntnphy", True),
    ("from ._ntnphy import lib", True),
    ("import importlib\nimportlib.import_module('phy_ffi._ntnphy')", True),
    ("from phy_ffi import _bindings", False),
    ("x = '_ntnphy'", False),
])
def test_the_checker_sees_every_import_form(snippet, expected):
    assert imports_compiled(snippet) is expected


def test_only_bindings_imports_the_compiled_module():
    assert imports_compiled(BINDINGS.read_text()), "the checker must see _bindings.py's import"
    offenders = [str(p.relative_to(ROOT)) for p in python_files(*SOURCE_DIRS)
                 if p != BINDINGS and imports_compiled(p.read_text())]
    assert offenders == [], f"only phy_ffi/_bindings.py may import {COMPILED}: {offenders}"


def test_at_bridge_imports_nothing_from_ntnstack_or_phy_ffi():
    assert imports_upper_layers("from ntnstack.errors import InputError")  # checker works
    offenders = {str(p.relative_to(ROOT)): imports_upper_layers(p.read_text())
                 for p in python_files("at_bridge")}
    assert {k: v for k, v in offenders.items() if v} == {}

"""Capabilities are typed (Protocols, declared attributes, explicit registration), not found
by name: no ``getattr`` / ``hasattr`` / ``setattr`` of a literal attribute name anywhere in
ntnstack, at_bridge or phy_ffi (checked with ``ast``).
A function that reads a value of a type it does not know (``getattr(exc, "strerror", None)``
of an arbitrary exception) is not among these packages' code."""
from __future__ import annotations

import ast

import pytest

from tests.test_layering import ROOT, python_files

CHECKED = ("ntnstack", "at_bridge", "phy_ffi")
PROBES = ("getattr", "hasattr", "setattr")


def string_probes(source: str) -> list[str]:
    """``name(obj, "literal", ...)`` calls of PROBES in ``source``: their text."""
    return [ast.unparse(node) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in PROBES and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)]


@pytest.mark.parametrize("snippet, found", [
    ('getattr(m, "_timing", None)', 1),
    ('hasattr(x, "__iter__")', 1),
    ('lambda ch, v: setattr(ch, "cmee", v[0])', 1),
    ("getattr(p, f.name)", 0),          # a dataclass field by its declared name
    ("m.calls.dial(ch, cmd)", 0),
])
def test_string_probes_are_found(snippet, found):
    assert len(string_probes(snippet)) == found


def test_no_string_probes_in_these_packages():
    files = [p for d in CHECKED for p in ([ROOT / d] if d.endswith(".py")
                                          else python_files(d))]
    assert len(files) > 50     # the packages were read
    probes = {str(p.relative_to(ROOT)): string_probes(p.read_text()) for p in files}
    assert {k: v for k, v in probes.items() if v} == {}

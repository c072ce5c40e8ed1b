"""The layer map of docs/design.md, checked on the source tree with ``ast`` (every import,
at module level or inside a function, ``importlib.import_module`` of a literal included):

- only phy_ffi/_bindings.py imports the compiled module ``phy_ffi._ntnphy``;
- every package of ntnstack, at_bridge and phy_ffi imports only what LAYER_MAP allows it
  (at_bridge and phy_ffi nothing of the project: each is usable alone);
- no module imports itself back through others: the module import graph has no cycle, so
  none can hide behind a function-level import.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ntnstack", "phy_ffi", "at_bridge")
SOURCE_DIRS = (*PACKAGES, "tests")
COMPILED = "_ntnphy"
BINDINGS = ROOT / "phy_ffi" / "_bindings.py"

BASE = frozenset({"ntnstack.errors"})
CORE = BASE | {"ntnstack.clock", "ntnstack.limits", "phy_ffi"}
LAYER_MAP: dict[str, frozenset[str]] = {
    # standalone: nothing of the project
    "phy_ffi": frozenset(),
    "at_bridge": frozenset(),
    "ntnstack.errors": frozenset(),
    "ntnstack.configs": frozenset(),
    "ntnstack": frozenset(),                 # the package itself: __version__
    # shared services of every layer
    "ntnstack.clock": BASE,
    "ntnstack.limits": BASE,
    "ntnstack.timescales": BASE | {"ntnstack.clock"},   # GPS time, leap seconds
    "ntnstack.outputs": BASE,
    "ntnstack.progress": frozenset(),
    "ntnstack.asn1_cache": frozenset(),      # asn1tools' parse kept on disk
    "ntnstack.capture": BASE,
    "ntnstack.position": BASE,
    # layers 2-6, each over the ones below
    "ntnstack.orbit": CORE,
    "ntnstack.link": CORE | {"ntnstack.orbit"},
    "ntnstack.rrc": CORE | {"ntnstack.orbit", "ntnstack.link", "ntnstack.asn1_cache"},
    "ntnstack.stack": CORE | {"ntnstack.orbit", "ntnstack.link", "ntnstack.rrc",
                              "ntnstack.capture", "ntnstack.asn1_cache", "at_bridge"},
    "ntnstack.terminals": CORE | {"ntnstack.orbit", "ntnstack.link", "ntnstack.rrc",
                                  "ntnstack.stack", "at_bridge"},
    "ntnstack.sctp": BASE,                   # SCTP transports (kernel, userspace)
    "ntnstack.s1ap": CORE | {"ntnstack.capture", "ntnstack.stack", "ntnstack.sctp"},
    # layer 8: the jobs
    "ntnstack.rigs": BASE | {"ntnstack.scenario"},
    "ntnstack.scenario": CORE | {"ntnstack.orbit", "ntnstack.configs", "at_bridge"},
    "ntnstack.export": CORE | {"ntnstack.orbit", "ntnstack.link", "ntnstack.rrc",
                               "ntnstack.scenario"},
    "ntnstack.iq": CORE | {"ntnstack.orbit", "ntnstack.link", "ntnstack.progress",
                           "ntnstack.scenario", "ntnstack.runner", "ntnstack.live"},
    "ntnstack.runner": CORE | {"ntnstack", "ntnstack.orbit", "ntnstack.link", "ntnstack.rrc",
                               "ntnstack.capture", "ntnstack.stack", "ntnstack.terminals",
                               "ntnstack.scenario", "ntnstack.rigs", "ntnstack.progress",
                               "at_bridge"},
    "ntnstack.certification": BASE | {"ntnstack.configs", "ntnstack.scenario",
                                      "ntnstack.terminals", "ntnstack.runner", "at_bridge"},
    "ntnstack.live": CORE | {"ntnstack.rrc", "ntnstack.stack", "ntnstack.scenario",
                             "ntnstack.runner", "ntnstack.export"},
    "ntnstack.pytest_plugin": BASE | {"ntnstack.scenario", "ntnstack.rigs", "ntnstack.runner",
                                      "ntnstack.live.ran", "at_bridge"},
    "ntnstack.commands": None,               # the command line may use every layer
    "ntnstack.cli": BASE | {"ntnstack", "ntnstack.commands", "ntnstack.link"},
    "ntnstack.__main__": frozenset({"ntnstack.cli"}),
}
"""Package (or top-level module) -> what it may import besides itself: packages, or single
modules such as ``ntnstack.live.ran``; ``ntnstack`` is the top-level module only (its
``__version__``), never every package under it. None: anything."""


def python_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    return (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
            or _is_import_call(n))


def _is_import_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
        node.func, "id", None)) in ("import_module", "__import__") and bool(node.args)
        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def imported_modules(source: str, importer: str = "", is_package: bool = False) -> list[str]:
    """Every module a source imports: ``import a.b``, ``from a import b`` (as a and a.b),
    relative imports (resolved against ``importer`` when given, else kept with their dots),
    and importlib.import_module / __import__ of a literal."""
    found = []
    for node in import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, importer, is_package)
            found += [base] + [f"{base}.{alias.name}".replace("..", ".") for alias in node.names]
        else:
            found.append(node.args[0].value)
    return found


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level or not importer:
        return "." * node.level + (node.module or "")
    package = importer.split(".")[:None if is_package else -1]
    package = package[:len(package) - node.level + 1]
    return ".".join(package + ([node.module] if node.module else []))


def project_imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a name resolved to the longest existing
    module: ``from a import b`` with b a function is an import of a); a module's own
    ancestor packages are left out (Python imports them first, they are no dependency)."""
    files = {module_name(p): p for p in python_files(*PACKAGES)}
    graph = {}
    for name, path in files.items():
        targets = set()
        for target in imported_modules(path.read_text(), name, path.name == "__init__.py"):
            while target and target not in files:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
        graph[name] = targets
    return graph


def group_of(module: str) -> str:
    """The LAYER_MAP entry a module belongs to: ``ntnstack.X`` for ntnstack, else the top
    package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ntnstack" else parts[0]


def allowed(importer: str, target: str) -> bool:
    rule = LAYER_MAP[group_of(importer)]
    if rule is None or group_of(target) == group_of(importer):
        return True
    return any(target == a or (a != "ntnstack" and target.startswith(a + "."))
               for a in rule)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(root: str) -> None:
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while (member := stack.pop()) != node:
                        on_stack.discard(member)
                        component.append(member)
                    on_stack.discard(node)
                    if component:
                        found.append(sorted([node, *component]))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def imports_compiled(source: str) -> bool:
    return any(COMPILED in name.split(".") for name in imported_modules(source))


@pytest.mark.parametrize("snippet, expected", [
    ("from phy_ffi._ntnphy import ffi, lib", True),
    ("import phy_ffi._ntnphy as m", True),
    ("from phy_ffi import _ntnphy", True),
    ("from ._ntnphy import lib", True),
    ("import importlib\nimportlib.import_module('phy_ffi._ntnphy')", True),
    ("def f():\n    from phy_ffi import _ntnphy", True),
    ("from phy_ffi import _bindings", False),
    ("x = '_ntnphy'", False),
])
def test_the_checker_sees_every_import_form(snippet, expected):
    assert imports_compiled(snippet) is expected


def test_relative_imports_resolve_against_the_importer():
    assert "ntnstack.runner.context" in imported_modules(
        "from .context import StepContext", "ntnstack.runner.steps")
    assert "ntnstack.errors" in imported_modules(
        "from ..errors import InputError", "ntnstack.runner", is_package=True)


def test_the_cycle_finder_sees_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_map_refuses_an_upward_import():
    assert not allowed("ntnstack.orbit.tle", "ntnstack.runner.engine")
    assert not allowed("at_bridge.transport", "ntnstack.clock")
    assert not allowed("ntnstack.scenario.testbed", "ntnstack.rigs.labgrid")
    assert not allowed("ntnstack.scenario.testbed", "ntnstack.rigs.power")
    assert allowed("ntnstack.rigs.places", "ntnstack.scenario.power_spec")
    assert not allowed("ntnstack.runner.engine", "ntnstack.live.service")  # "ntnstack" is
    assert allowed("ntnstack.runner.report", "ntnstack")                   # one module only


def test_only_bindings_imports_the_compiled_module():
    assert imports_compiled(BINDINGS.read_text()), "the checker must see _bindings.py's import"
    offenders = [str(p.relative_to(ROOT)) for p in python_files(*SOURCE_DIRS)
                 if p != BINDINGS and imports_compiled(p.read_text())]
    assert offenders == [], f"only phy_ffi/_bindings.py may import {COMPILED}: {offenders}"


def test_every_package_has_a_place_in_the_layer_map():
    graph = project_imports()
    assert "ntnstack.runner.engine" in graph, "the checker must find the runner"
    assert sorted({group_of(m) for m in graph} - set(LAYER_MAP)) == []


def test_every_import_follows_the_layer_map():
    graph = project_imports()
    upward = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                    if not allowed(a, b))
    assert upward == []


def test_no_module_imports_itself_back():
    graph = project_imports()
    assert "ntnstack.runner.sibs" in graph["ntnstack.runner.engine"]  # a function-level import
    assert cycles(graph) == []

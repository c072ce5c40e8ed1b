"""YAML documents that remember where every value was written, and overlays of several files.

A scenario or testbed is read with ``yaml.compose`` (not ``yaml.load``) so that each value
keeps the node mark of its file, line and column; validation errors then point at the exact
place. Several files overlay each other: mappings merge key by key, and for any other value
(scalar, list) the last file wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml._yaml import CParser as _CParser   # libyaml, when PyYAML was built with it
except ImportError:
    _CParser = None

from ntnstack.errors import InputError
from ntnstack.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, read_bounded_text

Key = str | int
KeyPath = tuple[Key, ...]


@dataclass(frozen=True)
class Mark:
    """A place in a file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class ConfigError(InputError):
    """A scenario or testbed value is wrong; the message names file, line, key and what was
    expected."""

    def __init__(self, mark: Mark | None, key: str, message: str):
        self.mark, self.key, self.detail = mark, key, message
        where = f"{mark}: " if mark else ""
        super().__init__(f"{where}{key or '(top level)'}: {message}")


def dotted(path: KeyPath) -> str:
    """``("terminals", "tt-a", "position", 0)`` -> ``terminals.tt-a.position[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Doc:
    """Plain YAML data plus the mark of every value (``marks``) and of every mapping key
    (``key_marks``), both indexed by key path."""

    data: Any
    marks: dict[KeyPath, Mark] = field(default_factory=dict)
    key_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def where(self, path: KeyPath) -> Mark | None:
        """The mark of ``path``, or of its nearest ancestor that has one."""
        for n in range(len(path), -1, -1):
            mark = self.marks.get(path[:n])
            if mark is not None:
                return mark
        return None

    def where_key(self, path: KeyPath) -> Mark | None:
        """The mark of the key that introduced ``path`` (falls back to the value's mark)."""
        return self.key_marks.get(path) or self.where(path)

    def error(self, path: KeyPath, message: str, at_key: bool = False) -> ConfigError:
        """A ConfigError located at ``path``."""
        mark = self.where_key(path) if at_key else self.where(path)
        return ConfigError(mark, dotted(path), message)


def _mark(node: yaml.Node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _LimitedComposer(yaml.composer.Composer):
    """PyYAML's composer that checks the limits while it composes, before any value is
    built: nesting depth and the node count with every alias expanded (ntnstack.limits), and
    no alias inside its own anchor. A "billion laughs" or ``&s [*s]`` stops here, at its
    file:line:col."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file
        self.depth = self.deepest = self.nodes = 0
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, height)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                if id(node) not in self.sizes:
                    raise self._error(event, f"alias *{event.anchor} refers to itself")
                size, height = self.sizes[id(node)]
                self._grow(event, size, self.depth + height)
            return super().compose_node(parent, index)
        event = self.peek_event()
        self.depth += 1
        nodes_before, deepest_before = self.nodes, self.deepest
        self._grow(event, 1, self.depth)
        node = super().compose_node(parent, index)
        self.sizes[id(node)] = (self.nodes - nodes_before, self.deepest - self.depth + 1)
        self.deepest = max(self.deepest, deepest_before)
        self.depth -= 1
        return node

    def _grow(self, event, nodes: int, depth: int) -> None:
        self.nodes += nodes
        self.deepest = max(self.deepest, depth)
        if depth > MAX_YAML_DEPTH:
            raise self._error(event, f"nested deeper than {MAX_YAML_DEPTH} levels")
        if self.nodes > MAX_YAML_NODES:
            raise self._error(event, f"more than {MAX_YAML_NODES} values with aliases "
                              f"expanded (a scenario needs far fewer)")

    def _error(self, event, message: str) -> ConfigError:
        mark = event.start_mark
        return ConfigError(Mark(self.file, mark.line + 1, mark.column + 1), "", message)


if _CParser is not None:
    class _Loader(_CParser, _LimitedComposer, yaml.resolver.Resolver):
        """libyaml's scanner and parser (8x faster than PyYAML's own, same events and
        marks) under the limited composer and SafeLoader's resolver."""

        def __init__(self, text: str, file: str):
            _CParser.__init__(self, text)
            _LimitedComposer.__init__(self, file)
            yaml.resolver.Resolver.__init__(self)

        # CParser composes in C; the Python composer (with the limits) takes over.
        check_node = yaml.composer.Composer.check_node
        get_node = yaml.composer.Composer.get_node
        get_single_node = yaml.composer.Composer.get_single_node
        compose_document = yaml.composer.Composer.compose_document
else:
    class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                  _LimitedComposer, yaml.resolver.Resolver):
        """PyYAML's own scanner and parser (no libyaml) under the limited composer."""

        def __init__(self, text: str, file: str):
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _LimitedComposer.__init__(self, file)
            yaml.resolver.Resolver.__init__(self)


def _compose(text: str, file: str) -> yaml.Node | None:
    loader = _Loader(text, file)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _Builder:
    """Turns a composed node tree into plain values, recording marks."""

    def __init__(self, file: str):
        self.file = file
        self.doc = Doc(None, files=(file,))
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.doc.marks[path] = _mark(node, self.file)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        try:
            return self.scalars.construct_object(node, deep=True)
        # PyYAML's safe constructors raise these on a value their tag cannot hold
        # (``!!int`` of nothing: IndexError; an unknown tag: ConstructorError).
        except (ValueError, OverflowError, IndexError, TypeError, yaml.YAMLError) as exc:
            what = "an ISO 8601 time such as 2026-01-01T00:00:00Z" if node.tag.endswith(
                ":timestamp") else f"a valid {node.tag.rsplit(':', 1)[-1]}"
            problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else None
            detail = " ".join((problem or str(exc)).split())[:120]
            raise ConfigError(_mark(node, self.file), dotted(path),
                              f"expected {what}, got {str(node.value)[:80]!r} "
                              f"({detail})") from None

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(_mark(key_node, self.file), dotted(path),
                                  "mapping keys must be plain names")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(_mark(key_node, self.file), dotted(path),
                                  "YAML merge keys (<<) are not supported; use an overlay file")
            key = str(self._scalar(key_node, path))
            if key in out:
                first = self.doc.key_marks[(*path, key)]
                raise ConfigError(_mark(key_node, self.file), dotted((*path, key)),
                                  f"duplicate key (first given at line {first.line})")
            self.doc.key_marks[(*path, key)] = _mark(key_node, self.file)
            out[key] = self.build(value_node, (*path, key))
        return out


def load_text(text: str, file: str) -> Doc:
    """Parse one YAML document; syntax errors become ConfigError with the file and line."""
    if len(text) > MAX_YAML_BYTES:
        raise _too_large(file)
    try:
        node = _compose(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        raise ConfigError(where, "", f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:   # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        char = exc.character
        shown = repr(chr(char)) if isinstance(char, int) and 0 <= char < 0x110000 else char
        raise ConfigError(Mark(file, line, column), "", f"not valid YAML: character {shown} "
                          f"is not allowed ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(Mark(file, 1, 1), "", f"not valid YAML: "
                          f"{' '.join(str(exc).split())}") from None
    if node is None:
        raise ConfigError(Mark(file, 1, 1), "", "the file is empty; expected a mapping")
    builder = _Builder(file)
    builder.doc.data = builder.build(node, ())
    if not isinstance(builder.doc.data, dict):
        raise ConfigError(builder.doc.marks[()], "", "expected a mapping at the top level")
    return builder.doc


def _too_large(file: str) -> ConfigError:
    return ConfigError(Mark(file, 1, 1), "", f"larger than {MAX_YAML_BYTES >> 20} MiB (a "
                       f"scenario, testbed or profile is a few kB)")


def load_file(path: str | Path) -> Doc:
    """Read and parse one YAML file (a missing or unreadable file is an InputError)."""
    path = Path(path)
    text = read_bounded_text(path, str(path), MAX_YAML_BYTES, "a scenario, testbed or "
                             "profile of a few kB")
    return load_text(text, str(path))


def _merge_into(base: Doc, top: Doc, path: KeyPath) -> Any:
    """Merge ``top``'s value at ``path`` over ``base``'s and return the merged value."""
    old, new = _get(base.data, path), _get(top.data, path)
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key in new:
            merged[key] = _merge_into(base, top, (*path, key))
        return merged
    for table_name in ("marks", "key_marks"):
        table, overlay = getattr(base, table_name), getattr(top, table_name)
        for stale in [p for p in table if p[:len(path)] == path and len(p) > len(path)]:
            del table[stale]
        table.update({p: m for p, m in overlay.items() if p[:len(path)] == path})
    return new


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def overlay(docs: list[Doc]) -> Doc:
    """Merge several documents; the last wins (mappings merge by key, other values replace)."""
    if not docs:
        raise InputError("no files given")
    out = Doc(docs[0].data, dict(docs[0].marks), dict(docs[0].key_marks), docs[0].files)
    for top in docs[1:]:
        out.data = _merge_into(out, top, ())
        out.files += top.files
    return out


def load_files(paths: list[str | Path]) -> Doc:
    """Load and overlay several files, in order."""
    return overlay([load_file(p) for p in paths])

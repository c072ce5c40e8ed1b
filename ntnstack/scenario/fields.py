"""Typed reading of a marked YAML mapping: each getter checks one key and, when it is wrong,
raises a ConfigError naming the file, line, key and what was expected."""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

from ntnstack.scenario.source import ConfigError, Doc, KeyPath

_MISSING = object()


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Section:
    """One mapping of a Doc at ``path``; getters take a key and validate its value."""

    def __init__(self, doc: Doc, path: KeyPath):
        self.doc, self.path = doc, path
        self.data = _get(doc.data, path)
        if not isinstance(self.data, dict):
            raise doc.error(path, f"expected a mapping, got {_type_name(self.data)}")

    # ------------------------------------------------------------------ structure
    def only(self, allowed: Iterable[str]) -> None:
        """Reject any key not in ``allowed`` (with a close match suggested)."""
        allowed = sorted(allowed)
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.doc.error((*self.path, key), f"unknown key{hint}; expected one of "
                                     f"{', '.join(allowed)}", at_key=True)

    def has(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str | None, message: str) -> ConfigError:
        """A ConfigError at ``key`` of this section (or at the section itself)."""
        if key is None:
            return self.doc.error(self.path, message, at_key=True)
        return self.doc.error((*self.path, key), message)

    def sub(self, key: str) -> Section:
        """The mapping under ``key`` (required)."""
        self._raw(key)
        return Section(self.doc, (*self.path, key))

    def items(self, key: str) -> list[tuple[str, Section]]:
        """``key`` holds a mapping of name -> mapping: the named sections, in file order."""
        mapping = self.sub(key)
        return [(name, mapping.sub(name)) for name in mapping.data]

    def sequence(self, key: str, required: bool = True) -> list[Any]:
        value = self._raw(key, [] if not required else _MISSING)
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {_type_name(value)}")
        return value

    # ------------------------------------------------------------------ scalars
    def _raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(None, f"missing key {key!r}")
        return default

    def text(self, key: str, default: Any = _MISSING, choices: Iterable[str] | None = None) -> Any:
        """A string (optionally one of ``choices``)."""
        value = self._raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            got = "empty text" if value == "" else _type_name(value)
            raise self.error(key, f"expected text, got {got}")
        if choices is not None and value not in (choices := sorted(choices)):
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.error(key, f"expected one of {', '.join(choices)}; got {value!r}{hint}")
        return value

    def number(self, key: str, unit: str, default: Any = _MISSING, minimum: float | None = None,
               maximum: float | None = None, integer: bool = False) -> Any:
        """A finite number in [minimum, maximum]; ``unit`` is named in the message."""
        value = self._raw(key, default)
        if value is default and key not in self.data:
            return value
        return check_number(self, key, value, unit, minimum, maximum, integer)

    def flag(self, key: str, default: Any = _MISSING) -> Any:
        value = self._raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_type_name(value)}")
        return value


def check_number(section: Section, key: str, value: Any, unit: str, minimum: float | None,
                 maximum: float | None, integer: bool = False) -> float | int:
    """Validate one number found at ``section[key]``."""
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise section.error(key, f"expected {kind} of {unit}, got {_type_name(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:   # an integer beyond any float: hundreds of digits
        raise section.error(key, f"expected {kind} of {unit}, got a {value.bit_length()}-bit "
                            f"integer") from None
    if not finite or (integer and value != int(value)):
        raise section.error(key, f"expected {kind} of {unit}, got {value}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        lo = "-inf" if minimum is None else f"{minimum:g}"
        hi = "+inf" if maximum is None else f"{maximum:g}"
        raise section.error(key, f"expected {unit} in [{lo}, {hi}], got {value:g}")
    return int(value) if integer else float(value)


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[key] if isinstance(data, (dict, list)) else None
    return data

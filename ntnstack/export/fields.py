"""One row of a target's field table, and the generic render / parse-back check over a table.

Every target (srsRAN, OpenAirInterface, Amarisoft) declares its NTN parameters as a tuple of
``Field`` rows at module level: where the value goes in the target's file (``path``), which
ntnstack quantity it carries (a key of ``Snapshot.quantities``, SI units), the target's unit,
the scale from the SI quantity to the target unit, the target format's quantisation step
(in the target unit) and where the field name and unit come from. docs/export.md prints the
same tables.
"""
from __future__ import annotations

import math
from decimal import Decimal
from dataclasses import dataclass
from typing import Any

__all__ = ["Field", "Mismatch", "check_fields", "get_path", "render_value", "set_path"]


@dataclass(frozen=True)
class Field:
    """target value = ntnstack quantity (SI) * scale, quantised to ``step`` (target unit).

    ``step`` None: the value is exact (an integer count, an enumerated value or text).
    ``integer``: the target holds the integer count n = quantity * scale / step (``step`` then
    in SI units times ``scale``), not n * step.
    ``origin``: the value the count starts from (origin + n * step; srsRAN's semi-major axis
    counts from 6,500 km). ``truncates``: the target turns the value back into n by truncating
    (value - origin) / step toward zero (a C cast), so the file holds n plus a quarter step away
    from zero: truncating and rounding both give n back, where n * step in binary floating point
    can divide to a hair below n and truncate to n - 1.
    """

    path: str
    quantity: str
    unit: str
    scale: float
    step: float | None
    source: str
    integer: bool = False
    origin: float = 0.0
    truncates: bool = False


@dataclass(frozen=True)
class Mismatch:
    """A parsed-back value that disagrees with ntnstack's own value."""

    path: str
    expected: Any
    found: Any
    tolerance: float | None

    def __str__(self) -> str:
        tol = "" if self.tolerance is None else f" (tolerance {self.tolerance:g})"
        return f"{self.path}: expected {self.expected!r}, found {self.found!r}{tol}"


def render_value(field: Field, quantity: Any) -> Any:
    """The value the target file holds for the SI ``quantity``."""
    if isinstance(quantity, (str, bool)) or quantity is None:
        return quantity
    value = quantity * field.scale
    if field.integer:
        return int(round(value / field.step))
    if field.step is None:
        return int(round(value)) if float(value).is_integer() else float(f"{value:.12g}")
    n = round((value - field.origin) / field.step)
    if not field.truncates:
        return round(field.origin + n * field.step, _decimals(field.step))
    quarter = math.copysign(0.25, n) if n else 0.0
    return round(field.origin + (n + quarter) * field.step, _decimals(field.step) + 2)


def _decimals(step: float) -> int:
    """Decimal places of a step written in decimal (0.06 -> 2, 2.341e-8 -> 11)."""
    return max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)


def get_path(tree: Any, path: str) -> Any:
    """tree['a'][0]['b'] for path 'a.0.b'; KeyError naming the first missing part."""
    node = tree
    for part in path.split("."):
        try:
            node = node[int(part)] if part.isdigit() else node[part]
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"{path}: no {part!r}") from None
    return node


def set_path(tree: dict, path: str, value: Any) -> None:
    """Create nested dicts along ``path`` (no list indices) and set the leaf."""
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _agrees(field: Field, expected: Any, found: Any) -> tuple[bool, float | None]:
    if isinstance(expected, (str, bool)) or field.step is None or field.integer:
        return found == expected, None
    if not isinstance(found, (int, float)) or isinstance(found, bool):
        return False, None
    tolerance = 0.5 * field.step
    return math.isfinite(found) and abs(found - expected) <= tolerance, tolerance


def check_fields(table: tuple[Field, ...], parsed: Any, quantities: dict[str, Any],
                 prefix: str = "") -> list[Mismatch]:
    """Compare every field of ``table`` present in ``quantities`` with the parsed-back tree.

    Non-integer fields must agree with the unquantised SI quantity within half a step of the
    target format; integer and exact fields must be equal to the rendered value.
    """
    out = []
    for field in table:
        if quantities.get(field.quantity) is None:
            continue
        path = prefix + field.path
        try:
            found = get_path(parsed, path)
        except KeyError:
            out.append(Mismatch(path, "present", "missing", None))
            continue
        quantity = quantities[field.quantity]
        expected = (render_value(field, quantity) if field.integer or field.step is None
                    or isinstance(quantity, (str, bool)) else quantity * field.scale)
        ok, tolerance = _agrees(field, expected, found)
        if not ok:
            out.append(Mismatch(path, expected, found, tolerance))
    return out

"""The journal stores strict JSON (RFC 8259): Python's json writes a bare NaN by default,
which no strict reader (SQLite's json_valid, JavaScript's JSON.parse) accepts."""
import json
import math
import sqlite3
from dataclasses import dataclass

from ntnstack.runner.journal import _json


@dataclass
class _Figure:
    delay_s: float
    extra: tuple


def test_non_finite_floats_are_null_everywhere():
    text = _json({"a": math.nan, "b": [1.0, math.inf, {"c": -math.inf}],
                  "d": _Figure(math.nan, (2.0, math.nan))})
    assert json.loads(text) == {"a": None, "b": [1.0, None, {"c": None}],
                                "d": {"delay_s": None, "extra": [2.0, None]}}
    with sqlite3.connect(":memory:") as db:          # SQLite's own JSON parser agrees
        assert db.execute("SELECT json_valid(?)", (text,)).fetchone() == (1,)

"""docs/limits.md states the bounds of ntnstack/limits.py: every bound in the module is a row
of the table, with the module's value."""
from __future__ import annotations

import re
from pathlib import Path

from ntnstack import limits

DOC = Path(__file__).resolve().parents[1] / "docs" / "limits.md"
ROW = re.compile(r"^\| `(MAX_\w+)` \| ([\d.e+]+) \|", re.MULTILINE)


def test_every_bound_is_documented_with_its_value():
    documented = {name: float(value) for name, value in ROW.findall(DOC.read_text())}
    in_code = {name: float(getattr(limits, name)) for name in dir(limits)
               if name.startswith("MAX_")}
    assert documented == in_code

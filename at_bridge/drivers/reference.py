"""docs/drivers.md, generated from the docstring of :mod:`at_bridge.drivers` (the one place
the driver API is written): reStructuredText literals become markdown code, the ``::``
example a fenced block. ``python3 build.py docs`` rewrites the file; a test checks it."""
from __future__ import annotations

import re

import at_bridge.drivers

HEADER = ("# The driver API (at_bridge.drivers)\n\n"
          "Generated from the docstring of `at_bridge/drivers/__init__.py` by "
          "`python3 build.py docs`; edit the docstring, not this file.\n\n")


def markdown() -> str:
    """The driver API as markdown."""
    text = at_bridge.drivers.__doc__ or ""
    out, in_code = [], False
    for line in text.splitlines():
        if in_code and line and not line.startswith("    "):
            while out[-1] == "":
                out.pop()
            out += ["```", ""]
            in_code = False
        if in_code:
            out.append(line[4:])
            continue
        if line.rstrip().endswith("::"):
            out += [line.rstrip()[:-1], "", "```python"]
            in_code = True
            continue
        line = re.sub(r":(?:class|mod|func):`([^`]+)`", r"`\1`", line)
        out.append(line.replace("``", "`"))
    if in_code:
        out.append("```")
    body = "\n".join(out).strip() + "\n"
    return HEADER + re.sub(r"```python\n\n", "```python\n", body)

"""Fuzzing scenario YAML (hypothesis): random text, YAML built from anchors, aliases, merge
keys and deep nesting, and the module-free runner scenario with one value replaced. The
property: a validated Scenario, or an InputError of one line that starts with the file and
a line:column; never another exception, and bounded by ntnstack.limits (few examples and a
deadline per example keep it short)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ntnstack.errors import InputError
from ntnstack.scenario import load_scenario

WAITS = Path(__file__).resolve().parents[1] / "runner" / "scenarios" / "waits.yaml"
FUZZ = settings(max_examples=40, deadline=timedelta(seconds=20), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

PIECES = st.sampled_from(["&a ", "*a", "&b ", "*b", "[", "]", "{", "}", ", ", ": ", "- ",
                          "<<: ", "\n", "  ", "x", "1e400", "9" * 50, "!!int ", "!!binary ",
                          "!!python/object ", "? ", "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n",
                          "steps", "terminals", "null", "~", "2026-13-45", "0x1F", "\t"])
SCALARS = st.one_of(st.sampled_from(["null", "true", "[]", "{}", "1e400", "-1e400", ".nan",
                                     ".inf", "9" * 400, "-5", "0", "''", "2026-02-30",
                                     "*nope", "[*nope]", "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]"]),
                    st.text(max_size=10).map(lambda t: yaml.safe_dump(t).strip()
                                             .removesuffix("...").strip()),
                    st.floats().map(repr), st.integers(-10**40, 10**40).map(str))
WHERE = re.compile(r"^\S+:\d+:\d+: ")   # file:line:col


def loads_or_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_scenario([path])
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert message.startswith(str(path)) and WHERE.match(message), message


@FUZZ
@given(st.text(max_size=300))
def test_random_text(tmp_path, text):
    loads_or_one_line(tmp_path, text)


@FUZZ
@given(st.lists(PIECES, max_size=60))
@example(["!!int "])                 # found by a deeper run: IndexError in PyYAML's constructor
@example(["!!python/object "])       # a ConstructorError message on two lines
@example(["\x1f"])                   # a ReaderError message on two lines
def test_yaml_syntax_soup(tmp_path, pieces):
    loads_or_one_line(tmp_path, "".join(pieces))


LEAVES = [i for i, line in enumerate(WAITS.read_text().splitlines())
          if re.search(r":\s*\S", line) and not line.lstrip().startswith("#")]


@FUZZ
@given(st.sampled_from(LEAVES), SCALARS)
def test_runner_scenario_with_one_value_replaced(tmp_path, line_no, value):
    """waits.yaml with the last value on one line replaced (flow mappings included)."""
    lines = WAITS.read_text().splitlines()
    line = lines[line_no]
    head, sep, tail = line.rpartition(": ")
    closing = "}" * (tail.count("}") - tail.count("{")) if "{" in line else ""
    lines[line_no] = f"{head}{sep}{value}{closing}"
    loads_or_one_line(tmp_path, "\n".join(lines) + "\n")

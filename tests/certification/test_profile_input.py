"""Bad profiles and bad command lines: one clear message naming the file, line and key, exit
status 2; a failed requirement: exit status 1."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ntnstack.certification import load_profile, profile_names
from ntnstack.cli import main
from ntnstack.errors import InputError
from ntnstack.scenario import ConfigError

TRIAL = Path(__file__).resolve().parents[2] / "ntnstack" / "configs" / "certification" / \
    "satellite-iot-trial.yaml"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = TRIAL.read_text()
    assert old in text
    path = tmp_path / "profile.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_shipped_profiles_load_for_every_family():
    assert profile_names() == ["direct-to-phone", "ntn-3gpp", "satellite-iot-trial"]
    for name in profile_names():
        first = load_profile(name)
        for family in first.families:
            p = load_profile(name, family)
            assert {p.scenario.terminals[d].family for d in p.duts} == {family}
            assert all(r.source for r in p.requirements)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  - id: TRIAL-IPV6\n", "  - id: TRIAL-IDENTITY\n", "duplicate requirement id"),
    ("{step: reg, value: registration.stat, equals: 3,",
     "{step: nope, value: registration.stat, equals: 3,", "no step 'nope'"),
    ("{step: v6, value: final, equals: \"OK\"}", "{step: v6, value: final}",
     "expected exactly one of"),
    ("    title: IPv6 PDN", "    titel: IPv6 PDN", "unknown key"),
    ("do: read_registration}", "do: read_registraton}", "read_registration"),
    ("matches: '\"(\\d{1,3}\\.){15}", "matches: '\"((\\d{1,3}\\.){15}",
     "not a regular expression"),
])
def test_bad_profile_names_file_line_and_key(tmp_path, old, new, message):
    path = _edited(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_profile(str(path))
    assert message in str(err.value)
    assert str(err.value).startswith(f"{path}:"), str(err.value)


def test_not_observable_requirement_takes_no_steps(tmp_path):
    path = _edited(tmp_path, "    steps:\n      - {id: first, do: read_identity}",
                   "    not_observable: why\n    steps:\n      - {id: first, do: read_identity}")
    with pytest.raises(ConfigError, match="not observable has no steps"):
        load_profile(str(path))


def test_family_outside_the_profile():
    with pytest.raises(InputError, match="applies to tiantong"):
        load_profile("direct-to-phone", "nbntn-nordic")


@pytest.mark.parametrize("argv", [
    ["certify"],
    ["certify", "--profile", "no-such-profile"],
    ["certify", "--profile", "direct-to-phone", "--family", "beidou-bds3"],
    ["certify", "--profile", "direct-to-phone", "--defect", "phone"],
    ["certify", "--profile", "direct-to-phone", "--defect", "nobody:wrong-act"],
    ["certify", "--profile", "direct-to-phone", "--defect", "phone:no-such-defect"],
])
def test_cli_bad_input_exits_2(argv, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err


def test_cli_failed_requirement_exits_1_with_json(tmp_path, capsys):
    code = main(["certify", "--profile", "satellite-iot-trial", "--family", "nbntn-generic",
                 "--defect", "dut:identity-drift", "--out", str(tmp_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["failed"] == ["TRIAL-IDENTITY"]
    assert (tmp_path / "certification.md").exists()


def test_cli_lists_profiles(capsys):
    assert main(["certify", "--list"]) == 0
    assert capsys.readouterr().out.split() == profile_names()

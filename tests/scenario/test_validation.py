"""Bad scenario files: each gives one ConfigError naming file, line, key and what was
expected. The base scenario below is valid; each case changes one thing."""
from __future__ import annotations

import textwrap

import pytest

from ntnstack.errors import InputError
from ntnstack.scenario import ConfigError, load_scenario

BASE = textwrap.dedent("""\
    name: base
    clock: virtual
    start: 2026-03-01T00:00:00Z
    satellites:
      geo: {orbit: "preset:tr38821-geo"}
    gateways:
      gw: {position: [40.07, 116.27, 60]}
    cells:
      c:
        satellite: geo
        gateway: gw
        payload: transparent
        validity_s: 20
    terminals:
      ue: {family: nbntn-nordic, cell: c, position: [39.9, 116.4, 50]}
      tt: {family: tiantong, satellite: geo, position: [30.6, 104.0, 500]}
      tt2: {family: tiantong, satellite: geo, position: [29.6, 91.1, 3650]}
    steps:
      - {terminal: ue, do: power_on}
      - {terminal: ue, do: attach, expect: {registered_within_s: 180}}
      - {terminal: tt, do: dial, to: tt2}
    """)


def write(tmp_path, text: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_base_is_valid(tmp_path):
    s = load_scenario([write(tmp_path, BASE)])
    assert [st.action for st in s.steps] == ["power_on", "attach", "dial"]
    assert s.steps[1].expect[0].name == "registered_within_s"
    assert s.steps[1].expect[0].expected == 180.0
    assert s.steps[1].expect[0].mark.line == 20
    assert s.cells["c"].validity_s == 20


# (replace this text of BASE, with this, -> line, key, words of the message)
CASES = {
    "unknown top-level key": ("satellites:", "satelites:", 4, "satelites",
                              "unknown key (did you mean 'satellites'?)"),
    "wrong type": ("clock: virtual", "clock: virtual\nmin_elevation_deg: high", 3,
                   "min_elevation_deg", "expected a number of degrees, got text ('high')"),
    "unknown family": ("family: nbntn-nordic", "family: iridium", 15, "terminals.ue.family",
                       "expected one of beidou-2.1, beidou-4.0, beidou-bds3, nbntn-generic"),
    "close family name": ("family: nbntn-nordic", "family: nbntn-nordik", 15,
                          "terminals.ue.family", "did you mean 'nbntn-nordic'?"),
    "unknown action": ("do: power_on", "do: fly", 19, "steps[0].do", "expected one of answer"),
    "action of another family": ("do: dial", "do: send_short_message", 21, "steps[2].do",
                                 "a tiantong terminal cannot send_short_message"),
    "peer of another system": ("to: tt2", "to: ue", 21, "steps[2].to",
                               "ue is a nbntn-nordic terminal"),
    "unknown peer": ("to: tt2", "to: tt9", 21, "steps[2].to", "expected one of tt2, ue"),
    "expectation of another action": ("registered_within_s: 180", "delivered_within_s: 180",
                                      20, "steps[1].expect.delivered_within_s",
                                      "unknown key (did you mean 'registered_within_s'?); "
                                      "expected one of registered_within_s, succeeds"),
    "negative limit": ("registered_within_s: 180", "registered_within_s: -5", 20,
                       "steps[1].expect.registered_within_s", "in [0, 86400], got -5"),
    "validity not in the spec's list": ("validity_s: 20", "validity_s: 7", 13,
                                        "cells.c.validity_s", "ul-SyncValidityDuration"),
    "latitude out of range": ("[39.9, 116.4, 50]", "[95, 116.4, 50]", 15,
                              "terminals.ue.position",
                              "expected latitude degrees in [-90, 90], got 95"),
    "impossible start": ("2026-03-01T00:00:00Z", "2026-13-45T00:00:00Z", 3, "start",
                         "expected an ISO 8601 time"),
    "bad clock": ("clock: virtual", "clock: scaled:0", 2, "clock", "scaled:N needs a finite"),
    "unknown preset": ("preset:tr38821-geo", "preset:tr38821-meo", 5, "satellites.geo.orbit",
                       "unknown preset 'tr38821-meo'"),
    "unknown gateway of a satellite": ('{orbit: "preset:tr38821-geo"}',
                                       '{orbit: "preset:tr38821-geo", gateway: gw9}', 5,
                                       "satellites.geo.gateway", "unknown gateway 'gw9'"),
    "missing family": ("family: nbntn-nordic, ", "", 15, "terminals.ue", "missing key 'family'"),
    "transparent without gateway": ("    gateway: gw\n", "", 9, "cells.c",
                                    "a transparent payload needs a 'gateway'"),
    "K_offset beyond its field": ("validity_s: 20", "validity_s: 20\n    k_offset: 2000", 14,
                                  "cells.c.k_offset", "in [0, 1023], got 2000"),
    "duplicate key": ("clock: virtual", "clock: virtual\nclock: realtime", 3, "clock",
                      "duplicate key (first given at line 2)"),
    "not YAML": ("  - {terminal: tt, do: dial, to: tt2}", "  - {terminal: tt, do: dial", 22,
                 "", "not valid YAML"),
    "step not a mapping": ("  - {terminal: ue, do: power_on}", "  - power_on", 19, "steps[0]",
                           "expected a mapping with 'terminal' and 'do'"),
    "wait bounded below its duration": ("  - {terminal: tt, do: dial, to: tt2}",
                                         "  - {terminal: tt, do: wait, duration_s: 100, "
                                         "timeout_s: 1}", 21, "steps[2].timeout_s",
                                         "1 s bounds the wait below its duration_s (100 s)"),
    "timeout of 0": ("  - {terminal: tt, do: dial, to: tt2}",
                     "  - {terminal: tt, do: dial, to: tt2, timeout_s: 0}", 21,
                     "steps[2].timeout_s", "expected seconds above 0, got 0"),
    "empty command": ("  - {terminal: tt, do: dial, to: tt2}",
                      "  - {terminal: tt, do: at, command: ''}", 21, "steps[2].command",
                      "expected text, got empty text"),
    "shared msisdn": ("3650]}", "3650],\n        identity: {msisdn: '17400000001'}}\n"
                      "  tt3: {family: tiantong, satellite: geo, position: [29.0, 91.0, 0],\n"
                      "        identity: {msisdn: '17400000001'}}", 20,
                      "terminals.tt3.identity.msisdn",
                      "'17400000001' is also terminals.tt2's msisdn: each terminal needs its own"),
}


def test_a_peer_of_a_lone_terminal_says_there_is_none(tmp_path):
    lone = BASE.split("  tt: ")[0] + "steps:\n  - {terminal: ue, do: send_sms, to: ue, text: hi}\n"
    with pytest.raises(ConfigError) as info:
        load_scenario([write(tmp_path, lone)])
    assert info.value.key == "steps[0].to"
    assert "no other terminal to reach: ue is the scenario's only one" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_names_file_line_key(tmp_path, case):
    old, new, line, key, words = CASES[case]
    assert old in BASE, case
    path = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_scenario([path])
    err = info.value
    assert isinstance(err, InputError)  # exit status 2 on the command line
    assert err.mark is not None and err.mark.file == str(path)
    assert (err.mark.line, err.key) == (line, key), str(err)
    assert words in str(err)
    assert str(err).startswith(f"{path}:{line}:")


def test_impossible_step_times(tmp_path):
    text = BASE.replace("do: power_on}", "do: power_on, at_s: 100}").replace(
        "do: attach,", "do: attach, at_s: 50,")
    with pytest.raises(ConfigError) as info:
        load_scenario([write(tmp_path, text)])
    assert (info.value.mark.line, info.value.key) == (20, "steps[1].at_s")
    assert "impossible time" in str(info.value) and "100 s" in str(info.value)


def test_trajectory_must_go_forward(tmp_path):
    text = BASE.replace("position: [39.9, 116.4, 50]}", textwrap.dedent("""\
        trajectory: [{t_s: 0, position: [39.9, 116.4, 50]},
                                      {t_s: 0, position: [39.8, 116.4, 50]}]}"""))
    with pytest.raises(ConfigError) as info:
        load_scenario([write(tmp_path, text)])
    assert info.value.key == "terminals.ue.trajectory[1].t_s"
    assert "impossible time" in str(info.value)


def test_empty_file(tmp_path):
    with pytest.raises(ConfigError, match=r"s\.yaml:1:1: .*the file is empty"):
        load_scenario([write(tmp_path, "")])


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: cannot read"):
        load_scenario([tmp_path / "nope.yaml"])

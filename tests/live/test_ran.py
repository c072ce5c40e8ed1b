"""Base stations that follow the emulated satellite during a run (testbed ``ran:``):
the Amarisoft Remote API client against a test callbox speaking its envelope
(tests/live/callbox.py), the default scenario pushing into it (through ``ntnstack run``'s
API and ``ntnstack certify``), each config_set equal to ``ntnstack export``'s output, and the
srsRAN restart hook against a script that records its calls; the pushes in the journal and
the report."""
import json
import re
import subprocess
import sys

import pytest
import yaml

from ntnstack.clock import format_iso8601
from ntnstack.export import ExportOptions, build
from ntnstack.export.inputs import for_cell
from ntnstack.live import LiveCells
from ntnstack.live.ran import ran_companions
from ntnstack.live.ran.amarisoft import CUT_GAIN_DB, RESTORE_GAIN_DB
from ntnstack.live.ran.remote_api import RemoteApi, RemoteApiError
from ntnstack.runner.api import load_inputs, run_scenario
from ntnstack.runner.journal import read_run
from ntnstack.scenario.load import default_scenario_path
from tests.live.callbox import Callbox

CLI = [sys.executable, "-m", "ntnstack"]
PASS_TIME_S = 0.01          # rise / set are found to 0.01 s (ntnstack.link.passes)
SRSRAN_POSITION_STEP_M = 1.3   # TS 38.331 PositionVelocity-r17 position step


def test_remote_api_envelope_replies_and_errors():
    with Callbox(cell_ids=(1,)) as box:
        api = RemoteApi(box.url, reply_timeout_s=30)
        assert api.open()["message"] == "ready"
        reply = api.request("cell_gain", cell_id=1, gain=-20.0)   # after an unsolicited log
        assert reply == {"message": "cell_gain", "message_id": 1}
        with pytest.raises(RemoteApiError, match="unknown cell_id 7"):
            api.request("cell_gain", cell_id=7, gain=0.0)
        with pytest.raises(RemoteApiError, match="outside -200..0"):
            api.request("cell_gain", cell_id=1, gain=-300.0)
        with pytest.raises(RemoteApiError, match="unknown message 'launch'"):
            api.request("launch")
        api.close()
    assert [m["message_id"] for m in box.received] == [1, 2, 3, 4]


def _testbed(tmp_path, ran: dict):
    path = tmp_path / "testbed.yaml"
    path.write_text(yaml.safe_dump({"name": "ran-test", "ran": ran}))
    return str(path)


def test_default_scenario_pushes_the_cells_into_the_callbox(tmp_path):
    with Callbox(cell_ids=(1, 2)) as box:
        testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": box.url,
                                                  "cells": {"geo-cell": 1, "leo-cell": 2}}})
        scenario, bed, ports = load_inputs(None, [testbed])
        outcome = run_scenario(scenario, bed, ports, tmp_path / "out", progress=False,
                           companions=ran_companions(scenario, bed))
    assert outcome.passed
    start, end = scenario.start_unix_s, scenario.start_unix_s + outcome.info.emulated_s
    sent = box.received
    assert [m["message_id"] for m in sent] == list(range(1, len(sent) + 1))
    # the cut / restore sequence: the GEO cell on from the start; the LEO cell cut at the start
    # (its satellite below 10 deg over nb-leo), restored at each rise, cut at each set
    gains = [(m["cell_id"], m["gain"]) for m in sent if m["message"] == "cell_gain"]
    passes = [json.loads(line) for line in subprocess.run(
        [*CLI, "passes", "--sat", "preset:tr38821-leo600", "--ue", "39.9042,116.4074,50",
         "--start", format_iso8601(start), "--duration", str(end - start), "--json"],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    leo = [(2, CUT_GAIN_DB)]
    for p in passes:
        leo += [(2, RESTORE_GAIN_DB)] + ([(2, CUT_GAIN_DB)] if p["set_unix_s"] < end else [])
    assert gains == [(1, RESTORE_GAIN_DB), *leo]
    journal = read_run(tmp_path / "out")
    pushes = journal["pushes"]
    # the journal holds every request, in the order the callbox received them, all accepted
    assert [json.loads(p["request"]) for p in pushes] == \
        [{k: v for k, v in m.items() if k != "message_id"} for m in sent]
    assert all(p["ok"] for p in pushes)
    rises = [p["t_s"] for p in pushes if p["action"] == "cell_gain" and p["cell"] == "leo-cell"
             and json.loads(p["request"])["gain"] == RESTORE_GAIN_DB]
    assert rises == pytest.approx([p["rise_unix_s"] - start for p in passes], abs=PASS_TIME_S)
    # NTN parameters only while the cell serves: the LEO cell's within its passes
    leo_sets = [p["t_s"] + start for p in pushes
                if p["action"] == "config_set" and p["cell"] == "leo-cell"]
    assert leo_sets and all(any(q["rise_unix_s"] - PASS_TIME_S <= t <= q["set_unix_s"]
                                for q in passes) for t in leo_sets)
    # a config_set carries the values of the SIB the cell broadcasts then (ntnstack sib decode)
    first = next(m for m in sent if m["message"] == "config_set" and "1" in m["cells"])
    msg = LiveCells(scenario, ["geo-cell"]).message("geo-cell", start)
    (decoded,) = [json.loads(subprocess.run(
        [*CLI, "sib", "decode", "--kind", "sib31-nb", msg["sib"]["uper_hex"], "--json"],
        capture_output=True, text=True, check=True).stdout)]
    config = decoded["physical"]["config"]
    ntn = first["cells"]["1"]["ntn"]
    assert [ntn["ephemeris"][k] for k in ("pos_x", "pos_y", "pos_z")] == \
        pytest.approx(config["ephemeris"]["position_ecef_m"], abs=1e-6)
    assert ntn["k_offset"] == config["k_offset_ms"]
    assert ntn["ta_common"] == pytest.approx(config["common_ta"]["ta_common_s"] * 1e6, abs=1e-6)
    report = (tmp_path / "out" / "report.html").read_text()
    assert f"Pushed to lab equipment ({len(sent)} requests to callbox; 0 refused)" in report
    assert "Pushed to lab equipment for cell leo-cell" in report


HOOK = """import json, sys
config = open(sys.argv[1]).read()
with open(sys.argv[2], "a") as log:
    log.write(json.dumps({"argv": sys.argv[3:], "config": config}) + "\\n")
"""

LEO_ONLY = {"name": "leo-only", "steps": [
    {"terminal": "nb-leo", "do": "power_on"},
    {"terminal": "nb-leo", "do": "wait_for_pass", "timeout_s": 7200},
    {"terminal": "nb-leo", "do": "wait", "duration_s": 900},
    {"terminal": "nb-leo", "do": "wait_for_pass", "timeout_s": 21600}]}


def test_srsran_config_regenerated_and_restart_hook_run(tmp_path):
    hook, log = tmp_path / "hook.py", tmp_path / "calls.jsonl"
    hook.write_text(HOOK)
    testbed = _testbed(tmp_path, {"gnb": {"kind": "srsran", "cells": {"leo-cell": 1},
                                          "options": {
        "config": str(tmp_path / "gnb.yml"), "refresh_s": 120,
        "restart": [sys.executable, str(hook), "{config}", str(log), "{reason}",
                    "{epoch_unix_s}", "{cell}", "{cell_id}"]}}})
    overlay = tmp_path / "leo.yaml"
    overlay.write_text(yaml.safe_dump(LEO_ONLY))
    scenario, bed, ports = load_inputs([str(default_scenario_path()), str(overlay)], [testbed])
    outcome = run_scenario(scenario, bed, ports, tmp_path / "out", progress=False,
                           companions=ran_companions(scenario, bed))
    assert outcome.passed
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    reasons = [c["argv"][0] for c in calls]
    start = scenario.start_unix_s
    rise = [float(c["argv"][1]) for c in calls if c["argv"][0] == "rise"]
    live = LiveCells(scenario, ["leo-cell"])
    expected_rises = [t for t in live.coverage_changes_s("leo-cell")[::2]
                      if t <= start + outcome.info.emulated_s]
    assert reasons[0] == "start" and rise == expected_rises and len(rise) == 2
    assert all(c["argv"][2:] == ["leo-cell", "1"] for c in calls)
    refresh = [float(c["argv"][1]) for c in calls if c["argv"][0] == "refresh"]
    assert refresh, "a LEO pass of ~9 min refreshes the 120 s old epoch"
    for c in calls:   # each config, read by PyYAML, carries the SIB19 ephemeris of its epoch
        ntn = yaml.safe_load(c["config"])["ntn"]
        t = float(c["argv"][1])
        built = build("srsran", for_cell(scenario, "leo-cell"), t,
                      ExportOptions(sfn0_unix_s=start, trace=False))[0]
        assert ntn == yaml.safe_load(built.text)["ntn"]
        assert abs(ntn["ephemeris_info_ecef"]["pos_x"]) < 8e6    # a LEO-600 position, m
    pushes = read_run(tmp_path / "out")["pushes"]
    assert [p["action"] for p in pushes] == ["restart"] * len(calls)
    assert all(p["ok"] and p["reply"] == "exit 0" for p in pushes)


@pytest.mark.parametrize(("ran", "named"), [
    ({"x": {"kind": "ericsson", "url": "ws://h:1", "cells": {"geo-cell": 1}}}, "ran.x.kind"),
    ({"x": {"kind": "amarisoft", "url": "http://h:1", "cells": {"geo-cell": 1}}}, "ran.x.url"),
    ({"x": {"kind": "amarisoft", "url": "ws://h:1", "cells": {"mars": 1}}}, "ran.x.cells.mars"),
    ({"x": {"kind": "amarisoft", "url": "ws://127.0.0.1:9", "cells": {"geo-cell": 1}}},
     "ran.x: ws://127.0.0.1:9"),
    ({"x": {"kind": "srsran", "cells": {"leo-cell": 1}}}, "ran.x"),
    ({"x": {"kind": "oai", "cells": {"leo-cell": 1},
            "options": {"config": "/tmp/x.conf", "restart": "reboot"}}},
     "ran.x.options.restart"),
])
def test_bad_ran_sections_are_one_line_exit_2(tmp_path, ran, named):
    out = subprocess.run([*CLI, "run", "--testbed", _testbed(tmp_path, ran), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert named in out.stderr and len(out.stderr.strip().splitlines()) == 1


def _restart_adapter(tmp_path, restart, kind="oai"):
    from ntnstack.live.ran.restart import RestartAdapter
    from ntnstack.scenario.ran import RanEquipment

    eq = RanEquipment("gnb", kind, None, {"leo-cell": 7},
                      {"config": str(tmp_path / "gnb.conf"), "restart": restart,
                       "refresh_s": 120.0, "hook_timeout_s": 30.0})
    return RestartAdapter(eq, load_inputs(None)[0])


def test_oai_restarts_at_start_rise_and_refresh_only(tmp_path):
    import libconf

    hook, log = tmp_path / "hook.py", tmp_path / "calls.jsonl"
    hook.write_text(HOOK)
    adapter = _restart_adapter(tmp_path, [sys.executable, str(hook), "{config}", str(log),
                                          "{reason}", "{epoch_unix_s}"])
    adapter.open()
    scenario = load_inputs(None)[0]
    live = LiveCells(scenario, ["leo-cell"])
    rise = live.coverage_changes_s("leo-cell")[0]
    messages = [live.message("leo-cell", scenario.start_unix_s),           # below: start
                live.message("leo-cell", rise, "coverage"),                # rise
                live.message("leo-cell", rise + 60.0, "sib-update"),       # 60 s: nothing
                live.message("leo-cell", rise + 130.0, "sib-update")]      # 130 s: refresh
    assert [m["visible"] for m in messages] == [False, True, True, True]
    pushes = [p for m in messages for p in adapter.push(m, m["t_unix_s"])]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["argv"][0] for c in calls] == ["start", "rise", "refresh"]
    assert [float(c["argv"][1]) for c in calls] == \
        [messages[0]["t_unix_s"], rise, rise + 130.0]
    assert [p.ok for p in pushes] == [True, True, True]
    for c in calls:   # libconf (an independent libconfig parser) reads every config
        cell = libconf.loads(c["config"])["gNBs"][0]["servingCellConfigCommon"][0]
        assert cell["cellSpecificKoffset_r17"] >= 1       # TS 38.331: 1..1023


def test_restart_hook_failures_are_recorded_and_bad_placeholders_refused(tmp_path):
    from ntnstack.errors import InputError

    adapter = _restart_adapter(tmp_path, [sys.executable, "-c", "import sys; "
                                          "sys.exit('gNB did not come back')"], kind="srsran")
    scenario = load_inputs(None)[0]
    (push,) = adapter.push(LiveCells(scenario, ["leo-cell"]).message(
        "leo-cell", scenario.start_unix_s), 0.0)
    assert not push.ok and push.reply == "exit 1: gNB did not come back"
    with pytest.raises(InputError, match=r"ran.gnb.options.restart: bad placeholder 'conf'"):
        _restart_adapter(tmp_path, ["restart-gnb", "{conf}"]).open()


def test_example_ran_testbed_loads_into_typed_entries():
    from pathlib import Path

    from ntnstack.scenario.testbed import load_testbed

    example = Path(__file__).parents[2] / "testbeds" / "ran.example.yaml"
    callbox, gnb = load_testbed([example]).ran
    assert (callbox.kind, callbox.url, callbox.cells) == \
        ("amarisoft", "ws://192.0.2.10:9001", {"geo-cell": 1, "leo-cell": 2})
    assert callbox.options == {"cut_gain_db": -200.0, "restore_gain_db": 0.0, "ntn": True,
                               "reply_timeout_s": 10.0}
    assert (gnb.kind, gnb.cells, gnb.options["refresh_s"], gnb.options["hook_timeout_s"]) == \
        ("srsran", {"leo-cell": 1}, 300.0, 60.0)


def test_pushes_on_a_scaled_clock_come_when_due_never_early(tmp_path):
    overlay = tmp_path / "short.yaml"
    overlay.write_text(yaml.safe_dump({"name": "short", "clock": "scaled:10", "steps": [
        {"terminal": "nb-geo", "do": "wait", "duration_s": 40.0}]}))
    with Callbox(cell_ids=(1,)) as box:
        testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": box.url,
                                                  "cells": {"geo-cell": 1}}})
        scenario, bed, ports = load_inputs([str(default_scenario_path()), str(overlay)],
                                           [testbed])
        outcome = run_scenario(scenario, bed, ports, tmp_path / "out", progress=False,
                           companions=ran_companions(scenario, bed))
    assert outcome.passed
    pushes = read_run(tmp_path / "out")["pushes"]
    assert [p["action"] for p in pushes[:2]] == ["config_set", "cell_gain"]
    start = scenario.start_unix_s
    due = [t - start for t, _, _ in LiveCells(scenario, ["geo-cell"]).events(
        start, start + outcome.info.emulated_s)]
    later = [p["t_s"] for p in pushes[2:]]
    assert len(later) >= 3 and later == sorted(later)
    assert all(t >= d for t, d in zip(later, due, strict=False))   # each at or after its time
    assert len(box.received) == len(pushes)


def test_a_callbox_that_goes_away_fails_each_push_not_the_run():
    with Callbox(cell_ids=(1,)) as box:
        api = RemoteApi(box.url, reply_timeout_s=30)
        api.open()
        api.request("cell_gain", cell_id=1, gain=0.0)
    with pytest.raises(RemoteApiError, match="connection closed"):   # the callbox is gone
        api.request("cell_gain", cell_id=1, gain=0.0)
    api.close()


def test_run_scenario_refuses_a_ran_section_without_its_pusher(tmp_path):
    """The runner does not reach up to the live layer: a ``ran:`` testbed run through the
    Python API without companions is refused, naming what to pass (not silently unfed)."""
    from ntnstack.errors import InputError

    testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": "ws://127.0.0.1:9",
                                              "cells": {"geo-cell": 1}}})
    scenario, bed, ports = load_inputs(None, [testbed])
    with pytest.raises(InputError, match="ran_companions"):
        run_scenario(scenario, bed, ports, tmp_path / "out", progress=False)


def test_certify_pushes_into_the_testbed_ran_equipment(tmp_path):
    """``ntnstack certify`` on a testbed with a ``ran:`` section feeds its equipment as
    ``ntnstack run`` does (it used to run without the pusher, the section ignored)."""
    with Callbox(cell_ids=(1,)) as box:
        testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": box.url,
                                                  "cells": {"geo-cell": 1}}})
        out = subprocess.run([*CLI, "certify", "--profile", "ntn-3gpp", "--testbed", testbed,
                              "--out", str(tmp_path / "out"), "--json"],
                             capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    sent = box.received
    # the GEO cell serves its terminals from the start: its NTN parameters, then the gain
    assert [(m["message"], m.get("cell_id")) for m in sent[:2]] == \
        [("config_set", None), ("cell_gain", 1)]
    assert set(sent[0]["cells"]) == {"1"} and sent[1]["gain"] == RESTORE_GAIN_DB
    pushes = read_run(tmp_path / "out")["pushes"]
    assert [json.loads(p["request"]) for p in pushes] == \
        [{k: v for k, v in m.items() if k != "message_id"} for m in sent]


def test_runner_refuses_a_ran_section_no_companion_feeds(tmp_path):
    """Every path to a run goes through Runner: a ``ran:`` entry without a pusher naming it
    is refused there, whoever builds the runner (companions given, but not the pusher)."""
    from ntnstack.errors import InputError
    from ntnstack.runner.engine import Runner

    testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": "ws://127.0.0.1:9",
                                              "cells": {"geo-cell": 1}}})
    scenario, bed, ports = load_inputs(None, [testbed])
    for companions in (None, [], [object()]):
        with pytest.raises(InputError, match=r"ran\.callbox has no pusher"):
            Runner(scenario, bed, ports, tmp_path / "out", companions=companions)


def _exported_ntn(scenario, cell: str, t_unix_s: float, form: str) -> dict:
    """``ntnstack export --target amarisoft`` of ``cell`` at ``t_unix_s`` (SFN 0 at the
    scenario's start), its JSON read back without the comment header."""
    out = subprocess.run([*CLI, "export", "--target", "amarisoft", "--scenario",
                          str(default_scenario_path()), "--cell", cell, "--start",
                          format_iso8601(t_unix_s), "--sfn0", format_iso8601(scenario.start_unix_s),
                          "--ephemeris", form], capture_output=True, text=True, check=True)
    return json.loads(re.sub(r"/\*.*?\*/", "", out.stdout, flags=re.DOTALL))


ORBITAL_KEYS = {"semi_major_axis", "eccentricity", "periapsis", "longitude", "inclination",
                "mean_anomaly"}
STATE_KEYS = {"pos_x", "pos_y", "pos_z", "vel_x", "vel_y", "vel_z"}


@pytest.mark.parametrize(("option", "sib_form", "form"), [
    (None, "state-vectors", "state-vectors"),      # the form the SIB carries
    (None, "orbital", "orbital"),
    ("state-vectors", "state-vectors", "state-vectors"),
    ("orbital", "state-vectors", "orbital"),       # the testbed's choice
])
def test_callbox_gets_what_ntnstack_export_writes(option, sib_form, form):
    """Each config_set carries the tree `ntnstack export --target amarisoft` writes for the
    cell at the send time of its SIB in force, in either ephemeris form (a SIB in orbital
    form is a state message with ``sib.orbital``, docs/live.md)."""
    from ntnstack.live.ran.amarisoft import AmarisoftAdapter
    from ntnstack.scenario.ran import RanEquipment

    scenario = load_inputs(None)[0]
    live = LiveCells(scenario)
    t = live.coverage_changes_s("leo-cell")[0] + 100.0    # in the first LEO pass over nb-leo
    ids = {"geo-cell": 1, "leo-cell": 2}
    messages = [live.message(cell, t, "sib-update") for cell in ids]
    if sib_form == "orbital":
        for msg in messages:
            msg["sib"] = {k: v for k, v in msg["sib"].items()
                          if k not in ("position_m", "velocity_mps")} | {"orbital": {}}
    options = {} if option is None else {"ephemeris": option}
    with Callbox(cell_ids=(1, 2)) as box:
        adapter = AmarisoftAdapter(RanEquipment("callbox", "amarisoft", box.url, ids, options),
                                   scenario)
        adapter.open()
        pushes = [p for msg in messages for p in adapter.push(msg, 0.0)]
        adapter.close()
    assert all(p.ok for p in pushes)
    sets = [m["cells"] for m in box.received if m["message"] == "config_set"]
    assert len(sets) == 2
    for pushed, msg in zip(sets, messages, strict=True):
        exported = _exported_ntn(scenario, msg["cell"], msg["sib"]["sent_unix_s"], form)
        assert pushed == {str(ids[msg["cell"]]): exported}
        assert set(exported["ntn"]["ephemeris"]) == \
            (ORBITAL_KEYS if form == "orbital" else STATE_KEYS)
    assert "gateway" in sets[0]["1"]["ntn"]     # the GEO cell's transparent payload


def test_a_run_failing_before_its_steps_closes_the_callbox_connection(tmp_path):
    """The pusher's adapters are connected before the run; a run whose modules cannot be
    opened (here the certify-style ``modules_factory`` refuses) still closes them."""
    from ntnstack.errors import InputError
    from ntnstack.runner.engine import Runner

    def no_modules(*_):
        raise InputError("terminals: no module opens")

    with Callbox(cell_ids=(1,)) as box:
        testbed = _testbed(tmp_path, {"callbox": {"kind": "amarisoft", "url": box.url,
                                                  "cells": {"geo-cell": 1}}})
        scenario, bed, ports = load_inputs(None, [testbed])
        companions = ran_companions(scenario, bed)
        with pytest.raises(InputError, match="no module opens"):
            Runner(scenario, bed, ports, tmp_path / "out", progress=False,
                   modules_factory=no_modules, companions=companions).run()
        assert all(a.api._ws is None for c in companions for a in c.adapters)
        assert box.hung_up.wait(30), "the callbox still holds the connection"
    assert box.received == []


def test_certify_with_an_unreachable_callbox_is_one_line_exit_2(tmp_path):
    testbed = _testbed(tmp_path, {"x": {"kind": "amarisoft", "url": "ws://127.0.0.1:9",
                                        "cells": {"geo-cell": 1}}})
    out = subprocess.run([*CLI, "certify", "--profile", "ntn-3gpp", "--testbed", testbed,
                          "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "ran.x: ws://127.0.0.1:9" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

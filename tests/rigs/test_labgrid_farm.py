"""Runs through a real labgrid coordinator and exporter (tests/rigs/conftest.py): a place held
for a run and released after it, parallel runs on two places, a held place's holder named
(or waited for), interrupted and killed runs, reservations by tag."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
import time

from ntnstack.runner.journal import list_runs
from tests.bridge.test_rfc2217 import free_port
from tests.rigs.conftest import HOLD, HOST, SCENARIO, finished, wait_for

pytest_plugins = ["pytester"]


def statuses(result: dict) -> list[tuple[str, str, str]]:
    return [(s["terminal"], s["step"], s["status"]) for s in result["steps"]]


def test_a_run_on_a_place_passes_and_releases_it(farm):
    rc, result, err = finished(farm.run(SCENARIO, "--labgrid", "rig-a", user="bob"))
    assert rc == 0, err
    assert result["status"] == "passed" and result["testbed"] == "virtual@rig-a"
    assert [s["status"] for s in result["steps"]] == ["passed", "passed"]
    assert "holding labgrid place rig-a (tt-a)" in err
    assert farm.holder("rig-a") is None


def test_two_runs_in_parallel_on_two_places(farm):
    runs = [farm.run(SCENARIO, "--labgrid", place, user=f"u{place[-1]}")
            for place in ("rig-a", "rig-b")]
    results = [finished(r) for r in runs]
    for (rc, result, err), place in zip(results, ("rig-a", "rig-b"), strict=True):
        assert rc == 0, err
        assert result["testbed"] == f"virtual@{place}" and result["status"] == "passed"
    assert farm.holder("rig-a") is None and farm.holder("rig-b") is None


def test_a_held_place_names_its_holder_or_is_waited_for(farm):
    farm.client("-p", "rig-a", "acquire", user="alice")
    rc, result, err = finished(farm.run(SCENARIO, "--labgrid", "rig-a", user="bob"))
    assert rc == 2 and result is None
    assert err.strip() == f"ntnstack run: error: labgrid place rig-a is held by {HOST}/alice"

    waiting = farm.run(SCENARIO, "--labgrid", "rig-a", "--labgrid-wait", "60", user="bob")
    time.sleep(1.0)    # bob is waiting now; alice gives the place back
    assert waiting.poll() is None
    farm.client("-p", "rig-a", "release", user="alice")
    rc, result, err = finished(waiting)
    assert rc == 0 and result["testbed"] == "virtual@rig-a", err
    assert farm.holder("rig-a") is None


def test_an_interrupted_run_releases_and_a_killed_run_holds(farm):
    run = farm.run(SCENARIO, HOLD, "--labgrid", "rig-b", user="carol")
    wait_for("carol holding rig-b", lambda: farm.holder("rig-b") == f"{HOST}/carol")
    run.send_signal(signal.SIGTERM)
    rc, _, err = finished(run)
    assert rc == 130 and "interrupted" in err
    assert farm.holder("rig-b") is None

    run = farm.run(SCENARIO, HOLD, "--labgrid", "rig-b", user="carol")
    wait_for("carol holding rig-b", lambda: farm.holder("rig-b") == f"{HOST}/carol")
    run.send_signal(signal.SIGKILL)
    finished(run)
    assert farm.holder("rig-b") == f"{HOST}/carol"      # clearly held by the killed run
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "rig-b", user="bob"))
    assert rc == 2 and f"rig-b is held by {HOST}/carol" in err
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "rig-b", user="carol"))
    assert rc == 2 and "held by you (an earlier run that did not release it?)" in err
    farm.power_cycle("b")    # as after any interrupted run: the module may be mid-session


def test_a_reservation_by_tag_takes_a_free_place(farm):
    farm.client("-p", "rig-a", "acquire", user="alice")
    rc, result, err = finished(farm.run(SCENARIO, "--labgrid", "family=tiantong", user="bob"))
    assert rc == 0, err
    assert result["testbed"] == "virtual@rig-b" and result["status"] == "passed"
    assert farm.holder("rig-b") is None and farm.holder("rig-a") == f"{HOST}/alice"
    assert "Reservation" not in farm.client("reservations")   # cancelled after the run

    farm.client("-p", "rig-b", "acquire", user="alice")
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "family=tiantong", user="bob"))
    assert rc == 2
    assert err.strip() == ("ntnstack run: error: no free labgrid place with family=tiantong: "
                           f"rig-a is held by {HOST}/alice; rig-b is held by {HOST}/alice")
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "family=beidou-bds3", user="bob"))
    assert rc == 2 and "no labgrid place on" in err and "has the tags family=beidou-bds3" in err


def test_unknown_place_and_absent_coordinator_are_one_line_errors(farm):
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "rig-z", user="bob"))
    assert rc == 2
    assert err == (f"ntnstack run: error: labgrid place 'rig-z' does not exist on "
                   f"{farm.coordinator} (places: rig-a, rig-b)\n")
    rc, _, err = finished(farm.run(SCENARIO, "--labgrid", "rig-a", "--labgrid-coordinator",
                                   f"127.0.0.1:{free_port()}", user="bob"))
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith("ntnstack run: error: labgrid coordinator 127.0.0.1:")
    assert err.endswith(": Could not connect to coordinator\n")


def test_testbed_naming_places_gives_the_verdicts_of_a_plain_testbed(farm):
    plain = farm.tmp / "plain.yaml"
    plain.write_text("name: plain\nports:\n  tt-a: {url: \"rfc2217://127.0.0.1:"
                     f"{farm.serial_ports['a']}?ign_set_control\", family: tiantong}}\n")
    placed = farm.tmp / "placed.yaml"
    placed.write_text(f"name: farm\nlabgrid:\n  coordinator: {farm.coordinator}\n"
                      "  places: [rig-a]\n")
    rc, by_url, err = finished(farm.run(SCENARIO, "--testbed", str(plain), user="bob"))
    assert rc == 0, err
    rc, by_place, err = finished(farm.run(SCENARIO, "--testbed", str(placed), user="bob"))
    assert rc == 0, err
    assert by_place["testbed"] == "farm@rig-a"
    assert statuses(by_place) == statuses(by_url)
    assert [s for _, _, s in statuses(by_url)] == ["passed", "passed"]
    assert farm.holder("rig-a") is None


def test_pytest_workers_each_hold_their_own_place(farm, pytester, monkeypatch):
    """``pytest -n 2 --ntn-labgrid family=tiantong``: each xdist worker reserves a free place
    for its session and runs on it; both places are free afterwards."""
    monkeypatch.setenv("LG_COORDINATOR", farm.coordinator)
    monkeypatch.setenv("LG_HOSTNAME", HOST)
    monkeypatch.setenv("LG_USERNAME", "ci")
    log = farm.tmp / "plugin-runs.jsonl"
    pytester.makepyfile(textwrap.dedent(f"""\
        import json, os
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_on_a_place(ntn_run, ntn_testbed, n):
            outcome = ntn_run({SCENARIO!r})
            with open({str(log)!r}, "a") as f:
                f.write(json.dumps([os.environ.get("PYTEST_XDIST_WORKER"), ntn_testbed.name,
                                    outcome.passed]) + "\\n")
            assert outcome.passed
        """))
    journal = farm.tmp / "workers.sqlite"
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider",
                                           "--ntn-labgrid", "family=tiantong",
                                           "--ntn-journal", str(journal))
    result.assert_outcomes(passed=2)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    places = {}
    for worker, testbed, passed in runs:
        assert passed and testbed in ("virtual@rig-a", "virtual@rig-b")
        assert places.setdefault(worker, testbed) == testbed   # one place per worker
    assert len(set(places.values())) == len(places)              # no place shared
    assert farm.holder("rig-a") is None and farm.holder("rig-b") is None
    merged = list_runs(journal)                      # both workers' runs in one journal
    assert sorted(r["testbed"] for r in merged) == sorted(t for _, t, _ in runs)
    assert {r["status"] for r in merged} == {"passed"}
    diff = subprocess.run([sys.executable, "-m", "ntnstack", "results", "diff",
                           merged[0]["run_id"], merged[1]["run_id"], "--journal", str(journal),
                           "--json"], capture_output=True, text=True, timeout=60)
    assert diff.returncode == 0, diff.stderr
    rigs = json.loads(diff.stdout)
    assert (rigs["rig_a"], rigs["rig_b"]) == tuple(f"{r['testbed']} on {socket.gethostname()}"
                                                   for r in merged)

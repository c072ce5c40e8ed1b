"""A delivery step measures its own echo or SMS: the URC logged after the step's command that
carries the step's payload, not the previous step's URC that arrived at the instant this
step began (back-to-back steps used to report about 0 s). Expected values are read from the
run's own evidence (the step's start and its URC in the timeline)."""
from __future__ import annotations

import json

import pytest

from ntnstack.runner.api import load_inputs, run_scenario
from tests.runner.conftest import ntnstack

C_M_S = 299_792_458.0
GEO_ALTITUDE_M = 35_786_000.0
MIN_GEO_ROUND_TRIP_S = 2 * GEO_ALTITUDE_M / C_M_S
"""Up to a GEO satellite and back at its sub-satellite point: no echo over GEO is faster."""

ONE_NB_GEO = """\
start: 2026-03-01T00:00:00Z
satellites:
  ntn-geo: {orbit: "preset:tr38821-geo"}
cells:
  geo-cell:
    {satellite: ntn-geo, payload: regenerative, sib: sib31-nb, validity_s: 60, k_offset: auto}
terminals:
  nb: {family: nbntn-nordic, cell: geo-cell, position: [39.90, 116.41, 50]}
"""
"""One NB-IoT terminal under a regenerative GEO cell (a scenario's head)."""

THREE_DATA = "name: three-data\n" + ONE_NB_GEO + """\
steps:
  - {terminal: nb, do: power_on}
  - {terminal: nb, do: set_location}
  - {terminal: nb, do: attach, expect: {registered_within_s: 120}}
  - {terminal: nb, do: send_data, payload: "first", expect: {delivered_within_s: 10}}
  - {terminal: nb, do: send_data, payload: "second", expect: {delivered_within_s: 10}}
  - {terminal: nb, do: send_data, payload: "third", expect: {delivered_within_s: 10}}
"""

TWO_TIANTONG = """\
start: 2026-03-01T00:00:00Z
satellites:
  tiantong: {orbit: "preset:tiantong-1-01", gateway: gw}
gateways:
  gw: {position: [40.07, 116.27, 60]}
terminals:
  a:
    {family: tiantong, satellite: tiantong, position: [30.67, 104.06, 500],
     identity: {msisdn: "17400000001"}}
  b:
    {family: tiantong, satellite: tiantong, position: [29.65, 91.10, 3650],
     identity: {msisdn: "17400000002"}}
"""
"""Two Tiantong terminals on the GEO slot, each with its number (a scenario's head)."""

THREE_SMS = "name: three-sms\n" + TWO_TIANTONG + """\
steps:
  - {terminal: a, do: power_on}
  - {terminal: b, do: power_on}
  - {terminal: a, do: attach}
  - {terminal: b, do: attach}
  - {terminal: a, do: send_sms, to: b, text: "one", expect: {delivered_within_s: 30}}
  - {terminal: a, do: send_sms, to: b, text: "two", expect: {delivered_within_s: 30}}
  - {terminal: a, do: send_sms, to: b, text: "three", expect: {delivered_within_s: 30}}
"""


def _run(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    scenario, testbed, ports = load_inputs([str(path)])
    outcome = run_scenario(scenario, testbed, ports, tmp_path / name, progress=False)
    assert [r.status for r in outcome.results] == ["passed"] * len(outcome.results)
    return outcome


def test_three_back_to_back_data_echoes(tmp_path):
    outcome = _run(tmp_path, "three-data", THREE_DATA)
    sends = [r for r in outcome.results if r.action == "send_data"]
    assert len(sends) == 3
    for r in sends:
        hex_payload = r.params["payload"].encode().hex().upper()
        echo = [e.t_s for e in r.events
                if e.kind == "urc" and e.text.startswith("+CRTDCP:") and hex_payload in e.text]
        assert len(echo) == 1, r.label
        assert r.observed["delivered_after_s"] == pytest.approx(echo[0] - r.started_s,
                                                                abs=1e-6)   # 6-decimal stamps
        assert r.observed["delivered_after_s"] > MIN_GEO_ROUND_TRIP_S


def test_three_back_to_back_sms(tmp_path):
    outcome = _run(tmp_path, "three-sms", THREE_SMS)
    sends = [r for r in outcome.results if r.action == "send_sms"]
    # b's +CMT in the order they came: the k-th is the k-th message (each step waits for its
    # own before the next is sent)
    cmt = [e.t_s for r in outcome.results for e in r.events
           if e.terminal == "b" and e.kind == "urc" and "+CMT: " in e.text]   # on a 27.010 channel
    assert len(sends) == len(cmt) == 3
    for r, t_s in zip(sends, cmt, strict=True):
        assert r.started_s < t_s <= r.ended_s, r.label
        assert r.observed["delivered_after_s"] == pytest.approx(t_s - r.started_s, abs=1e-6)


def test_certification_measures_the_real_echo(tmp_path):
    out = tmp_path / "cert"
    done = ntnstack("certify", "--profile", "ntn-3gpp", "--family", "nbntn-nordic",
                    "--out", str(out))
    assert done.returncode == 0, done.stderr
    verdict = next(v for v in json.loads((out / "certification.json").read_text())["verdicts"]
                   if v["id"] == "NTN-DATA")
    (step,) = verdict["steps"]
    index = int(step["step"].split("-", 1)[0])
    events = [e for e in json.loads((out / "timeline.json").read_text())["events"]
              if e["step"] == index and e["terminal"] == step["terminal"]]
    sent = next(e["text"] for e in events if e["kind"] == "cmd"
                and e["text"].startswith("AT+CSODCP="))
    payload_hex = sent.rsplit(",", 1)[1].strip('"')
    echo_s = next(e["t_s"] for e in events if e["kind"] == "urc"
                  and e["text"].startswith("+CRTDCP:") and payload_hex in e["text"])
    started_s = next(e["t_s"] for e in events if e["kind"] == "step")
    (criterion,) = verdict["criteria"]
    assert criterion["measured"] == pytest.approx(echo_s - started_s, abs=1e-6)
    assert criterion["measured"] > MIN_GEO_ROUND_TRIP_S
    assert "NTN-DATA" in done.stdout

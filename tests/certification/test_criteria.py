"""Pass criteria judged on step observations: each test can fail on the wrong value."""
from __future__ import annotations

import math

import pytest

from ntnstack.certification.criteria import judge
from ntnstack.runner.records import StepResult

GEO_RTT_S = 0.54146  # TR 38.821 Table 5.3.2.1-1: GEO transparent max RTT


def _steps(**observed) -> dict:
    a = StepResult(1, "dut", "attach", "nbntn-generic", 0.0, observed=observed)
    b = StepResult(2, "dut", "read_identity", "nbntn-generic", 1.0,
                   observed={"identity": {"imei": "350000000000014"}})
    return {"a": a, "b": b}


def _rtt(_result) -> float:
    return GEO_RTT_S


@pytest.mark.parametrize(("crit", "observed", "ok"), [
    ({"equals": 14}, {"registration": {"act": 14}}, True),
    ({"equals": 14}, {"registration": {"act": 9}}, False),
    ({"equals": 14}, {}, False),
    ({"not_in": [1, 5]}, {"registration": {"act": 3}}, True),
    ({"not_in": [1, 5]}, {"registration": {"act": 5}}, False),
])
def test_value_tests(crit, observed, ok):
    result = judge({"step": "a", "value": "registration.act", **crit}, _steps(**observed), _rtt)
    assert result.passed is ok


def test_absent_and_contains():
    steps = _steps(lines=['+CGDCONT: 1,"IPV6","iot"'])
    assert judge({"step": "a", "value": "registered_after_s", "absent": True}, steps,
                 _rtt).passed
    assert judge({"step": "a", "value": "lines", "contains": '1,"IPV6"'}, steps, _rtt).passed
    assert not judge({"step": "a", "value": "lines", "contains": '1,"IPV4V6"'}, steps,
                     _rtt).passed


def test_matches_any_ipv6_address_in_dot_notation():
    crit = {"step": "a", "value": "lines", "matches": r'"(\d{1,3}\.){15}\d{1,3}"'}
    link_local = '+CGPADDR: 0,"10.45.0.3","254.128.0.0.0.0.0.0.0.0.0.0.10.45.0.3"'
    global_ = '+CGPADDR: 1,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"'    # 2001:db8::1
    assert judge(crit, _steps(lines=[link_local]), _rtt).passed
    assert judge(crit, _steps(lines=[global_]), _rtt).passed
    assert not judge(crit, _steps(lines=['+CGPADDR: 0,"10.45.0.3"']), _rtt).passed


def test_same_as_compares_two_steps():
    crit = {"step": "a", "value": "identity.imei",
            "same_as": {"step": "b", "value": "identity.imei"}}
    assert judge(crit, _steps(identity={"imei": "350000000000014"}), _rtt).passed
    drifted = judge(crit, _steps(identity={"imei": "350000000000022"}), _rtt)
    assert not drifted.passed and drifted.limit == "350000000000014"


def test_budget_is_round_trips_times_rtt_plus_allowance():
    crit = {"step": "a", "value": "delivered_after_s",
            "within_budget": {"round_trips": 3, "allowance_s": 3.0}}
    limit_s = 3 * GEO_RTT_S + 3.0
    assert judge(crit, _steps(delivered_after_s=limit_s - 1e-3), _rtt).passed
    late = judge(crit, _steps(delivered_after_s=limit_s + 1e-3), _rtt)
    assert not late.passed and late.limit == pytest.approx(limit_s)
    assert not judge(crit, _steps(delivered_after_s=math.nan), _rtt).passed
    assert not judge(crit, _steps(), _rtt).passed

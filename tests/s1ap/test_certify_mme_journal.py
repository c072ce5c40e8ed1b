"""Network-side evidence in a certification: ``ntnstack mme --journal`` behind ``ntnstack
enb`` (two processes) records UE 1's attach (IMSI 001010000000001, the IMSI the virtual
module of the satellite-iot-trial profile reports), and ``ntnstack certify --mme-journal``
judges the profile's identity-binding and IPv6-PDN requirements from it as well: passed when
the MME checked the bound device and granted IPv4v6, failed when it rejected the device (EMM
cause #6) or granted IPv4 only (ESM cause #50), not observable when it never saw the IMSI."""
from __future__ import annotations

import json
import subprocess

import pytest

from ntnstack.s1ap.ue_load import emulated_imsi
from ntnstack.stack import UeConfig
from ntnstack.stack.imei import luhn_digit
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.processes import cli, mme_then_enb

DUT_IMSI = emulated_imsi(1)          # 001010000000001: the profile's virtual module's IMSI
OTHER_IMEI = "490154203237518"       # a valid IMEI (check digit 8, TS 23.003 B.2), not the UE's


def _journal(tmp_path, dut_options: str | None, ues: int) -> str:
    """An MME journal of ``ues`` emulated UEs (ipv4v6 requested); UE 1's subscriber line ends
    with ``dut_options`` (IMEI,MSISDN,PDN_POLICY)."""
    ue = UeConfig()
    key, opc = ue.k.hex(), ue.opc.hex()
    lines = [f"{emulated_imsi(0)},{key},{opc}"]
    if dut_options is not None:
        lines.append(f"{DUT_IMSI},{key},{opc},{dut_options}")
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("\n".join(lines) + "\n")
    journal = tmp_path / "mme.sqlite"
    done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                            str(subscribers), "--sctp", "usrsctp", "--journal", str(journal)),
                        "--ues", str(ues), "--pdn", "ipv4v6", "--json", "--sctp", "usrsctp")
    assert done.mme_returncode == 0, done.mme_err
    return str(journal)


SINCE = "2026-01-01T00:00:00Z"
"""The journals here are written before the certification runs (two processes, one after the
other), so the tests judge them from an instant before either: --mme-since."""


def _certify(tmp_path, journal: str, since: str | None = SINCE) -> tuple[int, dict]:
    window = ["--mme-since", since] if since else []
    done = subprocess.run(cli("certify", "--profile", "satellite-iot-trial", "--out",
                              str(tmp_path / "cert"), "--mme-journal", journal, *window,
                              "--json"),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, {v["id"]: v for v in json.loads(done.stdout)["verdicts"]}


def _own_imei() -> str:
    tac_snr = UeConfig().imeisv[:14]
    return tac_snr + luhn_digit(tac_snr)


def test_bound_device_and_ipv6_pdn_pass_on_the_network_side(tmp_path):
    status, verdicts = _certify(tmp_path, _journal(tmp_path, f"{_own_imei()},,dual-stack", 2))
    assert status == 0
    identity, ipv6 = verdicts["TRIAL-IDENTITY"], verdicts["TRIAL-IPV6"]
    assert identity["verdict"] == "passed" and identity["network"]["verdict"] == "passed"
    assert f"IMEISV {UeConfig().imeisv}" in identity["network"]["explanation"]
    assert ipv6["verdict"] == "passed" and ipv6["network"]["verdict"] == "passed"
    assert "PDN ipv4v6 granted (ipv4v6 requested)" in ipv6["network"]["explanation"]
    assert [s["imsi"] for s in ipv6["network"]["steps"]] == [DUT_IMSI]
    assert verdicts["TRIAL-SUSPEND"].get("network") is None     # names no network check


@pytest.mark.parametrize("dut_options, failing, needle", [
    (f"{OTHER_IMEI},,", "TRIAL-IDENTITY", "EMM cause #6 Illegal ME"),
    (f"{_own_imei()},,ipv4-only", "TRIAL-IPV6", "ipv4v6 requested, PDN ipv4 granted"),
])
def test_network_side_failure_fails_the_requirement(tmp_path, dut_options, failing, needle):
    status, verdicts = _certify(tmp_path, _journal(tmp_path, dut_options, 2))
    assert status == 1
    assert verdicts[failing]["verdict"] == "failed"     # passed on the module side alone
    assert verdicts[failing]["network"]["verdict"] == "failed"
    assert needle in verdicts[failing]["network"]["explanation"]
    other = ({"TRIAL-IDENTITY", "TRIAL-IPV6"} - {failing}).pop()
    # the #6 attach never reached the PDN decision; the ipv4-only one passed the IMEI check
    assert verdicts[other]["network"]["verdict"] == (
        "not-observable" if failing == "TRIAL-IDENTITY" else "passed")


def test_an_imsi_the_mme_never_saw_is_not_observable(tmp_path):
    status, verdicts = _certify(tmp_path, _journal(tmp_path, None, 1))
    assert status == 0                              # the module-side verdicts stand
    for rid in ("TRIAL-IDENTITY", "TRIAL-IPV6"):
        assert verdicts[rid]["verdict"] == "passed"
        network = verdicts[rid]["network"]
        assert network["verdict"] == "not-observable" and network["steps"] == []
        assert "the MME saw no attach of the IMSI" in network["explanation"]


def test_bad_network_check_in_a_profile_is_one_line(capsys, tmp_path):
    from tests.cli.test_bad_input import one_line_error
    from ntnstack.configs import PROFILE_DIR

    text = (PROFILE_DIR / "satellite-iot-trial.yaml").read_text()
    profile = tmp_path / "trial.yaml"
    profile.write_text(text.replace("network: ipv6-pdn", "network: ipv7-pdn"))
    one_line_error(capsys, ["certify", "--profile", str(profile), "--out", str(tmp_path / "o")],
                   "trial.yaml", "expected one of identity-binding, ipv6-pdn")


def test_attaches_before_the_certification_run_are_not_its_evidence(tmp_path):
    """By default only what the MME saw while the certification ran counts: a journal kept
    across sessions (here: written just before) holds attaches of the same IMSI that say
    nothing of the module under test, so the network side is not observable."""
    journal = _journal(tmp_path, f"{OTHER_IMEI},,dual-stack", 2)   # an EMM #6 in the past
    status, verdicts = _certify(tmp_path, journal, since=None)
    identity = verdicts["TRIAL-IDENTITY"]
    assert identity["network"]["verdict"] == "not-observable"
    assert identity["verdict"] != "failed"

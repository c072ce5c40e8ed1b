"""What the MME saw, in the results journal: ``ntnstack mme --journal FILE`` behind
``ntnstack enb`` (two processes over UDP): each UE procedure is a step of the MME's run
(IMSI, procedure, result, cause), read back by ``ntnstack results show``; a UE from the
wrong device fails its attach with EMM cause #6 and the run is "failed"."""
from __future__ import annotations

import json
import subprocess

from ntnstack.stack.imei import luhn_digit
from ntnstack.s1ap.ue_load import emulated_imsi
from ntnstack.stack import UeConfig
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.processes import cli, mme_then_enb

OTHER_IMEI = "490154203237518"        # a valid IMEI (check digit 8, TS 23.003 B.2), not the UE's
MSISDN = "+8613912340000"


def test_mme_journal_records_each_procedure_and_the_illegal_me(tmp_path):
    ue = UeConfig()
    own = ue.imeisv[:14] + luhn_digit(ue.imeisv[:14])
    key, opc = ue.k.hex(), ue.opc.hex()
    good, bad = emulated_imsi(0), emulated_imsi(1)
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(f"{good},{key},{opc},{own},{MSISDN}\n{bad},{key},{opc},{OTHER_IMEI}\n")
    journal = tmp_path / "mme.sqlite"
    done = mme_then_enb(cli("mme", "--listen", "127.0.0.1:0", "--subscribers",
                            str(subscribers), "--sctp", "usrsctp", "--journal", str(journal)),
                        "--ues", "2", "--json", "--sctp", "usrsctp")
    enb = done.enb
    assert done.mme_returncode == 0, done.mme_err
    assert enb.returncode == 1, enb.stderr                  # UE 1 failed its attach
    assert json.loads(enb.stdout)["failures"] == [
        {"imsi": bad, "procedure": "attach", "reason": "attach reject: EMM cause #6"}]
    shown = subprocess.run(cli("results", "show", str(journal), "--json"), cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    data = json.loads(shown.stdout)
    assert (data["run"]["scenario"], data["run"]["clock"], data["run"]["status"]) == (
        "mme", "real", "failed")
    steps = [(s["terminal"], s["action"], s["status"], s["message"]) for s in data["steps"]]
    assert steps == [
        (good, "attach", "passed", "PDN non-ip"),        # the emulated UEs request non-IP
        (good, "data", "passed", "23 octets"),           # UPLINK_PAYLOAD, on a non-IP PDN
        (good, "sms", "passed", f"originator {MSISDN}"),
        (good, "detach", "passed", ""),
        (bad, "attach", "failed", f"EMM cause #6 Illegal ME: IMEISV {ue.imeisv}, bound to "
                                  f"IMEI {OTHER_IMEI[:14]}")]
    assert all(0 <= s["started_s"] <= s["ended_s"] for s in data["steps"])
    text = subprocess.run(cli("results", "show", str(journal)), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert text.returncode == 1 and "EMM cause #6 Illegal ME" in text.stdout

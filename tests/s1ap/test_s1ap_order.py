"""`ntnstack enb` against `ntnstack mme` (two processes, SCTP over UDP on loopback) twice,
then against a test MME that sends every UE-associated message 50 ms late, with the same
inputs, as tshark dissects the eNB's capture: the same S1AP messages in the same order on
every run, per UE and as a whole (TS 23.401 orders each procedure; nothing may depend on
thread scheduling, the machine's speed or the core's); with Control Plane CIoT EPS
optimisation and CP-only PDNs no INITIAL CONTEXT SETUP, the ATTACH ACCEPT in a DOWNLINK NAS
TRANSPORT (TS 23.401 5.3.2.1 step 17); S1 SETUP REQUEST's paging DRX as the cell broadcasts.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ntnstack.stack import geo_cell
from tests.cli.subprocess_cli import ROOT
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.processes import cli, mme_then_enb
from tests.s1ap.tshark_s1ap import (ATTACH_ACCEPT, ATTACH_COMPLETE, DOWNLINK_NAS,
                                     INITIAL_CONTEXT_SETUP, INITIATING, S1_SETUP,
                                     UPLINK_NAS, S1apMessage, s1ap_messages)

UES = 3
LATE_S = 0.05   # the late MME's delay: over ten times the 1-3 ms a message and its answer
                # are apart on loopback (the reviewer's captures), time for any race to show
MME_SCTP_PORT = 36412                     # S1-MME (TS 36.412 7), the MME's SCTP port


@pytest.fixture(scope="module")
def runs(require_tool, tmp_path_factory) -> list[list[S1apMessage]]:
    tshark = require_tool("tshark")
    tmp = tmp_path_factory.mktemp("order")
    subscribers = tmp / "subscribers.csv"
    subscribers.write_text(subprocess.run(
        cli("enb", "--ues", str(UES), "--print-subscribers"), cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=60).stdout)
    ours = cli("mme", "--listen", "127.0.0.1:0", "--subscribers", str(subscribers),
               "--eea", "eea0", "--sctp", "usrsctp")
    late = [sys.executable, "-m", "tests.s1ap.slow_mme", str(subscribers), str(LATE_S),
            "every"]
    captures = []
    for run, mme in enumerate([ours, ours, late]):
        pcap = tmp / f"enb{run}.pcap"
        done = mme_then_enb(mme, "--ues", str(UES), "--pcap", str(pcap), "--json",
                            "--sctp", "usrsctp")
        assert done.enb.returncode == 0, done.enb.stderr + done.mme_err
        assert json.loads(done.enb.stdout)["failures"] == []
        port = int(done.enb.args[done.enb.args.index("--mme") + 1].rsplit(":", 1)[1])
        captures.append(s1ap_messages(tshark, pcap, udp_port=port))
    return captures


def _step(message: S1apMessage) -> tuple:
    """What a message is: sender, S1AP-PDU choice and procedure, the NAS messages in it."""
    sender = "mme" if message.sctp_src_port == MME_SCTP_PORT else "enb"
    nas = message.fields.get("nas_eps.nas_msg_emm_type", ()) + \
        message.fields.get("nas_eps.nas_msg_esm_type", ())
    return sender, *message.kind, nas


def _per_ue(messages: list[S1apMessage]) -> dict[int, list[tuple]]:
    """The steps of each UE-associated S1 connection, by eNB UE S1AP ID."""
    steps: dict[int, list[tuple]] = {}
    for message in messages:
        if message.enb_ue_id is not None:
            steps.setdefault(message.enb_ue_id, []).append(_step(message))
    return steps


def test_same_s1ap_sequence_on_every_run(runs):
    first = _per_ue(runs[0])
    assert len(first) == 2 * UES            # attach .. release, then SMS from idle .. detach
    for messages in runs[1:]:
        assert _per_ue(messages) == first
        assert [_step(m) for m in messages] == [_step(m) for m in runs[0]]


def test_each_s1_connection_ends_before_the_next_begins(runs):
    """The UEs run one after another: a UE's connection (its messages, by eNB UE S1AP ID)
    ends with its UE CONTEXT RELEASE before the next UE's INITIAL UE MESSAGE."""
    for messages in runs:
        ids = [m.enb_ue_id for m in messages if m.enb_ue_id is not None]
        runs_of_ids = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
        assert runs_of_ids == sorted(set(ids))


def test_attach_accept_in_downlink_nas_transport_and_no_initial_context_setup(runs):
    for messages in runs:
        assert all(m.kind[1] != INITIAL_CONTEXT_SETUP for m in messages)
        accepts = [m for m in messages if m.emm_type == ATTACH_ACCEPT]
        assert len(accepts) == UES
        for accept in accepts:
            assert accept.kind == (INITIATING, DOWNLINK_NAS)
            # its default bearer: "PDN connection can be used for control plane CIoT EPS
            # optimization only" (TS 24.301 9.9.4.23)
            assert accept.first("nas_eps.esm.ctrl_plane_only_ind.cpoi") == "1"
        completes = [m for m in messages if m.emm_type == ATTACH_COMPLETE]
        assert [m.kind for m in completes] == [(INITIATING, UPLINK_NAS)] * UES


def test_s1_setup_paging_drx_is_the_cells_default_paging_cycle(runs):
    """`ntnstack enb`'s GEO cell broadcasts defaultPagingCycle rf256 (SIB2-NB): both IEs
    say v256 (TS 36.413 9.1.8.4; NB-IoT Default Paging DRX for an NB-IoT cell)."""
    assert geo_cell(T0_UNIX_S).paging_cycle_rf == 256
    for messages in runs:
        setup = messages[0]
        assert setup.kind == (INITIATING, S1_SETUP)
        assert setup.shownames["s1ap.PagingDRX"][0].startswith("PagingDRX: v256 ")
        assert setup.shownames["s1ap.NB_IoT_DefaultPagingDRX"][0].startswith(
            "NB-IoT-DefaultPagingDRX: v256 ")

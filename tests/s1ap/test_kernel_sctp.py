"""The kernel's SCTP (``--sctp kernel``): our retyped constants and structure layouts equal
<linux/sctp.h> (a C program compiled against it prints them), and, where the kernel has
SCTP, 5 UEs attach, send data and an SMS, and detach through ``ntnstack mme``'s node over
kernel sockets on loopback. This machine's kernel has no SCTP: that test says why it skips."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ntnstack.s1ap.carrier import KernelCarrier
from ntnstack.s1ap.enb_node import S1apEnb
from ntnstack.s1ap.mme_node import S1apMme
from ntnstack.s1ap.ue_load import run_ues
from ntnstack.sctp import kernel as k
from ntnstack.sctp.choice import kernel_sctp_error
from ntnstack.stack import geo_cell
from tests.s1ap.conftest import T0_UNIX_S
from tests.s1ap.test_enb_mme import GEO_SPAN_S, _mme

HEADER = Path("/usr/include/linux/sctp.h")
PROGRAM = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sctp.h>
#define SHOW(x) printf(#x " %ld\n", (long)(x))
int main(void) {
    SHOW(SCTP_INITMSG); SHOW(SCTP_NODELAY); SHOW(SCTP_RECVRCVINFO); SHOW(SCTP_EVENT);
    SHOW(SCTP_SNDINFO); SHOW(SCTP_RCVINFO); SHOW(MSG_NOTIFICATION); SHOW(SCTP_ASSOC_CHANGE);
    SHOW(SCTP_COMM_UP); SHOW(SCTP_COMM_LOST); SHOW(SCTP_RESTART); SHOW(SCTP_SHUTDOWN_COMP);
    SHOW(SCTP_CANT_STR_ASSOC); SHOW(SCTP_EOF);
    SHOW(sizeof(struct sctp_initmsg)); SHOW(sizeof(struct sctp_sndinfo));
    SHOW(sizeof(struct sctp_rcvinfo)); SHOW(offsetof(struct sctp_rcvinfo, rcv_ppid));
    SHOW(offsetof(struct sctp_rcvinfo, rcv_assoc_id));
    SHOW(offsetof(struct sctp_assoc_change, sac_assoc_id)); SHOW(sizeof(struct sctp_event));
    return 0;
}
"""


def _need(what: str, ok: bool, package: str) -> None:
    if not ok:
        message = f"{what} is missing (Debian package {package})"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def test_constants_and_layouts_are_those_of_the_header(tmp_path):
    _need(str(HEADER), HEADER.exists(), "linux-libc-dev")
    _need("gcc", shutil.which("gcc") is not None, "gcc")
    source, binary = tmp_path / "show.c", tmp_path / "show"
    source.write_text(PROGRAM)
    subprocess.run(["gcc", "-o", str(binary), str(source)], check=True, timeout=60)
    shown = dict(line.rsplit(" ", 1) for line in subprocess.run(
        [str(binary)], capture_output=True, text=True, check=True, timeout=10).stdout.splitlines())
    values = {name: int(value) for name, value in shown.items()}
    for name in ("SCTP_INITMSG", "SCTP_NODELAY", "SCTP_RECVRCVINFO", "SCTP_EVENT",
                 "SCTP_SNDINFO", "SCTP_RCVINFO", "MSG_NOTIFICATION", "SCTP_ASSOC_CHANGE",
                 "SCTP_EOF"):
        assert getattr(k, name) == values[name], name
    for state, name in zip(k.STATES, ("SCTP_COMM_UP", "SCTP_COMM_LOST", "SCTP_RESTART",
                                      "SCTP_SHUTDOWN_COMP", "SCTP_CANT_STR_ASSOC"), strict=True):
        assert k.STATES.index(state) == values[name], name
    assert k.INITMSG.size == values["sizeof(struct sctp_initmsg)"]
    assert k.SNDINFO.size == values["sizeof(struct sctp_sndinfo)"]
    assert k.RCVINFO.size == values["sizeof(struct sctp_rcvinfo)"]
    assert (values["offsetof(struct sctp_rcvinfo, rcv_ppid)"],
            values["offsetof(struct sctp_rcvinfo, rcv_assoc_id)"]) == (8, 24)   # "=HHHxxIIIIi"
    assert k.ASSOC_CHANGE.size == values["offsetof(struct sctp_assoc_change, sac_assoc_id)"] + 4
    assert k.EVENT.size <= values["sizeof(struct sctp_event)"]     # C pads the struct to 8


def test_ues_through_kernel_sctp_on_loopback():
    reason = kernel_sctp_error()
    if reason is not None:
        pytest.skip(f"kernel SCTP path not run: {reason}")
    cell = geo_cell(T0_UNIX_S)
    mme_endpoint = k.KernelEndpoint(("127.0.0.1", 0))
    mme_endpoint.listen()
    enb_endpoint = k.KernelEndpoint(("127.0.0.1", 0))
    carrier = KernelCarrier(enb_endpoint)
    mme = S1apMme(_mme(5), mme_endpoint)
    enb = S1apEnb.for_cell(enb_endpoint, carrier, cell, "nbiot-geo")
    carrier.nodes = [enb, mme]
    try:
        enb.associate(*mme_endpoint.sock.getsockname()[:2])
        report = run_ues(enb, [cell], 5, T0_UNIX_S, GEO_SPAN_S)
    finally:
        carrier.close()
        mme_endpoint.close()
    assert report.failures == []
    assert mme.seen["InitialUEMessage"] == 5

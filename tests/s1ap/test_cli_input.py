"""Bad input to ``ntnstack mme`` / ``ntnstack enb``: one line naming the argument (or
FILE:LINE of the subscriber file), exit 2, no traceback (tests/cli/test_bad_input.py's rule)."""
from __future__ import annotations

import pytest

from ntnstack.sctp.choice import kernel_sctp_error
from tests.cli.test_bad_input import one_line_error

KEY = "00" * 16                 # any 128-bit K / OPc


@pytest.mark.parametrize("lines, needle", [
    ([f"00101000000001,{KEY}"],
     ":1: expected IMSI,K,OPc[,IMEI[,MSISDN[,PDN_POLICY]]], got 2 fields"),
    ([f"001010000000001,{KEY},{KEY},490154203237519"], ":1: IMEI '490154203237519'"),
    ([f"0010100000000x,{KEY},{KEY}"], ":1: IMSI '0010100000000x' is not 6..15 digits"),
    (["# a comment", f"001010000000001,{KEY[:-1]}z,{KEY}"], ":2: K "),
    ([f"001010000000001,{KEY},{KEY}"] * 2, ":2: IMSI 001010000000001 is already listed"),
    (["# nothing"], "no subscriber in the file"),
])
def test_bad_subscriber_files(capsys, tmp_path, lines, needle):
    path = tmp_path / "subscribers.csv"
    path.write_text("\n".join(lines) + "\n")
    one_line_error(capsys, ["mme", "--listen", "127.0.0.1:0", "--subscribers", str(path)],
                   needle)


def test_missing_subscriber_file(capsys, tmp_path):
    one_line_error(capsys, ["mme", "--listen", "127.0.0.1:0", "--subscribers",
                            str(tmp_path / "none.csv")], "--subscribers", "none.csv")


@pytest.mark.parametrize("argv, needles", [
    (["mme", "--listen", "localhost", "--subscribers", "x"], ("--listen 'localhost'",)),
    (["enb", "--mme", "127.0.0.1:99999"], ("--mme '127.0.0.1:99999'",)),
    (["enb", "--mme", "127.0.0.1:9899", "--ues", "0"], ("--ues 0",)),
    (["enb"], ("--mme: required",)),
    (["enb", "--mme", "127.0.0.1:9899", "--uplink-hex", "4x"], ("--uplink-hex '4x'",)),
    (["mme", "--listen", "127.0.0.1:0", "--subscribers", "x", "--forward-udp", "host"],
     ("--forward-udp 'host'",)),
    (["enb", "--mme", "127.0.0.1:9899", "--answer-timeout-s", "-1"], ("--answer-timeout-s",)),
    (["enb", "--mme", "127.0.0.1:9899", "--sctp", "tcp"], ("--sctp: 'tcp'",)),
])
def test_bad_options(capsys, argv, needles):
    one_line_error(capsys, argv, *needles)


@pytest.mark.skipif(kernel_sctp_error() is None, reason="this kernel has SCTP")
def test_kernel_sctp_without_kernel_sctp(capsys):
    one_line_error(capsys, ["enb", "--mme", "127.0.0.1:36412", "--sctp", "kernel"],
                   "--sctp kernel", kernel_sctp_error())


@pytest.mark.parametrize("extra, needle", [
    (["--pdn", "ipv5"], "--pdn 'ipv5': one of ipv4, ipv6, ipv4v6, non-ip"),
    (["--pdn", "ipv6", "--app-server", "10.45.0.1:5683"],
     "--app-server 10.45.0.1:5683: an IPv6 address (PDN type ipv6)"),
    (["--pdn", "ipv4", "--app-server", "server:5683"], "--app-server server:5683: an IPv4"),
])
def test_bad_user_plane_options_of_enb(capsys, extra, needle):
    one_line_error(capsys, ["enb", "--mme", "127.0.0.1:9899", "--sctp", "usrsctp", *extra],
                   needle)


def test_mme_command_in_process_frees_its_sctp_port(tmp_path, capsys):
    """usrsctp's stack lives as long as the process: an ``ntnstack mme`` run in process (the
    pytest plugin, a notebook) must close its endpoint, or the next MME on port 36412 of
    the same process fails with EADDRINUSE (it did, when it only closed its UDP socket)."""
    from ntnstack.cli import main
    from ntnstack.s1ap.ports import S1AP_SCTP_PORT
    from ntnstack.sctp.usrsctp import UsrsctpEndpoint, UsrsctpStack

    path = tmp_path / "subscribers.csv"
    path.write_text(f"001010000000001,{'00' * 16},{'00' * 16}\n")
    for _ in range(2):   # the second run binds the port the first one left
        assert main(["mme", "--listen", "127.0.0.1:0", "--sctp", "usrsctp", "--subscribers",
                     str(path), "--duration", "0.05", "--json"]) == 0
    endpoint = UsrsctpEndpoint(UsrsctpStack.get(), S1AP_SCTP_PORT)
    endpoint.close()
    capsys.readouterr()

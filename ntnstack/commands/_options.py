"""Conventions every command shares: the progress rule, the default output folder, and the
old option spellings kept as hidden aliases for one release (see README.md, CLI)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

OUT_ROOT = Path("ntnstack-out")
"""Default output folders are OUT_ROOT / COMMAND (ntnstack-out/run, ntnstack-out/certify)."""


def default_out(command: str) -> Path:
    """The default output folder of ``command``."""
    return OUT_ROOT / command


def show_progress(args: argparse.Namespace, *, json_output: bool = False) -> bool:
    """A progress bar only on a terminal: stderr is a tty, no -q, and the command's data does
    not go to stdout as JSON (``json_output``: its --json, for commands that have one)."""
    return sys.stderr.isatty() and not args.quiet and not json_output


def old_spelling(parser: argparse.ArgumentParser, old: str, dest: str, **kw) -> None:
    """Accept ``old`` as a hidden alias of the option stored in ``dest`` (kept for one
    release; not shown in --help)."""
    parser.add_argument(old, dest=dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kw)


def host_port(text: str, option: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 hosts in brackets) -> (host, port); InputError naming ``option``."""
    from ntnstack.errors import InputError

    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InputError(f"{option} {text!r}: expected HOST:PORT with PORT 0..65535")
    return host.strip("[]"), int(port)


def ws_url(host: str, port: int) -> str:
    """``ws://HOST:PORT``, an IPv6 host in brackets (RFC 3986 3.2.2)."""
    return f"ws://[{host}]:{port}" if ":" in host else f"ws://{host}:{port}"


def add_sctp_options(parser: argparse.ArgumentParser) -> None:
    """``--sctp MODE`` and ``--pcap PATH`` of the S1AP commands (ntnstack enb, ntnstack mme)."""
    parser.add_argument("--sctp", default="auto", metavar="MODE",
                        help="auto | kernel | usrsctp | raw (auto: kernel when it has SCTP, "
                        "else usrsctp over UDP; raw: usrsctp over raw IP, root)")
    parser.add_argument("--pcap", metavar="PATH",
                        help="write every SCTP packet here (in IPv4/UDP; with --sctp raw in "
                        "IPv4; the kernel's packets pass by ntnstack: use tcpdump)")


SFN0_HELP = ("when the cell's SFN 0, subframe 0 started, setting the epochTime fields: an "
             "ISO 8601 UTC time (frames counted in POSIX seconds from it, no leap seconds; "
             "default 1970-01-01T00:00:00Z) or 'gps' (SFN aligned to GPS time: 18 leap "
             "seconds since 1980 counted)")

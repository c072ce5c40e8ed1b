"""``--sctp auto|kernel|usrsctp``: which SCTP carries S1AP.

``usrsctp`` is libusrsctp in this process (ntnstack.sctp.usrsctp), over UDP
encapsulation (RFC 6951) between hosts. ``kernel`` is the kernel's SCTP (Linux ``sctp``
module, one-to-many sockets, ntnstack.sctp.kernel): standard SCTP on the wire, as real
eNBs and cores speak it. ``auto`` is ``kernel`` when a kernel SCTP socket opens, else
``usrsctp``. ``raw`` is libusrsctp in this process over raw IP (protocol 132): standard
SCTP on the wire without the kernel's SCTP, for root (CAP_NET_RAW) on a kernel without SCTP
(with one, the kernel would answer the packets itself: use ``kernel``). Never chosen by
``auto``: two raw endpoints on one host share every SCTP packet and must use distinct SCTP
ports.
"""
from __future__ import annotations

import socket

from ntnstack.errors import InputError

__all__ = ["SCTP_MODES", "choose_sctp", "kernel_sctp_error", "raw_sctp_error"]

SCTP_MODES = ("auto", "kernel", "usrsctp", "raw")


def kernel_sctp_error() -> str | None:
    """Why the kernel's SCTP cannot be used here, or None when a socket opens."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET, socket.IPPROTO_SCTP).close()
    except OSError as exc:
        return f"this kernel has no SCTP (socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP): " \
               f"{exc.strerror})"
    return None


def raw_sctp_error() -> str | None:
    """Why SCTP over raw IP cannot be used here, or None."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_SCTP).close()
    except OSError as exc:
        return f"a raw IP socket needs root (CAP_NET_RAW): {exc.strerror}"
    if kernel_sctp_error() is None:
        return "this kernel has SCTP and would answer the packets itself; use --sctp kernel"
    return None


def choose_sctp(mode: str) -> str:
    """"kernel", "usrsctp" or "raw" for ``mode``; InputError when ``kernel`` or ``raw``
    cannot be had."""
    if mode not in SCTP_MODES:
        raise InputError(f"--sctp: {mode!r} is not one of {', '.join(SCTP_MODES)}")
    if mode == "usrsctp":
        return mode
    if mode == "raw":
        reason = raw_sctp_error()
        if reason is not None:
            raise InputError(f"--sctp raw: {reason}")
        return mode
    reason = kernel_sctp_error()
    if reason is None:
        return "kernel"
    if mode == "kernel":
        raise InputError(f"--sctp kernel: {reason}; use --sctp usrsctp")
    return "usrsctp"

"""``--sctp auto|kernel|usrsctp``: which SCTP carries S1AP.

``usrsctp`` is libusrsctp in this process (ntnstack.sctp.usrsctp), over UDP
encapsulation (RFC 6951) between hosts. ``kernel`` is the kernel's SCTP (Linux ``sctp``
module, one-to-many sockets, ntnstack.sctp.kernel): standard SCTP on the wire, as real
eNBs and cores speak it. ``auto`` is ``kernel`` when a kernel SCTP socket opens, else
``usrsctp``.
"""
from __future__ import annotations

import socket

from ntnstack.errors import InputError

__all__ = ["SCTP_MODES", "choose_sctp", "kernel_sctp_error"]

SCTP_MODES = ("auto", "kernel", "usrsctp")


def kernel_sctp_error() -> str | None:
    """Why the kernel's SCTP cannot be used here, or None when a socket opens."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET, socket.IPPROTO_SCTP).close()
    except OSError as exc:
        return f"this kernel has no SCTP (socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP): " \
               f"{exc.strerror})"
    return None


def choose_sctp(mode: str) -> str:
    """"kernel" or "usrsctp" for ``mode``; InputError when ``kernel`` cannot be had."""
    if mode not in SCTP_MODES:
        raise InputError(f"--sctp: {mode!r} is not one of {', '.join(SCTP_MODES)}")
    if mode == "usrsctp":
        return mode
    reason = kernel_sctp_error()
    if reason is None:
        return "kernel"
    if mode == "kernel":
        raise InputError(f"--sctp kernel: {reason}; use --sctp usrsctp")
    return "usrsctp"

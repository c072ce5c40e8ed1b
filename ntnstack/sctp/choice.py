"""``--sctp auto|kernel|usrsctp``: which SCTP carries S1AP.

``usrsctp`` is libusrsctp in this process (ntnstack.sctp.usrsctp), over UDP
encapsulation (RFC 6951) between hosts. ``kernel`` would be the kernel's SCTP (Linux
sctp module, one-to-many sockets); this build detects it but does not yet drive it, so
``kernel`` is refused with the reason, and ``auto`` is ``usrsctp``.
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
    """The SCTP implementation for ``mode``: always "usrsctp" in this build (see above)."""
    if mode not in SCTP_MODES:
        raise InputError(f"--sctp: {mode!r} is not one of {', '.join(SCTP_MODES)}")
    if mode == "kernel":
        reason = kernel_sctp_error() or ("the kernel has SCTP, but ntnstack does not drive "
                                         "kernel SCTP sockets yet")
        raise InputError(f"--sctp kernel: {reason}; use --sctp usrsctp")
    return "usrsctp"

"""SCTP endpoints of the kernel (Linux ``sctp`` module), with the interface of
ntnstack.sctp.usrsctp.UsrsctpEndpoint: one-to-many sockets (RFC 6458 3), messages with
their stream and payload protocol identifier, association events.

The constants and structures are those of <linux/sctp.h> (RFC 6458 5.3.4 / 5.3.5 / 6.1.1),
retyped: tests/s1ap/test_kernel_sctp.py compiles a C program against the header and
compares. Python's socket module carries them (sendmsg / recvmsg ancillary data).
"""
from __future__ import annotations

import socket
import struct

from ntnstack.sctp.usrsctp import AssociationEvent, SctpError, SctpMessage

__all__ = ["KernelEndpoint"]

SCTP_INITMSG = 2                 # socket options, level IPPROTO_SCTP
SCTP_NODELAY = 3
SCTP_RECVRCVINFO = 32
SCTP_EVENT = 127
SCTP_SNDINFO = 2                 # cmsg types (enum sctp_cmsg_type)
SCTP_RCVINFO = 3
SCTP_EOF = 0x200                 # snd_flags (MSG_FIN): graceful shutdown of the association
MSG_NOTIFICATION = 0x8000
SCTP_ASSOC_CHANGE = 0x8001       # SCTP_SN_TYPE_BASE + 1
STATES = ("up", "lost", "restart", "shutdown", "cannot-start")   # enum sctp_sac_state
INITMSG = struct.Struct("=HHHH")
EVENT = struct.Struct("=iHB")
SNDINFO = struct.Struct("=HHIIi")
RCVINFO = struct.Struct("=HHHxxIIIIi")
ASSOC_CHANGE = struct.Struct("=HHIHHHHi")
RECEIVE_BUFFER_OCTETS = 65536


class KernelEndpoint:
    """A one-to-many SCTP socket of the kernel bound to ``local`` (host, port)."""

    def __init__(self, local: tuple[str, int], streams: int = 2):
        try:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET,
                                      socket.IPPROTO_SCTP)
        except OSError as exc:
            raise SctpError(f"kernel SCTP: {exc.strerror}") from None
        option = self.sock.setsockopt
        option(socket.IPPROTO_SCTP, SCTP_INITMSG, INITMSG.pack(streams, streams, 0, 0))
        option(socket.IPPROTO_SCTP, SCTP_NODELAY, 1)
        option(socket.IPPROTO_SCTP, SCTP_RECVRCVINFO, 1)
        option(socket.IPPROTO_SCTP, SCTP_EVENT, EVENT.pack(0, SCTP_ASSOC_CHANGE, 1))
        try:
            self.sock.bind(local)
        except OSError as exc:
            self.sock.close()
            raise SctpError(f"kernel SCTP {local[0]}:{local[1]}: {exc.strerror}") from None
        self.sock.setblocking(False)

    def listen(self) -> None:
        self.sock.listen(16)

    def connect(self, host: str, port: int) -> None:
        """Start an association (its ``up`` event comes out of ``poll``)."""
        try:
            self.sock.connect((host, port))
        except BlockingIOError:
            pass
        except OSError as exc:
            raise SctpError(f"kernel SCTP connect {host}:{port}: {exc.strerror}") from None

    def send(self, assoc_id: int, stream: int, ppid: int, data: bytes, flags: int = 0
             ) -> None:
        info = SNDINFO.pack(stream, flags, socket.htonl(ppid), 0, assoc_id)
        try:
            self.sock.sendmsg([data], [(socket.IPPROTO_SCTP, SCTP_SNDINFO, info)])
        except OSError as exc:
            raise SctpError(f"kernel SCTP send on association {assoc_id} stream {stream}: "
                            f"{exc.strerror}") from None

    def shutdown(self, assoc_id: int) -> None:
        """Graceful shutdown of ``assoc_id`` (SCTP_EOF, RFC 6458 5.3.4), as usrsctp's."""
        self.send(assoc_id, 0, 0, b"", SCTP_EOF)

    def poll(self) -> list[SctpMessage | AssociationEvent]:
        out: list[SctpMessage | AssociationEvent] = []
        while True:
            try:
                data, ancillary, flags, _ = self.sock.recvmsg(
                    RECEIVE_BUFFER_OCTETS, socket.CMSG_SPACE(RCVINFO.size))
            except BlockingIOError:
                return out
            if flags & MSG_NOTIFICATION:
                if len(data) >= ASSOC_CHANGE.size and \
                        struct.unpack_from("=H", data)[0] == SCTP_ASSOC_CHANGE:
                    _, _, _, state, _, outbound, inbound, assoc = ASSOC_CHANGE.unpack_from(data)
                    out.append(AssociationEvent(assoc, STATES[state] if state < len(STATES)
                                                else str(state), outbound, inbound))
                continue
            for level, kind, value in ancillary:
                if level == socket.IPPROTO_SCTP and kind == SCTP_RCVINFO:
                    sid, _, _, ppid, _, _, _, assoc = RCVINFO.unpack_from(value)
                    out.append(SctpMessage(assoc, sid, socket.ntohl(ppid), data))

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

"""SCTP endpoints over libusrsctp (ntnstack.sctp._usrsctp) on links this process carries.

One :class:`UsrsctpStack` per process (the library is global). A *link* is the path to one
peer, named by a token that usrsctp sees as the peer's AF_CONN address: packets to the
token leave through ``link.transmit(packet)``; packets from it enter through
``stack.receive(token, packet)``. A link is an in-memory pair (:func:`memory_pair`, both
ends in this process) or a UDP socket (ntnstack.sctp.udp: RFC 6951 encapsulation, the
SCTP packet as the UDP payload).

Nothing moves by itself: ``stack.flush()`` carries queued packets until none is left,
and ``stack.advance(ms)`` runs usrsctp's timers (retransmission, delayed SACK, heartbeat)
by the caller's clock. Endpoints are one-to-many sockets (RFC 6458 3): every association
of an endpoint is one ``assoc_id``; what arrives comes out of ``endpoint.poll()`` as
:class:`SctpMessage` and :class:`AssociationEvent`.
"""
from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ntnstack.errors import InputError
from ntnstack.sctp import _usrsctp as u

__all__ = ["AssociationEvent", "SctpError", "SctpMessage", "UsrsctpEndpoint", "UsrsctpStack",
           "memory_pair"]

RECEIVE_BUFFER_OCTETS = 65536
_ASSOC_CHANGE = struct.Struct("=HHIHHHHI")     # struct sctp_assoc_change (RFC 6458 6.1.1)
_STATES = {u.SCTP_COMM_UP: "up", u.SCTP_COMM_LOST: "lost", u.SCTP_RESTART: "restart",
           u.SCTP_SHUTDOWN_COMP: "shutdown", u.SCTP_CANT_STR_ASSOC: "cannot-start"}


class SctpError(InputError, OSError):
    """An SCTP call that failed: names the call and the errno."""


@dataclass(frozen=True)
class SctpMessage:
    """One user message: its association, stream, payload protocol identifier, octets."""

    assoc_id: int
    stream: int
    ppid: int
    data: bytes


@dataclass(frozen=True)
class AssociationEvent:
    """An association came ``up``, was ``lost``, restarted, shut down or could not start."""

    assoc_id: int
    state: str
    outbound_streams: int
    inbound_streams: int


class UsrsctpStack:
    """The process's usrsctp: links by token, the packets waiting to leave, the timers."""

    _instance: UsrsctpStack | None = None

    def __init__(self) -> None:
        self._output = u.ffi.callback("int(void *, void *, size_t, uint8_t, uint8_t)",
                                      self._on_output)
        self.lib = u.load(self._output)
        self.links: dict[int, object] = {}
        self.outbox: deque[tuple[int, bytes]] = deque()
        self._next_token = 1

    @classmethod
    def get(cls) -> UsrsctpStack:
        """The one stack of this process (created on first use)."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_output(self, addr, buffer, length, _tos, _set_df) -> int:
        self.outbox.append((int(u.ffi.cast("uintptr_t", addr)),
                            bytes(u.ffi.buffer(buffer, length))))
        return 0

    def add_link(self, link) -> int:
        """A new token for ``link`` (an object with ``transmit(packet)``)."""
        token, self._next_token = self._next_token, self._next_token + 1
        self.lib.usrsctp_register_address(u.ffi.cast("void *", token))
        self.links[token] = link
        return token

    def remove_link(self, token: int) -> None:
        self.lib.usrsctp_deregister_address(u.ffi.cast("void *", token))
        self.links.pop(token, None)

    def receive(self, token: int, packet: bytes) -> None:
        """A packet that arrived on the link of ``token``."""
        self.lib.usrsctp_conninput(u.ffi.cast("void *", token), packet, len(packet), 0)

    def flush(self) -> int:
        """Carry queued packets over their links until none is left; how many."""
        count = 0
        while self.outbox:
            token, packet = self.outbox.popleft()
            link = self.links.get(token)
            if link is not None:
                link.transmit(packet)
                count += 1
        return count

    def advance(self, elapsed_ms: int) -> None:
        """Run usrsctp's timers for ``elapsed_ms`` of the caller's clock."""
        self.lib.usrsctp_handle_timers(elapsed_ms)

    def rto_initial_ms(self) -> int:
        """The library's initial retransmission timeout (RTO.Initial, RFC 9260 6.3.1), ms."""
        return self.lib.usrsctp_sysctl_get_sctp_rto_initial_default()


def _sockaddr(port: int, token: int):
    address = u.ffi.new("struct sockaddr_conn *")
    address.sconn_family = u.AF_CONN
    address.sconn_port = ((port & 0xFF) << 8) | (port >> 8)     # network order
    address.sconn_addr = u.ffi.cast("void *", token)
    return address


class UsrsctpEndpoint:
    """A one-to-many SCTP socket on ``port``; ``streams`` outbound and inbound per
    association (TS 36.412 7: S1AP needs at least 2, stream 0 for non-UE signalling)."""

    def __init__(self, stack: UsrsctpStack, port: int, streams: int = 2):
        self.stack, self.port = stack, port
        lib = stack.lib
        self._sock = lib.usrsctp_socket(u.AF_CONN, u.SOCK_SEQPACKET, u.IPPROTO_SCTP,
                                        u.ffi.NULL, u.ffi.NULL, 0, u.ffi.NULL)
        if self._sock == u.ffi.NULL:
            raise SctpError(f"usrsctp_socket: errno {u.ffi.errno}")
        lib.usrsctp_set_non_blocking(self._sock, 1)
        # what usrsctp_recvv fills, allocated once: poll runs for every carrier turn
        self._buffer = u.ffi.new("char[]", RECEIVE_BUFFER_OCTETS)
        self._info = u.ffi.new("struct sctp_rcvinfo *")
        self._sizes = u.ffi.new("socklen_t[2]")
        self._infotype, self._flags = u.ffi.new("unsigned int *"), u.ffi.new("int *")
        self._option(u.SCTP_RECVRCVINFO, u.ffi.new("int *", 1))
        self._option(u.SCTP_NODELAY, u.ffi.new("int *", 1))
        self._option(u.SCTP_INITMSG, u.ffi.new("struct sctp_initmsg *", {
            "sinit_num_ostreams": streams, "sinit_max_instreams": streams}))
        for event in (u.SCTP_ASSOC_CHANGE, u.SCTP_SHUTDOWN_EVENT):
            self._option(u.SCTP_EVENT, u.ffi.new("struct sctp_event *", {
                "se_assoc_id": 2, "se_type": event, "se_on": 1}))   # 2: SCTP_ALL_ASSOC
        address = _sockaddr(port, 0)            # sconn_addr NULL: any link
        self._check("usrsctp_bind", lib.usrsctp_bind(
            self._sock, u.ffi.cast("struct sockaddr *", address), u.ffi.sizeof(address[0])))

    def _option(self, name: int, value) -> None:
        self._check(f"usrsctp_setsockopt({name:#x})", self.stack.lib.usrsctp_setsockopt(
            self._sock, u.IPPROTO_SCTP, name, value, u.ffi.sizeof(u.ffi.typeof(value).item)))

    @staticmethod
    def _check(call: str, status: int) -> None:
        if status < 0 and u.ffi.errno not in (u.EINPROGRESS,):
            raise SctpError(f"{call}: errno {u.ffi.errno}")

    def listen(self) -> None:
        """Accept associations from any link."""
        self._check("usrsctp_listen", self.stack.lib.usrsctp_listen(self._sock, 1))

    def connect(self, token: int, port: int) -> None:
        """Start an association to ``port`` over the link of ``token`` (its INIT is queued;
        the ``up`` event arrives after ``stack.flush()``)."""
        address = _sockaddr(port, token)
        self._check("usrsctp_connect", self.stack.lib.usrsctp_connect(
            self._sock, u.ffi.cast("struct sockaddr *", address), u.ffi.sizeof(address[0])))

    def send(self, assoc_id: int, stream: int, ppid: int, data: bytes, flags: int = 0
             ) -> None:
        """One user message on ``stream`` of association ``assoc_id``."""
        if self._sock == u.ffi.NULL:
            raise SctpError(f"send on association {assoc_id}: the endpoint is closed")
        info = u.ffi.new("struct sctp_sndinfo *", {
            "snd_sid": stream, "snd_flags": flags,
            "snd_ppid": int.from_bytes(ppid.to_bytes(4, "big"), "little"),
            "snd_assoc_id": assoc_id})
        sent = self.stack.lib.usrsctp_sendv(self._sock, data, len(data), u.ffi.NULL, 0, info,
                                            u.ffi.sizeof(info[0]), u.SCTP_SENDV_SNDINFO, 0)
        if sent != len(data):
            raise SctpError(f"usrsctp_sendv on association {assoc_id} stream {stream}: "
                            f"errno {u.ffi.errno}")

    def shutdown(self, assoc_id: int) -> None:
        """Graceful shutdown of ``assoc_id`` (SCTP_EOF, RFC 6458 5.3.4): SHUTDOWN goes once
        every DATA chunk sent is acknowledged (RFC 9260 9.2); the ``shutdown`` event comes
        out of ``poll`` at SHUTDOWN COMPLETE."""
        self.send(assoc_id, 0, 0, b"", u.SCTP_EOF)

    def poll(self) -> list[SctpMessage | AssociationEvent]:
        """Every message and association event that has arrived, in order."""
        out: list[SctpMessage | AssociationEvent] = []
        if self._sock == u.ffi.NULL:            # closed: usrsctp has freed the socket
            return out
        buffer, info, sizes, flags = self._buffer, self._info, self._sizes, self._flags
        infotype = self._infotype
        while True:
            sizes[0], sizes[1], flags[0] = 0, u.ffi.sizeof(info[0]), 0
            n = self.stack.lib.usrsctp_recvv(self._sock, buffer, RECEIVE_BUFFER_OCTETS,
                                             u.ffi.NULL, sizes, info, sizes + 1, infotype,
                                             flags)
            if n < 0:
                return out
            data = bytes(u.ffi.buffer(buffer, n))
            if flags[0] & u.MSG_NOTIFICATION:
                event = _event(data)
                if event is not None:
                    out.append(event)
                continue
            ppid = int.from_bytes(info.rcv_ppid.to_bytes(4, "little"), "big")
            out.append(SctpMessage(info.rcv_assoc_id, info.rcv_sid, ppid, data))

    def close(self) -> None:
        """Close the socket (once; ``poll`` then returns nothing, ``send`` fails)."""
        if self._sock != u.ffi.NULL:
            self.stack.lib.usrsctp_close(self._sock)
            self._sock = u.ffi.NULL


def _event(data: bytes) -> AssociationEvent | None:
    kind = struct.unpack_from("=H", data)[0]
    if kind != u.SCTP_ASSOC_CHANGE or len(data) < _ASSOC_CHANGE.size:
        return None
    _, _, _, state, _, outbound, inbound, assoc_id = _ASSOC_CHANGE.unpack_from(data)
    return AssociationEvent(assoc_id, _STATES.get(state, str(state)), outbound, inbound)


class _MemoryEnd:
    def __init__(self, stack: UsrsctpStack, tap: Callable[[int, bytes], None] | None):
        self.stack, self.tap, self.peer_token = stack, tap, 0

    def transmit(self, packet: bytes) -> None:
        if self.tap is not None:
            self.tap(self.peer_token, packet)
        self.stack.receive(self.peer_token, packet)


def memory_pair(stack: UsrsctpStack,
                tap: Callable[[int, bytes], None] | None = None) -> tuple[int, int]:
    """Two tokens joined in memory: what is sent to one arrives from the other.
    ``tap(receiving token, packet)`` sees every packet (for a capture)."""
    a, b = _MemoryEnd(stack, tap), _MemoryEnd(stack, tap)
    token_a, token_b = stack.add_link(a), stack.add_link(b)
    a.peer_token, b.peer_token = token_b, token_a
    return token_a, token_b

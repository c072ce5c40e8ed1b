"""What moves S1AP's SCTP packets between the nodes, and when waiting ends.

``pump(until)`` carries packets and lets every node handle what arrived, until ``until()``
holds or nothing more can happen.

- :class:`LocalCarrier`: eNB and MME endpoints in this process, joined by an in-memory
  link (ntnstack.sctp.usrsctp.memory_pair). Nothing can happen any more when no packet is
  queued and no node had anything to handle: a pure function of the inputs, no clock.
- :class:`UdpCarrier`: this process's endpoint and a peer elsewhere, SCTP over UDP
  (RFC 6951: the SCTP packet is the UDP payload). The peer owes the answer, so waiting
  ends at ``until()`` or after ``answer_timeout_s`` of real time without it (a real core
  that does not answer is a failure, reported as such); usrsctp's timers follow the real
  clock while waiting. Nothing is decided on silence: the caller's ``until()`` names what
  it waits for (an answer a UE procedure needs, an association event).
- :class:`RawIpCarrier`: the same over raw IP (protocol 132, ``--sctp raw``): the SCTP
  packet is the IP payload, standard SCTP on the wire.
- :class:`KernelCarrier`: the kernel's SCTP sockets (``--sctp kernel``): the same waiting,
  the kernel carries the packets and runs the timers.
"""
from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable

from ntnstack.errors import InputError
from ntnstack.sctp.usrsctp import UsrsctpStack

__all__ = ["KernelCarrier", "LocalCarrier", "RawIpCarrier", "UdpCarrier"]

MAX_DATAGRAM_OCTETS = 65535


class LocalCarrier:
    """Nodes of one process (objects with ``poll() -> int``) on one usrsctp stack."""

    def __init__(self, stack: UsrsctpStack, nodes: list | None = None):
        self.stack, self.nodes = stack, list(nodes or [])

    def pump(self, until: Callable[[], bool]) -> None:
        while not until():
            moved = self.stack.flush()
            handled = sum(node.poll() for node in self.nodes)
            if not moved and not handled and not self.stack.outbox:
                return

    def drain(self) -> None:
        """Carry everything still in flight (the last answers of a run)."""
        self.pump(lambda: False)


Tap = Callable[[tuple[str, int], tuple[str, int], bytes], None]
"""tap(source, destination, SCTP packet) sees every datagram sent and received."""


class _UdpPeer:
    def __init__(self, carrier: UdpCarrier, address: tuple[str, int]):
        self.carrier, self.address = carrier, address

    def transmit(self, packet: bytes) -> None:
        self.carrier.sock.sendto(packet, self.address)
        if self.carrier.tap is not None:
            self.carrier.tap(self.carrier.local, self.address, packet)


class _RealTimeCarrier:
    """Waiting on the real clock for one socket (``self._selector``): the nodes poll their
    endpoints; subclasses move what the SCTP stack queued (``_flush``), feed it what arrived
    (``_receive``) and run its timers (``_tick``)."""

    answer_timeout_s: float
    nodes: list

    def _tick(self) -> None:
        """Nothing: the kernel runs its own SCTP timers."""

    def _flush(self) -> None:
        """Nothing: the kernel sends by itself."""

    def _receive(self) -> int:
        return 0

    def pump(self, until: Callable[[], bool], timeout_s: float | None = None) -> None:
        """Until ``until()`` holds, or ``timeout_s`` (default ``answer_timeout_s``) of real
        time passes without it."""
        deadline = time.monotonic() + (self.answer_timeout_s if timeout_s is None
                                       else timeout_s)
        while True:
            self._tick()
            self._flush()
            handled = sum(node.poll() for node in self.nodes)
            self._flush()
            remaining = deadline - time.monotonic()
            if until() or remaining <= 0:
                return
            if not handled:
                self._selector.select(min(remaining, 0.05))
            self._receive()

    def watch(self, sock) -> None:
        """Wake up as well when ``sock`` (a node's own socket) has something to read."""
        self._selector.register(sock, selectors.EVENT_READ)

    def close(self) -> None:
        self._selector.close()


class KernelCarrier(_RealTimeCarrier):
    """The kernel's SCTP (ntnstack.sctp.kernel.KernelEndpoint): only waiting is left."""

    def __init__(self, endpoint, nodes: list | None = None, answer_timeout_s: float = 10.0):
        self.endpoint, self.nodes = endpoint, list(nodes or [])
        self.answer_timeout_s = answer_timeout_s
        self._selector = selectors.DefaultSelector()
        self._selector.register(endpoint, selectors.EVENT_READ)

    def close(self) -> None:
        super().close()
        self.endpoint.close()


class UdpCarrier(_RealTimeCarrier):
    """One UDP socket (bound to ``local``) carrying SCTP to and from any number of peers;
    each peer address is a usrsctp link (token) from its first datagram on."""

    def __init__(self, stack: UsrsctpStack, local: tuple[str, int], nodes: list | None = None,
                 answer_timeout_s: float = 10.0, tap: Tap | None = None):
        self._open(stack, nodes, answer_timeout_s, tap, socket.SOCK_DGRAM, 0, local,
                   f"UDP {local[0]}:{local[1]}")
        self.local: tuple[str, int] = self.sock.getsockname()[:2]

    def _open(self, stack, nodes, answer_timeout_s, tap, kind: int, proto: int,
              local: tuple[str, int], what: str) -> None:
        """The socket (``kind``, ``proto``) bound to ``local``, and the carrier's state;
        InputError naming ``what`` when it cannot be bound."""
        self.stack, self.nodes, self.answer_timeout_s = stack, list(nodes or []), answer_timeout_s
        self.tap = tap
        self.sock = socket.socket(socket.AF_INET, kind, proto)
        try:
            self.sock.bind(local)
        except OSError as exc:
            self.sock.close()
            raise InputError(f"{what}: {exc.strerror}") from None
        self.sock.setblocking(False)
        self.tokens: dict[tuple[str, int], int] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.sock, selectors.EVENT_READ)
        self._last_ms = time.monotonic_ns() // 1_000_000

    def token(self, address: tuple[str, int]) -> int:
        """The usrsctp link of the peer at ``address`` (created on first use)."""
        if address not in self.tokens:
            self.tokens[address] = self.stack.add_link(_UdpPeer(self, address))
        return self.tokens[address]

    def _tick(self) -> None:
        now_ms = time.monotonic_ns() // 1_000_000
        if now_ms > self._last_ms:
            self.stack.advance(now_ms - self._last_ms)
            self._last_ms = now_ms

    def _packet(self, datagram: bytes, source: tuple) -> tuple[bytes, tuple[str, int]] | None:
        """(SCTP packet, peer address) of a received datagram, or None to drop it."""
        return datagram, source[:2]

    def _receive(self) -> int:
        count = 0
        while True:
            try:
                datagram, source = self.sock.recvfrom(MAX_DATAGRAM_OCTETS)
            except BlockingIOError:
                return count
            taken = self._packet(datagram, source)
            if taken is None:
                continue
            packet, peer = taken
            if self.tap is not None:
                self.tap(peer, self.local, packet)
            self.stack.receive(self.token(peer), packet)
            count += 1

    def _flush(self) -> None:
        self.stack.flush()

    def close(self) -> None:
        self._selector.close()
        self.sock.close()


IPPROTO_SCTP = 132


class RawIpCarrier(UdpCarrier):
    """One raw IPv4 socket of protocol 132 (root) carrying this process's SCTP packets; a
    peer is an IP address (its SCTP port is inside the packet). Every SCTP packet the host
    receives reaches every raw socket: only those for ``sctp_port`` are taken."""

    def __init__(self, stack: UsrsctpStack, local_ip: str, sctp_port: int,
                 nodes: list | None = None, answer_timeout_s: float = 10.0,
                 tap: Tap | None = None):
        self._open(stack, nodes, answer_timeout_s, tap, socket.SOCK_RAW, IPPROTO_SCTP,
                   (local_ip, 0), f"raw IP {local_ip}")
        self.sctp_port = sctp_port
        self.local = (self.sock.getsockname()[0], 0)

    def peer(self, ip: str) -> int:
        """The usrsctp link of the host at ``ip``."""
        return self.token((ip, 0))

    def _packet(self, datagram: bytes, source: tuple) -> tuple[bytes, tuple[str, int]] | None:
        packet = datagram[(datagram[0] & 0x0F) * 4:]              # after the IPv4 header
        if len(packet) < 12 or int.from_bytes(packet[2:4], "big") != self.sctp_port:
            return None                                          # another endpoint's packet
        return packet, (source[0], 0)

"""The user plane out of the core: each UE's uplink data, forwarded as UDP to a real
application server (CoAP, MQTT-SN, LwM2M over UDP on the host), its replies back to the UE.

One UDP socket per UE (``ntnstack mme --forward-udp HOST:PORT``), opened at its first
uplink datagram and connected to the server, so that a reply names its UE by the socket it
arrives on, as a NAT would. What goes to the server is the application payload: on a non-IP
PDN the user data container itself, on an IP PDN the payload of the UE's UDP datagram
(ntnstack.stack.user_plane). A reply goes to ``deliver(imsi, payload)``.
"""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from ntnstack.errors import InputError
from ntnstack.limits import MAX_SUBSCRIBERS
from ntnstack.stack.user_plane import from_datagram

__all__ = ["UdpForward"]

log = logging.getLogger(__name__)
MAX_DATAGRAM_OCTETS = 65535


class UdpForward:
    """Uplink payloads of each IMSI to ``server`` (host, port) from a socket of its own;
    ``poll()`` hands every reply to ``deliver``; ``watch(sock)`` is told of each new socket
    (a carrier waits on it)."""

    def __init__(self, server: tuple[str, int], deliver: Callable[[str, bytes], None],
                 watch: Callable[[socket.socket], None] = lambda sock: None):
        self.server, self.deliver, self.watch = server, deliver, watch
        self._socks: dict[str, socket.socket] = {}
        self.sent = self.received = 0            # datagrams, both directions

    def uplink(self, imsi: str, pdn_type: str, pdn_address: bytes, data: bytes) -> None:
        """UE ``imsi``'s user data container ``data`` on its PDN (``pdn_type``, address
        octets): its application payload to the server."""
        self.send(imsi, from_datagram(pdn_type, pdn_address, data, uplink=True))

    def send(self, imsi: str, payload: bytes) -> None:
        """One uplink datagram of UE ``imsi`` to the server."""
        sock = self._socks.get(imsi) or self._open(imsi)
        try:
            sock.send(payload)
        except OSError as exc:        # e.g. ECONNREFUSED after an ICMP port unreachable
            log.warning("forward of IMSI %s to %s:%d: %s", imsi, *self.server, exc.strerror)
            return
        self.sent += 1

    def _open(self, imsi: str) -> socket.socket:
        if len(self._socks) >= MAX_SUBSCRIBERS:
            raise InputError(f"--forward-udp: more than {MAX_SUBSCRIBERS} UEs")
        family = socket.AF_INET6 if ":" in self.server[0] else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:        # EMFILE: more UEs than this process may open sockets
            raise InputError(f"--forward-udp: a socket for IMSI {imsi}: {exc.strerror}") \
                from None
        try:
            sock.connect(self.server)
        except OSError as exc:
            sock.close()
            raise InputError(f"--forward-udp {self.server[0]}:{self.server[1]}: "
                             f"{exc.strerror}") from None
        sock.setblocking(False)
        self._socks[imsi] = sock
        self.watch(sock)
        return sock

    def poll(self) -> int:
        """Hand every reply that has arrived to ``deliver``; how many."""
        count = 0
        for imsi, sock in list(self._socks.items()):
            while True:
                try:
                    payload = sock.recv(MAX_DATAGRAM_OCTETS)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                self.received += 1
                count += 1
                self.deliver(imsi, payload)
        return count

    def close(self) -> None:
        for sock in self._socks.values():
            sock.close()
        self._socks.clear()

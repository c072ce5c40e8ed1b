"""Huawei extensions of the Tiantong module, as typed classes the module owns (as the NB-IoT
modules own their vendor and socket dialect).

Packet data: Huawei's embedded TCP/IP commands (HUAWEI MU509 / MC509 AT Command Interface
Specification, Internet Service Commands) on the data channel (DLCI 4): ^IPINIT=<APN>
activates the packet context, ^IPOPEN=<link_id>,"UDP",<ip>,<port> opens a UDP link (1-5),
^IPSENDEX=<link_id>,1,"<hex>" sends (mode 1: the data as hex characters) and ^IPDATA:
<link_id>,<len>,<data> reports what arrives, here as hex characters too. That a Tiantong
module has this command set is an assumption ((check) against its manual; a correction is
the dialect table). TCP is not emulated. A datagram to an address no virtual module with
these commands owns is echoed back by the network.

^TETYPE=<type> (0-2) sets the terminal type; it applies after the next reboot.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply
from ntnstack.terminals.modem import AtModule

MAX_IP_LINKS = 5
"""^IPOPEN <link_id> 1-5 (Huawei Internet Service Commands)."""
CME_NO_NETWORK = 30      # TS 27.007 9.2.1: no network service
CME_NOT_ALLOWED = 3      # TS 27.007 9.2.1: operation not allowed
CME_BAD_PARAMETER = 50   # TS 27.007 9.2.1: incorrect parameters


class HuaweiIpLinks:
    """^IPINIT / ^IPOPEN / ^IPSENDEX / ^IPCLOSE and ^IPDATA: UDP links over the packet
    context of module ``m``."""

    def __init__(self, m: AtModule) -> None:
        self.m = m
        self.reset()
        m.on("^IPINIT", self.ipinit)
        m.on("^IPOPEN", self.ipopen)
        m.on("^IPSENDEX", self.ipsendex)
        m.on("^IPCLOSE", self.ipclose)

    def reset(self) -> None:
        """After a boot: no packet context, no link."""
        self.context: str | None = None      # the APN of the active packet context
        self.links: dict[int, tuple[str, int]] = {}   # link id -> (remote IP, port)

    def ipinit(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise CmeError(CME_NOT_ALLOWED)
        if not self.m.registered:
            raise CmeError(CME_NO_NETWORK)
        self.context = (cmd.params() or [""])[0]
        self.m.log("event", f"packet context up (APN {self.context!r})")
        return Reply()

    def ipopen(self, ch: AtChannel, cmd: Command) -> Reply:
        p = cmd.params()
        link = cmd.int_param(0)
        if len(p) < 4 or not 1 <= link <= MAX_IP_LINKS or p[1].upper() != "UDP":
            raise CmeError(CME_BAD_PARAMETER)
        if self.context is None or link in self.links:
            raise CmeError(CME_NOT_ALLOWED)
        self.links[link] = (p[2], cmd.int_param(3))
        return Reply()

    def ipsendex(self, ch: AtChannel, cmd: Command) -> Reply:
        p = cmd.params()
        link, mode = cmd.int_param(0), cmd.int_param(1)
        if link not in self.links or mode != 1 or len(p) < 3:
            raise CmeError(CME_NOT_ALLOWED if link not in self.links else CME_BAD_PARAMETER)
        try:
            payload = bytes.fromhex(p[2])
        except ValueError:
            raise CmeError(CME_BAD_PARAMETER) from None
        if not self.m.registered:
            raise CmeError(CME_NO_NETWORK)
        self._send(*self.links[link], payload)
        return Reply([f"^IPSENDEX: {link}"])

    def ipclose(self, ch: AtChannel, cmd: Command) -> Reply:
        if self.links.pop(cmd.int_param(0), None) is None:
            raise CmeError(CME_NOT_ALLOWED)
        return Reply()

    def _send(self, host: str, port: int, payload: bytes) -> None:
        """UDP toward ``host``: a module with these commands owning that IP gets it,
        anything else is echoed back by the network (from ``host``:``port``)."""
        m = self.m
        peer = m.network.lookup(host)
        target = peer if isinstance(peer, AtModule) and isinstance(
            peer.socket_dialect, HuaweiIpLinks) and peer is not m else m
        src = (m.identity.ip, port) if target is not m else (host, port)
        m.log("event", f"udp sent {len(payload)} bytes to {host}:{port}")
        m.network.deliver(m, target, lambda: target.socket_dialect.arrived(src, payload))

    def arrived(self, src: tuple[str, int], payload: bytes) -> None:
        """^IPDATA on the link whose remote end is ``src`` (else the first open link)."""
        links = sorted(self.links.items())
        link = next((k for k, remote in links if remote == src), links[0][0] if links else None)
        if link is None or not self.m.registered:
            self.m.log("event", f"udp from {src[0]}:{src[1]} dropped (no open link)")
            return
        self.m.urc(f"^IPDATA: {link},{len(payload)},{payload.hex().upper()}")


class TerminalType:
    """^TETYPE: the terminal type read now, a new one set now and applied at the next boot."""

    def __init__(self, m: AtModule) -> None:
        self.active = "1"
        self.pending: str | None = None
        m.on("^TETYPE", self.tetype)

    def boot(self) -> None:
        """A reboot applies the pending type."""
        if self.pending is not None:
            self.active, self.pending = self.pending, None

    def tetype(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"^TETYPE: {self.active}"])
        if cmd.kind == "test":
            return Reply(["^TETYPE: (0-2)"])
        self.pending = str(cmd.int_param(0))
        return Reply()

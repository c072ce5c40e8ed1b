"""Socket dialects on top of the module's uplink (``sockets`` in families.yaml): Quectel
+QIOPEN / +QISEND / +QIRD / +QIURC (TCP/IP Application Note; "dataformat" of +QICFG is data
in families.yaml) and Murata %SOCKETCMD / %SOCKETDATA / %SOCKETEV. UDP only: a datagram goes
to the module owning the destination IP address, anything else echoes it back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ntnstack.terminals.at_engine import CmeError, Command, Prompt, Reply, info_text
from ntnstack.terminals.vendor_commands import BAD_PARAMETER, NOT_ALLOWED

PDP_FAILED = 561       # +QIOPEN: <id>,561 "open PDP context failed" (TCP/IP note)
NO_SERVICE = 30        # +CME ERROR: 30 no network service (TS 27.007 9.2.1)
QUECTEL_PROTOCOLS = ("UDP", "UDP SERVICE")
CONNECT_IDS = range(12)
"""+QIOPEN <connectID> 0-11 (TCP/IP Application Note)."""
MAX_SEND_OCTETS = 1460
"""+QISEND <send_length> 0-1460, and at most that much before Ctrl-Z (BG95 TCP/IP Application
Note, AT+QISEND)."""
MAX_READ_OCTETS = 1500
"""+QIRD <read_length> 0-1500, default 1500 (BG95 TCP/IP Application Note, AT+QIRD)."""
PORTS = range(1, 65536)


@dataclass
class UdpSocket:
    """One UDP socket of a socket dialect: its peer, the datagrams received and not yet read
    (payload, (sender IP, sender port)), and the dialect's flags."""

    host: str
    port: int
    rx: list[tuple[bytes, tuple[str, int]]] = field(default_factory=list)
    service: bool = False
    """Quectel "UDP SERVICE": +QIRD names each datagram's sender."""
    active: bool = False
    """Murata: between %SOCKETCMD="ACTIVATE" and "DEACTIVATE"."""
    sent: int = 0
    """Octets sent (Quectel +QISEND=<id>,0 <total_send_length>)."""
    received: int = 0
    """Octets received (Quectel +QIRD=<id>,0 <total_receive_length>)."""
    read: int = 0
    """Octets read (Quectel +QIRD=<id>,0 <have_read_length>)."""


def install(m) -> QuectelSockets | MurataSockets | None:
    """The socket dialect of ``m``'s family (its handlers registered on ``m``), or None."""
    dialect = {"none": None, "murata": MurataSockets, "quectel": QuectelSockets
               }[m.spec.sockets]
    return dialect(m) if dialect is not None else None


def _port(text: str) -> int:
    if not text.isdigit() or int(text) not in PORTS:
        raise CmeError(BAD_PARAMETER)
    return int(text)


def _hex_modes(m) -> tuple[bool, bool]:
    """+QICFG="dataformat",<send_hex>,<recv_hex>."""
    send, recv = m.vendor_settings.get("+QICFG", "dataformat")
    return send == "1", recv == "1"


def _datagram_to(m, host: str, port: int, payload: bytes, dialect: type) -> None:
    """UDP toward ``host``: a module owning that IP receives it, anything else echoes; it
    reaches a socket of the receiver only when the receiver speaks ``dialect`` too."""
    peer = m.network.lookup(host)
    target = peer if peer is not None and peer is not m else m
    src = (m.identity.ip, port) if target is not m else (host, port)

    def arrive(receiver) -> None:
        if isinstance(receiver.socket_dialect, dialect):
            receiver.socket_dialect.receive(src, payload)
    m.send_uplink(arrive, target=target, payload=payload)


class QuectelSockets:
    """Quectel +QIOPEN / +QISEND / +QIRD / +QICLOSE, +QIURC: "recv" on arrival."""

    def __init__(self, m) -> None:
        self.m = m
        self.sockets: dict[int, UdpSocket] = {}
        m.on("+QIOPEN", self.qiopen)
        m.on("+QISEND", self.qisend)
        m.on("+QIRD", self.qird)
        m.on("+QICLOSE", self.qiclose)

    def qiopen(self, ch, cmd: Command) -> Reply:
        m = self.m
        if cmd.kind == "test":
            return Reply(['+QIOPEN: (1-16),(0-11),("UDP","UDP SERVICE"),"<host>",(1-65535),'
                          '(0-65535),(0-2)'])
        p = cmd.params()
        if cmd.kind != "set" or len(p) < 5 or p[2] not in QUECTEL_PROTOCOLS:
            raise CmeError(BAD_PARAMETER)
        service = p[2] == "UDP SERVICE"
        cid = cmd.int_param(1)
        port = 0 if service and p[4] == "0" else _port(p[4])   # no peer: the AN's example
        if cid not in CONNECT_IDS:
            raise CmeError(BAD_PARAMETER)
        err = 0 if m.registered else PDP_FAILED
        if err == 0:
            self.sockets[cid] = UdpSocket(p[3], port, service=service)
        m.later(0.0, lambda: m.urc(f"+QIOPEN: {cid},{err}"))
        return Reply()

    def qisend(self, ch, cmd: Command) -> Reply | Prompt:
        """+QISEND=<id>,<len>: "> " then exactly <len> octets (2 <len> hex digits with
        "dataformat" 1); +QISEND=<id>: "> " then up to 1460 octets ended by Ctrl-Z (ESC
        cancels); +QISEND=<id>,0 queries +QISEND: <total_send_length>,<ackedbytes>,
        <unackedbytes>, UDP acknowledging nothing (0,0) (TCP/IP Application Note,
        AT+QISEND); on a "UDP SERVICE" socket ,<remoteIP>,<remote_port> may follow."""
        p = cmd.params()
        sock = self.sockets.get(cmd.int_param(0))
        if sock is None or cmd.kind != "set":
            raise CmeError(BAD_PARAMETER)
        hex_in = _hex_modes(self.m)[0]
        if len(p) == 1:
            return Prompt(lambda data: self._send(sock, p, data, hex_in))
        length = cmd.int_param(1)
        if length == 0:
            return Reply([f"+QISEND: {sock.sent},0,0"])
        if length > MAX_SEND_OCTETS:
            raise CmeError(BAD_PARAMETER)
        return Prompt(lambda data: self._send(sock, p, data, hex_in),
                      length=2 * length if hex_in else length)

    def _send(self, sock: UdpSocket, params: list[str], data: bytes, hex_digits: bool) -> Reply:
        payload = bytes.fromhex(data.decode("latin-1")) if hex_digits else data
        if len(payload) > MAX_SEND_OCTETS:
            raise CmeError(BAD_PARAMETER)
        host, port = sock.host, sock.port
        if sock.service and len(params) >= 4:
            host, port = params[2], _port(params[3])
        sock.sent += len(payload)
        _datagram_to(self.m, host, port, payload, QuectelSockets)
        return Reply(final="SEND OK")

    def qird(self, ch, cmd: Command) -> Reply:
        """+QIRD=<id>[,<read_length>] (default 1500): +QIRD: <len> (UDP client) or
        +QIRD: <len>,"<remoteIP>",<remote_port> ("UDP SERVICE"), one CRLF, then the octets
        of the oldest datagram, at most <read_length> (the rest stays for the next read);
        +QIRD=<id>,0 queries +QIRD: <total_receive_length>,<have_read_length>,
        <unread_length> and reads nothing (TCP/IP Application Note, AT+QIRD)."""
        sock = self.sockets.get(cmd.int_param(0))
        limit = cmd.int_param(1, MAX_READ_OCTETS)
        if sock is None or cmd.kind != "set" or not 0 <= limit <= MAX_READ_OCTETS:
            raise CmeError(BAD_PARAMETER)
        if limit == 0:
            unread = sum(len(data) for data, _ in sock.rx)
            return Reply([f"+QIRD: {sock.received},{sock.read},{unread}"])
        if not sock.rx:
            return Reply(["+QIRD: 0"])
        data, (ip, port) = sock.rx[0]
        chunk = data[:limit]
        if len(chunk) < len(data):
            sock.rx[0] = (data[limit:], (ip, port))
        else:
            sock.rx.pop(0)
        sock.read += len(chunk)
        body = chunk.hex().upper() if _hex_modes(self.m)[1] else chunk.decode("latin-1")
        sender = f',"{ip}",{port}' if sock.service else ""
        return Reply([info_text(f"+QIRD: {len(chunk)}{sender}", body)])

    def qiclose(self, ch, cmd: Command) -> Reply:
        self.sockets.pop(cmd.int_param(0), None)
        return Reply()

    def receive(self, src: tuple[str, int], payload: bytes) -> None:
        """A datagram for this module: to its first open socket, announced by +QIURC."""
        for cid, sock in self.sockets.items():
            sock.rx.append((payload, src))
            sock.received += len(payload)
            self.m.urc(f'+QIURC: "recv",{cid}')
            return


class MurataSockets:
    """Murata %SOCKETCMD / %SOCKETDATA, %SOCKETEV on arrival."""

    def __init__(self, m) -> None:
        self.m = m
        self.sockets: dict[int, UdpSocket] = {}
        m.on("%SOCKETCMD", self.socketcmd)
        m.on("%SOCKETDATA", self.socketdata)

    def socketcmd(self, ch, cmd: Command) -> Reply:
        p = cmd.params()
        action = p[0] if p else ""
        if cmd.kind == "test":
            return Reply(['%SOCKETCMD: ("ALLOCATE","ACTIVATE","DEACTIVATE","DELETE"),(0-1),'
                          '("UDP"),("OPEN"),"<host>",(1-65535)'])              # (check)
        if action == "ALLOCATE":
            if len(p) < 6 or p[2] != "UDP":
                raise CmeError(BAD_PARAMETER)
            port = _port(p[5])
            sid = max(self.sockets, default=0) + 1
            self.sockets[sid] = UdpSocket(p[4], port)
            return Reply([f"%SOCKETCMD:{sid}"])
        sid = cmd.int_param(1)
        if sid not in self.sockets:
            raise CmeError(BAD_PARAMETER)
        if action == "ACTIVATE":
            if not self.m.registered:
                raise CmeError(NO_SERVICE)
            self.sockets[sid].active = True
        elif action in ("DEACTIVATE", "DELETE"):
            self.sockets[sid].active = False
            if action == "DELETE":
                del self.sockets[sid]
        else:
            raise CmeError(BAD_PARAMETER)
        return Reply()

    def socketdata(self, ch, cmd: Command) -> Reply:
        p = cmd.params()
        sid = cmd.int_param(1)
        sock = self.sockets.get(sid)
        if sock is None or not sock.active:
            raise CmeError(NOT_ALLOWED)
        if p[0] == "SEND":
            length = cmd.int_param(2)
            try:
                payload = bytes.fromhex(p[3])
            except (IndexError, ValueError):
                raise CmeError(BAD_PARAMETER) from None
            if len(payload) != length:
                raise CmeError(BAD_PARAMETER)
            _datagram_to(self.m, sock.host, sock.port, payload, MurataSockets)
            return Reply([f"%SOCKETDATA:{sid},{length}"])
        if p[0] == "RECEIVE":
            if not sock.rx:
                return Reply([f'%SOCKETDATA:{sid},0,0,""'])
            data, (ip, port) = sock.rx.pop(0)
            return Reply([f'%SOCKETDATA:{sid},{len(data)},{len(sock.rx)},'
                          f'"{data.hex().upper()}","{ip}",{port}'])
        raise CmeError(BAD_PARAMETER)

    def receive(self, src: tuple[str, int], payload: bytes) -> None:
        """A datagram for this module: to its first active socket, announced by %SOCKETEV."""
        for sid, sock in self.sockets.items():
            if sock.active:
                sock.rx.append((payload, src))
                self.m.urc(f"%SOCKETEV:1,{sid}")
                return

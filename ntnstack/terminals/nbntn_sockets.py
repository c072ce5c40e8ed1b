"""Socket dialects on top of the module's uplink (``sockets`` in families.yaml): Quectel
+QIOPEN / +QISEND / +QIRD / +QIURC (TCP/IP Application Note; "dataformat" of +QICFG is data
in families.yaml) and Murata %SOCKETCMD / %SOCKETDATA / %SOCKETEV. UDP only: a datagram goes
to the module owning the destination IP address, anything else echoes it back.
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Prompt, Reply
from ntnstack.terminals.vendor_commands import BAD_PARAMETER, NOT_ALLOWED

PDP_FAILED = 561       # +QIOPEN: <id>,561 "open PDP context failed" (TCP/IP note)
NO_SERVICE = 30        # +CME ERROR: 30 no network service (TS 27.007 9.2.1)
QUECTEL_PROTOCOLS = ("UDP", "UDP SERVICE")
CONNECT_IDS = range(12)
"""+QIOPEN <connectID> 0-11 (TCP/IP Application Note)."""
PORTS = range(1, 65536)


def install(m) -> None:
    {"none": lambda m: None, "murata": _murata_sockets, "quectel": _quectel_sockets
     }[m.spec.sockets](m)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) not in PORTS:
        raise CmeError(BAD_PARAMETER)
    return int(text)


def _hex_modes(m) -> tuple[bool, bool]:
    """+QICFG="dataformat",<send_hex>,<recv_hex>."""
    send, recv = m.vendor_settings.get("+QICFG", "dataformat")
    return send == "1", recv == "1"


def _datagram_to(m, host: str, port: int, payload: bytes, arrive) -> None:
    """UDP toward ``host``: a module owning that IP receives it, anything else echoes."""
    peer = m.network.lookup(host)
    target = peer if peer is not None and peer is not m else m
    src = (m.identity.ip, port) if target is not m else (host, port)
    m.send_uplink(lambda t: arrive(t, src, payload), target=target, payload=payload)


def _quectel_sockets(m) -> None:
    m.qsockets = {}

    def qiopen(ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+QIOPEN: (1-16),(0-11),("UDP","UDP SERVICE"),"<host>",(1-65535),'
                          '(0-65535),(0-2)'])
        p = cmd.params()
        if cmd.kind != "set" or len(p) < 5 or p[2] not in QUECTEL_PROTOCOLS:
            raise CmeError(BAD_PARAMETER)
        cid, port = cmd.int_param(1), _port(p[4])
        if cid not in CONNECT_IDS:
            raise CmeError(BAD_PARAMETER)
        err = 0 if m.registered else PDP_FAILED
        if err == 0:
            m.qsockets[cid] = {"host": p[3], "port": port, "rx": [],
                               "service": p[2] == "UDP SERVICE"}
        m.later(0.0, lambda: m.urc(f"+QIOPEN: {cid},{err}"))
        return Reply()

    def qisend(ch, cmd: Command):
        cid, length = cmd.int_param(0), cmd.int_param(1)
        sock = m.qsockets.get(cid)
        if sock is None:
            raise CmeError(BAD_PARAMETER)
        hex_in = _hex_modes(m)[0]

        def done(data: bytes) -> Reply:
            payload = bytes.fromhex(data.decode("latin-1")) if hex_in else data
            _datagram_to(m, sock["host"], sock["port"], payload, _quectel_rx)
            return Reply(final="SEND OK")
        return Prompt(done, length=2 * length if hex_in else length)

    def qird(ch, cmd: Command) -> Reply:
        """+QIRD: <len> (UDP client) or +QIRD: <len>,"<remoteIP>",<remote_port> on a "UDP
        SERVICE" socket (TCP/IP Application Note, AT+QIRD), the data on the next line."""
        sock = m.qsockets.get(cmd.int_param(0))
        if sock is None:
            raise CmeError(BAD_PARAMETER)
        if not sock["rx"]:
            return Reply(["+QIRD: 0"])
        data, (ip, port) = sock["rx"].pop(0)
        body = data.hex().upper() if _hex_modes(m)[1] else data.decode("latin-1")
        sender = f',"{ip}",{port}' if sock["service"] else ""
        return Reply([f"+QIRD: {len(data)}{sender}", body])

    def qiclose(ch, cmd: Command) -> Reply:
        m.qsockets.pop(cmd.int_param(0), None)
        return Reply()

    m.on("+QIOPEN", qiopen)
    m.on("+QISEND", qisend)
    m.on("+QIRD", qird)
    m.on("+QICLOSE", qiclose)


def _quectel_rx(target, src, payload: bytes) -> None:
    for cid, sock in getattr(target, "qsockets", {}).items():
        sock["rx"].append((payload, src))
        target.urc(f'+QIURC: "recv",{cid}')
        return


def _murata_sockets(m) -> None:
    m.msockets = {}

    def socketcmd(ch, cmd: Command) -> Reply:
        p = cmd.params()
        action = p[0] if p else ""
        if cmd.kind == "test":
            return Reply(['%SOCKETCMD: ("ALLOCATE","ACTIVATE","DEACTIVATE","DELETE"),(0-1),'
                          '("UDP"),("OPEN"),"<host>",(1-65535)'])              # (check)
        if action == "ALLOCATE":
            if len(p) < 6 or p[2] != "UDP":
                raise CmeError(BAD_PARAMETER)
            port = _port(p[5])
            sid = max(m.msockets, default=0) + 1
            m.msockets[sid] = {"host": p[4], "port": port, "rx": [], "active": False}
            return Reply([f"%SOCKETCMD:{sid}"])
        sid = cmd.int_param(1)
        if sid not in m.msockets:
            raise CmeError(BAD_PARAMETER)
        if action == "ACTIVATE":
            if not m.registered:
                raise CmeError(NO_SERVICE)
            m.msockets[sid]["active"] = True
        elif action in ("DEACTIVATE", "DELETE"):
            m.msockets[sid]["active"] = False
            if action == "DELETE":
                del m.msockets[sid]
        else:
            raise CmeError(BAD_PARAMETER)
        return Reply()

    def socketdata(ch, cmd: Command) -> Reply:
        p = cmd.params()
        sid = cmd.int_param(1)
        sock = m.msockets.get(sid)
        if sock is None or not sock["active"]:
            raise CmeError(NOT_ALLOWED)
        if p[0] == "SEND":
            length = cmd.int_param(2)
            try:
                payload = bytes.fromhex(p[3])
            except (IndexError, ValueError):
                raise CmeError(BAD_PARAMETER) from None
            if len(payload) != length:
                raise CmeError(BAD_PARAMETER)
            _datagram_to(m, sock["host"], sock["port"], payload, _murata_rx)
            return Reply([f"%SOCKETDATA:{sid},{length}"])
        if p[0] == "RECEIVE":
            if not sock["rx"]:
                return Reply([f'%SOCKETDATA:{sid},0,0,""'])
            data, (ip, port) = sock["rx"].pop(0)
            return Reply([f'%SOCKETDATA:{sid},{len(data)},{len(sock["rx"])},'
                          f'"{data.hex().upper()}","{ip}",{port}'])
        raise CmeError(BAD_PARAMETER)

    m.on("%SOCKETCMD", socketcmd)
    m.on("%SOCKETDATA", socketdata)


def _murata_rx(target, src, payload: bytes) -> None:
    for sid, sock in getattr(target, "msockets", {}).items():
        if sock["active"]:
            sock["rx"].append((payload, src))
            target.urc(f"%SOCKETEV:1,{sid}")
            return

"""Vendor extensions of the NB-IoT NTN families (docs/reference.md 5), as handler sets.

``install(module)`` adds the handlers its family table names: the location method
(``ntnloc`` generic, ``nordic`` %LOCATION, ``murata`` %IGNSSCFG / %IGNSSACT, ``quectel``
+QGPS) and the socket dialect (``murata`` %SOCKETCMD/%SOCKETDATA/%SOCKETEV, ``quectel``
+QIOPEN/+QISEND/+QIRD/+QIURC). The generic family's +NTNLOC is ntnstack's own: no TS 27.007
command carries the UE position; real modules use the vendor commands above.
"""
from __future__ import annotations


from ntnstack.terminals.at_engine import CmeError, Command, Prompt, Reply

QUECTEL_NOT_FIXED = 516        # +CME ERROR: 516 "Not fixed now" (Quectel GNSS note)
QUECTEL_SESSION_ONGOING = 504  # +CME ERROR: 504 "Session is ongoing"
QUECTEL_PDP_FAILED = 561       # +QIOPEN: <id>,561 "open PDP context failed" (TCP/IP note)


def _floats(cmd: Command, first: int, count: int) -> tuple:
    p = cmd.params()
    try:
        return tuple(float(p[first + i]) for i in range(count))
    except (IndexError, ValueError):
        raise CmeError(50) from None


def install(m) -> None:
    {"ntnloc": _generic, "nordic": _nordic, "murata": _murata, "quectel": _quectel
     }[m.spec.location](m)
    {"none": lambda m: None, "murata": _murata_sockets, "quectel": _quectel_sockets
     }[m.spec.sockets](m)


# -- generic ----------------------------------------------------------------------------------
def _generic(m) -> None:
    def ntnloc(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            if m.location is None:
                return Reply(["+NTNLOC: 0"])
            return Reply(['+NTNLOC: 1,"{:.6f}","{:.6f}","{:.1f}"'.format(*m.location)])
        if cmd.kind == "test":
            return Reply(['+NTNLOC: "lat","lon","alt_m",(0-100000)'])
        m.location_known(*_floats(cmd, 0, 3))
        return Reply()
    m.on("+NTNLOC", ntnloc)


# -- Nordic nRF9151 NTN ------------------------------------------------------------------------
def _nordic(m) -> None:
    def reset() -> None:
        m.location_subscribed = False
        m.systemmode = "1,0,1,0,0"
    m.vendor_reset = reset

    def location(ch, cmd: Command) -> Reply:
        mode = cmd.int_param(0)
        if mode in (0, 1):
            m.location_subscribed = mode == 1
        elif mode == 2:
            lat, lon, alt = _floats(cmd, 1, 3)
            validity_s = cmd.int_param(5, 0)
            m.location_known(lat, lon, alt)
            if validity_s > 0:
                m.later(validity_s, lambda: setattr(m, "location", None))
        else:
            raise CmeError(50)
        return Reply()

    def systemmode(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"%XSYSTEMMODE: {m.systemmode}"])
        if m.cfun not in (0, 4):
            raise CmeError(3)  # NTN mode only at CFUN 0/4 (docs/reference.md 5)
        m.systemmode = cmd.arg
        return Reply()

    def mdmev(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"%MDMEV: {m.mdmev}"])
        m.mdmev = cmd.int_param(0, 0)
        return Reply()

    def event(what: str) -> None:
        urc = {"search_started": "%MDMEV: SEARCH STATUS 1",
               "cell_found": "%MDMEV: PRACH CE-LEVEL 2",
               "registered": "%MDMEV: SEARCH STATUS 2"}.get(what)
        if urc and m.mdmev:
            m.urc(urc)
        if what == "location_needed" and m.location_subscribed:
            m.urc("%LOCATION: 100")  # the modem asks for a fix of 100 m accuracy

    m.vendor_event = event
    m.on("%LOCATION", location)
    m.on("%XSYSTEMMODE", systemmode)
    m.on("%MDMEV", mdmev)


# -- Murata Type 1SC-NTN -----------------------------------------------------------------------
def _gnss_fix_urc(m) -> str:
    lat, lon, alt = m.ue_position
    return ('%IGNSSEVU: "FIX",1,"{}","{}","{:.6f}","{:.6f}","{:.1f}",8'
            .format(m.utc("%H:%M:%S"), m.utc("%d/%m/%Y"), lat, lon, alt))


def _murata(m) -> None:
    def reset() -> None:
        m.gnss_on = False
        m.notify_sib31 = False
        m.ratact = '"NBNTN"'
    m.vendor_reset = reset

    def ignsscfg(ch, cmd: Command) -> Reply:
        p = cmd.params()
        if p[:2] != ["SET", "POS"]:
            raise CmeError(50)
        m.location_known(*_floats(cmd, 2, 3))
        return Reply()

    def ignssact(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"%IGNSSACT: {int(m.gnss_on)}"])
        m.gnss_on = cmd.int_param(0) == 1
        if m.gnss_on:
            m.later(m.timing.gnss_ttff_s, fix)
        return Reply()

    def fix() -> None:
        if m.gnss_on:
            m.urc(_gnss_fix_urc(m))
            m.location_known(*m.ue_position)

    def ratact(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"%RATACT: {m.ratact}"])
        m.ratact = cmd.params()[0].join('""')
        return Reply()

    def notifyev(ch, cmd: Command) -> Reply:
        p = cmd.params()
        if p and p[0] == "SIB31":
            m.notify_sib31 = cmd.int_param(1, 1) == 1
        return Reply()

    def event(what: str) -> None:
        if what == "cell_found" and m.notify_sib31:
            m.urc('%NOTIFYEV: "SIB31"')
    m.vendor_event = event
    m.on("%IGNSSCFG", ignsscfg)
    m.on("%IGNSSACT", ignssact)
    m.on("%RATACT", ratact)
    m.on("%NOTIFYEV", notifyev)


# -- Quectel BG95-S5 ---------------------------------------------------------------------------
def _quectel(m) -> None:
    def reset() -> None:
        m.gnss_on = False
        m.gnss_fix = None
        m.qi_hex = (False, False)
    m.vendor_reset = reset

    def qgps(ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"+QGPS: {int(m.gnss_on)}"])
        if m.gnss_on:
            raise CmeError(QUECTEL_SESSION_ONGOING)
        m.gnss_on = True
        m.later(m.timing.gnss_ttff_s, fix)
        return Reply()

    def fix() -> None:
        if m.gnss_on:
            m.gnss_fix = m.ue_position
            m.location_known(*m.ue_position)

    def qgpsend(ch, cmd: Command) -> Reply:
        m.gnss_on = False
        return Reply()

    def qgpsloc(ch, cmd: Command) -> Reply:
        if m.gnss_fix is None:
            raise CmeError(QUECTEL_NOT_FIXED)
        lat, lon, alt = m.gnss_fix
        return Reply([f"+QGPSLOC: {m.utc('%H%M%S')}.000,{lat:.5f},{lon:.5f},1.0,"
                      f"{alt:.1f},3,0.00,0.0,0.0,{m.utc('%d%m%y')},08"])

    def qcsq(ch, cmd: Command) -> Reply:
        s = m.signal()
        if m.cfun != 1 or s.csq_rssi == 99:
            return Reply(['+QCSQ: "NOSERVICE"'])
        return Reply([f'+QCSQ: "NBIoT",{round(s.rssi_dbm)},{round(s.rsrp_dbm)},'
                      f'{round(s.snr_db)},{round(s.rsrq_db)}'])

    m.on("+QGPS", qgps)
    m.on("+QGPSEND", qgpsend)
    m.on("+QGPSLOC", qgpsloc)
    m.on("+QCSQ", qcsq)


# -- sockets -------------------------------------------------------------------------------------
def _datagram_to(m, host: str, port: int, payload: bytes, arrive) -> None:
    """UDP toward ``host``: a module owning that IP receives it, anything else echoes."""
    peer = m.network.lookup(host)
    target = peer if peer is not None and peer is not m else m
    src = (m.identity.ip, port) if target is not m else (host, port)
    m.send_uplink(lambda t: arrive(t, src, payload), target=target, payload=payload)


def _quectel_sockets(m) -> None:
    m.qsockets = {}

    def qicfg(ch, cmd: Command) -> Reply:
        p = cmd.params()
        if p and p[0] == "dataformat":
            if len(p) == 1:
                return Reply([f'+QICFG: "dataformat",{int(m.qi_hex[0])},{int(m.qi_hex[1])}'])
            m.qi_hex = (cmd.int_param(1) == 1, cmd.int_param(2, 0) == 1)
        return Reply()

    def qiopen(ch, cmd: Command) -> Reply:
        p = cmd.params()
        cid = cmd.int_param(1)
        if len(p) < 5 or p[2] not in ("UDP", "UDP SERVICE"):
            raise CmeError(50)
        err = 0 if m.registered else QUECTEL_PDP_FAILED
        if err == 0:
            m.qsockets[cid] = {"host": p[3], "port": int(p[4]), "rx": [],
                               "service": p[2] == "UDP SERVICE"}
        m.later(0.0, lambda: m.urc(f"+QIOPEN: {cid},{err}"))
        return Reply()

    def qisend(ch, cmd: Command):
        cid, length = cmd.int_param(0), cmd.int_param(1)
        sock = m.qsockets.get(cid)
        if sock is None:
            raise CmeError(50)
        hex_in = m.qi_hex[0]

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
            raise CmeError(50)
        if not sock["rx"]:
            return Reply(["+QIRD: 0"])
        data, (ip, port) = sock["rx"].pop(0)
        body = data.hex().upper() if m.qi_hex[1] else data.decode("latin-1")
        sender = f',"{ip}",{port}' if sock["service"] else ""
        return Reply([f"+QIRD: {len(data)}{sender}", body])

    def qiclose(ch, cmd: Command) -> Reply:
        m.qsockets.pop(cmd.int_param(0), None)
        return Reply()

    m.on("+QICFG", qicfg)
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
        if action == "ALLOCATE":
            if len(p) < 6 or p[2] != "UDP":
                raise CmeError(50)
            sid = max(m.msockets, default=0) + 1
            m.msockets[sid] = {"host": p[4], "port": int(p[5]), "rx": [], "active": False}
            return Reply([f"%SOCKETCMD:{sid}"])
        sid = cmd.int_param(1)
        if sid not in m.msockets:
            raise CmeError(50)
        if action == "ACTIVATE":
            if not m.registered:
                raise CmeError(30)
            m.msockets[sid]["active"] = True
        elif action in ("DEACTIVATE", "DELETE"):
            m.msockets[sid]["active"] = False
            if action == "DELETE":
                del m.msockets[sid]
        else:
            raise CmeError(50)
        return Reply()

    def socketdata(ch, cmd: Command) -> Reply:
        p = cmd.params()
        sid = cmd.int_param(1)
        sock = m.msockets.get(sid)
        if sock is None or not sock["active"]:
            raise CmeError(3)
        if p[0] == "SEND":
            length = cmd.int_param(2)
            try:
                payload = bytes.fromhex(p[3])
            except (IndexError, ValueError):
                raise CmeError(50) from None
            if len(payload) != length:
                raise CmeError(50)
            _datagram_to(m, sock["host"], sock["port"], payload, _murata_rx)
            return Reply([f"%SOCKETDATA:{sid},{length}"])
        if p[0] == "RECEIVE":
            if not sock["rx"]:
                return Reply([f'%SOCKETDATA:{sid},0,0,""'])
            data, (ip, port) = sock["rx"].pop(0)
            return Reply([f'%SOCKETDATA:{sid},{len(data)},{len(sock["rx"])},'
                          f'"{data.hex().upper()}","{ip}",{port}'])
        raise CmeError(50)

    m.on("%SOCKETCMD", socketcmd)
    m.on("%SOCKETDATA", socketdata)


def _murata_rx(target, src, payload: bytes) -> None:
    for sid, sock in getattr(target, "msockets", {}).items():
        if sock["active"]:
            sock["rx"].append((payload, src))
            target.urc(f"%SOCKETEV:1,{sid}")
            return

"""Many ports at once: commands and URC storms on 16 ptys in one process, zero lost URCs."""
from __future__ import annotations

import threading

from at_bridge.at_engine import AtEngine, UrcPattern
from at_bridge.dialect import load_dialect
from at_bridge.transport import Transport

PORTS = 16
URCS_PER_PORT = 50
COMMANDS_PER_PORT = 20


def test_urc_storms_on_many_ports_lose_nothing(pty_peer):
    generic = load_dialect("nbntn-generic")
    patterns = [UrcPattern(u.name, u.pattern, u.lines) for u in generic.urcs.values()]

    def answer(peer, line, term):
        peer.send_lines('+CGEV: ME PDN ACT 0', "OK")   # a URC glued to every answer

    peers = [pty_peer(answer) for _ in range(PORTS)]
    transports = [Transport(p.path) for p in peers]
    engines = [AtEngine(t, urcs=patterns) for t in transports]

    def storm(peer):
        for k in range(URCS_PER_PORT):
            peer.send_lines(f"+CSCON: {k % 2}")

    failures = []   # an assert inside a thread would vanish with the thread: collect instead

    def drive(engine):
        try:
            for _ in range(COMMANDS_PER_PORT):
                lines = engine.command("AT+CGATT?", timeout_s=10).lines
                if lines != ():
                    failures.append((engine.name, lines))
        except Exception as exc:  # noqa: BLE001 - reported by the main thread below
            failures.append((engine.name, exc))

    threads = [threading.Thread(target=storm, args=(p,)) for p in peers] + \
              [threading.Thread(target=drive, args=(e,)) for e in engines]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not [th for th in threads if th.is_alive()] and failures == []
    for engine in engines:
        got = [engine.urcs.get(timeout_s=5).name for _ in range(URCS_PER_PORT + COMMANDS_PER_PORT)]
        assert got.count("cscon") == URCS_PER_PORT and got.count("cgev") == COMMANDS_PER_PORT
        assert len(engine.urcs) == 0
    for t in transports:
        t.close()

"""``ntnstack enb``: the emulated NB-IoT NTN cell and N UEs against an MME over S1AP
(docs/s1ap.md).

The cell is the stack's (``ntnstack stack``): the TR 38.821 GEO cell behind a transparent
payload, or the first LEO-600 cell; the UEs' radio side runs on virtual time with the
satellite delays of the cell, their NAS goes to the MME at ``--mme`` over SCTP (the
kernel's, or userspace SCTP over UDP, RFC 6951). Each UE attaches, sends data, goes idle,
sends an MO SMS from idle and detaches (``--expect-reply``: after its data, waits for the
application server's reply that the MME forwards); the report gives per procedure the latency
percentiles (UE clock, s) and the failures (one JSON object with ``--json``). Exit 1 when
any procedure failed.
"""
from __future__ import annotations

import json

from ntnstack.commands._options import add_sctp_options
from ntnstack.link.options import DEFAULT_START

RAT_TYPE = {"geo": "nbiot-geo", "leo": "nbiot-leo"}     # TS 36.413 9.2.1.117
MAX_UPLINK_OCTETS = 1472   # UDP payload of one 1500-octet Ethernet frame (IPv4 20 + UDP 8)


def register(sub) -> None:
    p = sub.add_parser("enb", help="emulated NB-IoT NTN cell and N UEs against an MME (S1AP)",
                       description=__doc__.split("``: ", 1)[1])
    p.add_argument("--mme", metavar="HOST:PORT",
                   help="the MME's address (ntnstack mme --listen): UDP with usrsctp, SCTP "
                   "with the kernel's or raw")
    p.add_argument("--ues", type=int, default=1, metavar="N", help="number of UEs (default 1)")
    p.add_argument("--orbit", choices=["geo", "leo"], default="geo",
                   help="geo: TR 38.821 GEO, transparent; leo: LEO-600, regenerative")
    p.add_argument("--start", default=DEFAULT_START, metavar="ISO8601",
                   help=f"emulated time of the first power-on (default {DEFAULT_START})")
    p.add_argument("--bind", metavar="HOST:PORT",
                   help="local address: UDP with usrsctp, SCTP with the kernel's or raw (default: "
                   "the address routed to the MME, any port)")
    add_sctp_options(p)
    p.add_argument("--answer-timeout-s", type=float, default=10.0, metavar="S",
                   help="real seconds to wait for an answer the MME owes (default 10)")
    p.add_argument("--expect-reply", action="store_true",
                   help="each UE waits, connected, for the application server's reply to its "
                   "data (ntnstack mme --forward-udp)")
    p.add_argument("--uplink-hex", metavar="HEX",
                   help="the application payload each UE sends (hexadecimal; default the text "
                   "'ntnstack uplink over S1'), e.g. a CoAP request")
    p.add_argument("--pdn", default="non-ip", metavar="TYPE",
                   help="the PDN type each UE requests: non-ip (default), ipv4, ipv6, ipv4v6")
    p.add_argument("--app-server", metavar="IP:PORT",
                   help="on an IP PDN, where each UE's UDP datagrams go (its source port is "
                   "PORT too; default 192.0.2.10:5683, 2001:db8::10 on IPv6), e.g. a server "
                   "behind ntnstack mme --tun")
    p.add_argument("--print-subscribers", action="store_true",
                   help="print the MME's subscriber file for these UEs and exit")
    p.add_argument("--json", action="store_true", help="the report as one JSON object")
    p.set_defaults(func=run)


def _cells(orbit: str, start: float):
    from ntnstack.stack import UeConfig, geo_cell, leo_cells
    from ntnstack.stack.load import load_span

    cells = [geo_cell(start)] if orbit == "geo" else leo_cells(start)[:1]
    return cells, load_span(cells, start, orbit, UeConfig())


def _route_to(peer: tuple[str, int]) -> str:
    """The local IPv4 address the kernel routes to ``peer`` (no packet is sent)."""
    import socket

    from ntnstack.errors import InputError

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(peer)
        except OSError as exc:
            raise InputError(f"--mme {peer[0]}:{peer[1]}: {exc.strerror}") from None
        return probe.getsockname()[0]


def _payload(text: str | None) -> bytes:
    """--uplink-hex as octets (1..MAX_UPLINK_OCTETS), default the built-in text."""
    from ntnstack.errors import InputError
    from ntnstack.s1ap.ue_load import UPLINK_PAYLOAD

    if text is None:
        return UPLINK_PAYLOAD
    try:
        payload = bytes.fromhex(text)
    except ValueError:
        payload = b""
    if not 0 < len(payload) <= MAX_UPLINK_OCTETS:
        raise InputError(f"--uplink-hex {text[:40]!r}: expected 1..{MAX_UPLINK_OCTETS} octets "
                         f"in hexadecimal")
    return payload


def _ue_config(pdn: str, app_server: str | None):
    """The UEs' UeConfig for ``--pdn`` and ``--app-server`` (InputError naming the option)."""
    from dataclasses import replace

    from ntnstack.commands._options import host_port
    from ntnstack.errors import InputError
    from ntnstack.stack import UeConfig
    from ntnstack.stack.model import PDN_TYPE_NAMES

    if pdn not in PDN_TYPE_NAMES:
        raise InputError(f"--pdn {pdn!r}: one of {', '.join(PDN_TYPE_NAMES)}")
    ue = UeConfig(pdn_type=pdn)
    if app_server is None:
        return ue
    server = host_port(app_server, "--app-server")
    try:
        return replace(ue, app_server=server)
    except InputError as exc:
        raise InputError(f"--app-server {app_server}: {str(exc).split(': ', 1)[1]}") from None


def _print_report(report: dict) -> None:
    print(f"{'procedure':10s} {'ok':>5s} {'failed':>6s} {'p50 s':>8s} {'p90 s':>8s} "
          f"{'p99 s':>8s} {'max s':>8s}")
    for name, row in report["procedures"].items():
        figures = " ".join(f"{row.get(k, float('nan')):8.3f}"
                           for k in ("p50_s", "p90_s", "p99_s", "max_s"))
        print(f"{name:10s} {row['ok']:5d} {row['failed']:6d} {figures}")
    for failure in report["failures"]:
        print(f"FAILED {failure['imsi']} {failure['procedure']}: {failure['reason']}")


def run(args) -> int:
    from ntnstack.clock import parse_iso8601
    from ntnstack.commands._options import host_port
    from ntnstack.errors import InputError
    from ntnstack.s1ap.capture import udp_tap
    from ntnstack.s1ap.enb_node import S1apEnb
    from ntnstack.s1ap.ports import ENB_SCTP_PORT
    from ntnstack.s1ap.subscribers import subscriber_lines
    from ntnstack.s1ap.transport import open_transport
    from ntnstack.s1ap.ue_load import emulated_imsi, run_ues
    from ntnstack.sctp.choice import choose_sctp
    from ntnstack.stack import UeConfig
    from ntnstack.stack.load import MAX_UES

    if not 1 <= args.ues <= MAX_UES:
        raise InputError(f"--ues {args.ues}: expected 1..{MAX_UES}")
    if args.print_subscribers:
        ue, imsis = UeConfig(), [emulated_imsi(i) for i in range(args.ues)]
        print("\n".join(subscriber_lines(imsis, ue.k, ue.opc)))
        return 0
    if args.mme is None:
        raise InputError("--mme: required (HOST:PORT of the MME), unless --print-subscribers")
    mme = host_port(args.mme, "--mme")
    bind = host_port(args.bind, "--bind") if args.bind else (_route_to(mme), 0)
    if not 0 < args.answer_timeout_s <= 3600:
        raise InputError(f"--answer-timeout-s {args.answer_timeout_s}: expected 0 < S <= 3600")
    kind = choose_sctp(args.sctp)            # a bad --sctp fails before any work
    payload = _payload(args.uplink_hex)
    ue = _ue_config(args.pdn, args.app_server)
    start = parse_iso8601(args.start, "--start")
    cells, (first, span) = _cells(args.orbit, start)
    writer, tap = udp_tap(args.pcap, udp=kind == "usrsctp") if args.pcap else (None, None)
    transport = open_transport(kind, bind, ENB_SCTP_PORT, args.answer_timeout_s, tap)
    enb = S1apEnb.for_cell(transport.endpoint, transport.carrier, cells[0],
                           RAT_TYPE[args.orbit])
    transport.carrier.nodes.append(enb)
    try:
        enb.associate(*transport.address_of(mme))
        report = run_ues(enb, cells, args.ues, first, span, ue,
                         reply=args.expect_reply, payload=payload).as_dict()
        enb.shutdown()              # after the last UE's UE CONTEXT RELEASE COMPLETE
    finally:
        transport.close()
        if writer is not None:
            writer.close()
    report["s1ap"] = {"received": dict(sorted(enb.seen.items())), "errors": enb.errors}
    if args.json:
        print(json.dumps(report))
    else:
        _print_report(report)
    return 1 if report["failures"] else 0

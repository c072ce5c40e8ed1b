"""``ntnstack mme``: ntnstack's MME behind S1AP, for eNBs elsewhere (docs/s1ap.md).

Listens for SCTP (the kernel's, or userspace SCTP over UDP, RFC 6951) on HOST:PORT, answers
S1 Setup,
authenticates the UEs of the subscriber file (EPS AKA), attaches them, carries their NAS,
sets up and releases their contexts; with ``--forward-udp`` their uplink data goes to an
application server and its replies come back to them (paged when idle); with ``--tun`` (root)
their IP packets go into the host's IP stack through a TUN interface and the packets routed
to their addresses come back to them; with ``--journal``
each procedure is recorded for ``ntnstack results``. Serves until
SIGINT / SIGTERM or ``--duration``; then prints what it saw (one JSON object with ``--json``).
"""
from __future__ import annotations

import json

from ntnstack.commands._options import add_sctp_options

UE_NET = "10.45.0.0/16"     # the UEs' IPv4 network by default (first host: the TUN)


def register(sub) -> None:
    p = sub.add_parser("mme", help="the MME behind S1AP over SCTP (the kernel's, or usrsctp "
                       "in UDP or raw IP)",
                       description=__doc__.split("``: ", 1)[1])
    p.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="usrsctp: UDP address of the SCTP encapsulation (RFC 6951; 9899 is its "
                   "port); kernel, raw: the SCTP address (36412 is S1AP's port; 0 in raw: 36412)")
    p.add_argument("--subscribers", required=True, metavar="FILE",
                   help="IMSI,K,OPc per line (ntnstack enb --print-subscribers writes one)")
    add_sctp_options(p)
    p.add_argument("--eea", choices=["eea0", "eea2"], default="eea2",
                   help="NAS ciphering (eea0 lets tshark read the NAS after security mode)")
    p.add_argument("--forward-udp", metavar="HOST:PORT",
                   help="the application server: each UE's uplink data goes there over UDP "
                   "from a socket of its own, replies come back to the UE as MT data")
    p.add_argument("--tun", metavar="NAME",
                   help="root: the user plane into the host's IP stack through a new TUN "
                   "interface NAME (removed at exit): each UE's uplink IP packets go there, "
                   "packets routed to a UE's address come back to it")
    p.add_argument("--tun-net", metavar="CIDR",
                   help=f"with --tun: the UEs' IPv4 network (default {UE_NET}): the TUN has "
                   "its first host address, subscriber n of the file the (n+1)th")
    p.add_argument("--sms-to-others", default="accept", metavar="POLICY",
                   help="an MO SMS to a number that is no subscriber's MSISDN: accept (RP-ACK, "
                   "as an SMSC passing it to another network, not emulated; default) or reject "
                   "(RP-ERROR cause #1 unassigned number). SMS to a subscriber's MSISDN are "
                   "delivered to it")
    p.add_argument("--journal", metavar="FILE",
                   help="record each UE procedure (IMSI, procedure, result, cause, times) as a "
                   "run in this results journal (SQLite; ntnstack results show --journal FILE)")
    p.add_argument("--duration", type=float, metavar="S",
                   help="stop after this many seconds (default: serve until stopped)")
    p.add_argument("--json", action="store_true", help="the summary as one JSON object")
    p.set_defaults(func=run)


def _summary(node) -> dict:
    from ntnstack.s1ap.tun import TunForward

    summary = {"received": dict(sorted(node.seen.items())), "errors": node.errors,
               "enbs": len(node.enbs)}
    if node.forward is not None:
        summary["forwarded"] = {"uplink": node.forward.sent, "downlink": node.forward.received}
        if isinstance(node.forward, TunForward):     # it drops what belongs to no UE
            summary["forwarded"]["dropped"] = node.forward.dropped
    return summary


def run(args) -> int:
    import math
    import signal

    from ntnstack.commands._options import host_port
    from ntnstack.errors import InputError
    from ntnstack.s1ap.capture import udp_tap
    from ntnstack.s1ap.mme_node import S1apMme, check_sms_to_others
    from ntnstack.s1ap.ports import S1AP_SCTP_PORT
    from ntnstack.s1ap.subscribers import load_subscribers
    from ntnstack.s1ap.transport import open_transport
    from ntnstack.s1ap.tun import check_tun, ue_addresses as pool
    from ntnstack.sctp.choice import choose_sctp
    from ntnstack.stack.mme import Mme

    listen = host_port(args.listen, "--listen")
    server = host_port(args.forward_udp, "--forward-udp") if args.forward_udp else None
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise InputError(f"--duration {args.duration}: expected a finite number of seconds > 0")
    if args.tun is not None:
        if server is not None:
            raise InputError("--tun and --forward-udp: one user plane at a time")
        check_tun(args.tun)                  # a bad --tun fails before any work
    elif args.tun_net is not None:
        raise InputError(f"--tun-net {args.tun_net}: only with --tun (the UEs' addresses are "
                         f"those of the TUN's network)")
    check_sms_to_others(args.sms_to_others)
    kind = choose_sctp(args.sctp)            # a bad --sctp fails before any work
    mme = Mme(eea=args.eea)
    subscribers = load_subscribers(args.subscribers)
    tun_address = None
    if args.tun is not None:   # the pool only where the host routes it (any file size else)
        tun_address, ue_addresses = pool(args.tun_net or UE_NET, len(subscribers))
        for subscriber, address in zip(subscribers, ue_addresses, strict=True):
            subscriber.ipv4 = address
    for subscriber in subscribers:
        mme.add(subscriber)
    writer, tap = udp_tap(args.pcap, udp=kind == "usrsctp") if args.pcap else (None, None)
    transport = journal = node = None
    try:
        transport = open_transport(kind, listen, S1AP_SCTP_PORT, tap=tap)
        transport.endpoint.listen()
        if args.journal:
            from ntnstack.runner.core_journal import CoreJournal

            journal = mme.observer = CoreJournal(args.journal, args.listen, args.subscribers)
        node = S1apMme(mme, transport.endpoint, sms_to_others=args.sms_to_others)
        transport.carrier.nodes.append(node)
        if server is not None:
            from ntnstack.s1ap.forward import UdpForward

            node.forward = UdpForward(server, node.deliver_data, transport.carrier.watch)
        elif args.tun is not None:
            from ntnstack.s1ap.tun import TunForward

            node.forward = TunForward(args.tun, tun_address,
                                      {s.ipv4: s.imsi for s in subscribers},
                                      node.deliver_packet, transport.carrier.watch)
        if node.forward is not None:
            transport.carrier.nodes.append(node.forward)
        stopping = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.append(True))
        where = "udp" if transport.kind == "usrsctp" else "sctp"
        print(f"ntnstack mme: listening on {where} {transport.local[0]}:{transport.local[1]}",
              flush=True)
        transport.carrier.pump(lambda: bool(stopping), timeout_s=args.duration or math.inf)
    finally:    # also when serving failed: the journal's run ends, the capture is complete
        if transport is not None:
            transport.close()
        if node is not None and node.forward is not None:
            node.forward.close()
        if journal is not None:
            journal.close()
        if writer is not None:
            writer.close()
    summary = _summary(node)
    print(json.dumps(summary) if args.json else "\n".join(
        f"{name:28s} {count}" for name, count in summary["received"].items()))
    return 0

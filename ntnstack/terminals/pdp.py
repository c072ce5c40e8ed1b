"""PDP contexts and the data side every AT family answers alike (TS 27.007 10.1): +CGDCONT,
+CGPADDR, +CGPIAF, +CGATT / +CGEREP settings and the RRC connection state (+CSCON). A mixin
of :class:`~ntnstack.terminals.modem.AtModule`, like :mod:`sms_commands` and
:mod:`registration`.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply

PDP_TYPES = {"IP": "ipv4", "IPV6": "ipv6", "IPV4V6": "ipv4v6", "Non-IP": "non-ip"}
"""TS 27.007 10.1.1 <PDP_type> -> the PDN type (TS 24.301 9.9.4.10) the attach requests."""
MAX_CID = 11
"""Highest <cid> of +CGDCONT (the test command's range 0-11)."""
CGPIAF_DEFAULT = (0, 0, 0, 0)
"""+CGPIAF <IPv6_AddressFormat>, <IPv6_SubnetNotation>, <IPv6_LeadingZeros>,
<IPv6_CompressZeros> after boot: dot-separated IPv6, as TS 27.007 10.1.14 prints it."""


@dataclass
class PdpContext:
    """A context of +CGDCONT: <PDP_type> (27.007 spelling), <APN>, and the static <PDP_addr>
    the host gave (4 or 16 octets; b"" for a dynamic address)."""

    pdp_type: str = "IP"
    apn: str = ""
    static: bytes = b""


def format_ipv6(octets: bytes, piaf: tuple[int, int, int, int] = CGPIAF_DEFAULT) -> str:
    """16 octets as +CGPIAF says (TS 27.007 8.62): format 0 dot-separated decimal
    (a1.a2...a16); format 1 colon-separated hex groups, leading zeros kept if
    <IPv6_LeadingZeros> = 1, the longest run of two or more zero groups (the first of equal
    runs) written "::" if <IPv6_CompressZeros> = 1 (RFC 5952 4.2)."""
    if piaf[0] == 0:
        return ".".join(str(b) for b in octets)
    groups = [int.from_bytes(octets[i:i + 2], "big") for i in range(0, 16, 2)]
    text = [f"{g:04X}" if piaf[2] else f"{g:X}" for g in groups]
    start, length = _longest_zero_run(groups)
    if piaf[3] and length >= 2:
        return ":".join(text[:start]) + "::" + ":".join(text[start + length:])
    return ":".join(text)


def _longest_zero_run(groups: list[int]) -> tuple[int, int]:
    best, run_start = (0, 0), None
    for i, g in enumerate([*groups, 1]):
        if g == 0 and run_start is None:
            run_start = i
        elif g != 0 and run_start is not None:
            best = max(best, (i - run_start, -run_start))
            run_start = None
    return -best[1], best[0]


def parse_pdp_address(text: str) -> bytes:
    """A <PDP_addr> as a host may write it: IPv4 a1.a2.a3.a4, IPv6 as 16 dot-separated
    numbers or in colon notation; b"" for an empty one; CME ERROR 50 otherwise."""
    if not text:
        return b""
    parts = text.split(".")
    if ":" not in text and len(parts) in (4, 16) and all(x.isdigit() and int(x) < 256
                                                         for x in parts):
        return bytes(int(x) for x in parts)
    try:
        return ipaddress.IPv6Address(text).packed
    except ipaddress.AddressValueError:
        raise CmeError(50) from None


class PdpCommands:
    """Mixin of AtModule: the PDP state (``reset_pdp_state``) and its command handlers
    (registered by AtModule)."""

    def reset_pdp_state(self) -> None:
        """Contexts, addresses, +CGPIAF, +CGEREP and +CSCON as after a boot."""
        self.pdp = {self.spec.default_cid: PdpContext()}
        self.pdp_active: dict[int, tuple[bytes | None, bytes | None]] = {}
        self.cgpiaf = CGPIAF_DEFAULT
        self.cgerep, self.cgerep_bfr = 0, 0
        self.cscon_n, self.rrc_connected = 0, False

    def _set_cgerep(self, ch: AtChannel, values: list[int]) -> None:
        self.cgerep, self.cgerep_bfr = values

    def set_cgatt(self, ch: AtChannel, values: list[int]) -> None:
        """+CGATT=1: the module attaches by itself after +CFUN=1 (OK); a detach (0) is not
        emulated: +CME ERROR: 4 operation not supported."""
        if values[0] == 0:
            raise CmeError(4)

    def attach_cid(self) -> int:
        """The context the attach brings up as the default EPS bearer: the family's default
        <cid> (0 on nRF91, 1 elsewhere) when defined, else the lowest defined one."""
        if self.spec.default_cid in self.pdp or not self.pdp:
            return self.spec.default_cid
        return min(self.pdp)

    def attach_context(self) -> PdpContext:
        """The definition of ``attach_cid`` (IP with no APN when the host removed it)."""
        return self.pdp.get(self.attach_cid(), PdpContext())

    def pdp_addresses(self, cid: int) -> tuple[bytes | None, bytes | None]:
        """(IPv4 4 octets, IPv6 16 octets) the bearer of context ``cid`` has, None each where
        it has none: families without their own core give the registered module its IPv4
        test address on the attach context of type IP / IPV4V6."""
        if self.registered and cid == self.attach_cid() and \
                self.pdp[cid].pdp_type in ("IP", "IPV4V6"):
            return ipaddress.IPv4Address(self.identity.ip).packed, None
        return None, None

    def _address_text(self, octets: bytes) -> str:
        return ".".join(map(str, octets)) if len(octets) == 4 else \
            format_ipv6(octets, self.cgpiaf)

    def cmd_cgdcont(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGDCONT (27.007 10.1.1): the read form shows each context's <PDP_type>, <APN> and
        the static <PDP_addr> the host set, else the null string - an address the network
        allocated is read with +CGPADDR."""
        if cmd.kind == "read":
            return Reply([f'+CGDCONT: {cid},"{c.pdp_type}","{c.apn}",'
                          f'"{self._address_text(c.static) if c.static else ""}",0,0'
                          for cid, c in sorted(self.pdp.items())])
        if cmd.kind == "test":
            return Reply([f'+CGDCONT: (0-{MAX_CID}),"{t}",,,(0),(0)' for t in PDP_TYPES])
        p = cmd.params()
        if cmd.kind == "set" and len(p) > 1 and self.defects.refuses_pdp_type(p[1]):
            raise CmeError(50)  # incorrect parameters (TS 27.007 9.2.1)
        cid = cmd.int_param(0)
        if not 0 <= cid <= MAX_CID:
            raise CmeError(50)
        if len(p) == 1:
            self.pdp.pop(cid, None)
            return Reply()
        self.pdp[cid] = self._context(p)
        return Reply()

    @staticmethod
    def _context(p: list[str]) -> PdpContext:
        """A context from the +CGDCONT parameters; CME ERROR 50 for an unknown <PDP_type> or
        a static address that does not fit it."""
        pdp_type = next((t for t in PDP_TYPES if t.upper() == p[1].upper()), None)
        static = parse_pdp_address(p[3]) if len(p) > 3 else b""
        allowed = {"IP": (0, 4), "IPV6": (0, 16), "IPV4V6": (0, 4, 16), "Non-IP": (0,)}
        if pdp_type is None or len(static) not in allowed[pdp_type]:
            raise CmeError(50)
        return PdpContext(pdp_type, p[2] if len(p) > 2 else "", static)

    def cmd_cgpaddr(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGPADDR[=<cid>[,<cid>...]] (27.007 10.1.14): per context the address(es) of its
        bearer (else its static address): IPv4 in <PDP_addr_1>; IPv6 in <PDP_addr_2> of an
        IPV4V6 context, in <PDP_addr_1> of an IPV6 one (single IPv6 stack); none: the <cid>
        alone. IPv6 printed as +CGPIAF says."""
        if cmd.kind == "test":
            return Reply([f"+CGPADDR: ({','.join(map(str, sorted(self.pdp)))})"])
        cids = [cmd.int_param(i) for i in range(len(cmd.params()))] if cmd.kind == "set" \
            else sorted(self.pdp)
        if any(cid not in self.pdp for cid in cids):
            raise CmeError(50)
        return Reply([self._cgpaddr_line(cid) for cid in cids])

    def _cgpaddr_line(self, cid: int) -> str:
        ipv4, ipv6 = self.pdp_addresses(cid)
        static = self.pdp[cid].static
        if ipv4 is None and ipv6 is None and static:
            ipv4, ipv6 = (static, None) if len(static) == 4 else (None, static)
        fields = [ipv4, ipv6] if self.pdp[cid].pdp_type == "IPV4V6" else [ipv4 or ipv6]
        while fields and fields[-1] is None:
            fields.pop()
        return f"+CGPADDR: {cid}" + "".join(
            f',"{self._address_text(a) if a is not None else ""}"' for a in fields)

    def cmd_cgpiaf(self, ch: AtChannel, cmd: Command) -> Reply:
        """+CGPIAF (27.007 8.62): how IPv6 addresses are printed; omitted values are 0."""
        if cmd.kind == "read":
            return Reply(["+CGPIAF: " + ",".join(map(str, self.cgpiaf))])
        if cmd.kind == "test":
            return Reply(["+CGPIAF: (0,1),(0,1),(0,1),(0,1)"])
        values = tuple(cmd.int_param(i, 0) for i in range(4))
        if len(cmd.params()) > 4 or any(v not in (0, 1) for v in values):
            raise CmeError(50)
        self.cgpiaf = values
        return Reply()

    def set_rrc(self, connected: bool) -> None:
        if connected != self.rrc_connected:
            self.rrc_connected = connected
            self.log("event", f"rrc {int(connected)}")
            if self.cscon_n:
                self.urc(f"+CSCON: {int(connected)}")

"""The user plane out of the core into the host's IP stack: a TUN interface (``ntnstack mme
--tun NAME``, root).

The interface (Linux TUN, no packet information header) gets the first host address of the
UEs' IPv4 network (``--tun-net``) with its prefix and is brought up with iproute2's ``ip``;
the UEs hold the following addresses (``ue_addresses``). It carries IPv4 only (IPv6 is
disabled on it: the UEs' IPv6 addresses are link-local in this emulation,
ntnstack.stack.user_plane.ue_ip). Each UE's uplink IPv4 packet (the user data container of
its ESM DATA TRANSPORT on an IP PDN) is written to the interface as it is, when its source is
the UE's own address; each packet the host routes into the interface goes to the UE whose
address is its destination, as MT data; anything else is dropped and counted. The interface
is created by this process and vanishes when its file descriptor closes (``close()``, and
the kernel does it when the process dies).
"""
from __future__ import annotations

import fcntl
import ipaddress
import logging
import os
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

from ntnstack.errors import InputError
from ntnstack.stack.user_plane import ue_ip

__all__ = ["TunForward", "check_tun", "packet_addresses", "ue_addresses"]

log = logging.getLogger(__name__)

TUNSETIFF = 0x400454CA         # _IOW('T', 202, int), <linux/if_tun.h>
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CAP_NET_ADMIN = 12
IFNAMSIZ = 16                  # <linux/if.h>, with the terminating NUL
MAX_PACKET_OCTETS = 65535
IPV4_HEADER_OCTETS = 20


def ue_addresses(net: str, count: int) -> tuple[str, list[str]]:
    """(the TUN's address with prefix, e.g. "10.45.0.1/16"; the ``count`` UE addresses
    after it) of IPv4 network ``net``; InputError when it is not one or is too small."""
    try:
        network = ipaddress.IPv4Network(net)
    except ValueError as exc:
        raise InputError(f"--tun-net {net!r}: {exc}") from None
    hosts = network.num_addresses - 2          # network and broadcast addresses excluded
    if hosts < count + 1:
        raise InputError(f"--tun-net {net}: {max(hosts, 0)} host addresses, {count + 1} "
                         f"needed (the TUN and {count} subscribers)")
    first = network.network_address + 1
    return (f"{first}/{network.prefixlen}",
            [str(first + 1 + i) for i in range(count)])


def packet_addresses(packet: bytes) -> tuple[str, str] | None:
    """(source, destination) of an IPv4 packet (RFC 791 3.1), None when it is not one."""
    if len(packet) < IPV4_HEADER_OCTETS or packet[0] >> 4 != 4:
        return None
    return (str(ipaddress.IPv4Address(packet[12:16])),
            str(ipaddress.IPv4Address(packet[16:20])))


def _ip(*args: str) -> None:
    """``ip ARGS`` (iproute2); InputError with its message when it fails."""
    try:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"--tun: ip {' '.join(args)}: {exc}") from None
    if done.returncode != 0:
        raise InputError(f"--tun: ip {' '.join(args)}: {done.stderr.strip()}")


def _no_ipv6(name: str) -> None:
    """IPv6 off on interface ``name``: the kernel sends no router solicitations into it."""
    try:
        Path("/proc/sys/net/ipv6/conf", name, "disable_ipv6").write_text("1")
    except FileNotFoundError:          # a kernel without IPv6
        pass
    except OSError as exc:
        raise InputError(f"--tun {name}: disabling IPv6: {exc.strerror}") from None


def _may_admin_network() -> bool:
    """Whether this process has CAP_NET_ADMIN (bit 12 of CapEff, <linux/capability.h>)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_NET_ADMIN & 1)
    return os.geteuid() == 0


def check_tun(name: str) -> None:
    """InputError when ``name`` is not an interface name, is taken, or this process may not
    create interfaces."""
    if not name or len(name) >= IFNAMSIZ or "/" in name or any(c.isspace() for c in name) \
            or name in (".", ".."):
        raise InputError(f"--tun {name!r}: an interface name is 1..{IFNAMSIZ - 1} characters "
                         f"without '/' or spaces")
    if not _may_admin_network():
        raise InputError(f"--tun {name}: creating a TUN interface needs root (CAP_NET_ADMIN)")
    if Path("/sys/class/net", name).exists():
        raise InputError(f"--tun {name}: an interface of that name exists")


def _open_tun(name: str) -> int:
    """The file descriptor of a new TUN interface ``name`` (InputError as ``check_tun``)."""
    check_tun(name)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"--tun {name}: /dev/net/tun: {exc.strerror}") from None
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    except OSError as exc:
        os.close(fd)
        raise InputError(f"--tun {name}: TUNSETIFF: {exc.strerror}") from None
    return fd


class TunForward:
    """TUN interface ``name`` with address ``address`` (with prefix) between the host and the
    UEs: ``uplink`` writes a UE's packet, ``poll()`` hands each packet read to
    ``deliver(imsi, packet)`` by its destination (``imsi_of``: address -> IMSI);
    ``watch(fileno)`` is told of the interface (a carrier waits on it)."""

    def __init__(self, name: str, address: str, imsi_of: dict[str, str],
                 deliver: Callable[[str, bytes], None],
                 watch: Callable[[int], None] = lambda fileno: None):
        self.name, self.address, self.deliver = name, address, deliver
        self._imsi_of = dict(imsi_of)
        self.sent = self.received = self.dropped = 0      # packets
        self._fd = _open_tun(name)
        try:
            _no_ipv6(name)
            _ip("addr", "add", address, "dev", name)
            _ip("link", "set", name, "up")
        except InputError:
            self.close()
            raise
        watch(self._fd)

    def fileno(self) -> int:
        return self._fd

    def uplink(self, imsi: str, pdn_type: str, pdn_address: bytes, packet: bytes) -> None:
        """UE ``imsi``'s user data container ``packet`` to the host, when it is an IP packet
        from the UE's address on its PDN (``pdn_type``, address octets); else dropped."""
        addresses = packet_addresses(packet)
        own = ue_ip(pdn_type, pdn_address)
        if addresses is None or addresses[0] != own:
            self._drop(f"uplink of IMSI {imsi} is not an IPv4 packet from its address {own}")
            return
        try:
            os.write(self._fd, packet)
        except OSError as exc:       # e.g. EINVAL for a malformed header
            self._drop(f"uplink of IMSI {imsi}: {exc.strerror}")
            return
        self.sent += 1

    def poll(self) -> int:
        """Hand every packet the host routed into the interface to its UE; how many read."""
        count = 0
        while True:
            try:
                packet = os.read(self._fd, MAX_PACKET_OCTETS)
            except (BlockingIOError, InterruptedError):
                return count
            count += 1
            addresses = packet_addresses(packet)
            imsi = self._imsi_of.get(addresses[1]) if addresses else None
            if imsi is None:
                self._drop(f"{self.name}: a packet to {addresses and addresses[1]}, no UE's "
                           f"address")
                continue
            self.received += 1
            self.deliver(imsi, packet)

    def _drop(self, why: str) -> None:
        self.dropped += 1
        log.warning("TUN: dropped %s", why)

    def close(self) -> None:
        """Close the interface (the kernel removes it: it is not persistent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


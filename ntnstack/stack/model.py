"""What a session is configured with and what it returns: UeConfig, MessageRecord,
ProcedureResult (the runner's expectations read these)."""
from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass, field
from typing import NamedTuple

from ntnstack.errors import InputError
from ntnstack.orbit import REFERENCE_UE
from ntnstack.stack.ra_config import NPRACH_PERIODS_MS, NPRACH_REPETITIONS, PREAMBLE_TRANS_MAX

__all__ = ["MAX_GNSS_ERROR_M", "MessageRecord", "ProcedureResult", "UeConfig", "derived_seed"]


def derived_seed(seed: int, *names: object) -> int:
    """A 64-bit seed of one party of a run: SHA-256 of the run's seed and the party's names
    (a UE's IMSI; an MME's group and code), so that parties draw independent numbers and a
    run with the same seed draws the same ones."""
    text = "/".join(map(str, (seed, *names)))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

MAX_GNSS_ERROR_M = 6.371e6   # an error beyond the Earth's mean radius is no position fix
PDN_TYPE_NAMES = ("ipv4", "ipv6", "ipv4v6", "non-ip")   # TS 24.301 9.9.4.10


@dataclass(frozen=True)
class UeConfig:
    """The UE: identity, keys, position (and its GNSS error), radio and timing settings."""

    imsi: str = "001010000000001"
    k: bytes = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")      # TS 35.208 test set 1
    opc: bytes = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
    imeisv: str = "3534900698733101"   # TAC 35349006, SNR 987331, SVN 01 (TS 23.003 6.2.2)
    position_deg_m: tuple[float, float, float] = REFERENCE_UE   # lat deg, lon deg, alt m
    gnss_error_ecef_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gnss_fix_s: float = 0.0          # time to the first GNSS fix after power-on
    pdn_type: str = "non-ip"
    app_server: tuple[str, int] | None = None   # (IP, UDP port) of the UE's datagrams on an
                                                # IP PDN; None: user_plane.UDP_SERVER
    nprach_format: int = 1           # the NPRACH and preambleTransMax-CE of the SIB2-NB the
    nprach_period_s: float = 0.08    # cell broadcasts for the UE (nprach-Periodicity ms80), which
    nprach_repetitions: int = 1      # the UE reads back with the RAR window (ra_config)
    preamble_trans_max: int = 10
    ul_freq_hz: float = 1.995e9      # band 256 UL centre (docs/reference.md 4)
    processing_s: float = 0.005      # UE processing per message
    stale_sib_s: float = 0.0         # fault: the UE uses the SIB31-NB sent this long before
                                     # and skips the T317 check (a UE with a stale ephemeris)
    min_elevation_deg: float = 10.0  # below it the UE loses the cell (TR 38.821 reference)
    seed: int = 1

    def __post_init__(self) -> None:
        """InputError naming the field when a value cannot describe a UE."""
        if not (self.imsi.isdigit() and 6 <= len(self.imsi) <= 15):
            raise InputError(f"UeConfig.imsi {self.imsi!r}: 6..15 digits (TS 23.003 2.2)")
        if not (self.imeisv.isdigit() and len(self.imeisv) == 16):
            raise InputError(f"UeConfig.imeisv {self.imeisv!r}: 16 digits (TS 23.003 6.2.2)")
        for name in ("k", "opc"):
            if len(getattr(self, name)) != 16:
                raise InputError(f"UeConfig.{name}: 16 octets (TS 35.206), got "
                                 f"{len(getattr(self, name))}")
        error = self.gnss_error_ecef_m
        if len(error) != 3 or not all(math.isfinite(v) for v in error) or \
                math.hypot(*error) > MAX_GNSS_ERROR_M:
            raise InputError(f"UeConfig.gnss_error_ecef_m {error}: three finite numbers, m, "
                             f"of norm <= {MAX_GNSS_ERROR_M:g}")
        if self.pdn_type not in PDN_TYPE_NAMES:
            raise InputError(f"UeConfig.pdn_type {self.pdn_type!r}: one of "
                             f"{', '.join(PDN_TYPE_NAMES)}")
        if self.app_server is not None:
            self._check_app_server()
        if self.nprach_format not in (0, 1):
            raise InputError(f"UeConfig.nprach_format {self.nprach_format}: 0 or 1 "
                             f"(TS 36.211 Table 10.1.6.1-1)")
        self._check_positive()
        self._check_sib2_values()

    def _check_sib2_values(self) -> None:
        """The NPRACH fields are what the cell's SIB2-NB broadcasts: one of its values each
        (TS 36.331 RadioResourceConfigCommonSIB-NB)."""
        for name, value, allowed in (
                ("nprach_period_s", self.nprach_period_s * 1e3, NPRACH_PERIODS_MS),
                ("nprach_repetitions", self.nprach_repetitions, NPRACH_REPETITIONS),
                ("preamble_trans_max", self.preamble_trans_max, PREAMBLE_TRANS_MAX)):
            if not any(math.isclose(value, a) for a in allowed):
                raise InputError(f"UeConfig.{name} {getattr(self, name)}: a SIB2-NB value, "
                                 f"one of {', '.join(map(str, allowed))}"
                                 + (" ms" if name == "nprach_period_s" else ""))

    def _check_app_server(self) -> None:
        host, port = self.app_server
        try:
            version = ipaddress.ip_address(host).version
        except ValueError:
            version = None
        wanted = 6 if self.pdn_type == "ipv6" else 4
        if version != wanted or not 0 <= port <= 65535:
            raise InputError(f"UeConfig.app_server {host}:{port}: an IPv{wanted} address (PDN "
                             f"type {self.pdn_type}) and a port 0..65535")

    def _check_positive(self) -> None:
        for name in ("nprach_period_s", "nprach_repetitions",
                     "preamble_trans_max"):
            if not getattr(self, name) > 0:
                raise InputError(f"UeConfig.{name} {getattr(self, name)}: must be > 0")
        for name in ("processing_s", "stale_sib_s", "gnss_fix_s"):
            if not getattr(self, name) >= 0:
                raise InputError(f"UeConfig.{name} {getattr(self, name)}: must be >= 0")


class MessageRecord(NamedTuple):
    """One message on the air: eNB-side time, direction, channel, RRC and NAS names (a named
    tuple: 24 per attach, built at a third of a frozen dataclass's cost)."""

    t_unix_s: float
    direction: str        # "UL" | "DL"
    channel: str
    rrc: str
    nas: str


@dataclass
class ProcedureResult:
    """What one procedure did, for the runner's expectations."""

    name: str
    ok: bool
    start_unix_s: float
    end_unix_s: float
    round_trips: int = 0
    reason: str = ""
    messages: list[MessageRecord] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """End minus start, s."""
        return self.end_unix_s - self.start_unix_s

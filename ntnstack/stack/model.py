"""What a session is configured with and what it returns: UeConfig, MessageRecord,
ProcedureResult (the runner's expectations read these)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ntnstack.orbit import REFERENCE_UE

__all__ = ["MessageRecord", "ProcedureResult", "UeConfig"]


@dataclass(frozen=True)
class UeConfig:
    """The UE: identity, keys, position (and its GNSS error), radio and timing settings."""

    imsi: str = "001010000000001"
    k: bytes = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")      # TS 35.208 test set 1
    opc: bytes = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
    position_deg_m: tuple[float, float, float] = REFERENCE_UE   # lat deg, lon deg, alt m
    gnss_error_ecef_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gnss_fix_s: float = 0.0          # time to the first GNSS fix after power-on
    pdn_type: str = "non-ip"
    nprach_format: int = 1
    nprach_period_s: float = 0.08    # nprach-Periodicity ms80 (TS 36.331 NPRACH-ConfigSIB-NB)
    nprach_repetitions: int = 1
    rar_window_s: float = 0.02
    preamble_trans_max: int = 10
    ul_freq_hz: float = 1.995e9      # band 256 UL centre (REFERENCE.md 4)
    processing_s: float = 0.005      # UE processing per message
    stale_sib_s: float = 0.0         # fault: the UE uses the SIB31-NB sent this long before
                                     # and skips the T317 check (a UE with a stale ephemeris)
    min_elevation_deg: float = 10.0  # below it the UE loses the cell (TR 38.821 reference)
    seed: int = 1


@dataclass(frozen=True)
class MessageRecord:
    """One message on the air: eNB-side time, direction, channel, RRC and NAS names."""

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
        return self.end_unix_s - self.start_unix_s

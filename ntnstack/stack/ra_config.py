"""The random access configuration an NB-IoT UE reads from its cell's SIB2-NB.

SIB2-NB (TS 36.331 6.7.3.1, RadioResourceConfigCommonSIB-NB; one NPRACH resource, one CE
level) gives the UE, in the units of the broadcast:
- NPRACH occasions (TS 36.211 10.1.6.1): a preamble may start only nprach-StartTime ms after
  the start of a radio frame with SFN mod (nprach-Periodicity / 10 ms) = 0;
- the preamble format, from nprach-CP-Length (66.7 us: format 0, 266.7 us: format 1,
  TS 36.211 Table 10.1.6.1-1), and numRepetitionsPerPreambleAttempt;
- preambleTransMax-CE: preambles before random access fails (TS 36.321 5.1.4);
- ra-ResponseWindowSize in PDCCH periods (pp, TS 36.321 5.1.4 for NB-IoT): the interval
  between the starts of two NPDCCH search-space candidates of the type-2 common search space,
  T = R_max * G (TS 36.213 16.6) with R_max = npdcch-NumRepetitions-RA and
  G = npdcch-StartSF-CSS-RA. (mac-ContentionResolutionTimer, also in pp, is not read: Msg4
  follows Msg3 by the eNB's processing, always inside it; no contention is modelled.)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ntnstack.asn1_cache import compile_asn1_files
from ntnstack.rrc.codec import ASN_DIR, DecodeError

__all__ = ["NPRACH_PERIODS_MS", "NPRACH_REPETITIONS", "PREAMBLE_TRANS_MAX", "RaConfig",
           "next_nprach_subframe", "sib2_ra_config"]

NPRACH_PERIODS_MS = (40, 80, 160, 240, 320, 640, 1280, 2560)   # nprach-Periodicity-r13
NPRACH_REPETITIONS = (1, 2, 4, 8, 16, 32, 64, 128)   # numRepetitionsPerPreambleAttempt-r13
PREAMBLE_TRANS_MAX = (3, 4, 5, 6, 7, 8, 10, 20, 50, 100, 200)   # preambleTransMax-CE-r13
SFN_CYCLE_FRAMES = 1024
NPRACH_FORMAT_OF_CP = {"us66dot7": 0, "us266dot7": 1}     # TS 36.211 Table 10.1.6.1-1
SIB2_KIND = "sib2-nb"


@dataclass(frozen=True)
class RaConfig:
    """Random access as SIB2-NB configures it: NPRACH period and start time (ms), preamble
    format and repetitions, preambles before failure, RAR window (PDCCH periods), R_max
    (subframes) and G of the type-2 common search space."""

    nprach_period_ms: int
    nprach_start_ms: int
    nprach_format: int
    repetitions: int
    preamble_trans_max: int
    rar_window_pp: int
    npdcch_rmax: int
    npdcch_g: float

    @property
    def pdcch_period_ms(self) -> float:
        """T = R_max * G subframes (TS 36.213 16.6), ms."""
        return self.npdcch_rmax * self.npdcch_g

    @property
    def rar_window_s(self) -> float:
        """ra-ResponseWindowSize PDCCH periods, s."""
        return self.rar_window_pp * self.pdcch_period_ms * 1e-3


def next_nprach_subframe(us_since_sfn0: int, ra: RaConfig) -> int:
    """Subframe index (from SFN 0, hyper-SFN 0) of the first NPRACH occasion starting at or
    after ``us_since_sfn0`` µs: nprach-StartTime into a frame with SFN mod (period / 10) = 0.
    The period need not divide the 1024-frame SFN cycle (ms240): SFN 0 always qualifies."""
    period_frames = ra.nprach_period_ms // 10
    frame = -(-(us_since_sfn0 - ra.nprach_start_ms * 1000) // 10_000)
    sfn = frame % SFN_CYCLE_FRAMES
    step = -sfn % period_frames
    frame += step if sfn + step < SFN_CYCLE_FRAMES else SFN_CYCLE_FRAMES - sfn
    return 10 * frame + ra.nprach_start_ms


@functools.cache
def _spec():
    """The NTN broadcast ASN.1 (ntnstack/rrc/asn/eutra_ntn.asn): its SystemInformation-NB
    carries SystemInformationBlockType2-NB."""
    return compile_asn1_files([ASN_DIR / "eutra_ntn.asn"], "uper")


def _number(value: str, prefix: str) -> float:
    """The number of an ENUMERATED value such as ms80, pp8, r8, v1dot5."""
    return float(value.removeprefix(prefix).replace("dot", "."))


@functools.lru_cache(maxsize=16)
def sib2_ra_config(data: bytes) -> RaConfig:
    """The random access configuration of a SystemInformation-NB carrying SIB2-NB (UPER, as
    ntnstack.stack.rrc_nb.sib2_nb builds it; the first NPRACH resource and RACH info).
    DecodeError when the bytes are not one. Cached by the bytes: every UE of a cell reads
    the same broadcast."""
    try:
        message = _spec().decode("BCCH-DL-SCH-Message-NB", bytes(data), check_constraints=True)
        ies = message["message"][1][1]["criticalExtensions"][1]
        blocks = dict(ies["sib-TypeAndInfo-r13"])
        common = blocks["sib2-r13"]["radioResourceConfigCommon-r13"]
    except Exception as exc:  # noqa: BLE001 - any failure on the broadcast bytes is malformed
        raise DecodeError(SIB2_KIND, f"no SIB2-NB decoded: {exc or type(exc).__name__}") from None
    rach, nprach = common["rach-ConfigCommon-r13"], common["nprach-Config-r13"]
    info, resource = rach["rach-InfoList-r13"][0], nprach["nprach-ParametersList-r13"][0]
    return RaConfig(
        nprach_period_ms=int(_number(resource["nprach-Periodicity-r13"], "ms")),
        nprach_start_ms=int(_number(resource["nprach-StartTime-r13"], "ms")),
        nprach_format=NPRACH_FORMAT_OF_CP[nprach["nprach-CP-Length-r13"]],
        repetitions=int(_number(resource["numRepetitionsPerPreambleAttempt-r13"], "n")),
        preamble_trans_max=int(_number(rach["preambleTransMax-CE-r13"], "n")),
        rar_window_pp=int(_number(info["ra-ResponseWindowSize-r13"], "pp")),
        npdcch_rmax=int(_number(resource["npdcch-NumRepetitions-RA-r13"], "r")),
        npdcch_g=_number(resource["npdcch-StartSF-CSS-RA-r13"], "v"))

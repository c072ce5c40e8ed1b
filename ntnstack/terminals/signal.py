"""Signal reports (+CSQ, +CESQ) from the emulated path loss: the link budget in one place.

Assumed budget (downlink, S band, NB-IoT, one 15 kHz subcarrier for RSRP):

- satellite EIRP density: GEO 59, LEO-1200 40, LEO-600 34 dBW/MHz (TR 38.821 Table 6.1.1.1-1,
  S band); a satellite is budgeted as the reference orbit nearest its altitude;
- UE antenna gain 0 dBi and polarisation loss 3 dB (TR 38.821 Table 6.1.1.1-3, handheld class);
- UE noise figure 7 dB (same table), thermal noise density -174 dBm/Hz;
- RSRP = EIRP density + 30 + 10 log10(0.015 MHz) + G_rx - L_pol - path loss (dBm);
- RSSI over the 180 kHz NB-IoT carrier = 12 subcarriers of signal plus noise.

Index mappings: TS 27.007 8.5 (+CSQ <rssi> names levels: 0 -113 dBm or less, 1 -111 dBm,
2..30 -109..-53 dBm, 31 -51 dBm or more; a measured RSSI gets the nearest level, so a GEO
carrier just above the noise, -111.8 dBm, reads 1, and clients that wait for a non-zero
<rssi> see coverage) and 8.69 (+CESQ ranges: rsrp 0 < -140 dBm ... 97 >= -44 dBm, rsrq
0 < -19.5 dB ... 34 >= -3 dB, 0.5 dB steps).
"""
from __future__ import annotations

import math
from typing import NamedTuple

EIRP_DENSITY_DBW_PER_MHZ = {"geo": 59.0, "leo1200": 40.0, "leo": 34.0}
_REFERENCE_ALTITUDE_M = {"geo": 35_786_000.0, "leo1200": 1_200_000.0, "leo": 600_000.0}
UE_GAIN_DBI = 0.0
POLARISATION_LOSS_DB = 3.0
UE_NOISE_FIGURE_DB = 7.0
THERMAL_NOISE_DBM_PER_HZ = -174.0
SUBCARRIER_HZ = 15_000.0
NB_IOT_SUBCARRIERS = 12


class SignalReport(NamedTuple):
    rsrp_dbm: float
    rsrq_db: float
    rssi_dbm: float
    snr_db: float
    csq_rssi: int      # +CSQ <rssi> 0..31, 99 unknown
    cesq_rsrp: int     # +CESQ <rsrp> 0..97, 255 unknown
    cesq_rsrq: int     # +CESQ <rsrq> 0..34, 255 unknown


NO_SIGNAL = SignalReport(math.nan, math.nan, math.nan, math.nan, 99, 255, 255)


def _db_sum(*levels_db: float) -> float:
    return 10 * math.log10(sum(10 ** (x / 10) for x in levels_db))


def orbit_class(altitude_m: float) -> str:
    """The TR 38.821 reference orbit (budget row) nearest to ``altitude_m`` (log scale)."""
    return min(_REFERENCE_ALTITUDE_M,
               key=lambda k: abs(math.log(max(altitude_m, 1.0) / _REFERENCE_ALTITUDE_M[k])))


def signal_report(pathloss_db: float, orbit: str = "geo") -> SignalReport:
    """The reports a UE gives for the service-link ``pathloss_db`` (dB); NaN -> no signal."""
    if not math.isfinite(pathloss_db):
        return NO_SIGNAL
    eirp = EIRP_DENSITY_DBW_PER_MHZ[orbit] + 30.0 + 10 * math.log10(SUBCARRIER_HZ / 1e6)
    rsrp = eirp + UE_GAIN_DBI - POLARISATION_LOSS_DB - pathloss_db
    noise = THERMAL_NOISE_DBM_PER_HZ + UE_NOISE_FIGURE_DB + 10 * math.log10(SUBCARRIER_HZ)
    rssi = _db_sum(rsrp, noise) + 10 * math.log10(NB_IOT_SUBCARRIERS)
    rsrq = rsrp - rssi  # TS 36.214 5.1.3: N x RSRP / RSSI with N = 1 resource block
    csq = min(31, max(0, int(math.floor((rssi + 113) / 2 + 0.5))))
    rsrp_idx = min(97, max(0, int(math.floor(rsrp + 141))))
    rsrq_idx = min(34, max(0, int(math.floor((rsrq + 20) * 2))))
    return SignalReport(rsrp, rsrq, rssi, rsrp - noise, csq, rsrp_idx, rsrq_idx)

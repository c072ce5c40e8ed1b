/*
 * ntn_phy.h - the contract of the ntnstack C core.
 *
 * Pure functions over arrays the caller owns: output pointers first, const inputs, explicit
 * lengths, an int status return (NTN_OK or an NTN_ERR_* code; ntn_strerror() names it).
 * No malloc, no globals (not even a cached CPU check: see ntn_internal.h), no I/O.
 * Vectorised functions write NaN and a per-element status for bad elements and still return
 * NTN_OK unless the call itself is malformed. An element whose finite inputs give a result
 * that is not finite (a product that overflows a double) is NTN_ERR_RANGE: no output of the
 * core is ever a silent infinity.
 * Call-level errors, one policy: a function that returns anything but NTN_OK leaves NaN in
 * every floating-point output element, -1 in integer counts, 0 in flags, and the returned code
 * in every per-element status, so an unchecked return never reads as data. Two exceptions,
 * where nothing is written: NTN_ERR_NULL (an output may be missing) and NTN_ERR_LENGTH for
 * lengths whose byte size overflows size_t (the arrays cannot be addressed).
 * Units are in every name: _m metres, _mps metres per second, _s seconds, _hz hertz,
 * _deg / _rad angles, _db decibels. ECEF is WGS-84 Earth-centred Earth-fixed.
 *
 * Everything between the include guard lines is also the cffi cdef (build.py strips comments
 * and turns NTN_ #defines into constants), so keep it plain C declarations.
 */
#ifndef NTN_PHY_H
#define NTN_PHY_H
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- constants */
#define NTN_SPEED_OF_LIGHT_MPS 299792458.0      /* exact, SI definition */
#define NTN_WGS84_A_M 6378137.0                 /* WGS-84 semi-major axis */
#define NTN_WGS84_INV_F 298.257223563           /* WGS-84 inverse flattening */
#define NTN_EARTH_RADIUS_3GPP_M 6371000.0       /* TR 38.811 6.6 / TR 38.821 spherical Earth */
#define NTN_EARTH_ROTATION_RADPS 7.2921150e-5   /* WGS-84 / IERS Earth rotation rate */
#define NTN_EARTH_MU_M3PS2 3.986004418e14       /* WGS-84 GM */
#define NTN_T_C_S 5.086263020833333e-10         /* TS 38.211 4.1: 1/(480000*4096) s */
#define NTN_T_S_S 3.2552083333333335e-08        /* TS 36.211 4: 1/(15000*2048) s = 64 T_c */

/* ---------------------------------------------------------------- status codes */
#define NTN_OK 0
#define NTN_ERR_NULL 1          /* a required pointer is NULL */
#define NTN_ERR_LENGTH 2        /* a length is zero, negative or inconsistent */
#define NTN_ERR_NAN 3           /* an input is NaN or infinite */
#define NTN_ERR_RANGE 4         /* an input is outside its physical range */
#define NTN_ERR_BELOW_GROUND 5  /* an altitude or radius is below the Earth's surface */
/* 6 is retired (a "not visible" code that nothing returned) */
#define NTN_ERR_TIME_RANGE 7    /* a time lies outside the span of a sampled table */
#define NTN_ERR_NOT_ORDERED 8   /* sample times are not strictly increasing */
#define NTN_ERR_NO_CONVERGE 9   /* an iteration did not converge */
#define NTN_ERR_STATE 10        /* a streaming state struct is uninitialised or corrupt */
#define NTN_ERR_COUNT 11

/* Message for a status code (static storage; "unknown status" for unknown codes). */
const char *ntn_strerror(int status);

/* ================================================================ geometry (csrc/geometry.c) */
/* NTN:geometry:begin */
/* WGS-84 geodetic -> ECEF. lat_deg in [-90, 90], any lon_deg, alt_m >= -11 000 m (below that:
 * NTN_ERR_BELOW_GROUND). ecef_m is n x 3 row-major (m). Per-element status; bad elements NaN. */
int ntn_geodetic_to_ecef(double *ecef_m, int *status, const double *lat_deg,
                         const double *lon_deg, const double *alt_m, size_t n);

/* ECEF (n x 3, m) -> WGS-84 geodetic (deg, deg in (-180, 180], m above the ellipsoid); exact
 * closed form (Zhu 1993), millimetre round trip. Points more than 378 km inside the Earth:
 * NTN_ERR_BELOW_GROUND; beyond 1e10 m from its centre: NTN_ERR_RANGE. */
int ntn_ecef_to_geodetic(double *lat_deg, double *lon_deg, double *alt_m, int *status,
                         const double *ecef_m, size_t n);

/* Look angles from ground points to targets, flat pairs: elevation_deg in [-90, 90] above
 * the local WGS-84 horizon, azimuth_deg in [0, 360) clockwise from true north, range_m.
 * target_ecef_m and ground_ecef_m are n x 3 (m). */
int ntn_look_angles(double *elevation_deg, double *azimuth_deg, double *range_m, int *status,
                    const double *target_ecef_m, const double *ground_ecef_m, size_t n);

/* TR 38.811 6.6 reference geometry (spherical Earth R = 6371 km): slant range
 * d = sqrt(R^2 sin^2(a) + h^2 + 2 h R) - R sin(a) for altitude h > 0 and elevation a in
 * [0, 90] deg (an h whose square overflows: NTN_ERR_RANGE). */
int ntn_reference_slant_range(double *slant_range_m, int *status, const double *altitude_m,
                              const double *elevation_deg, size_t n);
/* NTN:geometry:end */

/* ================================================================ ephemeris (csrc/ephemeris.c) */
/* NTN:ephemeris:begin */
/* Satellite state at query times from one sampled ECEF table by cubic Hermite interpolation.
 * The table holds n_table >= 2 nodes: table_t_s (strictly increasing, s), table_pos_m and
 * table_vel_mps (n_table x 3, m and m/s). On the bracketing interval [t0, t1] with h = t1 - t0
 * the position is the cubic Hermite polynomial matching position and velocity at both nodes;
 * vel_mps is its first derivative and acc_mps2 its second derivative (piecewise linear in time).
 * Error bounds with M = max|p''''| (LEO-600 sampled every 60 s, M = a (n + w_E)^4): position
 * h^4 M / 384 (0.42 m), velocity sqrt(3) h^3 M / 216 (2.2 cm/s), acceleration h^2 M / 12
 * (3.8 mm/s^2, i.e. 0.03 Hz/s of Doppler rate at 2 GHz); tests/phy/test_ephemeris.py.
 * Outputs pos_m, vel_mps, acc_mps2 are m x 3. Per-element status: NTN_ERR_NAN for a non-finite
 * time, NTN_ERR_TIME_RANGE outside [table_t_s[0], table_t_s[n_table-1]]; bad rows NaN.
 * Call level: NTN_ERR_LENGTH (n_table < 2), NTN_ERR_NOT_ORDERED (table times not strictly
 * increasing or not finite), NTN_ERR_NAN (a non-finite table value). Query times need not be
 * sorted (binary search per time). */
int ntn_hermite_states(double *pos_m, double *vel_mps, double *acc_mps2, int *status,
                       const double *t_s, size_t m, const double *table_t_s,
                       const double *table_pos_m, const double *table_vel_mps, size_t n_table);

/* The same for n_sat satellites sampled on one common time grid: table_pos_m and
 * table_vel_mps are n_sat x n_table x 3; outputs are n_sat x m x 3 and status n_sat x m. The
 * interval search is done once per time for all satellites. */
int ntn_hermite_states_multi(double *pos_m, double *vel_mps, double *acc_mps2, int *status,
                             const double *t_s, size_t m, const double *table_t_s,
                             const double *table_pos_m, const double *table_vel_mps,
                             size_t n_table, size_t n_sat);
/* NTN:ephemeris:end */

/* ================================================================ link (csrc/link.c) */
/* NTN:link:begin */
/* Link quantities of the service link satellite -> ground terminal (and the feeder link
 * satellite -> gateway), all in ECEF with the terminal and gateway fixed on the Earth.
 * Output block `out` is NTN_LINK_N_FIELDS x n (field-major: field k of element i at
 * out[k * n + i]), fields in this order:
 *   elevation_deg, azimuth_deg   look angles from the terminal (WGS-84 horizon, az from north)
 *   range_m                      r = |p_sat - p_ue|
 *   range_rate_mps               dr/dt = (d . v) / r, > 0 when receding
 *   range_accel_mps2             d2r/dt2 = (|v|^2 + d . a - (dr/dt)^2) / r
 *   delay_s                      one-way service-link delay r / c
 *   feeder_delay_s               |p_sat - p_gw| / c (0 when no gateway is given)
 *   rtt_transparent_s            2 (delay + feeder_delay)  (docs/reference.md 1: UE-sat-gateway)
 *   rtt_regenerative_s           2 delay                   (service link only)
 *   doppler_dl_hz, doppler_ul_hz f_d = -f (dr/dt) / c on the DL and UL carriers
 *   doppler_rate_dl_hz_s, doppler_rate_ul_hz_s   -f (d2r/dt2) / c
 *   delay_drift_s_per_s          (dr/dt) / c
 *   ta_ue_s                      2 r / c: N_TA,adj^UE T_c of TS 38.213 4.2 / TS 38.211 4.3.1
 * Terminals below the horizon are not an error (negative elevation, status 0).
 * Per-element status: NTN_ERR_NAN (non-finite input), NTN_ERR_BELOW_GROUND (satellite inside
 * the WGS-84 ellipsoid, or terminal more than 378 km below it), NTN_ERR_RANGE (satellite at
 * the terminal, r = 0); bad columns NaN. Angles are within 3.4e-12 rad of libm's atan2.
 * On x86-64 CPUs with AVX-512 an eight-lane kernel is used, with AVX2 and FMA a four-lane one
 * (chosen per call; the environment variables NTNPHY_NO_AVX512=1 and NTNPHY_NO_AVX2=1 force the
 * four- and two-lane ones); eight and four lanes give the same bits, two agree to rounding
 * (csrc/link.c). On x86-64, outputs above 2 MiB are written with non-temporal stores (they
 * are not left in the caches), whole 64-byte lines only: `out` starting on a cache line is
 * fastest. */
#define NTN_LINK_ELEVATION_DEG 0
#define NTN_LINK_AZIMUTH_DEG 1
#define NTN_LINK_RANGE_M 2
#define NTN_LINK_RANGE_RATE_MPS 3
#define NTN_LINK_RANGE_ACCEL_MPS2 4
#define NTN_LINK_DELAY_S 5
#define NTN_LINK_FEEDER_DELAY_S 6
#define NTN_LINK_RTT_TRANSPARENT_S 7
#define NTN_LINK_RTT_REGENERATIVE_S 8
#define NTN_LINK_DOPPLER_DL_HZ 9
#define NTN_LINK_DOPPLER_UL_HZ 10
#define NTN_LINK_DOPPLER_RATE_DL_HZ_S 11
#define NTN_LINK_DOPPLER_RATE_UL_HZ_S 12
#define NTN_LINK_DELAY_DRIFT_S_PER_S 13
#define NTN_LINK_TA_UE_S 14
#define NTN_LINK_N_FIELDS 15
#define NTN_LINK_ALL_FIELDS 0x7FFF   /* bit k: field k above; every field */

/* Flat pairs: element i uses sat_pos_m, sat_vel_mps, sat_acc_mps2 row i (n x 3, m, m/s,
 * m/s^2), ue_ecef_m row i (n x 3) and gateway_ecef_m row i (n x 3, or NULL for no gateway).
 * freq_dl_hz and freq_ul_hz are the carrier frequencies (finite, > 0; else NTN_ERR_RANGE for
 * the call). */
int ntn_link_states(double *out, int *status, const double *sat_pos_m,
                    const double *sat_vel_mps, const double *sat_acc_mps2,
                    const double *ue_ecef_m, const double *gateway_ecef_m, double freq_dl_hz,
                    double freq_ul_hz, size_t n);

/* Grid: n_sat satellites x n_ue terminals x n_t times. Satellite states are n_sat x n_t x 3,
 * ue_ecef_m is n_ue x 3, gateway_ecef_m n_sat x 3 (one gateway per satellite) or NULL.
 * `out` is NTN_LINK_N_FIELDS x n_sat x n_ue x n_t, status n_sat x n_ue x n_t. The terminal's
 * geodetic frame is computed once per (satellite, terminal). */
int ntn_link_grid(double *out, int *status, const double *sat_pos_m, const double *sat_vel_mps,
                  const double *sat_acc_mps2, const double *ue_ecef_m,
                  const double *gateway_ecef_m, double freq_dl_hz, double freq_ul_hz,
                  size_t n_sat, size_t n_ue, size_t n_t);

/* ntn_link_grid writing only the fields whose bit (1 << NTN_LINK_<FIELD>) is set in `fields`
 * (not 0, no bit above NTN_LINK_ALL_FIELDS; else NTN_ERR_RANGE and nothing written): `out`
 * holds one n_sat x n_ue x n_t plane per selected field, in field order. The look angles
 * (an atan2 each) are computed only when selected; the other fields are cheap and computed
 * in registers either way, only the selected ones stored. status as for ntn_link_grid. */
int ntn_link_grid_select(double *out, int *status, unsigned fields, const double *sat_pos_m,
                         const double *sat_vel_mps, const double *sat_acc_mps2,
                         const double *ue_ecef_m, const double *gateway_ecef_m,
                         double freq_dl_hz, double freq_ul_hz, size_t n_sat, size_t n_ue,
                         size_t n_t);

/* ntn_link_grid_select for satellites sat_begin .. sat_end - 1 only (sat_begin <= sat_end <=
 * n_sat, else NTN_ERR_RANGE and nothing written): their rows of `out` and `status`, laid out
 * as for the whole grid, are written and nothing else is read or written there, so calls
 * over disjoint ranges may run at once in threads the caller owns (the core starts none) and
 * give the same bits as one call over all. */
int ntn_link_grid_rows(double *out, int *status, unsigned fields, const double *sat_pos_m,
                       const double *sat_vel_mps, const double *sat_acc_mps2,
                       const double *ue_ecef_m, const double *gateway_ecef_m,
                       double freq_dl_hz, double freq_ul_hz, size_t n_sat, size_t n_ue,
                       size_t n_t, size_t sat_begin, size_t sat_end);
/* NTN:link:end */

/* ================================================================ 3GPP timing (csrc/timing.c) */
/* NTN:timing:begin */
#define NTN_T_C_PER_S 1966080000.0  /* 1 / T_c = 480000 * 4096 (TS 38.211 4.1), exact */
#define NTN_T_S_PER_S 30720000.0    /* 1 / T_s = 15000 * 2048 (TS 36.211 4), exact */
#define NTN_TA_MAX_S 1.0            /* accepted TA span; GEO worst case is 541.46 ms (TR 38.821) */
#define NTN_K_OFFSET_MAX_MS 1023    /* cellSpecificKoffset-r17 / k-Offset-r17 1..1023 (TS 38.331) */
#define NTN_K_MAC_MAX_MS 512        /* kmac-r17 / k-Mac-r17 1..512 (TS 38.331) */

/* Timing advance (s) -> integer counts of T_c (NR, TS 38.211 4.3.1: T_TA = (N_TA + N_TA,offset
 * + N_TA,adj^common + N_TA,adj^UE) T_c) and of T_s (LTE / NB-IoT, TS 36.211 8.1 / 10.1.5),
 * each rounded to the nearest count (halves up). ta_s in [0, NTN_TA_MAX_S], else NTN_ERR_RANGE;
 * NaN/inf NTN_ERR_NAN; bad elements get -1 counts. */
int ntn_ta_counts(int64_t *n_tc, int64_t *n_ts, int *status, const double *ta_s, size_t n);

/* Common TA an NTN cell broadcasts at an epoch (TS 38.331 ta-Common / ta-CommonDrift /
 * ta-CommonDriftVariant, TS 36.331 nta-Common*), fitted to the one-way delay rp_delay_s(t)
 * between the uplink time-synchronisation reference point and the satellite (docs/reference.md 2):
 * the UE rebuilds (TS 38.213 4.2, V18) Delay_common(t) = TA_Common/2 + TA_CommonDrift/2 tau
 * + TA_CommonDriftVariant/2 tau^2, tau = t - t_epoch, so the broadcast terms are round-trip
 * quantities: ta_common_s = 2 d(epoch), drift (s/s) and drift variation (s/s^2) are twice the
 * linear and quadratic coefficients of the least-squares fit of d(t) - d(epoch) over the
 * samples with epoch <= t <= epoch + validity_s (the constant term is anchored to the sample
 * at the epoch, so the UE's delay is exact at the epoch). max_residual_s is the largest
 * |d - Delay_common| over those samples (one-way, s). Samples need not be sorted.
 * Call status: NTN_ERR_NULL; NTN_ERR_NAN (non-finite epoch, validity or sample in the window);
 * NTN_ERR_TIME_RANGE (no sample within 1 us of the epoch, or validity_s <= 0);
 * NTN_ERR_LENGTH (fewer than two distinct sample times after the epoch in the window). */
int ntn_common_ta_fit(double *ta_common_s, double *ta_common_drift_s_per_s,
                      double *ta_common_drift_variation_s_per_s2, double *max_residual_s,
                      const double *t_s, const double *rp_delay_s, size_t n, double epoch_s,
                      double validity_s);

/* K_offset (ms = slots at 15 kHz) a cell needs: an uplink scheduled for slot n + K2 + K_offset
 * (TS 38.213 8.3, 9.2.3; TS 38.214 6.1.2.1) is sent T_TA earlier than that downlink slot at
 * the UE, so K_offset >= T_TA = service-link RTT + common TA (TS 38.300 16.14.2).
 * k = ceil(1000 (rtt_service_s + ta_common_s)) + margin_ms, at least 1 (the field's minimum);
 * above NTN_K_OFFSET_MAX_MS (or negative input) NTN_ERR_RANGE; NaN NTN_ERR_NAN; bad -> -1.
 * A sum within 1 ns above a whole millisecond counts as that millisecond. */
int ntn_required_k_offset_ms(int *k_offset_ms, int *status, const double *rtt_service_s,
                             const double *ta_common_s, size_t n, int margin_ms);

/* k_mac (ms = slots at 15 kHz): TS 38.331 kmac "scheduling offset provided by network if
 * downlink and uplink frame timing are not aligned at gNB" (absent = 0), used by TS 38.321
 * 5.1.4 (RAR window after T_TA + k_mac) and TS 38.213 for MAC CE action timing. It covers the
 * RTT between the uplink reference point and the gNB: rtt_rp_gnb = feeder_rtt_s - ta_common_s
 * (feeder_rtt_s = 2 x feeder delay for a transparent payload, 0 for a regenerative one).
 * RTT <= 1 ns: 0 (reference point at the gNB, field absent); else ceil(ms) + margin_ms in
 * 1..NTN_K_MAC_MAX_MS, above it or ta_common_s > feeder_rtt_s + 1 ns: NTN_ERR_RANGE. */
int ntn_required_k_mac_ms(int *k_mac_ms, int *status, const double *feeder_rtt_s,
                          const double *ta_common_s, size_t n, int margin_ms);
/* NTN:timing:end */

/* ================================================================ path loss (csrc/pathloss.c) */
/* NTN:pathloss:begin */
/* 3GPP TR 38.811 V15.4.0 clause 6.6: path loss of a satellite-to-ground link.
 * Environments (Table 6.6.1-1; suburban and rural share one column of every table) and the
 * two bands the TR tabulates (Tables 6.6.2-1..3: S-band, Ka-band). A frequency below
 * NTN_PATHLOSS_BAND_SPLIT_HZ uses the S-band columns and ionospheric scintillation, one at
 * or above it the Ka-band columns and tropospheric scintillation (the TR's own 6 GHz split
 * between 6.6.6.1 and 6.6.6.2). Tables are tabulated at 10, 20, ..., 90 deg elevation; an
 * elevation uses the nearest tabulated one, halves rounded up (6.6.1; below 10 deg: the
 * 10 deg row). */
#define NTN_ENV_DENSE_URBAN 0
#define NTN_ENV_URBAN 1
#define NTN_ENV_SUBURBAN 2
#define NTN_ENV_RURAL 3
#define NTN_BAND_S 0
#define NTN_BAND_KA 1
#define NTN_PATHLOSS_BAND_SPLIT_HZ 6.0e9
#define NTN_PATHLOSS_MIN_FREQ_HZ 0.5e9   /* 0.5 .. 100 GHz: the TR 38.901 / 38.811 model range */
#define NTN_PATHLOSS_MAX_FREQ_HZ 100.0e9

/* Free-space path loss, TR 38.811 eq. (6.6-2): FSPL = 32.45 + 20 log10(f_GHz) + 20 log10(d_m)
 * dB for distance_m > 0 and freq_hz > 0 whose product is a finite nonzero double (else
 * NTN_ERR_RANGE / NTN_ERR_NAN, NaN out). */
int ntn_fspl_db(double *fspl_db, int *status, const double *distance_m, const double *freq_hz,
                size_t n);

/* Zenith attenuation by atmospheric gases (dB), TR 38.811 6.6.4 / ITU-R P.676: a table at
 * 1 GHz steps from 1 to 100 GHz, linearly interpolated; freq_hz in [1, 100] GHz, else
 * NTN_ERR_RANGE. The table was computed with ITU-R P.676-12 Annex 1 (line by line) through
 * the ITU-R P.835 mean annual global reference atmosphere, 7.5 g/m3 surface water vapour,
 * sea level (csrc/pathloss.c says how). */
int ntn_gas_zenith_attenuation_db(double *zenith_db, int *status, const double *freq_hz,
                                  size_t n);

/* The tabulated terms at elevation_deg in [0, 90] for one environment (NTN_ENV_*) and band
 * (NTN_BAND_*): LOS probability (0..1, Table 6.6.1-1), shadow-fading sigma for LOS and NLOS
 * (dB), the NLOS clutter loss (dB) (Tables 6.6.2-1 dense urban, 6.6.2-2 urban, 6.6.2-3
 * suburban and rural) and the tropospheric scintillation fade (dB, Table 6.6.6.2.1-1, any
 * environment and band). Unknown environment or band: returns NTN_ERR_RANGE. */
int ntn_pathloss_table(double *los_probability, double *sigma_sf_los_db,
                       double *sigma_sf_nlos_db, double *clutter_loss_db,
                       double *tropo_scintillation_db, int *status, const double *elevation_deg,
                       size_t n, int environment, int band);

/* Expected path loss (dB) over the LOS/NLOS state and the shadow fading, per element:
 *   total = FSPL + gas + scintillation + (1 - P_LOS) * CL     (E[SF] = 0)
 * clutter_db holds (1 - P_LOS) * CL, shadow_fading_db 0, los 1 where P_LOS >= 0.5.
 * gas_db: 6.6.4, A_zenith(f) / sin(elevation) (ITU-R P.676 zenith attenuation, standard
 * atmosphere), applied where f >= 10 GHz or (elevation < 10 deg and f > 1 GHz), else 0; the
 * cosecant law is used down to 5 deg (below that, the 5 deg value). scintillation_db: below
 * the band split, 6.6.6.1.4 ionospheric fade for |geomagnetic latitude| <= 20 deg (the TR's
 * 99 % value: 1.1 dB at 4 GHz scaled by (f/4 GHz)^-1.5, divided by sqrt 2); at or above it,
 * Table 6.6.6.2.1-1 tropospheric fade (20 GHz, 99 %). Inputs: distance_m > 0 (slant range),
 * elevation_deg in [0, 90], freq_hz in [NTN_PATHLOSS_MIN_FREQ_HZ, NTN_PATHLOSS_MAX_FREQ_HZ];
 * per-element status, bad elements NaN (los 0). */
int ntn_pathloss_mean(double *total_db, double *fspl_db, double *gas_db,
                      double *scintillation_db, double *shadow_fading_db, double *clutter_db,
                      double *los_probability, int *los, int *status, const double *distance_m,
                      const double *elevation_deg, const double *freq_hz, size_t n,
                      int environment);

/* One random draw per element (TR 38.811 6.6.1, 6.6.2): LOS if u < P_LOS; shadow fading
 * sigma * z with the LOS or NLOS sigma; clutter loss CL when NLOS, 0 when LOS; total = FSPL +
 * gas + scintillation + shadow fading + clutter. Reproducible: element i uses outputs 3i,
 * 3i+1, 3i+2 of a splitmix64 stream seeded with seed (output k = mix(seed + (k + 1) *
 * 0x9E3779B97F4A7C15)), u = (x >> 11) 2^-53; u for LOS, z = sqrt(-2 ln(1 - u1)) cos(2 pi u2)
 * (Box-Muller). Other outputs and statuses as ntn_pathloss_mean. */
int ntn_pathloss_draw(double *total_db, double *fspl_db, double *gas_db,
                      double *scintillation_db, double *shadow_fading_db, double *clutter_db,
                      double *los_probability, int *los, int *status, const double *distance_m,
                      const double *elevation_deg, const double *freq_hz, size_t n,
                      int environment, uint64_t seed);
/* NTN:pathloss:end */

/* ================================================================ UE-side ephemeris (csrc/ue_ephemeris.c) */
/* NTN:ue_ephemeris:begin */
/* Formats of a broadcast ephemeris (TS 36.331 ServingSatelliteInfo-r17 ephemerisInfo-r17,
 * TS 38.331 EphemerisInfo-r17), as 6 doubles:
 * STATE_VECTORS: {x, y, z (m), vx, vy, vz (m/s)} in ECEF at the epoch;
 * ORBITAL: {a (m), e, argument of periapsis, longitude of the ascending node, inclination,
 *           mean anomaly (rad)} osculating at the epoch, in the ECI frame aligned with ECEF at
 *           the epoch (Rel-17: an inclination < 0 is used as given by the rotation matrices). */
#define NTN_UE_EPHEMERIS_STATE_VECTORS 0
#define NTN_UE_EPHEMERIS_ORBITAL 1
/* Largest |age| of a propagation (s, about 31.7 years): n dt stays below 1.1e6 rad for LEO
 * (n ~ 1.1e-3 rad/s), where a double still resolves 2.3e-10 rad (2 mm at 7000 km). */
#define NTN_UE_MAX_AGE_S 1.0e9

/* The UE's propagation of a broadcast ephemeris to epoch + dt_s[i] (s, either sign): two-body
 * motion in the inertial frame aligned with ECEF at the epoch, then ECEF at t by the Earth's
 * rotation omega_E dt; |dt_s| > NTN_UE_MAX_AGE_S: NTN_ERR_RANGE for that element. ORBITAL:
 * Kepler's equation by Newton (NTN_ERR_NO_CONVERGE if it fails).
 * STATE_VECTORS: the ECEF state becomes inertial (v + omega x r), then universal-variable
 * Kepler with Lagrange f and g (exact two-body for any conic; J2 and drag are ignored: the
 * specifications leave the propagation to the UE, and the residual this leaves is what
 * docs/sib-residuals.md measures). Outputs n x 3 ECEF (m, m/s).
 * A bad ephemeris or format returns its status (every element gets it, NaN outputs): NaN,
 * e outside [0, 1), a <= 0 or an unknown format NTN_ERR_RANGE; a position or perigee less
 * than 6000 km from the Earth's centre NTN_ERR_BELOW_GROUND. */
int ntn_ue_propagate_ephemeris(double *pos_ecef_m, double *vel_ecef_mps, int *status,
                               const double *ephemeris, int format, const double *dt_s, size_t n);

/* UE-side timing advance and UL Doppler pre-compensation from a broadcast ephemeris, for n
 * (age, UE position) pairs; the UE is fixed in ECEF (ue_ecef_m n x 3, m).
 * ta_s = N_TA,adj^UE + N_TA,adj^common in seconds (TS 38.213 4.2, TS 36.213 4.2.3):
 *   2 |P_sat(t) - P_UE| / c + TA_common + drift dt + variation dt^2, with common_ta =
 *   {TA_common (s), drift (s/s), variation (s/s^2)} the round-trip broadcast terms and
 *   dt = dt_s[i] the age since the epoch.
 * doppler_ul_hz = -ul_freq_hz (d|P_sat - P_UE|/dt) / c: the service-link Doppler of the UL
 *   carrier that the UE pre-compensates (it transmits at ul_freq_hz - doppler_ul_hz).
 * expired[i] = 1 when dt_s[i] > validity_s (T430 in NR, T317 in LTE/NB-IoT has run out:
 *   UL synchronisation is lost and the SIB must be re-acquired), else 0.
 * A UE exactly at the satellite's position: NTN_ERR_RANGE for that element. */
int ntn_ue_ta_doppler(double *ta_s, double *doppler_ul_hz, int *expired, int *status,
                      const double *ephemeris, int format, const double *common_ta,
                      double validity_s, double ul_freq_hz, const double *dt_s,
                      const double *ue_ecef_m, size_t n);
/* NTN:ue_ephemeris:end */

/* ================================================================ IQ channel (csrc/iq_channel.c) */
/* NTN:iq_channel:begin */
/* Streaming IQ channel (3GPP NTN propagation on samples; geometry from the link section):
 *   y[n] = g(t_n) exp(j 2 pi Phi(t_n)) x(t_n - tau(t_n)) + w[n],  t_n = start_s + n / rate_hz,
 * on interleaved complex float samples (I, Q, I, Q, ...), times on the trajectory's clock (s).
 *  - tau: delay_s, piecewise cubic Hermite between knots (knot slopes exact for quadratics:
 *    weighted secants, one-sided at the ends). Applied by a 16-tap Kaiser (beta 7.4)
 *    windowed-sinc polyphase bank of 64 phases, blended linearly between adjacent phases;
 *    positions in fixed point (2^-32 sample), so integer delays are exact shifts. Between
 *    re-seeds the delay follows the chord of the cubic (runs shortened so the chord stays
 *    within 1e-6 sample). Error + images <= -60 dB (measured -70 dB) for
 *    |f| <= NTN_IQ_PASSBAND_FRACTION * rate_hz; the band edge beyond it is attenuated.
 *  - Phi: the integral of the piecewise-linear doppler_hz (cycles), by a double complex rotator
 *    with a chirp factor (four interleaved lanes: run offset mod 4), re-seeded from the
 *    exact phase (cycles in [0, 1)) every NTN_IQ_RESEED samples and at every knot, so the
 *    phase error does not grow with time (< 1e-6 rad after an hour).
 *  - g: gain_db piecewise linear in dB (geometric per sample, folded into the rotator).
 *  - w: complex Gaussian noise of power noise_power per sample (noise_power / 2 in each of I
 *    and Q): splitmix64 (Steele, Lea, Flood 2014) as a counter-based generator, so w[n]
 *    depends only on (seed, n). Output n of the stream seeded with seed gives I (low 32
 *    bits) and Q (high 32 bits), each through the ziggurat of Marsaglia and Tsang (J. Stat.
 *    Softw. 5(8), 2000) with NTN_IQ_NOISE_LAYERS layers: bits 0-8 pick the layer, bit 9 the
 *    sign, bits 10-31 the abscissa (2^-22 of the layer's width). The rare draws that miss the
 *    layer's inner rectangle (0.8 %) take further uniforms from output q * 64 + j
 *    (j = 0, 1, ...; q = 2n for I, 2n + 1 for Q) of the stream seeded with
 *    seed ^ NTN_IQ_NOISE_RETRY_KEY: the wedge test, a new candidate, or Marsaglia's tail
 *    beyond NTN_IQ_NOISE_R; after NTN_IQ_NOISE_DRAWS of them (probability below 2^-64) the
 *    last candidate stands.
 * Past input samples live in a ring the caller owns (a GEO delay of 0.14 s at 30.72 Msps is
 * 4.3 M samples, too big for a fixed struct): history_len complex samples (a power of two,
 * from ntn_iq_history_len()) plus NTN_IQ_TAPS mirrored ones, stored as an I plane then a Q
 * plane: 2 * (history_len + NTN_IQ_TAPS) floats, zeroed by init; before the stream: zeros. */
#define NTN_IQ_TAPS 16                /* filter length, taps */
#define NTN_IQ_PHASES 64              /* polyphase rows (plus one closing row) */
#define NTN_IQ_RESEED 4096            /* samples between exact re-seeds of the rotator */
#define NTN_IQ_CHUNK 256              /* samples written to the history per inner pass */
#define NTN_IQ_MIN_DELAY_SAMPLES 8    /* delay >= TAPS/2 samples: the filter stays causal */
#define NTN_IQ_PASSBAND_FRACTION 0.35 /* design band |f| <= 0.35 rate (20 MHz NR at 30.72 Msps) */
#define NTN_IQ_MAGIC 0x4e54495131     /* marks an initialised ntn_iq_channel */
/* Largest noise_power: ziggurat draws stay below 9.79 sigma (the tail NTN_IQ_NOISE_R -
 * ln(2^-33) / NTN_IQ_NOISE_R from 32-bit uniforms), so noise samples stay below 7e15, 22
 * orders under FLT_MAX (3.4e38) of the float32 samples. */
#define NTN_IQ_MAX_NOISE_POWER 1.0e30
/* Ziggurat of 512 layers: r and the layer area close the equal-area recurrence (the top
 * layer ends at x = 0; tests/phy/test_iq_noise.py solves it and finds Marsaglia and Tsang's
 * published 256-layer values with the same solver). */
#define NTN_IQ_NOISE_LAYERS 512       /* ziggurat layers of equal area */
#define NTN_IQ_NOISE_R 3.852046150368391       /* start of the tail, sigma */
#define NTN_IQ_NOISE_AREA 2.456766351541357e-3 /* area of each layer (unnormalised density) */
#define NTN_IQ_NOISE_DRAWS 64         /* further 64-bit draws a component may take */
#define NTN_IQ_NOISE_RETRY_KEY 0xD1B54A32D192ED03ULL /* seed of the further draws: seed ^ this */

typedef struct {
    float taps[65][16];      /* [NTN_IQ_PHASES + 1][NTN_IQ_TAPS] Kaiser windowed-sinc rows */
    float dtaps[64][16];     /* taps[p + 1] - taps[p] */
    float *history;          /* caller-owned ring: I plane then Q plane, each
                              * history_len + NTN_IQ_TAPS floats (the last TAPS mirror the first) */
    size_t history_len;      /* complex samples, a power of two */
    double rate_hz;          /* sample rate, Hz */
    double start_s;          /* trajectory time of sample 0, s */
    double noise_sigma;      /* per-component noise standard deviation */
    uint32_t noise_inner[512]; /* [NTN_IQ_NOISE_LAYERS] abscissae (2^-22 of the layer's width)
                              * below which a draw lies under the density: x_(i+1) / x_i */
    float noise_width[512];  /* layer width x_i in 2^-22 units (x_0 = area / f(r), x_1 = r) */
    double noise_edge[513];  /* x_i, sigma (x_512 = 0) */
    double noise_height[513]; /* f(x_i) = exp(-x_i^2 / 2) */
    uint64_t seed;           /* noise generator seed */
    uint64_t n;              /* samples processed so far */
    uint64_t run_left;       /* samples left before the next re-seed */
    uint64_t run_j;          /* samples since the last re-seed */
    int64_t delay_fx;        /* delay at the last re-seed, 2^-32 sample */
    int64_t delay_fx_step;   /* delay change per sample until the next re-seed, 2^-32 sample */
    double rot[8];           /* rotator lanes (run offset mod 4): 4 re, then 4 im */
    double step[8];          /* per-4-sample factor of each lane, same layout */
    double chirp[2];         /* per-4-sample factor of step (linear Doppler) */
    double phase_cyc;        /* Phi at t_reseed_s, cycles in [0, 1) */
    double t_reseed_s;       /* time of the last re-seed, s */
    size_t segment;          /* trajectory segment hint */
    uint64_t magic;          /* NTN_IQ_MAGIC once initialised, 0 after a failed block */
} ntn_iq_channel;

/* History length (complex samples, a power of two) for delays up to max_delay_s at rate_hz:
 * >= max_delay_s * rate_hz + NTN_IQ_CHUNK + NTN_IQ_TAPS + 1. NTN_ERR_RANGE for rate_hz <= 0
 * or max_delay_s < 0 or a length above 2^31; NTN_ERR_NAN for non-finite input. */
int ntn_iq_history_len(size_t *history_len, double max_delay_s, double rate_hz);

/* Initialise ch: filter bank, zeroed history (2 * (history_len + NTN_IQ_TAPS) floats owned by
 * the caller, history_len a power of two >= 512), sample 0 at trajectory time start_s (s),
 * noise_power in [0, NTN_IQ_MAX_NOISE_POWER] (linear, per complex sample; 0 = no noise; above:
 * NTN_ERR_RANGE), seed for the noise. */
int ntn_iq_channel_init(ntn_iq_channel *ch, float *history, size_t history_len, double rate_hz,
                        double start_s, double noise_power, uint64_t seed);

/* Process n complex samples: out (2n floats) from in (2n floats; out == in allowed), the
 * trajectory at n_traj >= 2 knots t_s (s, strictly increasing), delay_s (s), doppler_hz (Hz),
 * gain_db (dB). Output is bit-identical for any split of a stream into blocks. The knots must
 * cover every t_n of the block and the last re-seed time (NTN_ERR_TIME_RANGE, nothing done);
 * non-finite samples: NTN_ERR_NAN, nothing done. A delay outside
 * [NTN_IQ_MIN_DELAY_SAMPLES, history_len - NTN_IQ_CHUNK - NTN_IQ_TAPS - 1] samples or a bad
 * knot met mid-block, or an output sample that is not finite (a gain too large for float32):
 * NTN_ERR_RANGE / NTN_ERR_NAN / NTN_ERR_NOT_ORDERED and ch is marked unusable (later calls
 * NTN_ERR_STATE). */
int ntn_iq_channel_process(ntn_iq_channel *ch, float *out, const float *in, size_t n,
                           const double *t_s, const double *delay_s, const double *doppler_hz,
                           const double *gain_db, size_t n_traj);

/* The signal power that sets the noise for an SNR: *total (in: a running total, out: it plus
 * the sum) += the squares of n floats x, each rounded to float32, summed in float64 exactly
 * as numpy's np.sum(np.square(x), dtype=np.float64, initial=*total) adds them (to the bit):
 * per buffer of NTN_IQ_SUM_BUFFER values (numpy's default np.getbufsize()) the running total
 * plus the buffer's pairwise sum. NTN_ERR_NULL for a NULL pointer. */
#define NTN_IQ_SUM_BUFFER 8192
int ntn_iq_sum_squares(double *total, const float *x, size_t n);
/* NTN:iq_channel:end */

#endif /* NTN_PHY_H */

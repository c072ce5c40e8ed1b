/*
 * ntn_phy.h - the contract of the ntnstack C core.
 *
 * Pure functions over arrays the caller owns: output pointers first, const inputs, explicit
 * lengths, an int status return (NTN_OK or an NTN_ERR_* code; ntn_strerror() names it).
 * No malloc, no globals, no I/O. Vectorised functions write NaN and a per-element status for
 * bad elements and still return NTN_OK unless the call itself is malformed.
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
#define NTN_ERR_NOT_VISIBLE 6   /* the satellite is below the horizon / minimum elevation */
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
 * NTN_ERR_BELOW_GROUND. */
int ntn_ecef_to_geodetic(double *lat_deg, double *lon_deg, double *alt_m, int *status,
                         const double *ecef_m, size_t n);

/* Look angles from ground points to targets, flat pairs: elevation_deg in [-90, 90] above
 * the local WGS-84 horizon, azimuth_deg in [0, 360) clockwise from true north, range_m.
 * target_ecef_m and ground_ecef_m are n x 3 (m). */
int ntn_look_angles(double *elevation_deg, double *azimuth_deg, double *range_m, int *status,
                    const double *target_ecef_m, const double *ground_ecef_m, size_t n);

/* TR 38.811 6.6 reference geometry (spherical Earth R = 6371 km): slant range
 * d = sqrt(R^2 sin^2(a) + h^2 + 2 h R) - R sin(a) for altitude h > 0 and elevation a in
 * [0, 90] deg. */
int ntn_reference_slant_range(double *slant_range_m, int *status, const double *altitude_m,
                              const double *elevation_deg, size_t n);
/* NTN:geometry:end */

/* ================================================================ ephemeris (csrc/ephemeris.c) */
/* NTN:ephemeris:begin */
/* NTN:ephemeris:end */

/* ================================================================ link (csrc/link.c) */
/* NTN:link:begin */
/* NTN:link:end */

/* ================================================================ 3GPP timing (csrc/timing.c) */
/* NTN:timing:begin */
/* NTN:timing:end */

/* ================================================================ path loss (csrc/pathloss.c) */
/* NTN:pathloss:begin */
/* NTN:pathloss:end */

/* ================================================================ UE-side ephemeris (csrc/ue_ephemeris.c) */
/* NTN:ue_ephemeris:begin */
/* NTN:ue_ephemeris:end */

/* ================================================================ IQ channel (csrc/iq_channel.c) */
/* NTN:iq_channel:begin */
/* NTN:iq_channel:end */

#endif /* NTN_PHY_H */

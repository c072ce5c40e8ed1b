/* ntn_internal.h - small inline helpers shared by the C core's sources (not part of the
 * public contract; nothing here allocates or touches globals). */
#ifndef NTN_INTERNAL_H
#define NTN_INTERNAL_H
#include <math.h>
#include "ntn_phy.h"

#define NTN_PI 3.14159265358979323846
#define NTN_DEG (NTN_PI / 180.0)
/* Lowest accepted terminal altitude: below the deepest ocean floor (about -10 994 m). */
#define NTN_MIN_ALT_M (-11000.0)

static inline double ntn_dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double ntn_norm3(const double *a)
{
    return sqrt(ntn_dot3(a, a));
}

static inline int ntn_finite3(const double *a)
{
    return isfinite(a[0]) && isfinite(a[1]) && isfinite(a[2]);
}

static inline void ntn_nan3(double *a)
{
    a[0] = a[1] = a[2] = NAN;
}

/* WGS-84 geodetic (deg, deg, m) -> ECEF (m). No validation. */
static inline void ntn_geodetic_point(double *ecef_m, double lat_deg, double lon_deg, double alt_m)
{
    const double f = 1.0 / NTN_WGS84_INV_F, e2 = f * (2.0 - f);
    const double lat = lat_deg * NTN_DEG, lon = lon_deg * NTN_DEG;
    const double sl = sin(lat), cl = cos(lat);
    const double n = NTN_WGS84_A_M / sqrt(1.0 - e2 * sl * sl);
    ecef_m[0] = (n + alt_m) * cl * cos(lon);
    ecef_m[1] = (n + alt_m) * cl * sin(lon);
    ecef_m[2] = (n * (1.0 - e2) + alt_m) * sl;
}

/* Local east, north, up unit vectors at geodetic latitude/longitude (rad). */
static inline void ntn_enu_basis(double *east, double *north, double *up, double lat, double lon)
{
    const double sl = sin(lat), cl = cos(lat), so = sin(lon), co = cos(lon);
    east[0] = -so; east[1] = co; east[2] = 0.0;
    north[0] = -sl * co; north[1] = -sl * so; north[2] = cl;
    up[0] = cl * co; up[1] = cl * so; up[2] = sl;
}

/* Geodetic latitude and longitude (rad) of an ECEF point, exact closed form (Zhu 1993).
 * Returns NTN_ERR_BELOW_GROUND for points deep inside the Earth where it is not needed. */
int ntn_geodetic_of(double *lat_rad, double *lon_rad, double *alt_m, const double *ecef_m);

#endif /* NTN_INTERNAL_H */

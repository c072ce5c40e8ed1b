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
 * Returns NTN_ERR_BELOW_GROUND for points deep inside the Earth (radius < 6000 km) and
 * NTN_ERR_RANGE beyond 1e10 m, where the closed form loses precision. */
int ntn_geodetic_of(double *lat_rad, double *lon_rad, double *alt_m, const double *ecef_m);

/* atan2(y, x) in [-pi, pi], branch-free for vectorisable hot loops (link.c): the ratio
 * z = min/max of |x|, |y| in [0, 1] is reduced around the nearest c = k/8 by
 * atan(z) = atan(c) + atan(t), t = (z - c) / (1 + z c), |t| <= 1/16, and the odd series of
 * atan(t) to t^11 leaves < 1e-17 rad: the result is within a few 1e-16 rad of libm's.
 * Two divisions. atan2(0, 0) = 0. */
static inline double ntn_atan2_fast(double y, double x)
{
    static const double atan_k8[9] = {
        0.0, 0.12435499454676144, 0.24497866312686414, 0.35877067027057225,
        0.4636476090008061, 0.5585993153435624, 0.6435011087932844, 0.7188299996216245,
        0.7853981633974483};
    const double ax = fabs(x), ay = fabs(y);
    const int swapped = ay > ax;
    const double num = swapped ? ax : ay, den = swapped ? ay : ax;
    const double swap = swapped ? 1.0 : 0.0, neg_x = signbit(x) ? 1.0 : 0.0;
    const double ratio = num / den, q = ratio >= 0.0 && ratio <= 1.0 ? ratio : 0.0; /* 0/0, NaN */
    const int k = (int)(8.0 * q + 0.5);
    const double c = 0.125 * k;
    const double t = (num - c * den) / (den + c * num), t2 = t * t;
    const double series = t * (1.0 + t2 * (-1.0 / 3 + t2 * (1.0 / 5 + t2 * (-1.0 / 7
                              + t2 * (1.0 / 9 - t2 * (1.0 / 11))))));
    double a = atan_k8[k] + series;
    a += swap * (0.5 * NTN_PI - 2.0 * a);
    a += neg_x * (NTN_PI - 2.0 * a);
    return copysign(a, y);
}

#endif /* NTN_INTERNAL_H */

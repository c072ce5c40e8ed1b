/* geometry.c - WGS-84 frames, look angles and the TR 38.811 reference geometry. */
#include "ntn_internal.h"

/* The inverse transform rejects points this far inside the Earth (radius, m), and points
 * beyond the largest radius, where its intermediate terms (r^6) would overflow long before. */
#define NTN_MIN_GEOCENTRIC_RADIUS_M 6.0e6
#define NTN_MAX_GEOCENTRIC_RADIUS_M 1.0e10

int ntn_geodetic_of(double *lat_rad, double *lon_rad, double *alt_m, const double *ecef_m)
{
    const double a = NTN_WGS84_A_M, f = 1.0 / NTN_WGS84_INV_F;
    const double b = a * (1.0 - f), e2 = f * (2.0 - f), ep2 = (a * a - b * b) / (b * b);
    const double x = ecef_m[0], y = ecef_m[1], z = ecef_m[2];
    const double p = hypot(x, y);
    if (hypot(p, z) < NTN_MIN_GEOCENTRIC_RADIUS_M)
        return NTN_ERR_BELOW_GROUND;
    if (hypot(p, z) > NTN_MAX_GEOCENTRIC_RADIUS_M)
        return NTN_ERR_RANGE;
    const double ff = 54.0 * b * b * z * z;
    const double g = p * p + (1.0 - e2) * z * z - e2 * (a * a - b * b);
    const double c = e2 * e2 * ff * p * p / (g * g * g);
    const double s = cbrt(1.0 + c + sqrt(c * c + 2.0 * c));
    const double k = s + 1.0 + 1.0 / s;
    const double pp = ff / (3.0 * k * k * g * g);
    const double q = sqrt(1.0 + 2.0 * e2 * e2 * pp);
    const double r0 = -(pp * e2 * p) / (1.0 + q)
        + sqrt(0.5 * a * a * (1.0 + 1.0 / q) - pp * (1.0 - e2) * z * z / (q * (1.0 + q))
               - 0.5 * pp * p * p);
    const double u = hypot(p - e2 * r0, z);
    const double v = sqrt((p - e2 * r0) * (p - e2 * r0) + (1.0 - e2) * z * z);
    const double z0 = b * b * z / (a * v);
    *alt_m = u * (1.0 - b * b / (a * v));
    *lat_rad = atan2(z + ep2 * z0, p);
    *lon_rad = atan2(y, x);
    return NTN_OK;
}

static int geodetic_status(double lat_deg, double lon_deg, double alt_m)
{
    if (!isfinite(lat_deg) || !isfinite(lon_deg) || !isfinite(alt_m))
        return NTN_ERR_NAN;
    if (lat_deg < -90.0 || lat_deg > 90.0)
        return NTN_ERR_RANGE;
    if (alt_m < NTN_MIN_ALT_M)
        return NTN_ERR_BELOW_GROUND;
    return NTN_OK;
}

int ntn_geodetic_to_ecef(double *ecef_m, int *status, const double *lat_deg,
                         const double *lon_deg, const double *alt_m, size_t n)
{
    if (!ecef_m || !status || !lat_deg || !lon_deg || !alt_m)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 3, sizeof(double)))
        return NTN_ERR_LENGTH;
    for (size_t i = 0; i < n; i++) {
        status[i] = geodetic_status(lat_deg[i], lon_deg[i], alt_m[i]);
        if (status[i] == NTN_OK)
            ntn_geodetic_point(ecef_m + 3 * i, lat_deg[i], lon_deg[i], alt_m[i]);
        else
            ntn_nan3(ecef_m + 3 * i);
    }
    return NTN_OK;
}

int ntn_ecef_to_geodetic(double *lat_deg, double *lon_deg, double *alt_m, int *status,
                         const double *ecef_m, size_t n)
{
    if (!lat_deg || !lon_deg || !alt_m || !status || !ecef_m)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 3, sizeof(double)))
        return NTN_ERR_LENGTH;
    for (size_t i = 0; i < n; i++) {
        double lat = NAN, lon = NAN, alt = NAN;
        status[i] = ntn_finite3(ecef_m + 3 * i) ? ntn_geodetic_of(&lat, &lon, &alt, ecef_m + 3 * i)
                                                : NTN_ERR_NAN;
        if (status[i] != NTN_OK)
            lat = lon = alt = NAN;
        lat_deg[i] = lat / NTN_DEG;
        lon_deg[i] = lon / NTN_DEG;
        alt_m[i] = alt;
    }
    return NTN_OK;
}

/* Elevation, azimuth (deg) and range (m) of target seen from ground; 0 or a status. */
static int look_one(double *el_deg, double *az_deg, double *range_m, const double *target,
                    const double *ground)
{
    double lat, lon, alt, east[3], north[3], up[3];
    if (!ntn_finite3(target) || !ntn_finite3(ground))
        return NTN_ERR_NAN;
    int st = ntn_geodetic_of(&lat, &lon, &alt, ground);
    if (st != NTN_OK)
        return st;
    const double d[3] = {target[0] - ground[0], target[1] - ground[1], target[2] - ground[2]};
    ntn_enu_basis(east, north, up, lat, lon);
    const double e = ntn_dot3(d, east), nn = ntn_dot3(d, north), u = ntn_dot3(d, up);
    *range_m = ntn_norm3(d);
    *el_deg = atan2(u, hypot(e, nn)) / NTN_DEG;
    double az = atan2(e, nn) / NTN_DEG;
    az = az < 0.0 ? az + 360.0 : az;
    *az_deg = az >= 360.0 ? az - 360.0 : az;   /* -1e-14 + 360 rounds to 360: keep [0, 360) */
    return isfinite(*range_m) && isfinite(*el_deg) && isfinite(*az_deg)
               ? NTN_OK : NTN_ERR_RANGE;   /* finite points whose difference overflows */
}

int ntn_look_angles(double *elevation_deg, double *azimuth_deg, double *range_m, int *status,
                    const double *target_ecef_m, const double *ground_ecef_m, size_t n)
{
    if (!elevation_deg || !azimuth_deg || !range_m || !status || !target_ecef_m || !ground_ecef_m)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 3, sizeof(double)))
        return NTN_ERR_LENGTH;
    for (size_t i = 0; i < n; i++) {
        status[i] = look_one(elevation_deg + i, azimuth_deg + i, range_m + i,
                             target_ecef_m + 3 * i, ground_ecef_m + 3 * i);
        if (status[i] != NTN_OK)
            elevation_deg[i] = azimuth_deg[i] = range_m[i] = NAN;
    }
    return NTN_OK;
}

int ntn_reference_slant_range(double *slant_range_m, int *status, const double *altitude_m,
                              const double *elevation_deg, size_t n)
{
    if (!slant_range_m || !status || !altitude_m || !elevation_deg)
        return NTN_ERR_NULL;
    const double r = NTN_EARTH_RADIUS_3GPP_M;
    for (size_t i = 0; i < n; i++) {
        const double h = altitude_m[i], a = elevation_deg[i] * NTN_DEG;
        if (!isfinite(h) || !isfinite(a))
            status[i] = NTN_ERR_NAN;
        else if (h <= 0.0)
            status[i] = NTN_ERR_BELOW_GROUND;
        else if (elevation_deg[i] < 0.0 || elevation_deg[i] > 90.0)
            status[i] = NTN_ERR_RANGE;
        else
            status[i] = NTN_OK;
        const double rs = r * sin(a), d = sqrt(rs * rs + h * h + 2.0 * h * r) - rs;
        if (status[i] == NTN_OK && !isfinite(d))
            status[i] = NTN_ERR_RANGE;   /* h so large that h^2 overflows */
        slant_range_m[i] = status[i] == NTN_OK ? d : NAN;
    }
    return NTN_OK;
}

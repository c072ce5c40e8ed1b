/* ue_ephemeris.c - the UE side of SIB31 / SIB19: propagate the broadcast ephemeris from its
 * epoch, then the UE's own timing advance and UL Doppler pre-compensation. See ntn_phy.h. */
#include "ntn_internal.h"

#define UE_KEPLER_MAX_ITER 30
#define UE_KEPLER_TOL_RAD 1e-14      /* eccentric anomaly step at convergence */
#define UE_UNIVERSAL_MAX_ITER 50
#define UE_UNIVERSAL_TOL 1e-12       /* relative step of the universal anomaly chi */
/* Smallest geocentric radius (m) of a broadcast position or perigee: below it the satellite
 * would be inside the Earth (the SIB's own smallest orbit, a = 6500 km and e = 0.015,
 * keeps its perigee at 6402 km). */
#define UE_MIN_RADIUS_M 6.0e6

/* Stumpff functions C(z), S(z) (Curtis, Orbital Mechanics, 3.7), series near z = 0. */
static void stumpff(double z, double *c, double *s)
{
    if (fabs(z) < 1e-6) {
        *c = 0.5 - z / 24.0 + z * z / 720.0;
        *s = 1.0 / 6.0 - z / 120.0 + z * z / 5040.0;
    } else if (z > 0.0) {
        const double q = sqrt(z);
        *c = (1.0 - cos(q)) / z;
        *s = (q - sin(q)) / (z * q);
    } else {
        const double q = sqrt(-z);
        *c = (cosh(q) - 1.0) / (-z);
        *s = (sinh(q) - q) / (-z * q);
    }
}

/* ECI (aligned with ECEF at the epoch) -> ECEF dt seconds later: rotate by -omega_E dt and
 * remove the frame velocity omega x r. */
static void eci_to_ecef(double *pos, double *vel, const double *r, const double *v, double dt)
{
    const double w = NTN_EARTH_ROTATION_RADPS, th = w * dt, c = cos(th), s = sin(th);
    pos[0] = c * r[0] + s * r[1];
    pos[1] = -s * r[0] + c * r[1];
    pos[2] = r[2];
    vel[0] = c * v[0] + s * v[1] + w * pos[1];
    vel[1] = -s * v[0] + c * v[1] - w * pos[0];
    vel[2] = v[2];
}

/* Two-body propagation of an inertial state by dt (universal variable, Lagrange f and g). */
static int universal_kepler(double *r, double *v, const double *r0, const double *v0, double dt)
{
    const double mu = NTN_EARTH_MU_M3PS2, smu = sqrt(mu);
    const double rn0 = ntn_norm3(r0), vr0 = ntn_dot3(r0, v0) / rn0;
    const double alpha = 2.0 / rn0 - ntn_dot3(v0, v0) / mu;
    double chi = smu * fabs(alpha) * dt, c = 0.5, s = 1.0 / 6.0;
    int it;
    for (it = 0; it < UE_UNIVERSAL_MAX_ITER; it++) {
        const double z = alpha * chi * chi;
        stumpff(z, &c, &s);
        const double f = rn0 * vr0 / smu * chi * chi * c + (1.0 - alpha * rn0) * chi * chi * chi * s
                         + rn0 * chi - smu * dt;
        const double df = rn0 * vr0 / smu * chi * (1.0 - z * s)
                          + (1.0 - alpha * rn0) * chi * chi * c + rn0;
        const double step = f / df;
        chi -= step;
        if (fabs(step) <= UE_UNIVERSAL_TOL * (1.0 + fabs(chi)))
            break;
    }
    if (it == UE_UNIVERSAL_MAX_ITER)
        return NTN_ERR_NO_CONVERGE;
    stumpff(alpha * chi * chi, &c, &s);
    const double x2 = chi * chi, f = 1.0 - x2 / rn0 * c, g = dt - x2 * chi * s / smu;
    for (int k = 0; k < 3; k++)
        r[k] = f * r0[k] + g * v0[k];
    const double rn = ntn_norm3(r);
    const double fd = smu / (rn * rn0) * (alpha * x2 * chi * s - chi), gd = 1.0 - x2 / rn * c;
    for (int k = 0; k < 3; k++)
        v[k] = fd * r0[k] + gd * v0[k];
    return NTN_OK;
}

/* Eccentric anomaly from the mean anomaly (Newton on E - e sin E = M). */
static int kepler_e(double *ecc_anom, double m, double e)
{
    double ea = e < 0.8 ? m : NTN_PI;
    for (int it = 0; it < UE_KEPLER_MAX_ITER; it++) {
        const double step = (ea - e * sin(ea) - m) / (1.0 - e * cos(ea));
        ea -= step;
        if (fabs(step) < UE_KEPLER_TOL_RAD) {
            *ecc_anom = ea;
            return NTN_OK;
        }
    }
    return NTN_ERR_NO_CONVERGE;
}

/* Orbital parameters {a, e, argp, raan, inc, M0} -> inertial state dt after the epoch. */
static int orbital_state(double *r, double *v, const double *el, double dt)
{
    const double a = el[0], e = el[1];
    const double n = sqrt(NTN_EARTH_MU_M3PS2 / (a * a * a));
    const double m = fmod(el[5] + n * dt, 2.0 * NTN_PI);
    double ea;
    int st = kepler_e(&ea, m < 0.0 ? m + 2.0 * NTN_PI : m, e);
    if (st != NTN_OK)
        return st;
    const double ce = cos(ea), se = sin(ea), root = sqrt(1.0 - e * e);
    const double xp = a * (ce - e), yp = a * root * se;
    const double speed = n * a / (1.0 - e * ce), vxp = -speed * se, vyp = speed * root * ce;
    const double co = cos(el[2]), so = sin(el[2]), cn = cos(el[3]), sn = sin(el[3]);
    const double ci = cos(el[4]), si = sin(el[4]);
    const double p[3] = {cn * co - sn * so * ci, sn * co + cn * so * ci, so * si};
    const double q[3] = {-cn * so - sn * co * ci, -sn * so + cn * co * ci, co * si};
    for (int k = 0; k < 3; k++) {
        r[k] = xp * p[k] + yp * q[k];
        v[k] = vxp * p[k] + vyp * q[k];
    }
    return NTN_OK;
}

/* Call-level check of one broadcast ephemeris. */
static int ephemeris_status(const double *eph, int format)
{
    for (int k = 0; k < 6; k++)
        if (!isfinite(eph[k]))
            return NTN_ERR_NAN;
    if (format == NTN_UE_EPHEMERIS_ORBITAL) {
        if (!(eph[0] > 0.0 && eph[1] >= 0.0 && eph[1] < 1.0))
            return NTN_ERR_RANGE;
        return eph[0] * (1.0 - eph[1]) >= UE_MIN_RADIUS_M ? NTN_OK : NTN_ERR_BELOW_GROUND;
    }
    if (format != NTN_UE_EPHEMERIS_STATE_VECTORS)
        return NTN_ERR_RANGE;
    return ntn_norm3(eph) >= UE_MIN_RADIUS_M ? NTN_OK : NTN_ERR_BELOW_GROUND;
}

/* ECEF state dt after the epoch of one ephemeris. */
static int propagate_one(double *pos, double *vel, const double *eph, int format, double dt)
{
    double r[3], v[3];
    int st;
    if (!isfinite(dt))
        return NTN_ERR_NAN;
    if (fabs(dt) > NTN_UE_MAX_AGE_S)
        return NTN_ERR_RANGE;
    if (format == NTN_UE_EPHEMERIS_ORBITAL) {
        st = orbital_state(r, v, eph, dt);
    } else {
        const double w = NTN_EARTH_ROTATION_RADPS;
        const double v0[3] = {eph[3] - w * eph[1], eph[4] + w * eph[0], eph[5]};
        st = universal_kepler(r, v, eph, v0, dt);
    }
    if (st == NTN_OK)
        eci_to_ecef(pos, vel, r, v, dt);
    if (st == NTN_OK && !(ntn_finite3(pos) && ntn_finite3(vel)))
        st = NTN_ERR_RANGE;   /* finite elements whose state overflows a double */
    return st;
}

int ntn_ue_propagate_ephemeris(double *pos_ecef_m, double *vel_ecef_mps, int *status,
                               const double *ephemeris, int format, const double *dt_s, size_t n)
{
    if (!pos_ecef_m || !vel_ecef_mps || !status || !ephemeris || !dt_s)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 3, sizeof(double)))
        return NTN_ERR_LENGTH;
    const int call_st = ephemeris_status(ephemeris, format);
    for (size_t i = 0; i < n; i++) {
        status[i] = call_st != NTN_OK ? call_st
                    : propagate_one(pos_ecef_m + 3 * i, vel_ecef_mps + 3 * i, ephemeris, format,
                                    dt_s[i]);
        if (status[i] != NTN_OK) {
            ntn_nan3(pos_ecef_m + 3 * i);
            ntn_nan3(vel_ecef_mps + 3 * i);
        }
    }
    return call_st;
}

/* TA (s) and UL Doppler (Hz) of one UE at one age. */
static int ta_doppler_one(double *ta, double *dop, const double *eph, int format,
                          const double *common_ta, double freq, double dt, const double *ue)
{
    double pos[3], vel[3];
    if (!ntn_finite3(ue))
        return NTN_ERR_NAN;
    int st = propagate_one(pos, vel, eph, format, dt);
    if (st != NTN_OK)
        return st;
    const double d[3] = {pos[0] - ue[0], pos[1] - ue[1], pos[2] - ue[2]};
    const double range = ntn_norm3(d), c = NTN_SPEED_OF_LIGHT_MPS;
    if (!(range > 0.0))
        return NTN_ERR_RANGE;   /* the UE at the satellite: no direction, no Doppler */
    *ta = 2.0 * range / c + common_ta[0] + common_ta[1] * dt + common_ta[2] * dt * dt;
    *dop = -freq * (ntn_dot3(d, vel) / range) / c;
    return isfinite(*ta) && isfinite(*dop) ? NTN_OK : NTN_ERR_RANGE;   /* overflowed terms */
}

int ntn_ue_ta_doppler(double *ta_s, double *doppler_ul_hz, int *expired, int *status,
                      const double *ephemeris, int format, const double *common_ta,
                      double validity_s, double ul_freq_hz, const double *dt_s,
                      const double *ue_ecef_m, size_t n)
{
    if (!ta_s || !doppler_ul_hz || !expired || !status || !ephemeris || !common_ta || !dt_s
        || !ue_ecef_m)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 3, sizeof(double)))
        return NTN_ERR_LENGTH;
    int call_st = ephemeris_status(ephemeris, format);
    if (call_st == NTN_OK && (!ntn_finite3(common_ta) || !isfinite(validity_s)
                              || !isfinite(ul_freq_hz)))
        call_st = NTN_ERR_NAN;
    if (call_st == NTN_OK && (validity_s < 0.0 || ul_freq_hz < 0.0))
        call_st = NTN_ERR_RANGE;
    for (size_t i = 0; i < n; i++) {
        status[i] = call_st != NTN_OK ? call_st
                    : ta_doppler_one(ta_s + i, doppler_ul_hz + i, ephemeris, format, common_ta,
                                     ul_freq_hz, dt_s[i], ue_ecef_m + 3 * i);
        expired[i] = status[i] == NTN_OK && dt_s[i] > validity_s;
        if (status[i] != NTN_OK)
            ta_s[i] = doppler_ul_hz[i] = NAN;
    }
    return call_st;
}

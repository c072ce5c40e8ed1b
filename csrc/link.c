/* link.c - per (satellite, terminal, time) service- and feeder-link quantities.
 *
 * With d = p_sat - p_ue, v and a the satellite's ECEF velocity and acceleration and the
 * terminal fixed in ECEF: r = |d|, dr/dt = d.v / r, d2r/dt2 = (v.v + d.a - (dr/dt)^2) / r.
 * Doppler f_d = -f (dr/dt) / c and its rate -f (d2r/dt2) / c (REFERENCE.md section 1).
 * The terminal's east/north/up frame is computed once per terminal (ntn_geodetic_of), so the
 * per-element cost is one sqrt, one division, one hypot and two atan2. */
#include "ntn_internal.h"

typedef struct {
    double east[3], north[3], up[3];
} enu_frame;

typedef struct {
    double k_dl, k_ul; /* -f / c for the DL and UL carriers (Hz per m/s) */
} carriers;

/* Strictly inside the WGS-84 ellipsoid: (x^2 + y^2) / a^2 + z^2 / b^2 < 1. */
static int inside_ellipsoid(const double *p)
{
    const double a = NTN_WGS84_A_M, b = a * (1.0 - 1.0 / NTN_WGS84_INV_F);
    return (p[0] * p[0] + p[1] * p[1]) / (a * a) + p[2] * p[2] / (b * b) < 1.0;
}

/* The terminal's ENU frame, or a status for a non-finite or deeply buried terminal. */
static int frame_of(enu_frame *f, const double *ue)
{
    double lat, lon, alt;
    if (!ntn_finite3(ue))
        return NTN_ERR_NAN;
    const int st = ntn_geodetic_of(&lat, &lon, &alt, ue);
    if (st == NTN_OK)
        ntn_enu_basis(f->east, f->north, f->up, lat, lon);
    return st;
}

static int sat_status(const double *p, const double *v, const double *a, const double *gw)
{
    if (!ntn_finite3(p) || !ntn_finite3(v) || !ntn_finite3(a) || (gw && !ntn_finite3(gw)))
        return NTN_ERR_NAN;
    return inside_ellipsoid(p) ? NTN_ERR_BELOW_GROUND : NTN_OK;
}

static void nan_column(double *out, size_t stride, size_t i)
{
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        out[k * stride + i] = NAN;
}

/* All fields of element i (field k at out[k * stride + i]); feeder delay given in seconds. */
static void link_one(double *out, size_t stride, size_t i, const double *p, const double *v,
                     const double *a, const double *ue, const enu_frame *f, double feeder_s,
                     const carriers *cr)
{
    const double inv_c = 1.0 / NTN_SPEED_OF_LIGHT_MPS;
    const double d[3] = {p[0] - ue[0], p[1] - ue[1], p[2] - ue[2]};
    const double r = ntn_norm3(d), ir = 1.0 / r;
    const double rdot = ntn_dot3(d, v) * ir;
    const double rddot = (ntn_dot3(v, v) + ntn_dot3(d, a) - rdot * rdot) * ir;
    const double e = ntn_dot3(d, f->east), n = ntn_dot3(d, f->north), u = ntn_dot3(d, f->up);
    const double az = atan2(e, n) / NTN_DEG;
    const double delay = r * inv_c;
    double *o = out + i;
    o[NTN_LINK_ELEVATION_DEG * stride] = atan2(u, hypot(e, n)) / NTN_DEG;
    o[NTN_LINK_AZIMUTH_DEG * stride] = az < 0.0 ? az + 360.0 : az;
    o[NTN_LINK_RANGE_M * stride] = r;
    o[NTN_LINK_RANGE_RATE_MPS * stride] = rdot;
    o[NTN_LINK_RANGE_ACCEL_MPS2 * stride] = rddot;
    o[NTN_LINK_DELAY_S * stride] = delay;
    o[NTN_LINK_FEEDER_DELAY_S * stride] = feeder_s;
    o[NTN_LINK_RTT_TRANSPARENT_S * stride] = 2.0 * (delay + feeder_s);
    o[NTN_LINK_RTT_REGENERATIVE_S * stride] = 2.0 * delay;
    o[NTN_LINK_DOPPLER_DL_HZ * stride] = cr->k_dl * rdot;
    o[NTN_LINK_DOPPLER_UL_HZ * stride] = cr->k_ul * rdot;
    o[NTN_LINK_DOPPLER_RATE_DL_HZ_S * stride] = cr->k_dl * rddot;
    o[NTN_LINK_DOPPLER_RATE_UL_HZ_S * stride] = cr->k_ul * rddot;
    o[NTN_LINK_DELAY_DRIFT_S_PER_S * stride] = rdot * inv_c;
    o[NTN_LINK_TA_UE_S * stride] = 2.0 * delay;
}

static double feeder_delay(const double *p, const double *gw)
{
    if (!gw)
        return 0.0;
    const double d[3] = {p[0] - gw[0], p[1] - gw[1], p[2] - gw[2]};
    return ntn_norm3(d) / NTN_SPEED_OF_LIGHT_MPS;
}

static int carriers_of(carriers *cr, double freq_dl_hz, double freq_ul_hz)
{
    if (!(isfinite(freq_dl_hz) && freq_dl_hz > 0.0 && isfinite(freq_ul_hz) && freq_ul_hz > 0.0))
        return NTN_ERR_RANGE;
    cr->k_dl = -freq_dl_hz / NTN_SPEED_OF_LIGHT_MPS;
    cr->k_ul = -freq_ul_hz / NTN_SPEED_OF_LIGHT_MPS;
    return NTN_OK;
}

int ntn_link_states(double *out, int *status, const double *sat_pos_m,
                    const double *sat_vel_mps, const double *sat_acc_mps2,
                    const double *ue_ecef_m, const double *gateway_ecef_m, double freq_dl_hz,
                    double freq_ul_hz, size_t n)
{
    carriers cr;
    if (!out || !status || !sat_pos_m || !sat_vel_mps || !sat_acc_mps2 || !ue_ecef_m)
        return NTN_ERR_NULL;
    if (carriers_of(&cr, freq_dl_hz, freq_ul_hz) != NTN_OK)
        return NTN_ERR_RANGE;
    for (size_t i = 0; i < n; i++) {
        const double *p = sat_pos_m + 3 * i, *v = sat_vel_mps + 3 * i, *a = sat_acc_mps2 + 3 * i;
        const double *ue = ue_ecef_m + 3 * i, *gw = gateway_ecef_m ? gateway_ecef_m + 3 * i : NULL;
        enu_frame f;
        int st = sat_status(p, v, a, gw);
        if (st == NTN_OK)
            st = frame_of(&f, ue);
        status[i] = st;
        if (st == NTN_OK)
            link_one(out, n, i, p, v, a, ue, &f, feeder_delay(p, gw), &cr);
        else
            nan_column(out, n, i);
    }
    return NTN_OK;
}

/* One (satellite, terminal) row of the grid over n_t times. */
static void grid_row(double *out, int *status, size_t stride, size_t base, const double *pos,
                     const double *vel, const double *acc, const double *ue, int ue_st,
                     const enu_frame *f, const double *gw, const carriers *cr, size_t n_t)
{
    for (size_t t = 0; t < n_t; t++) {
        const double *p = pos + 3 * t, *v = vel + 3 * t, *a = acc + 3 * t;
        int st = sat_status(p, v, a, gw);
        if (st == NTN_OK)
            st = ue_st;
        status[base + t] = st;
        if (st == NTN_OK)
            link_one(out, stride, base + t, p, v, a, ue, f, feeder_delay(p, gw), cr);
        else
            nan_column(out, stride, base + t);
    }
}

int ntn_link_grid(double *out, int *status, const double *sat_pos_m, const double *sat_vel_mps,
                  const double *sat_acc_mps2, const double *ue_ecef_m,
                  const double *gateway_ecef_m, double freq_dl_hz, double freq_ul_hz,
                  size_t n_sat, size_t n_ue, size_t n_t)
{
    carriers cr;
    if (!out || !status || !sat_pos_m || !sat_vel_mps || !sat_acc_mps2 || !ue_ecef_m)
        return NTN_ERR_NULL;
    if (carriers_of(&cr, freq_dl_hz, freq_ul_hz) != NTN_OK)
        return NTN_ERR_RANGE;
    const size_t stride = n_sat * n_ue * n_t;
    for (size_t u = 0; u < n_ue; u++) {
        enu_frame f = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}};
        const int ue_st = frame_of(&f, ue_ecef_m + 3 * u);
        for (size_t s = 0; s < n_sat; s++) {
            const size_t sat_off = 3 * s * n_t;
            grid_row(out, status, stride, (s * n_ue + u) * n_t, sat_pos_m + sat_off,
                     sat_vel_mps + sat_off, sat_acc_mps2 + sat_off, ue_ecef_m + 3 * u, ue_st,
                     &f, gateway_ecef_m ? gateway_ecef_m + 3 * s : NULL, &cr, n_t);
        }
    }
    return NTN_OK;
}

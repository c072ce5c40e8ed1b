/* link.c - per (satellite, terminal, time) service- and feeder-link quantities.
 *
 * With d = p_sat - p_ue, v and a the satellite's ECEF velocity and acceleration and the
 * terminal fixed in ECEF: r = |d|, dr/dt = d.v / r, d2r/dt2 = (v.v + d.a - (dr/dt)^2) / r.
 * Doppler f_d = -f (dr/dt) / c and its rate -f (d2r/dt2) / c (REFERENCE.md section 1).
 *
 * Speed (the benchmark in tests/phy/test_bench_link.py): the work is done in blocks of
 * BLOCK elements written to a small stack buffer, one row per output field, then copied out
 * field by field, so the 15 output streams are written sequentially instead of interleaved.
 * In the grid form the terminal frames (ntn_geodetic_of) are computed once per chunk of
 * terminals, and the satellite checks and the feeder delay once per (satellite, time).
 * Angles use ntn_atan2_fast (ntn_internal.h: one division, accurate to a few 1e-16 rad). */
#include <string.h>

#include "ntn_internal.h"

#define BLOCK 64        /* elements per block: 15 x 64 doubles = 7.5 KiB of stack */
#define UE_CHUNK 32     /* terminal frames kept on the stack at a time in the grid form */

typedef struct {
    double east[3], north[3], up[3];
} enu_frame;

typedef struct {
    double k_dl, k_ul; /* -f / c for the DL and UL carriers (Hz per m/s) */
} carriers;

/* Satellite states of one block: element j at pos + 3 j etc., with its precomputed status
 * and feeder delay. */
typedef struct {
    const double *pos, *vel, *acc;
    const int *status;
    const double *feeder_s;
} sat_block;

/* Terminals of one block: element j uses ue + j * step, frame[j * fstep], ue_status[j * fstep]. */
typedef struct {
    const double *ue;
    size_t step;
    const enu_frame *frame;
    const int *status;
    size_t fstep;
} ue_block;

/* Strictly inside the WGS-84 ellipsoid: (x^2 + y^2) / a^2 + z^2 / b^2 < 1. */
static int inside_ellipsoid(const double *p)
{
    const double a = NTN_WGS84_A_M, b = a * (1.0 - 1.0 / NTN_WGS84_INV_F);
    const double inv_a2 = 1.0 / (a * a), inv_b2 = 1.0 / (b * b);
    return (p[0] * p[0] + p[1] * p[1]) * inv_a2 + p[2] * p[2] * inv_b2 < 1.0;
}

/* The terminal's ENU frame, or a status for a non-finite or deeply buried terminal. */
static int frame_of(enu_frame *f, const double *ue)
{
    double lat = 0.0, lon = 0.0, alt;
    int st = ntn_finite3(ue) ? ntn_geodetic_of(&lat, &lon, &alt, ue) : NTN_ERR_NAN;
    if (st != NTN_OK)
        lat = lon = 0.0;
    ntn_enu_basis(f->east, f->north, f->up, lat, lon);
    return st;
}

/* Status of a satellite state and its feeder delay (s, 0 without a gateway). */
static int sat_prepare(double *feeder_s, const double *p, const double *v, const double *a,
                       const double *gw)
{
    *feeder_s = 0.0;
    if (!ntn_finite3(p) || !ntn_finite3(v) || !ntn_finite3(a) || (gw && !ntn_finite3(gw)))
        return NTN_ERR_NAN;
    if (inside_ellipsoid(p))
        return NTN_ERR_BELOW_GROUND;
    if (gw) {
        const double d[3] = {p[0] - gw[0], p[1] - gw[1], p[2] - gw[2]};
        *feeder_s = ntn_norm3(d) * (1.0 / NTN_SPEED_OF_LIGHT_MPS);
    }
    return NTN_OK;
}

/* Range, its derivatives, delays, Doppler of one element into column j of buf, and the
 * look vector in the terminal's frame (east, north, up, horizontal length) for the angles. */
static void link_one(double buf[][BLOCK], double enuh[][BLOCK], size_t j, const double *p,
                     const double *v, const double *a, const double *ue, const enu_frame *f,
                     double feeder_s, const carriers *cr)
{
    const double inv_c = 1.0 / NTN_SPEED_OF_LIGHT_MPS;
    const double d[3] = {p[0] - ue[0], p[1] - ue[1], p[2] - ue[2]};
    const double r = ntn_norm3(d), ir = 1.0 / r;
    const double rdot = ntn_dot3(d, v) * ir;
    const double rddot = (ntn_dot3(v, v) + ntn_dot3(d, a) - rdot * rdot) * ir;
    const double e = ntn_dot3(d, f->east), n = ntn_dot3(d, f->north);
    const double delay = r * inv_c;
    enuh[0][j] = e;
    enuh[1][j] = n;
    enuh[2][j] = ntn_dot3(d, f->up);
    enuh[3][j] = sqrt(e * e + n * n);
    buf[NTN_LINK_RANGE_M][j] = r;
    buf[NTN_LINK_RANGE_RATE_MPS][j] = rdot;
    buf[NTN_LINK_RANGE_ACCEL_MPS2][j] = rddot;
    buf[NTN_LINK_DELAY_S][j] = delay;
    buf[NTN_LINK_FEEDER_DELAY_S][j] = feeder_s;
    buf[NTN_LINK_RTT_TRANSPARENT_S][j] = 2.0 * (delay + feeder_s);
    buf[NTN_LINK_RTT_REGENERATIVE_S][j] = 2.0 * delay;
    buf[NTN_LINK_DOPPLER_DL_HZ][j] = cr->k_dl * rdot;
    buf[NTN_LINK_DOPPLER_UL_HZ][j] = cr->k_ul * rdot;
    buf[NTN_LINK_DOPPLER_RATE_DL_HZ_S][j] = cr->k_dl * rddot;
    buf[NTN_LINK_DOPPLER_RATE_UL_HZ_S][j] = cr->k_ul * rddot;
    buf[NTN_LINK_DELAY_DRIFT_S_PER_S][j] = rdot * inv_c;
    buf[NTN_LINK_TA_UE_S][j] = 2.0 * delay;
}

/* Elevation and azimuth rows from the look vectors: a separate short loop whose iterations
 * are independent, so the processor overlaps the divisions of several elements. */
static void angles(double buf[][BLOCK], double enuh[][BLOCK], size_t nb)
{
    const double rad2deg = 1.0 / NTN_DEG;
    for (size_t j = 0; j < nb; j++) {
        const double az = ntn_atan2_fast(enuh[0][j], enuh[1][j]) * rad2deg;
        buf[NTN_LINK_AZIMUTH_DEG][j] = az < 0.0 ? az + 360.0 : az;
    }
    for (size_t j = 0; j < nb; j++)
        buf[NTN_LINK_ELEVATION_DEG][j] = ntn_atan2_fast(enuh[2][j], enuh[3][j]) * rad2deg;
}

/* nb elements of a block into buf and status; bad elements get NaN columns. */
static void link_block(double buf[][BLOCK], int *status, size_t nb, const sat_block *sb,
                       const ue_block *ub, const carriers *cr)
{
    double enuh[4][BLOCK];
    for (size_t j = 0; j < nb; j++) {
        const int st = sb->status[j] != NTN_OK ? sb->status[j] : ub->status[j * ub->fstep];
        status[j] = st;
        link_one(buf, enuh, j, sb->pos + 3 * j, sb->vel + 3 * j, sb->acc + 3 * j,
                 ub->ue + j * ub->step, ub->frame + j * ub->fstep, sb->feeder_s[j], cr);
    }
    angles(buf, enuh, nb);
    for (size_t j = 0; j < nb; j++) {
        if (status[j] != NTN_OK)
            for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
                buf[k][j] = NAN;
    }
}

/* Copy a block's field rows to out[k * stride + base ...]. */
static void store_block(double *out, size_t stride, size_t base, double buf[][BLOCK], size_t nb)
{
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        memcpy(out + k * stride + base, buf[k], nb * sizeof(double));
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
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        const size_t nb = n - i0 < BLOCK ? n - i0 : BLOCK;
        double buf[NTN_LINK_N_FIELDS][BLOCK], feeder[BLOCK];
        int sat_st[BLOCK], ue_st[BLOCK];
        enu_frame frames[BLOCK];
        for (size_t j = 0; j < nb; j++) {
            const size_t i = i0 + j;
            sat_st[j] = sat_prepare(feeder + j, sat_pos_m + 3 * i, sat_vel_mps + 3 * i,
                                    sat_acc_mps2 + 3 * i,
                                    gateway_ecef_m ? gateway_ecef_m + 3 * i : NULL);
            ue_st[j] = frame_of(frames + j, ue_ecef_m + 3 * i);
        }
        const sat_block sb = {sat_pos_m + 3 * i0, sat_vel_mps + 3 * i0, sat_acc_mps2 + 3 * i0,
                              sat_st, feeder};
        const ue_block ub = {ue_ecef_m + 3 * i0, 3, frames, ue_st, 1};
        link_block(buf, status + i0, nb, &sb, &ub, &cr);
        store_block(out, n, i0, buf, nb);
    }
    return NTN_OK;
}

/* One satellite, one block of times, every terminal of a chunk. */
static void grid_block(double *out, int *status, size_t stride, const sat_block *sb,
                       const double *ue, const enu_frame *frames, const int *ue_st,
                       size_t n_ue_chunk, size_t row0, size_t n_t, size_t t0, size_t nb,
                       const carriers *cr)
{
    double buf[NTN_LINK_N_FIELDS][BLOCK];
    for (size_t u = 0; u < n_ue_chunk; u++) {
        const ue_block ub = {ue + 3 * u, 0, frames + u, ue_st + u, 0};
        const size_t base = (row0 + u) * n_t + t0;
        link_block(buf, status + base, nb, sb, &ub, cr);
        store_block(out, stride, base, buf, nb);
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
    for (size_t u0 = 0; u0 < n_ue; u0 += UE_CHUNK) {
        const size_t nu = n_ue - u0 < UE_CHUNK ? n_ue - u0 : UE_CHUNK;
        enu_frame frames[UE_CHUNK];
        int ue_st[UE_CHUNK];
        for (size_t u = 0; u < nu; u++)
            ue_st[u] = frame_of(frames + u, ue_ecef_m + 3 * (u0 + u));
        for (size_t s = 0; s < n_sat; s++) {
            const double *gw = gateway_ecef_m ? gateway_ecef_m + 3 * s : NULL;
            for (size_t t0 = 0; t0 < n_t; t0 += BLOCK) {
                const size_t nb = n_t - t0 < BLOCK ? n_t - t0 : BLOCK, off = 3 * (s * n_t + t0);
                double feeder[BLOCK];
                int sat_st[BLOCK];
                for (size_t j = 0; j < nb; j++)
                    sat_st[j] = sat_prepare(feeder + j, sat_pos_m + off + 3 * j,
                                            sat_vel_mps + off + 3 * j,
                                            sat_acc_mps2 + off + 3 * j, gw);
                const sat_block sb = {sat_pos_m + off, sat_vel_mps + off, sat_acc_mps2 + off,
                                      sat_st, feeder};
                grid_block(out, status, stride, &sb, ue_ecef_m + 3 * u0, frames, ue_st, nu,
                           s * n_ue + u0, n_t, t0, nb, &cr);
            }
        }
    }
    return NTN_OK;
}

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
 * The angles are computed two at a time by v2_atan2 below (within 1.1e-11 rad of libm). */
#include <stdint.h>
#include <string.h>

#include "ntn_internal.h"

#define BLOCK 64        /* elements per block: 15 x 64 doubles = 7.5 KiB of stack */
#define UE_CHUNK 32     /* terminal frames kept on the stack at a time in the grid form */

/* Two-lane vectors (GCC / Clang vector extensions: SSE2 on x86-64, NEON on AArch64). */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

static inline v2d v2_select(v2i mask, v2d a, v2d b)
{
    return (v2d)(((v2i)a & mask) | ((v2i)b & ~mask));
}

static inline v2d v2_load(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* atan2(y, x) on two lanes in [-pi, pi]. z = min/max(|x|, |y|) in [0, 1] is reduced around
 * the nearest c = k/4 (k counted by comparisons, atan(c) summed from its steps) by
 * atan(z) = atan(c) + atan(t), t = (z - c) / (1 + z c), |t| <= 1/8, and the odd series of
 * atan(t) to t^9 leaves at most (1/8)^11 / 11 = 1.1e-11 rad (6e-10 deg). Unlike libm,
 * x = -0 counts as +0 and infinite inputs give NaN (the link kernel flags those elements). */
static inline v2d v2_atan2(v2d y, v2d x)
{
    const v2i sign = {INT64_MIN, INT64_MIN};
    const v2d ax = (v2d)((v2i)x & ~sign), ay = (v2d)((v2i)y & ~sign);
    const v2i swapped = ay > ax;
    const v2d num = v2_select(swapped, ax, ay), den = v2_select(swapped, ay, ax);
    const v2d n8 = 8.0 * num, quarter = {0.25, 0.25};
    const v2i ge1 = n8 > den, ge2 = n8 > 3.0 * den, ge3 = n8 > 5.0 * den, ge4 = n8 > 7.0 * den;
    /* atan(m / 4) - atan((m - 1) / 4), m = 1..4 */
    const v2d s1 = {0.24497866312686414, 0.24497866312686414};
    const v2d s2 = {0.21866894587394195, 0.21866894587394195};
    const v2d s3 = {0.17985349979247828, 0.17985349979247828};
    const v2d s4 = {0.1418970546041639, 0.1418970546041639};
    const v2d base = ((v2d)((v2i)s1 & ge1) + (v2d)((v2i)s2 & ge2))
                   + ((v2d)((v2i)s3 & ge3) + (v2d)((v2i)s4 & ge4));
    const v2d c = ((v2d)((v2i)quarter & ge1) + (v2d)((v2i)quarter & ge2))
                + ((v2d)((v2i)quarter & ge3) + (v2d)((v2i)quarter & ge4));
    const v2d dd = den + c * num, one = {1.0, 1.0};
    const v2d t = (num - c * den) / v2_select(dd > 0.0, dd, one), t2 = t * t, t4 = t2 * t2;
    const v2d s = t + t * t2 * ((-1.0 / 3 + t2 * (1.0 / 5)) + t4 * (-1.0 / 7 + t2 * (1.0 / 9)));
    v2d a = base + s;
    a = v2_select(swapped, 0.5 * NTN_PI - a, a);
    a = v2_select(x < 0.0, NTN_PI - a, a);
    return (v2d)(((v2i)a & ~sign) | ((v2i)y & sign));
}

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

static inline v2d v2_lanes(double lane0, double lane1)
{
    const v2d v = {lane0, lane1};
    return v;
}

static inline v2d v2_sqrt(v2d x)
{
    return v2_lanes(sqrt(x[0]), sqrt(x[1]));
}

static inline void v2_store(double *dst, v2d v)
{
    memcpy(dst, &v, sizeof v);
}

/* Components c of 3-vectors a and b (element rows) as one two-lane vector each. */
static inline void v2_rows3(v2d out[3], const double *a, const double *b)
{
    for (int c = 0; c < 3; c++)
        out[c] = v2_lanes(a[c], b[c]);
}

static inline v2d v2_dot3(const v2d *a, const v2d *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Elements j and j1 (j1 = j + 1, or j again for an odd last element) into columns j, j + 1
 * of buf: range and its derivatives, delays, Doppler, and the look angles (the angles from
 * the look vector in the terminal's frame: east e, north n, up u, horizontal h). */
static void link_pair(double buf[][BLOCK], size_t j, size_t j1, const sat_block *sb,
                      const ue_block *ub, const carriers *cr)
{
    const double inv_c = 1.0 / NTN_SPEED_OF_LIGHT_MPS, rad2deg = 1.0 / NTN_DEG;
    const enu_frame *f0 = ub->frame + j * ub->fstep, *f1 = ub->frame + j1 * ub->fstep;
    v2d p[3], v[3], a[3], ue[3], d[3], east[3], north[3], up[3];
    v2_rows3(p, sb->pos + 3 * j, sb->pos + 3 * j1);
    v2_rows3(v, sb->vel + 3 * j, sb->vel + 3 * j1);
    v2_rows3(a, sb->acc + 3 * j, sb->acc + 3 * j1);
    v2_rows3(ue, ub->ue + j * ub->step, ub->ue + j1 * ub->step);
    v2_rows3(east, f0->east, f1->east);
    v2_rows3(north, f0->north, f1->north);
    v2_rows3(up, f0->up, f1->up);
    for (int c = 0; c < 3; c++)
        d[c] = p[c] - ue[c];
    const v2d r = v2_sqrt(v2_dot3(d, d)), ir = 1.0 / r;
    const v2d rdot = v2_dot3(d, v) * ir;
    const v2d rddot = (v2_dot3(v, v) + v2_dot3(d, a) - rdot * rdot) * ir;
    const v2d e = v2_dot3(d, east), n = v2_dot3(d, north), u = v2_dot3(d, up);
    const v2d feeder = v2_lanes(sb->feeder_s[j], sb->feeder_s[j1]), delay = r * inv_c;
    /* azimuth in [0, 360): atan2(-e, -n) + 180 deg (undefined at the exact zenith) */
    const v2d az = v2_atan2(-e, -n) * rad2deg + 180.0;
    v2_store(buf[NTN_LINK_AZIMUTH_DEG] + j, v2_select(az >= 360.0, az - 360.0, az));
    v2_store(buf[NTN_LINK_ELEVATION_DEG] + j, v2_atan2(u, v2_sqrt(e * e + n * n)) * rad2deg);
    v2_store(buf[NTN_LINK_RANGE_M] + j, r);
    v2_store(buf[NTN_LINK_RANGE_RATE_MPS] + j, rdot);
    v2_store(buf[NTN_LINK_RANGE_ACCEL_MPS2] + j, rddot);
    v2_store(buf[NTN_LINK_DELAY_S] + j, delay);
    v2_store(buf[NTN_LINK_FEEDER_DELAY_S] + j, feeder);
    v2_store(buf[NTN_LINK_RTT_TRANSPARENT_S] + j, 2.0 * (delay + feeder));
    v2_store(buf[NTN_LINK_RTT_REGENERATIVE_S] + j, 2.0 * delay);
    v2_store(buf[NTN_LINK_DOPPLER_DL_HZ] + j, cr->k_dl * rdot);
    v2_store(buf[NTN_LINK_DOPPLER_UL_HZ] + j, cr->k_ul * rdot);
    v2_store(buf[NTN_LINK_DOPPLER_RATE_DL_HZ_S] + j, cr->k_dl * rddot);
    v2_store(buf[NTN_LINK_DOPPLER_RATE_UL_HZ_S] + j, cr->k_ul * rddot);
    v2_store(buf[NTN_LINK_DELAY_DRIFT_S_PER_S] + j, rdot * inv_c);
    v2_store(buf[NTN_LINK_TA_UE_S] + j, 2.0 * delay);
}

/* nb elements of a block into buf and status; bad elements get NaN columns. Every element
 * is computed (NaN inputs give NaN, never a trap) and the bad ones are overwritten after, so
 * the pair loop has no branches. */
static void link_block(double buf[][BLOCK], int *status, size_t nb, const sat_block *sb,
                       const ue_block *ub, const carriers *cr)
{
    for (size_t j = 0; j < nb; j += 2)
        link_pair(buf, j, j + 1 < nb ? j + 1 : j, sb, ub, cr);
    for (size_t j = 0; j < nb; j++) {
        int st = sb->status[j] != NTN_OK ? sb->status[j] : ub->status[j * ub->fstep];
        if (st == NTN_OK && !(buf[NTN_LINK_RANGE_M][j] > 0.0))
            st = NTN_ERR_RANGE; /* satellite at the terminal: no direction, no range rate */
        status[j] = st;
        if (st != NTN_OK)
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

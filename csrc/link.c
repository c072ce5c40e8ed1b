/* link.c - per (satellite, terminal, time) service- and feeder-link quantities.
 *
 * With d = p_sat - p_ue, v and a the satellite's ECEF velocity and acceleration and the
 * terminal fixed in ECEF: r = |d|, dr/dt = d.v / r, d2r/dt2 = (v.v + d.a - (dr/dt)^2) / r.
 * Doppler f_d = -f (dr/dt) / c and its rate -f (d2r/dt2) / c (docs/reference.md 1).
 *
 * Speed (the benchmark in tests/phy/test_bench_link.py): the work is done in blocks of
 * BLOCK elements written to a small stack buffer, one row per output field, then copied out
 * field by field, so the 15 output streams are written sequentially instead of interleaved
 * (written straight to the output, rows a power of two apart alias in L1 and it is 1.5x
 * slower). In the grid form the terminal frames (ntn_geodetic_of) are computed once per chunk
 * of terminals, and the satellite checks and the feeder delay once per (satellite, time).
 * Two kernels compute a block, with the same formulas and the same atan2 (LINK_ATAN2 below,
 * within 3.4e-12 rad of libm):
 *   - four lanes (AVX2 + FMA, x86-64 only, compiled with a target attribute so the module
 *     still runs on any x86-64): the satellite states of a block are first laid out as rows
 *     (sat_rows, with |v|^2), once for all the terminals of a chunk in the grid form; the
 *     products are summed with fused multiply-adds, so its results differ from the two-lane
 *     kernel's by rounding only (a few ulp; tests/phy/test_link_paths.py);
 *   - two lanes (GCC / Clang vector extensions: SSE2 on x86-64, NEON on AArch64) elsewhere.
 * ntn_cpu_v4 (ntn_internal.h, the core's one CPU dispatch) picks one at every call: four lanes
 * when the CPU has AVX2 and FMA, unless the environment variable NTNPHY_NO_AVX2 is set (to
 * anything but "" or "0"). Each kernel
 * takes one vector square root for r and one for the horizontal distance, one reciprocal of
 * r for dr/dt and d2r/dt2, and one division per atan2. */
#include <stdint.h>
#include <string.h>

#include "ntn_internal.h"

#if NTN_HAVE_V4 /* the AVX2 + FMA four-lane path below, chosen per call (ntn_cpu_v4) */
#include <immintrin.h>
#endif

#define ATAN_HALF 0.46364760900080611621   /* atan(1/2) */
#define ATAN_THIRD 0.32175055439664219340  /* atan(1) - atan(1/2) = atan(1/3) */
#define BLOCK 64        /* elements per block: 15 x 64 doubles = 7.5 KiB of stack */
#define UE_CHUNK 32     /* terminal frames kept on the stack at a time in the grid form */
_Static_assert(BLOCK % 4 == 0, "the four-lane kernel computes whole quads of a block");

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

/* atan2(y, x) in [-pi, pi] on vector lanes, written once and instantiated for two lanes and
 * four (the kernel's two paths). z = min/max(|x|, |y|) in [0, 1] is reduced around c = 0
 * (z <= 1/4), 1/2 (z <= 3/4) or 1 by atan(z) = atan(c) + atan(t), t = (z - c) / (1 + z c),
 * |t| <= 1/4, and the odd series of atan(t) to t^15 leaves at most (1/4)^17 / 17 = 3.4e-12 rad
 * (2e-10 deg). MADD(a, b, c) is a b + c and NMADD(a, b, c) is c - a b (fused on four lanes:
 * the paths differ by rounding only). Unlike libm, x = -0 counts as +0 and infinite inputs
 * give NaN (the link kernel flags those elements). */
#define LINK_ATAN2(NAME, ATTR, VD, VI, SPLAT, SELECT, MADD, NMADD)                              \
    ATTR VD NAME(VD y, VD x)                                                                   \
    {                                                                                          \
        const VI sign = (VI)SPLAT(-0.0);                                                       \
        const VD ax = (VD)((VI)x & ~sign), ay = (VD)((VI)y & ~sign);                           \
        const VI swapped = ay > ax;                                                            \
        const VD num = SELECT(swapped, ax, ay), den = SELECT(swapped, ay, ax);                 \
        const VD n4 = 4.0 * num;                                                               \
        const VI above1 = n4 > den, above3 = n4 > 3.0 * den; /* z > 1/4, z > 3/4 */            \
        const VD c = (VD)((VI)SPLAT(0.5) & above1) + (VD)((VI)SPLAT(0.5) & above3);            \
        const VD base = (VD)((VI)SPLAT(ATAN_HALF) & above1)                                    \
                      + (VD)((VI)SPLAT(ATAN_THIRD) & above3);                                  \
        const VD dd = MADD(c, num, den);                                                       \
        const VD t = NMADD(c, den, num) / SELECT(dd > 0.0, dd, SPLAT(1.0));                    \
        const VD w = t * t, w2 = w * w, w4 = w2 * w2;                                          \
        const VD q0 = MADD(w, SPLAT(-1.0 / 3), SPLAT(1.0));                                    \
        const VD q1 = MADD(w, SPLAT(-1.0 / 7), SPLAT(1.0 / 5));                                \
        const VD q2 = MADD(w, SPLAT(-1.0 / 11), SPLAT(1.0 / 9));                               \
        const VD q3 = MADD(w, SPLAT(-1.0 / 15), SPLAT(1.0 / 13));                              \
        const VD series = MADD(w4, MADD(w2, q3, q2), MADD(w2, q1, q0));                        \
        VD a = MADD(t, series, base);                                                          \
        a = SELECT(swapped, 0.5 * NTN_PI - a, a);                                              \
        a = SELECT(x < 0.0, NTN_PI - a, a);                                                    \
        return (VD)(((VI)a & ~sign) | ((VI)y & sign));                                         \
    }

static inline v2d v2_splat(double x)
{
    return (v2d){x, x};
}

static inline v2d v2_madd(v2d a, v2d b, v2d c)
{
    return a * b + c;
}

static inline v2d v2_nmadd(v2d a, v2d b, v2d c)
{
    return c - a * b;
}

LINK_ATAN2(v2_atan2, static inline, v2d, v2i, v2_splat, v2_select, v2_madd, v2_nmadd)

typedef struct {
    double east[3], north[3], up[3];
} enu_frame;

typedef struct {
    double k_dl, k_ul; /* -f / c for the DL and UL carriers (Hz per m/s) */
    unsigned fields;   /* the fields asked for: an angle not asked is not computed (0) */
} carriers;

/* Where results go: one plane of `stride` doubles per field set in `fields`, in field order. */
typedef struct {
    double *out;
    size_t stride;
    unsigned fields;
} grid_out;

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

/* GCC vectorises the two square roots into one sqrtpd (SSE2). */
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

/* The fields derived from the range r, its rates, the service delay and the feeder delay:
 * the same formulas for the two- and four-lane paths (STORE is v2_store or v4_store, K the
 * carriers; scalar * vector is lane-wise in GCC's vector extensions). */
#define STORE_DERIVED(STORE, buf, j, K, r, rdot, rddot, delay, feeder)                     \
    do {                                                                                    \
        STORE((buf)[NTN_LINK_RANGE_M] + (j), (r));                                          \
        STORE((buf)[NTN_LINK_RANGE_RATE_MPS] + (j), (rdot));                                \
        STORE((buf)[NTN_LINK_RANGE_ACCEL_MPS2] + (j), (rddot));                             \
        STORE((buf)[NTN_LINK_DELAY_S] + (j), (delay));                                      \
        STORE((buf)[NTN_LINK_FEEDER_DELAY_S] + (j), (feeder));                              \
        STORE((buf)[NTN_LINK_RTT_TRANSPARENT_S] + (j), 2.0 * ((delay) + (feeder)));         \
        STORE((buf)[NTN_LINK_RTT_REGENERATIVE_S] + (j), 2.0 * (delay));                     \
        STORE((buf)[NTN_LINK_DOPPLER_DL_HZ] + (j), (K)->k_dl * (rdot));                     \
        STORE((buf)[NTN_LINK_DOPPLER_UL_HZ] + (j), (K)->k_ul * (rdot));                     \
        STORE((buf)[NTN_LINK_DOPPLER_RATE_DL_HZ_S] + (j), (K)->k_dl * (rddot));             \
        STORE((buf)[NTN_LINK_DOPPLER_RATE_UL_HZ_S] + (j), (K)->k_ul * (rddot));             \
        STORE((buf)[NTN_LINK_DELAY_DRIFT_S_PER_S] + (j),                                    \
              (rdot) * (1.0 / NTN_SPEED_OF_LIGHT_MPS));                                     \
        STORE((buf)[NTN_LINK_TA_UE_S] + (j), 2.0 * (delay));                                \
    } while (0)

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
    v2d az = v2_splat(0.0), el = az;
    if (cr->fields & (1u << NTN_LINK_AZIMUTH_DEG)) {
        az = v2_atan2(-e, -n) * rad2deg + 180.0;
        az = v2_select(az >= 360.0, az - 360.0, az);
    }
    if (cr->fields & (1u << NTN_LINK_ELEVATION_DEG))
        el = v2_atan2(u, v2_sqrt(e * e + n * n)) * rad2deg;
    v2_store(buf[NTN_LINK_AZIMUTH_DEG] + j, az);
    v2_store(buf[NTN_LINK_ELEVATION_DEG] + j, el);
    STORE_DERIVED(v2_store, buf, j, cr, r, rdot, rddot, delay, feeder);
}

/* A block's satellite states as rows (one per component, for the four-lane path), with
 * |v|^2 and the feeder delay; columns nb .. BLOCK - 1 repeat the last element up to a
 * multiple of four. */
typedef struct {
    _Alignas(32) double p[3][BLOCK];
    double v[3][BLOCK], a[3][BLOCK], vv[BLOCK], feeder[BLOCK];
} sat_rows;

static const sat_rows *sat_rows_of(sat_rows *sr, const sat_block *sb, size_t nb)
{
    const size_t padded = (nb + 3) & ~(size_t)3;
    for (size_t j = 0; j < padded; j++) {
        const size_t i = j < nb ? j : nb - 1;
        for (int c = 0; c < 3; c++) {
            sr->p[c][j] = sb->pos[3 * i + c];
            sr->v[c][j] = sb->vel[3 * i + c];
            sr->a[c][j] = sb->acc[3 * i + c];
        }
        sr->vv[j] = ntn_dot3(sb->vel + 3 * i, sb->vel + 3 * i);
        sr->feeder[j] = sb->feeder_s[i];
    }
    return sr;
}

/* Statuses of a computed block; bad elements get NaN columns. */
static void link_status(double buf[][BLOCK], int *status, size_t nb, const sat_block *sb,
                        const ue_block *ub)
{
    double probe[BLOCK]; /* 0 where every field is finite (x * 0 is NaN for inf and NaN) */
    for (size_t j = 0; j < nb; j++)
        probe[j] = 0.0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        for (size_t j = 0; j < nb; j++)
            probe[j] += buf[k][j] * 0.0;
    for (size_t j = 0; j < nb; j++) {
        int st = sb->status[j] != NTN_OK ? sb->status[j] : ub->status[j * ub->fstep];
        if (st == NTN_OK && !(buf[NTN_LINK_RANGE_M][j] > 0.0))
            st = NTN_ERR_RANGE; /* satellite at the terminal: no direction, no range rate */
        if (st == NTN_OK && probe[j] != 0.0)
            st = NTN_ERR_RANGE; /* finite inputs whose products overflow a double */
        status[j] = st;
        if (st != NTN_OK)
            for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
                buf[k][j] = NAN;
    }
}

#if NTN_HAVE_V4
/* ---- Four-lane path: AVX2 + FMA, chosen per call (ntn_cpu_v4). Same formulas and the
 * same atan2 as the two-lane path above, products summed with fused multiply-adds. */
#define V4_TARGET NTN_V4_TARGET
#define V4_INLINE static inline __attribute__((always_inline)) V4_TARGET

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

V4_INLINE v4d v4_splat(double x)
{
    return (v4d){x, x, x, x};
}

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros) */
V4_INLINE v4d v4_select(v4i mask, v4d a, v4d b)
{
    return (v4d)_mm256_blendv_pd((__m256d)b, (__m256d)a, (__m256d)mask);
}

V4_INLINE v4d v4_sqrt(v4d x)
{
    return (v4d)_mm256_sqrt_pd((__m256d)x);
}

/* a b + c and c - a b, one rounding each */
V4_INLINE v4d v4_fma(v4d a, v4d b, v4d c)
{
    return (v4d)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
}

V4_INLINE v4d v4_fnma(v4d a, v4d b, v4d c)
{
    return (v4d)_mm256_fnmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
}

LINK_ATAN2(v4_atan2, V4_INLINE, v4d, v4i, v4_splat, v4_select, v4_fma, v4_fnma)

/* Rows of the 3-vectors base + i[k] * step, k = 0..3. */
V4_INLINE void v4_gather3(v4d out[3], const double *base, size_t step, const size_t i[4])
{
    for (int c = 0; c < 3; c++)
        out[c] = (v4d){base[i[0] * step + c], base[i[1] * step + c], base[i[2] * step + c],
                       base[i[3] * step + c]};
}

V4_INLINE void v4_store(double *dst, v4d v)
{
    memcpy(dst, &v, sizeof v);
}

V4_INLINE v4d v4_load(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* A quad's terminal rows (position and frame) and the constants of the block. */
typedef struct {
    v4d ue[3], east[3], north[3], up[3], k_dl, k_ul;
    unsigned fields;   /* as carriers.fields */
} quad_ue;

/* (x, y, z) . (b[0], b[1], b[2]) */
V4_INLINE v4d v4_dot(v4d x, v4d y, v4d z, const v4d *b)
{
    return v4_fma(z, b[2], v4_fma(y, b[1], x * b[0]));
}

/* Elements j .. j + 3 of the block into columns j .. j + 3 of buf (link_pair's formulas;
 * components spelled out so that GCC keeps them in registers). */
V4_INLINE void link_quad(double buf[][BLOCK], size_t j, const sat_rows *sr, const quad_ue *q)
{
    const double inv_c = 1.0 / NTN_SPEED_OF_LIGHT_MPS, rad2deg = 1.0 / NTN_DEG;
    const v4d dx = v4_load(sr->p[0] + j) - q->ue[0], dy = v4_load(sr->p[1] + j) - q->ue[1];
    const v4d dz = v4_load(sr->p[2] + j) - q->ue[2];
    const v4d v[3] = {v4_load(sr->v[0] + j), v4_load(sr->v[1] + j), v4_load(sr->v[2] + j)};
    const v4d a[3] = {v4_load(sr->a[0] + j), v4_load(sr->a[1] + j), v4_load(sr->a[2] + j)};
    const v4d r = v4_sqrt(v4_fma(dz, dz, v4_fma(dy, dy, dx * dx))), ir = 1.0 / r;
    const v4d rdot = v4_dot(dx, dy, dz, v) * ir;
    const v4d rddot = v4_fnma(rdot, rdot, v4_load(sr->vv + j) + v4_dot(dx, dy, dz, a)) * ir;
    const v4d e = v4_dot(dx, dy, dz, q->east), n = v4_dot(dx, dy, dz, q->north);
    const v4d u = v4_dot(dx, dy, dz, q->up);
    const v4d delay = r * inv_c, feeder = v4_load(sr->feeder + j);
    v4d az = v4_splat(0.0), el = az;
    if (q->fields & (1u << NTN_LINK_AZIMUTH_DEG)) {
        az = v4_fma(v4_atan2(-e, -n), v4_splat(rad2deg), v4_splat(180.0));
        az = v4_select(az >= 360.0, az - 360.0, az);
    }
    if (q->fields & (1u << NTN_LINK_ELEVATION_DEG))
        el = v4_atan2(u, v4_sqrt(v4_fma(e, e, n * n))) * rad2deg;
    v4_store(buf[NTN_LINK_AZIMUTH_DEG] + j, az);
    v4_store(buf[NTN_LINK_ELEVATION_DEG] + j, el);
    STORE_DERIVED(v4_store, buf, j, q, r, rdot, rddot, delay, feeder);
}

/* Terminal rows of lanes i[0..3]: one terminal and frame per element (flat pairs). */
V4_INLINE void v4_terminals(quad_ue *q, const ue_block *ub, const size_t i[4])
{
    const enu_frame *f[4];
    for (int k = 0; k < 4; k++)
        f[k] = ub->frame + i[k] * ub->fstep;
    v4_gather3(q->ue, ub->ue, ub->step, i);
    for (int c = 0; c < 3; c++) {
        q->east[c] = (v4d){f[0]->east[c], f[1]->east[c], f[2]->east[c], f[3]->east[c]};
        q->north[c] = (v4d){f[0]->north[c], f[1]->north[c], f[2]->north[c], f[3]->north[c]};
        q->up[c] = (v4d){f[0]->up[c], f[1]->up[c], f[2]->up[c], f[3]->up[c]};
    }
}

/* link_block's computing part on four lanes, from the satellite rows of the block. */
static V4_TARGET void link_block_v4(double buf[][BLOCK], size_t nb, const sat_rows *sr,
                                    const ue_block *ub, const carriers *cr)
{
    const int one_terminal = ub->step == 0 && ub->fstep == 0; /* the grid form */
    quad_ue q;
    q.k_dl = v4_splat(cr->k_dl);
    q.k_ul = v4_splat(cr->k_ul);
    q.fields = cr->fields;
    if (one_terminal)
        for (int c = 0; c < 3; c++) {
            q.ue[c] = v4_splat(ub->ue[c]);
            q.east[c] = v4_splat(ub->frame->east[c]);
            q.north[c] = v4_splat(ub->frame->north[c]);
            q.up[c] = v4_splat(ub->frame->up[c]);
        }
    for (size_t j = 0; j < nb; j += 4) {
        if (!one_terminal) {
            const size_t i[4] = {j, j + 1 < nb ? j + 1 : nb - 1, j + 2 < nb ? j + 2 : nb - 1,
                                 j + 3 < nb ? j + 3 : nb - 1};
            v4_terminals(&q, ub, i);
        }
        link_quad(buf, j, sr, &q);
    }
}

/* store_block with four doubles at a time. */
static V4_TARGET void store_block_v4(const grid_out *o, size_t base, double buf[][BLOCK],
                                     size_t nb)
{
    size_t plane = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++) {
        if (!(o->fields & (1u << k)))
            continue;
        double *dst = o->out + plane++ * o->stride + base;
        size_t j = 0;
        for (; j + 4 <= nb; j += 4)
            v4_store(dst + j, v4_load(buf[k] + j));
        for (; j < nb; j++)
            dst[j] = buf[k][j];
    }
}
#endif /* NTN_HAVE_V4 */

/* nb elements of a block into buf and status; bad elements get NaN columns. Every element
 * is computed (NaN inputs give NaN, never a trap) and the bad ones are overwritten after, so
 * the vector loop has no branches. sr: the block's satellite rows for the four-lane path,
 * NULL for the two-lane one. */
static void link_block(double buf[][BLOCK], int *status, size_t nb, const sat_block *sb,
                       const sat_rows *sr, const ue_block *ub, const carriers *cr)
{
#if NTN_HAVE_V4
    if (sr)
        link_block_v4(buf, nb, sr, ub, cr);
    else
#else
    (void)sr;
#endif
        for (size_t j = 0; j < nb; j += 2)
            link_pair(buf, j, j + 1 < nb ? j + 1 : j, sb, ub, cr);
    link_status(buf, status, nb, sb, ub);
}

/* Copy a block's selected field rows to the next plane of out at base, with four-lane moves
 * when v4. A plain memcpy of this unknown size becomes `rep movsq` (GCC 12), slower than the
 * kernel. */
static void store_block(const grid_out *o, size_t base, double buf[][BLOCK], size_t nb, int v4)
{
#if NTN_HAVE_V4
    if (v4) {
        store_block_v4(o, base, buf, nb);
        return;
    }
#else
    (void)v4;
#endif
    size_t plane = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++) {
        if (!(o->fields & (1u << k)))
            continue;
        double *dst = o->out + plane++ * o->stride + base;
        size_t j = 0;
        for (; j + 2 <= nb; j += 2)
            v2_store(dst + j, v2_load(buf[k] + j));
        if (j < nb)
            dst[j] = buf[k][j];
    }
}

static int carriers_of(carriers *cr, double freq_dl_hz, double freq_ul_hz)
{
    if (!(isfinite(freq_dl_hz) && freq_dl_hz > 0.0 && isfinite(freq_ul_hz) && freq_ul_hz > 0.0))
        return NTN_ERR_RANGE;
    cr->fields = NTN_LINK_ALL_FIELDS;
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
    const size_t n_out = ntn_size_mul(n, NTN_LINK_N_FIELDS, 1);
    if (n && (!n_out || !ntn_size_mul(n, 3, sizeof(double))))
        return NTN_ERR_LENGTH;
    if (carriers_of(&cr, freq_dl_hz, freq_ul_hz) != NTN_OK)
        return ntn_fail_nan(ntn_fail_status(NTN_ERR_RANGE, status, n), out, n_out);
    const int v4 = ntn_cpu_v4();
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
        sat_rows rows;
        link_block(buf, status + i0, nb, &sb, v4 ? sat_rows_of(&rows, &sb, nb) : NULL, &ub, &cr);
        const grid_out o = {out, n, NTN_LINK_ALL_FIELDS};
        store_block(&o, i0, buf, nb, v4);
    }
    return NTN_OK;
}

/* One satellite, one block of times, every terminal of a chunk. */
static void grid_block(const grid_out *o, int *status, const sat_block *sb,
                       const double *ue, const enu_frame *frames, const int *ue_st,
                       size_t n_ue_chunk, size_t row0, size_t n_t, size_t t0, size_t nb,
                       const carriers *cr)
{
    double buf[NTN_LINK_N_FIELDS][BLOCK];
    sat_rows rows;
    const sat_rows *sr = ntn_cpu_v4() ? sat_rows_of(&rows, sb, nb) : NULL; /* once for all terminals */
    for (size_t u = 0; u < n_ue_chunk; u++) {
        const ue_block ub = {ue + 3 * u, 0, frames + u, ue_st + u, 0};
        const size_t base = (row0 + u) * n_t + t0;
        link_block(buf, status + base, nb, sb, sr, &ub, cr);
        store_block(o, base, buf, nb, sr != NULL);
    }
}

/* ENU frames and statuses of n consecutive terminals. */
static void frames_of(enu_frame *frames, int *ue_st, const double *ue_ecef_m, size_t n)
{
    for (size_t u = 0; u < n; u++)
        ue_st[u] = frame_of(frames + u, ue_ecef_m + 3 * u);
}

/* The grid at one time (n_t == 1): each satellite against blocks of BLOCK terminals, its state
 * repeated across the block so that the lanes run over terminals (the time-blocked form
 * would compute one element per block). The same operations per element as the other forms,
 * so the same bits. */
static void grid_one_time(const grid_out *o, int *status, const double *sat_pos_m,
                          const double *sat_vel_mps, const double *sat_acc_mps2,
                          const double *ue_ecef_m, const double *gateway_ecef_m,
                          size_t n_sat, size_t n_ue, const carriers *cr)
{
    const int v4 = ntn_cpu_v4();
    for (size_t u0 = 0; u0 < n_ue; u0 += BLOCK) {
        const size_t nb = n_ue - u0 < BLOCK ? n_ue - u0 : BLOCK;
        enu_frame frames[BLOCK];
        int ue_st[BLOCK];
        frames_of(frames, ue_st, ue_ecef_m + 3 * u0, nb);
        const ue_block ub = {ue_ecef_m + 3 * u0, 3, frames, ue_st, 1};
        for (size_t s = 0; s < n_sat; s++) {
            double pos[3 * BLOCK], vel[3 * BLOCK], acc[3 * BLOCK], feeder[BLOCK];
            double buf[NTN_LINK_N_FIELDS][BLOCK];
            int sat_st[BLOCK];
            const int st = sat_prepare(feeder, sat_pos_m + 3 * s, sat_vel_mps + 3 * s,
                                       sat_acc_mps2 + 3 * s,
                                       gateway_ecef_m ? gateway_ecef_m + 3 * s : NULL);
            for (size_t j = 0; j < nb; j++) {
                memcpy(pos + 3 * j, sat_pos_m + 3 * s, 3 * sizeof(double));
                memcpy(vel + 3 * j, sat_vel_mps + 3 * s, 3 * sizeof(double));
                memcpy(acc + 3 * j, sat_acc_mps2 + 3 * s, 3 * sizeof(double));
                feeder[j] = feeder[0];
                sat_st[j] = st;
            }
            const sat_block sb = {pos, vel, acc, sat_st, feeder};
            sat_rows rows;
            link_block(buf, status + s * n_ue + u0, nb, &sb,
                       v4 ? sat_rows_of(&rows, &sb, nb) : NULL, &ub, cr);
            store_block(o, s * n_ue + u0, buf, nb, v4);
        }
    }
}

/* Number of fields set in a selection. */
static size_t field_count(unsigned fields)
{
    size_t n = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        n += (fields >> k) & 1u;
    return n;
}

int ntn_link_grid(double *out, int *status, const double *sat_pos_m, const double *sat_vel_mps,
                  const double *sat_acc_mps2, const double *ue_ecef_m,
                  const double *gateway_ecef_m, double freq_dl_hz, double freq_ul_hz,
                  size_t n_sat, size_t n_ue, size_t n_t)
{
    return ntn_link_grid_select(out, status, NTN_LINK_ALL_FIELDS, sat_pos_m, sat_vel_mps,
                                sat_acc_mps2, ue_ecef_m, gateway_ecef_m, freq_dl_hz,
                                freq_ul_hz, n_sat, n_ue, n_t);
}

int ntn_link_grid_select(double *out, int *status, unsigned fields, const double *sat_pos_m,
                         const double *sat_vel_mps, const double *sat_acc_mps2,
                         const double *ue_ecef_m, const double *gateway_ecef_m,
                         double freq_dl_hz, double freq_ul_hz, size_t n_sat, size_t n_ue,
                         size_t n_t)
{
    carriers cr;
    if (!out || !status || !sat_pos_m || !sat_vel_mps || !sat_acc_mps2 || !ue_ecef_m)
        return NTN_ERR_NULL;
    if (fields == 0 || (fields & ~(unsigned)NTN_LINK_ALL_FIELDS))
        return NTN_ERR_RANGE;
    const size_t stride = ntn_size_mul(n_sat, n_ue, n_t), planes = field_count(fields);
    const size_t n_out = ntn_size_mul(stride, planes, sizeof(double));
    if (n_sat && n_ue && n_t && (!n_out || !ntn_size_mul(n_sat, n_t, 3 * sizeof(double))))
        return NTN_ERR_LENGTH;
    if (carriers_of(&cr, freq_dl_hz, freq_ul_hz) != NTN_OK)
        return ntn_fail_nan(ntn_fail_status(NTN_ERR_RANGE, status, stride), out,
                            stride * planes);
    const grid_out o = {out, stride, fields};
    cr.fields = fields;
    if (n_t == 1) {
        grid_one_time(&o, status, sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                      gateway_ecef_m, n_sat, n_ue, &cr);
        return NTN_OK;
    }
    for (size_t u0 = 0; u0 < n_ue; u0 += UE_CHUNK) {
        const size_t nu = n_ue - u0 < UE_CHUNK ? n_ue - u0 : UE_CHUNK;
        enu_frame frames[UE_CHUNK];
        int ue_st[UE_CHUNK];
        frames_of(frames, ue_st, ue_ecef_m + 3 * u0, nu);
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
                grid_block(&o, status, &sb, ue_ecef_m + 3 * u0, frames, ue_st, nu,
                           s * n_ue + u0, n_t, t0, nb, &cr);
            }
        }
    }
    return NTN_OK;
}

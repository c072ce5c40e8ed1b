/* link.c - per (satellite, terminal, time) service- and feeder-link quantities.
 *
 * With d = p_sat - p_ue, v and a the satellite's ECEF velocity and acceleration and the
 * terminal fixed in ECEF: r = |d|, dr/dt = d.v / r, d2r/dt2 = (v.v + d.a - (dr/dt)^2) / r.
 * Doppler f_d = -f (dr/dt) / c and its rate -f (d2r/dt2) / c (docs/reference.md 1).
 *
 * Speed (the benchmarks in tests/phy/test_bench_link.py): the work is done in blocks of
 * BLOCK elements. Each side of a block is laid out as rows, one per component (sat_rows: the
 * satellite states with |v|^2, the feeder delay and the status; ue_rows: the terminals with
 * their ENU frames and status), and element j reads column j & mask of each: a side that is
 * one state for the whole block (the terminal of a time series, the satellite of a one-time
 * grid) holds it in SPLAT columns only, so the lanes run along whichever axis is long. The
 * kernel (link_lanes.h) writes the selected fields to a small stack buffer, one row per
 * field, and returns a bit per bad element, so statuses cost nothing while every element is
 * good; the rows are then copied out field by field, so the output streams are written
 * sequentially (rows a power of two apart written straight from the lanes alias in L1: 1.5x
 * slower). A streamed output (below) takes whole aligned blocks straight from eight lanes
 * instead: non-temporal stores bypass L1, and the copy was a third of the time (64 x 32 x 512
 * over two threads in a C harness: 7.8 -> 4.8 ms, the fill of the same 130 MB 4.6-5.1 ms). The kernel is built three times, with the same formulas and the same atan2:
 *   - eight lanes (AVX-512 F/DQ/VL) and four lanes (AVX2 + FMA), x86-64 only, compiled with
 *     target attributes so the module still runs on any x86-64; products summed with fused
 *     multiply-adds in the same order, so these two give the same bits;
 *   - two lanes (GCC / Clang vector extensions: SSE2 on x86-64, NEON on AArch64), which
 *     rounds differently by a few ulp (tests/phy/test_link_paths.py).
 * ntn_cpu_v4 / ntn_cpu_v5 (ntn_internal.h, the core's one CPU dispatch) pick one per call;
 * NTNPHY_NO_AVX512 and NTNPHY_NO_AVX2 (set to anything but "" or "0") force the narrower ones.
 * Per element: one square root for r and one for the horizontal distance (elevation only),
 * one reciprocal of r for both rates, one division per atan2 (only for an angle asked for). */
#include <stdint.h>
#include <string.h>

#include "ntn_internal.h"

#if NTN_HAVE_V4
#include <immintrin.h>
#endif

#define ATAN_HALF 0.46364760900080611621   /* atan(1/2) */
#define ATAN_THIRD 0.32175055439664219340  /* atan(1) - atan(1/2) = atan(1/3) */
#define BLOCK 64     /* elements per block: 15 x 64 doubles = 7.5 KiB of stack; bits of a uint64 */
#define SPLAT 8      /* columns holding a side that is one state for the block: the widest lanes */
#define UE_CHUNK 32  /* terminal frames kept on the stack at a time in the time-series grid */
#define UE_BLOCKS 4  /* blocks of terminal rows at a time in the one-time grid (5 with a
                      * head block): 34 KiB of rows and 18 KiB of frames on the stack */
/* Outputs larger than this are written with non-temporal stores (x86-64, whole 64-byte
 * lines): beyond the 1 MB L2 the lines would only pass through the caches on their
 * way out, each first read for ownership. Measured on the benchmark machine's AMD EPYC (1 MB
 * L2 per core, 32 MB L3), full-field grids into line-aligned planes, ns per element normal /
 * streamed: 2 MB 9.3 / 9.1, 4 MB 9.5 / 8.8, 16 MB 17.4 / 9.4, 25 MB 16.6 / 9.7. */
#define STREAM_MIN_BYTES ((size_t)2 << 20)
_Static_assert(BLOCK % SPLAT == 0 && BLOCK <= 64, "whole lane groups, one bit per element");

typedef struct {
    double east[3], north[3], up[3];
} enu_frame;

typedef struct {
    double k_dl, k_ul; /* -f / c for the DL and UL carriers (Hz per m/s) */
    unsigned fields;   /* the fields asked for: an angle not asked is not computed (0) */
} carriers;

/* Where results go: one plane of `stride` doubles per field set in `fields`, in field order;
 * stream: written around the caches (see grid_out_of). */
typedef struct {
    double *out;
    size_t stride;
    unsigned fields;
    int stream;
} grid_out;

/* The satellite side of a block: element j in column j & mask (BLOCK - 1, or SPLAT - 1 for
 * one state repeated); all_ok when every status of the block is NTN_OK. */
typedef struct {
    _Alignas(64) double p[3][BLOCK];
    double v[3][BLOCK], a[3][BLOCK], vv[BLOCK], feeder[BLOCK];
    int status[BLOCK];
    size_t mask;
    int all_ok;
} sat_rows;

/* The terminal side of a block, columns as in sat_rows. */
typedef struct {
    _Alignas(64) double ue[3][BLOCK];
    double east[3][BLOCK], north[3][BLOCK], up[3][BLOCK];
    int status[BLOCK];
    size_t mask;
    int all_ok;
} ue_rows;

/* ---- The kernel at three widths (link_lanes.h). Two lanes: GCC / Clang vector extensions. */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

static inline v2d v2_splat(double x)
{
    return (v2d){x, x};
}

static inline v2d v2_load(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void v2_store(double *dst, v2d v)
{
    memcpy(dst, &v, sizeof v);
}

/* GCC vectorises the two square roots into one sqrtpd (SSE2). */
static inline v2d v2_sqrt(v2d x)
{
    return (v2d){sqrt(x[0]), sqrt(x[1])};
}

static inline v2d v2_select(v2i mask, v2d a, v2d b)
{
    return (v2d)((mask & (v2i)a) | (~mask & (v2i)b));
}

static inline v2d v2_madd(v2d a, v2d b, v2d c)
{
    return a * b + c;
}

static inline v2d v2_nmadd(v2d a, v2d b, v2d c)
{
    return c - a * b;
}

/* Non-temporal store (dst 16-byte aligned; SSE2 on x86-64, a plain store elsewhere, where
 * grid_out_of never asks for streaming). */
static inline void v2_stream(double *dst, v2d v)
{
#if NTN_HAVE_V4
    _mm_stream_pd(dst, (__m128d)v);
#else
    v2_store(dst, v);
#endif
}

static inline unsigned v2_bits(v2i mask)
{
    return (unsigned)(mask[0] & 1) | (unsigned)(mask[1] & 1) << 1;
}

#define LN(name) v2_##name
#define VD v2d
#define VI v2i
#define W 2
#define LANES_ATTR
#include "link_lanes.h"
#undef LN
#undef VD
#undef VI
#undef W
#undef LANES_ATTR

#if NTN_HAVE_V4
/* The primitives of a wide build, P its prefix, M / I the intrinsics' vector type and prefix
 * (__m256d / _mm256 or __m512d / _mm512), ATTR its target: fused multiply-adds, and
 * non-temporal stores (dst aligned to the vector; store_block calls them to fill whole cache
 * lines). */
#define WIDE_PRIMITIVES(P, VD, M, I, ATTR)                                                   \
    static inline __attribute__((always_inline)) ATTR VD P##_splat(double x)                \
    {                                                                                       \
        return (VD)I##_set1_pd(x);                                                          \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR VD P##_load(const double *p)          \
    {                                                                                       \
        VD v;                                                                               \
        memcpy(&v, p, sizeof v);                                                            \
        return v;                                                                           \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR void P##_store(double *dst, VD v)     \
    {                                                                                       \
        memcpy(dst, &v, sizeof v);                                                          \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR void P##_stream(double *dst, VD v)    \
    {                                                                                       \
        I##_stream_pd(dst, (M)v);                                                           \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR VD P##_sqrt(VD x)                     \
    {                                                                                       \
        return (VD)I##_sqrt_pd((M)x);                                                       \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR VD P##_madd(VD a, VD b, VD c)         \
    {                                                                                       \
        return (VD)I##_fmadd_pd((M)a, (M)b, (M)c);                                          \
    }                                                                                       \
    static inline __attribute__((always_inline)) ATTR VD P##_nmadd(VD a, VD b, VD c)        \
    {                                                                                       \
        return (VD)I##_fnmadd_pd((M)a, (M)b, (M)c);                                         \
    }

/* Four lanes: AVX2 + FMA, chosen per call (ntn_cpu_v4). */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));
#define V4_INLINE static inline __attribute__((always_inline)) NTN_V4_TARGET
WIDE_PRIMITIVES(v4, v4d, __m256d, _mm256, NTN_V4_TARGET)

V4_INLINE v4d v4_select(v4i mask, v4d a, v4d b)
{
    return (v4d)_mm256_blendv_pd((__m256d)b, (__m256d)a, (__m256d)mask);
}

V4_INLINE unsigned v4_bits(v4i mask)
{
    return (unsigned)_mm256_movemask_pd((__m256d)mask);
}

#define LN(name) v4_##name
#define VD v4d
#define VI v4i
#define W 4
#define LANES_ATTR NTN_V4_TARGET
#include "link_lanes.h"
#undef LN
#undef VD
#undef VI
#undef W
#undef LANES_ATTR

/* Eight lanes: AVX-512 F/DQ/VL, chosen per call (ntn_cpu_v5). */
typedef double v8d __attribute__((vector_size(64)));
typedef long long v8i __attribute__((vector_size(64)));
#define V8_INLINE static inline __attribute__((always_inline)) NTN_V5_TARGET
WIDE_PRIMITIVES(v8, v8d, __m512d, _mm512, NTN_V5_TARGET)

V8_INLINE v8d v8_select(v8i mask, v8d a, v8d b)
{
    return (v8d)_mm512_mask_blend_pd(_mm512_movepi64_mask((__m512i)mask), (__m512d)b,
                                     (__m512d)a);
}

V8_INLINE unsigned v8_bits(v8i mask)
{
    return (unsigned)_mm512_movepi64_mask((__m512i)mask);
}

#define LN(name) v8_##name
#define VD v8d
#define VI v8i
#define W 8
#define LANES_ATTR NTN_V5_TARGET
#include "link_lanes.h"
#undef LN
#undef VD
#undef VI
#undef W
#undef LANES_ATTR
#endif /* NTN_HAVE_V4 */

/* The kernel's width for this call: 0 two lanes, 1 four (AVX2), 2 eight (AVX-512). */
static int lane_level(void)
{
    return ntn_cpu_v4() ? 1 + ntn_cpu_v5() : 0;
}

/* Statuses of a computed block (bad: bit j set when element j's fields are not usable);
 * bad elements get NaN columns. */
static void block_status(double buf[][BLOCK], int *status, size_t nb, uint64_t bad,
                         const sat_rows *s, const ue_rows *u)
{
    if (!bad && s->all_ok && u->all_ok) {
        memset(status, 0, nb * sizeof *status);
        return;
    }
    for (size_t j = 0; j < nb; j++) {
        int st = s->status[j & s->mask];
        if (st == NTN_OK)
            st = u->status[j & u->mask];
        if (st == NTN_OK && (bad >> j & 1u))
            st = NTN_ERR_RANGE; /* r = 0 (no direction), or finite inputs that overflow */
        status[j] = st;
        if (st != NTN_OK)
            for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
                buf[k][j] = NAN;
    }
}

/* Whether a block can go straight from the eight lanes into a streamed output: a whole
 * block, both sides all NTN_OK (no status per column), and every plane's row at base on a
 * cache line (the planes a multiple of eight doubles apart). */
static int streams_whole_lines(const grid_out *o, size_t base, size_t nb, const sat_rows *s,
                               const ue_rows *u)
{
    return o->stream && nb == BLOCK && s->all_ok && u->all_ok && o->stride % 8 == 0 &&
           (uintptr_t)(o->out + base) % 64 == 0;
}

#if NTN_HAVE_V4
/* A block as streams_whole_lines allows, on eight lanes: no stack rows, no copy; the bad
 * elements (rare) get NaN after the streamed lines are ordered before those stores. */
static void link_block_streamed(const grid_out *o, size_t base, int *status,
                                const sat_rows *s, const ue_rows *u, const carriers *cr)
{
    double *dst[NTN_LINK_N_FIELDS];
    size_t plane = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        dst[k] = (o->fields & (1u << k)) ? o->out + plane++ * o->stride + base : NULL;
    const uint64_t bad = v8_block_streamed(dst, s, u, cr);
    if (bad)
        _mm_sfence();
    for (size_t j = 0; j < BLOCK; j++) {
        status[j] = (bad >> j & 1u) ? NTN_ERR_RANGE : NTN_OK;
        for (int k = 0; (bad >> j & 1u) && k < NTN_LINK_N_FIELDS; k++)
            if (dst[k])
                dst[k][j] = NAN;
    }
}
#endif

/* nb elements of a block: computed at the call's width, statuses at status, the selected
 * fields into o at base. */
static void link_block(const grid_out *o, size_t base, int *status, size_t nb,
                       const sat_rows *s, const ue_rows *u, const carriers *cr, int level)
{
    double buf[NTN_LINK_N_FIELDS][BLOCK];
    uint64_t bad;
#if NTN_HAVE_V4
    if (level == 2 && streams_whole_lines(o, base, nb, s, u)) {
        link_block_streamed(o, base, status, s, u, cr);
        return;
    }
    if (level == 2)
        bad = v8_block(buf, nb, s, u, cr);
    else if (level == 1)
        bad = v4_block(buf, nb, s, u, cr);
    else
#else
    (void)level;
#endif
        bad = v2_block(buf, nb, s, u, cr);
    block_status(buf, status, nb, bad, s, u);
#if NTN_HAVE_V4
    if (level == 2)
        v8_store_block(o, base, buf, nb);
    else if (level == 1)
        v4_store_block(o, base, buf, nb);
    else
#endif
        v2_store_block(o, base, buf, nb);
}

/* Number of fields set in a selection. */
static size_t field_count(unsigned fields)
{
    size_t n = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++)
        n += (fields >> k) & 1u;
    return n;
}

/* Where a call's n elements of `fields` go, streamed when they are large (x86-64 only). */
static grid_out grid_out_of(double *out, size_t n, unsigned fields)
{
    const size_t bytes = ntn_size_mul(n, 4 + 8 * field_count(fields), 1);
    const grid_out o = {out, n, fields, NTN_HAVE_V4 && bytes > STREAM_MIN_BYTES};
    return o;
}

/* After a streamed call: its non-temporal stores ordered before the caller's next access. */
static void stream_done(const grid_out *o)
{
#if NTN_HAVE_V4
    if (o->stream)
        _mm_sfence();
#else
    (void)o;
#endif
}

/* ---- The two sides of a block. */

/* Strictly inside the WGS-84 ellipsoid: (x^2 + y^2) / a^2 + z^2 / b^2 < 1. */
static int inside_ellipsoid(const double *p)
{
    const double a = NTN_WGS84_A_M, b = a * (1.0 - 1.0 / NTN_WGS84_INV_F);
    const double inv_a2 = 1.0 / (a * a), inv_b2 = 1.0 / (b * b);
    return (p[0] * p[0] + p[1] * p[1]) * inv_a2 + p[2] * p[2] * inv_b2 < 1.0;
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

/* Column `to` of s as a copy of column `from`. */
static void sat_copy_column(sat_rows *s, size_t to, size_t from)
{
    for (int c = 0; c < 3; c++) {
        s->p[c][to] = s->p[c][from];
        s->v[c][to] = s->v[c][from];
        s->a[c][to] = s->a[c][from];
    }
    s->vv[to] = s->vv[from];
    s->feeder[to] = s->feeder[from];
    s->status[to] = s->status[from];
}

/* Column j of s from the state at p, v, a with gateway gw (NULL: none). */
static void sat_set_column(sat_rows *s, size_t j, const double *p, const double *v,
                           const double *a, const double *gw)
{
    s->status[j] = sat_prepare(s->feeder + j, p, v, a, gw);
    for (int c = 0; c < 3; c++) {
        s->p[c][j] = p[c];
        s->v[c][j] = v[c];
        s->a[c][j] = a[c];
    }
    s->vv[j] = ntn_dot3(v, v);
}

/* nb consecutive states (rows of 3) with gateways gw + j * gw_step (gw NULL: none), padded to
 * whole groups of SPLAT columns by repeating the last one. */
static void sat_rows_fill(sat_rows *s, const double *pos, const double *vel, const double *acc,
                          const double *gw, size_t gw_step, size_t nb)
{
    s->mask = BLOCK - 1;
    s->all_ok = 1;
    for (size_t j = 0; j < nb; j++) {
        sat_set_column(s, j, pos + 3 * j, vel + 3 * j, acc + 3 * j, gw ? gw + j * gw_step : NULL);
        s->all_ok &= s->status[j] == NTN_OK;
    }
    for (size_t j = nb; j % SPLAT; j++)
        sat_copy_column(s, j, nb - 1);
}

/* Columns 1 .. SPLAT - 1 of a row as copies of column 0 (row by row: a few vector stores). */
static void splat_row(double *row)
{
    for (size_t j = 1; j < SPLAT; j++)
        row[j] = row[0];
}

/* One state for every element of the block. */
static void sat_rows_splat(sat_rows *s, const double *p, const double *v, const double *a,
                           const double *gw)
{
    s->mask = SPLAT - 1;
    sat_set_column(s, 0, p, v, a, gw);
    s->all_ok = s->status[0] == NTN_OK;
    for (int c = 0; c < 3; c++) {
        splat_row(s->p[c]);
        splat_row(s->v[c]);
        splat_row(s->a[c]);
    }
    splat_row(s->vv);
    splat_row(s->feeder);
    for (size_t j = 1; j < SPLAT; j++)
        s->status[j] = s->status[0];
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

/* ENU frames and statuses of n consecutive terminals. */
static void frames_of(enu_frame *frames, int *ue_st, const double *ue_ecef_m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ue_st[i] = frame_of(frames + i, ue_ecef_m + 3 * i);
}

/* Column j of u: the terminal at ue with its frame and status. */
static void ue_set_column(ue_rows *u, size_t j, const double *ue, const enu_frame *f, int st)
{
    for (int c = 0; c < 3; c++) {
        u->ue[c][j] = ue[c];
        u->east[c][j] = f->east[c];
        u->north[c][j] = f->north[c];
        u->up[c][j] = f->up[c];
    }
    u->status[j] = st;
}

/* nb consecutive terminals (rows of 3, frames and statuses computed here), padded as in
 * sat_rows_fill. */
static void ue_rows_fill(ue_rows *u, const double *ue_ecef_m, size_t nb)
{
    u->mask = BLOCK - 1;
    u->all_ok = 1;
    for (size_t j = 0; j < nb + (SPLAT - nb % SPLAT) % SPLAT; j++) {
        const size_t i = j < nb ? j : nb - 1;
        enu_frame f;
        const int st = frame_of(&f, ue_ecef_m + 3 * i);
        ue_set_column(u, j, ue_ecef_m + 3 * i, &f, st);
        u->all_ok &= st == NTN_OK;
    }
}

/* One terminal for every element of the block. */
static void ue_rows_splat(ue_rows *u, const double *ue, const enu_frame *f, int st)
{
    u->mask = SPLAT - 1;
    u->all_ok = st == NTN_OK;
    ue_set_column(u, 0, ue, f, st);
    for (int c = 0; c < 3; c++) {
        splat_row(u->ue[c]);
        splat_row(u->east[c]);
        splat_row(u->north[c]);
        splat_row(u->up[c]);
    }
    for (size_t j = 1; j < SPLAT; j++)
        u->status[j] = st;
}

/* ---- Entry points. */

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
    const int level = lane_level();
    const grid_out o = grid_out_of(out, n, NTN_LINK_ALL_FIELDS);
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        const size_t nb = n - i0 < BLOCK ? n - i0 : BLOCK, off = 3 * i0;
        sat_rows s;
        ue_rows u;
        sat_rows_fill(&s, sat_pos_m + off, sat_vel_mps + off, sat_acc_mps2 + off,
                      gateway_ecef_m ? gateway_ecef_m + off : NULL, 3, nb);
        ue_rows_fill(&u, ue_ecef_m + off, nb);
        link_block(&o, i0, status + i0, nb, &s, &u, &cr, level);
    }
    stream_done(&o);
    return NTN_OK;
}

/* Rows of the terminals first .. first + nb - 1 of a chunk whose frames and statuses are
 * already computed (frames[i], ue_st[i] for terminal i of the chunk). */
static void ue_rows_of_frames(ue_rows *u, const double *chunk_ecef_m, const enu_frame *frames,
                              const int *ue_st, size_t first, size_t nb)
{
    u->mask = BLOCK - 1;
    u->all_ok = 1;
    for (size_t j = 0; j < nb + (SPLAT - nb % SPLAT) % SPLAT; j++) {
        const size_t i = first + (j < nb ? j : nb - 1);
        ue_set_column(u, j, chunk_ecef_m + 3 * i, frames + i, ue_st[i]);
        u->all_ok &= ue_st[i] == NTN_OK;
    }
}

/* The grid at one time (n_t == 1): per chunk of UE_BLOCKS blocks of BLOCK terminals (frames
 * computed once), each satellite, its state in SPLAT columns, against each block, so that the
 * lanes run over terminals. Satellite s's row of the chunk starts at s * n_ue + c0; when the
 * output is streamed and that is not on a cache line, its first `head` terminals (up to the
 * line, or all of a smaller chunk) are a block of their own and the blocks after it start on
 * lines, straight from the lanes (link_block_streamed). The blocks are built once per head
 * that occurs (at most eight; one when n_ue is a multiple of eight) and the satellites are
 * taken head by head. */
static void grid_one_time(const grid_out *o, int *status, const double *sat_pos_m,
                          const double *sat_vel_mps, const double *sat_acc_mps2,
                          const double *ue_ecef_m, const double *gateway_ecef_m,
                          size_t sat_begin, size_t sat_end, size_t n_ue, const carriers *cr,
                          int level)
{
    const size_t line = o->stream ? 8 : 1; /* doubles per cache line, when it matters */
    for (size_t c0 = 0; c0 < n_ue; c0 += UE_BLOCKS * BLOCK) {
        const size_t nc = n_ue - c0 < UE_BLOCKS * BLOCK ? n_ue - c0 : UE_BLOCKS * BLOCK;
        enu_frame frames[UE_BLOCKS * BLOCK];
        int ue_st[UE_BLOCKS * BLOCK];
        frames_of(frames, ue_st, ue_ecef_m + 3 * c0, nc);
        for (size_t head = 0; head < line && head <= nc; head++) {
            ue_rows u[UE_BLOCKS + 1];
            size_t n_blocks = 0, first[UE_BLOCKS + 1], count[UE_BLOCKS + 1];
            for (size_t s = sat_begin; s < sat_end; s++) {
                const size_t row = s * n_ue + c0, to_line = (line - row % line) % line;
                if ((to_line < nc ? to_line : nc) != head)
                    continue;
                if (!n_blocks) /* the first satellite with this head: its blocks */
                    for (size_t i0 = 0; i0 < nc; i0 += count[n_blocks++]) {
                        first[n_blocks] = i0;
                        count[n_blocks] = !i0 && head ? head : nc - i0 < BLOCK ? nc - i0 : BLOCK;
                        ue_rows_of_frames(u + n_blocks, ue_ecef_m + 3 * c0, frames, ue_st, i0,
                                          count[n_blocks]);
                    }
                sat_rows sr;
                sat_rows_splat(&sr, sat_pos_m + 3 * s, sat_vel_mps + 3 * s,
                               sat_acc_mps2 + 3 * s, gateway_ecef_m ? gateway_ecef_m + 3 * s : NULL);
                for (size_t b = 0; b < n_blocks; b++)
                    link_block(o, row + first[b], status + row + first[b], count[b], &sr, u + b,
                               cr, level);
            }
        }
    }
}

/* The grid over times: per chunk of terminals (frames computed once), per satellite, blocks
 * of BLOCK times (their rows built once for the chunk) against each terminal in SPLAT
 * columns, so that the lanes run over times. */
static void grid_times(const grid_out *o, int *status, const double *sat_pos_m,
                       const double *sat_vel_mps, const double *sat_acc_mps2,
                       const double *ue_ecef_m, const double *gateway_ecef_m, size_t sat_begin,
                       size_t sat_end, size_t n_ue, size_t n_t, const carriers *cr, int level)
{
    for (size_t u0 = 0; u0 < n_ue; u0 += UE_CHUNK) {
        const size_t nu = n_ue - u0 < UE_CHUNK ? n_ue - u0 : UE_CHUNK;
        enu_frame frames[UE_CHUNK];
        int ue_st[UE_CHUNK];
        frames_of(frames, ue_st, ue_ecef_m + 3 * u0, nu);
        for (size_t s = sat_begin; s < sat_end; s++)
            for (size_t t0 = 0; t0 < n_t; t0 += BLOCK) {
                const size_t nb = n_t - t0 < BLOCK ? n_t - t0 : BLOCK, off = 3 * (s * n_t + t0);
                sat_rows sr;
                sat_rows_fill(&sr, sat_pos_m + off, sat_vel_mps + off, sat_acc_mps2 + off,
                              gateway_ecef_m ? gateway_ecef_m + 3 * s : NULL, 0, nb);
                for (size_t i = 0; i < nu; i++) {
                    const size_t base = (s * n_ue + u0 + i) * n_t + t0;
                    ue_rows u;
                    ue_rows_splat(&u, ue_ecef_m + 3 * (u0 + i), frames + i, ue_st[i]);
                    link_block(o, base, status + base, nb, &sr, &u, cr, level);
                }
            }
    }
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
    return ntn_link_grid_rows(out, status, fields, sat_pos_m, sat_vel_mps, sat_acc_mps2,
                              ue_ecef_m, gateway_ecef_m, freq_dl_hz, freq_ul_hz, n_sat, n_ue,
                              n_t, 0, n_sat);
}

int ntn_link_grid_rows(double *out, int *status, unsigned fields, const double *sat_pos_m,
                       const double *sat_vel_mps, const double *sat_acc_mps2,
                       const double *ue_ecef_m, const double *gateway_ecef_m,
                       double freq_dl_hz, double freq_ul_hz, size_t n_sat, size_t n_ue,
                       size_t n_t, size_t sat_begin, size_t sat_end)
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
    if (sat_begin > sat_end || sat_end > n_sat)
        return NTN_ERR_RANGE;
    if (carriers_of(&cr, freq_dl_hz, freq_ul_hz) != NTN_OK) {
        /* the call's own rows only: other calls may be writing the others */
        const size_t row = n_ue * n_t, first = sat_begin * row, n = (sat_end - sat_begin) * row;
        ntn_fail_status(NTN_ERR_RANGE, status + first, n);
        for (size_t k = 0; k < planes; k++)
            ntn_fail_nan(NTN_ERR_RANGE, out + k * stride + first, n);
        return NTN_ERR_RANGE;
    }
    const int level = lane_level();
    const grid_out o = grid_out_of(out, stride, fields);
    cr.fields = fields;
    if (n_t == 1)
        grid_one_time(&o, status, sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                      gateway_ecef_m, sat_begin, sat_end, n_ue, &cr, level);
    else
        grid_times(&o, status, sat_pos_m, sat_vel_mps, sat_acc_mps2, ue_ecef_m,
                   gateway_ecef_m, sat_begin, sat_end, n_ue, n_t, &cr, level);
    stream_done(&o);
    return NTN_OK;
}

/* iq_channel.c - the streaming IQ channel (delay, Doppler, gain, noise on complex samples).
 * Contract and units: csrc/include/ntn_phy.h, section iq_channel.
 *
 * Design (see the header for the model):
 *  - Fractional delay: a 16-tap Kaiser (beta 7.4) windowed-sinc polyphase bank of 64 phases,
 *    linearly interpolated between adjacent phases. Chosen over a Farrow structure because a
 *    Farrow filter of the order needed for 60 dB costs 5-6 sub-filters per sample, while the
 *    bank costs one 16-tap filter plus a 16-tap blend; the whole table (8 KB) stays in L1.
 *    Measured error (tests/phy/test_iq_channel.py): -70 dB worst for |f| <= 0.35 rate.
 *  - Positions in fixed point (2^-32 sample): integer delays hit phase 0 exactly.
 *  - Delay within a run: the chord of the cubic (runs shortened where the cubic bends, so the
 *    chord stays within DELAY_CHORD_TOL_SAMPLES of it); range checked at the run's ends.
 *  - Doppler and gain: a double complex rotator rot *= step, step *= chirp (exact for a
 *    Doppler linear in time and a gain linear in dB), re-seeded from the exact phase. Four
 *    interleaved lanes (run offset mod 4, each stepping four samples) cut the loop-carried
 *    latency of the recurrence and fill a vector of doubles.
 *  - History in I and Q planes so one tap row serves both. Eight consecutive outputs that share
 *    a bank row and a whole delay are computed together, one vector lane each (fir8); any
 *    other sample alone (fir1) with the same operations in the same order, so grouping never
 *    changes a bit. GCC vector extensions: AVX2 + FMA where the CPU has it (ntn_cpu_v4), SSE
 *    halves elsewhere, the same IEEE arithmetic either way.
 *  - Noise: csrc/iq_noise.c (counter-based splitmix64 through a ziggurat).
 *  - Bit-identical for any block split: re-seed points depend only on the sample index and the
 *    trajectory; the state carries every running value in full precision.
 */
#include <string.h>

#include "ntn_internal.h"

#define HALF (NTN_IQ_TAPS / 2)
#define KAISER_BETA 7.4
#define FRAC_ONE 4294967296.0              /* 2^32: fixed-point unit of a sample */
#define PHASE_SHIFT 26                     /* 32 - log2(NTN_IQ_PHASES) */
#define BLEND_SCALE (1.0f / 67108864.0f)   /* 2^-26 */
#define BLEND_MASK ((1u << PHASE_SHIFT) - 1)
#define MIN_HISTORY 512                    /* > NTN_IQ_CHUNK + NTN_IQ_TAPS + the minimum delay */
#define DELAY_CHORD_TOL_SAMPLES 1e-6       /* chord vs cubic delay within a run */

_Static_assert(NTN_IQ_PHASES == (1 << (32 - PHASE_SHIFT)), "phase bits");
_Static_assert(NTN_IQ_TAPS == 16, "the Kaiser beta and the measured rejection are for 16 taps");
_Static_assert(sizeof(((ntn_iq_channel *)0)->taps) ==
               sizeof(float) * (NTN_IQ_PHASES + 1) * NTN_IQ_TAPS, "taps table matches NTN_IQ_*");
_Static_assert(sizeof(((ntn_iq_channel *)0)->dtaps) ==
               sizeof(float) * NTN_IQ_PHASES * NTN_IQ_TAPS, "dtaps table matches NTN_IQ_*");

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi" /* v8f only crosses static inline functions */
#endif
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
#define LANES 4                            /* rotator lanes, one per run offset mod 4 */


typedef struct {
    const double *t, *delay, *doppler, *gain;
    size_t n;
} trajectory;

static inline v8f load8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Modified Bessel function I0 by its power series (converges for the beta used here). */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    const double q = 0.25 * x * x;
    for (int k = 1; k < 64 && term > 1e-17 * sum; k++) {
        term *= q / ((double)k * (double)k);
        sum += term;
    }
    return sum;
}

/* Row p of the bank: taps for fractional position mu = p / NTN_IQ_PHASES; tap k multiplies
 * sample floor(pos) - (HALF - 1) + k. Rows are normalised to unit DC gain. */
static void bank_row(float *row, int p)
{
    double h[NTN_IQ_TAPS], sum = 0.0;
    const double mu = (double)p / NTN_IQ_PHASES, i0b = bessel_i0(KAISER_BETA);
    for (int k = 0; k < NTN_IQ_TAPS; k++) {
        const double x = mu + (HALF - 1) - k, r = x / HALF;
        const double s = (x == floor(x)) ? (x == 0.0) : sin(NTN_PI * x) / (NTN_PI * x);
        h[k] = s * bessel_i0(KAISER_BETA * sqrt(fmax(0.0, 1.0 - r * r))) / i0b;
        sum += h[k];
    }
    for (int k = 0; k < NTN_IQ_TAPS; k++)
        row[k] = (float)(h[k] / sum);
}

static void build_bank(ntn_iq_channel *ch)
{
    for (int p = 0; p <= NTN_IQ_PHASES; p++)
        bank_row(ch->taps[p], p);
    for (int p = 0; p < NTN_IQ_PHASES; p++)
        for (int i = 0; i < NTN_IQ_TAPS; i++)
            ch->dtaps[p][i] = ch->taps[p + 1][i] - ch->taps[p][i];
}

int ntn_iq_history_len(size_t *history_len, double max_delay_s, double rate_hz)
{
    if (!history_len)
        return NTN_ERR_NULL;
    *history_len = 0;
    if (!isfinite(max_delay_s) || !isfinite(rate_hz))
        return NTN_ERR_NAN;
    const double need = max_delay_s * rate_hz + NTN_IQ_CHUNK + NTN_IQ_TAPS + 1;
    if (rate_hz <= 0.0 || max_delay_s < 0.0 || need > 2147483648.0)
        return NTN_ERR_RANGE;
    size_t len = MIN_HISTORY;
    while ((double)len < need)
        len <<= 1;
    *history_len = len;
    return NTN_OK;
}

int ntn_iq_channel_init(ntn_iq_channel *ch, float *history, size_t history_len, double rate_hz,
                        double start_s, double noise_power, uint64_t seed)
{
    if (!ch || !history)
        return NTN_ERR_NULL;
    if (history_len < MIN_HISTORY || history_len > ((size_t)1 << 31) ||
        (history_len & (history_len - 1)) != 0)
        return NTN_ERR_LENGTH;
    if (!isfinite(rate_hz) || !isfinite(start_s) || !isfinite(noise_power))
        return NTN_ERR_NAN;
    if (rate_hz <= 0.0 || noise_power < 0.0 || noise_power > NTN_IQ_MAX_NOISE_POWER)
        return NTN_ERR_RANGE;
    memset(ch, 0, sizeof *ch);
    build_bank(ch);
    memset(history, 0, 2 * (history_len + NTN_IQ_TAPS) * sizeof(float));
    ch->history = history;
    ch->history_len = history_len;
    ch->rate_hz = rate_hz;
    ch->start_s = start_s;
    ch->noise_sigma = sqrt(0.5 * noise_power);
    ntn_iq_noise_tables(ch);
    ch->seed = seed;
    ch->t_reseed_s = start_s;
    ch->magic = NTN_IQ_MAGIC;
    return NTN_OK;
}

static double sample_time(const ntn_iq_channel *ch, uint64_t n)
{
    return ch->start_s + (double)n / ch->rate_hz;
}

/* Segment i with t[i] <= t < t[i+1] (the last segment also takes t == t[n-1]). */
static size_t find_segment(const trajectory *tr, double t, size_t hint)
{
    const size_t last = tr->n - 2;
    if (hint <= last && tr->t[hint] <= t && (t < tr->t[hint + 1] || hint == last))
        return hint;
    if (hint < last && tr->t[hint + 1] <= t && (t < tr->t[hint + 2] || hint + 1 == last))
        return hint + 1;
    size_t lo = 0, hi = last;
    while (lo < hi) {
        const size_t mid = (lo + hi + 1) / 2;
        if (tr->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Knots i and i+1 finite and ordered. */
static int knots_ok(const trajectory *tr, size_t i)
{
    for (size_t k = i; k <= i + 1 && k < tr->n; k++)
        if (!isfinite(tr->t[k]) || !isfinite(tr->delay[k]) || !isfinite(tr->doppler[k]) ||
            !isfinite(tr->gain[k]))
            return NTN_ERR_NAN;
    if (i + 1 < tr->n && !(tr->t[i] < tr->t[i + 1]))
        return NTN_ERR_NOT_ORDERED;
    return NTN_OK;
}

static double secant(const trajectory *tr, size_t i)
{
    return (tr->delay[i + 1] - tr->delay[i]) / (tr->t[i + 1] - tr->t[i]);
}

/* Delay slope at interior knot i: weighted secants, exact for a quadratic. */
static double inner_slope(const trajectory *tr, size_t i)
{
    const double h0 = tr->t[i] - tr->t[i - 1], h1 = tr->t[i + 1] - tr->t[i];
    return (h1 * secant(tr, i - 1) + h0 * secant(tr, i)) / (h0 + h1);
}

/* Delay slope at any knot (s/s); at the ends the quadratic-exact one-sided form. */
static double delay_slope(const trajectory *tr, size_t i)
{
    if (tr->n == 2)
        return secant(tr, 0);
    if (i == 0)
        return 2.0 * secant(tr, 0) - inner_slope(tr, 1);
    if (i == tr->n - 1)
        return 2.0 * secant(tr, i - 1) - inner_slope(tr, i - 1);
    return inner_slope(tr, i);
}

/* Integral of the piecewise-linear Doppler from ta to tb (ta <= tb), cycles. */
static double doppler_cycles(const trajectory *tr, double ta, double tb, size_t i)
{
    double sum = 0.0;
    while (ta < tb) {
        const double t0 = tr->t[i], h = tr->t[i + 1] - t0;
        const double end = (i + 2 < tr->n && tb > tr->t[i + 1]) ? tr->t[i + 1] : tb;
        const double k = (tr->doppler[i + 1] - tr->doppler[i]) / h;
        const double fa = tr->doppler[i] + k * (ta - t0), fb = tr->doppler[i] + k * (end - t0);
        sum += 0.5 * (fa + fb) * (end - ta);
        ta = end;
        i++;
    }
    return sum;
}

static int check_neighbours(const trajectory *tr, size_t i)
{
    int st = knots_ok(tr, i);
    if (st == NTN_OK && i > 0)
        st = knots_ok(tr, i - 1);
    if (st == NTN_OK && i + 2 < tr->n)
        st = knots_ok(tr, i + 1);
    return st;
}

/* The cubic Hermite delay of segment i at time t (samples), and a bound on its second
 * derivative over the segment (samples per sample^2). */
static double segment_delay(double *bend, const ntn_iq_channel *ch, const trajectory *tr,
                            size_t i, double t)
{
    const double h = tr->t[i + 1] - tr->t[i], y0 = tr->delay[i], y1 = tr->delay[i + 1];
    const double m0 = h * delay_slope(tr, i), m1 = h * delay_slope(tr, i + 1);
    const double a2 = 3.0 * (y1 - y0) - 2.0 * m0 - m1, a3 = 2.0 * (y0 - y1) + m0 + m1;
    const double u = (t - tr->t[i]) / h, e = 1.0 / (ch->rate_hz * h);
    *bend = ch->rate_hz * e * e * fmax(fabs(2.0 * a2), fabs(2.0 * a2 + 6.0 * a3));
    return ch->rate_hz * (y0 + u * (m0 + u * (a2 + u * a3)));
}

static void polar(double *re, double *im, double amp, double cycles)
{
    *re = amp * cos(2.0 * NTN_PI * cycles);
    *im = amp * sin(2.0 * NTN_PI * cycles);
}

/* Rotator lanes at time t in segment i (phase_cyc already at t). Sample j after t has phase
 * phase_cyc + j F + j^2 K / 2 cycles (F = f / fs, K = kf / fs^2) and gain g + j kg dB (kg per
 * sample). Lane l serves j = l mod 4 and steps four samples at a time: the step
 * phase(j + 4) - phase(j) = 4 F + K (4 j + 8) starts at 4 F + K (4 l + 8), grows by 16 K. */
static void rotator_seed(ntn_iq_channel *ch, const trajectory *tr, size_t i, double t)
{
    const double t0 = tr->t[i], h = tr->t[i + 1] - t0, fs = ch->rate_hz;
    const double kf = (tr->doppler[i + 1] - tr->doppler[i]) / h / (fs * fs);
    const double kg = (tr->gain[i + 1] - tr->gain[i]) / h / fs;
    const double f = (tr->doppler[i] + (tr->doppler[i + 1] - tr->doppler[i]) * (t - t0) / h) / fs;
    const double g = tr->gain[i] + (tr->gain[i + 1] - tr->gain[i]) * (t - t0) / h;
    for (int l = 0; l < LANES; l++) {
        polar(&ch->rot[l], &ch->rot[LANES + l], pow(10.0, (g + l * kg) / 20.0),
              ch->phase_cyc + l * f + 0.5 * l * l * kf);
        polar(&ch->step[l], &ch->step[LANES + l], pow(10.0, LANES * kg / 20.0),
              LANES * f + kf * (LANES * l + 0.5 * LANES * LANES));
    }
    polar(&ch->chirp[0], &ch->chirp[1], 1.0, LANES * LANES * kf);
}

/* Largest whole delay (samples) the history holds with a chunk written ahead. */
static uint64_t max_whole(const ntn_iq_channel *ch)
{
    return ch->history_len - NTN_IQ_CHUNK - NTN_IQ_TAPS - 1;
}

/* Re-seed at sample ch->n from the exact trajectory; sets the next run length. */
static int reseed(ntn_iq_channel *ch, const trajectory *tr)
{
    const double t = sample_time(ch, ch->n);
    const size_t i = find_segment(tr, t, ch->segment);
    int st = check_neighbours(tr, i);
    if (st != NTN_OK)
        return st;
    const size_t j = find_segment(tr, ch->t_reseed_s, i > 0 ? i - 1 : 0);
    const double cyc = ch->phase_cyc + doppler_cycles(tr, ch->t_reseed_s, t, j);
    ch->phase_cyc = cyc - floor(cyc);
    ch->t_reseed_s = t;
    ch->segment = i;
    rotator_seed(ch, tr, i, t);
    double bend;
    const double delay0 = segment_delay(&bend, ch, tr, i, t);
    const double next = ceil((tr->t[i + 1] - ch->start_s) * ch->rate_hz) - (double)ch->n;
    const double chord = bend > 0.0 ? sqrt(8.0 * DELAY_CHORD_TOL_SAMPLES / bend) : HUGE_VAL;
    const double left = fmax(1.0, floor(fmin(fmin(next, chord), (double)NTN_IQ_RESEED)));
    ch->run_left = (uint64_t)left;
    ch->run_j = 0;
    const double delay1 = segment_delay(&bend, ch, tr, i, sample_time(ch, ch->n + ch->run_left));
    if (!(fmin(delay0, delay1) >= NTN_IQ_MIN_DELAY_SAMPLES) ||
        !(ceil(fmax(delay0, delay1)) <= (double)max_whole(ch)))
        return NTN_ERR_RANGE;
    ch->delay_fx = (int64_t)floor(delay0 * FRAC_ONE + 0.5);
    ch->delay_fx_step = (int64_t)floor((delay1 - delay0) / left * FRAC_ONE + 0.5);
    return NTN_OK;
}

typedef int32_t v8i __attribute__((vector_size(32)));
typedef int32_t v4i __attribute__((vector_size(16)));
#if defined(__clang__)
#define SHUFFLE2(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#define SHUFFLE4(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SHUFFLE2(a, b, ...) __builtin_shuffle(a, b, (v8i){__VA_ARGS__})
#define SHUFFLE4(a, b, ...) __builtin_shuffle(a, b, (v4i){__VA_ARGS__})
#endif

static inline void store8(float *p, const v8f *v)
{
    memcpy(p, v, sizeof *v);
}

/* Split n interleaved samples into an I and a Q run, four at a time (one shufps each). */
static void deinterleave(float *re, float *im, const float *in, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        v4f a, b;
        memcpy(&a, in + 2 * k, sizeof a);
        memcpy(&b, in + 2 * k + 4, sizeof b);
        const v4f i_part = SHUFFLE4(a, b, 0, 2, 4, 6), q_part = SHUFFLE4(a, b, 1, 3, 5, 7);
        memcpy(re + k, &i_part, sizeof i_part);
        memcpy(im + k, &q_part, sizeof q_part);
    }
    for (; k < n; k++) {
        re[k] = in[2 * k];
        im[k] = in[2 * k + 1];
    }
}

/* Copy m input samples into the I and Q planes of the ring at index ch->n, then refresh the
 * mirrored head (the first NTN_IQ_TAPS positions repeated after the last). */
static void write_history(ntn_iq_channel *ch, const float *in, size_t m)
{
    const size_t len = ch->history_len, q0 = (size_t)(ch->n & (len - 1));
    float *re = ch->history, *im = ch->history + len + NTN_IQ_TAPS;
    const size_t before_wrap = m < len - q0 ? m : len - q0;
    deinterleave(re + q0, im + q0, in, before_wrap);
    deinterleave(re, im, in + 2 * before_wrap, m - before_wrap);
    if (q0 < NTN_IQ_TAPS || q0 + m > len) {
        memcpy(re + len, re, NTN_IQ_TAPS * sizeof(float));
        memcpy(im + len, im, NTN_IQ_TAPS * sizeof(float));
    }
}

/* Where the sample at run offset j reads: first ring index of its 16 inputs, bank row and
 * blend within the row (2^-26 units), and the whole part of its delay (samples). */
typedef struct {
    size_t q;
    uint32_t row, blend;
    uint64_t whole;
} tap_pos;

static inline tap_pos position(const ntn_iq_channel *ch, uint64_t n, int64_t j)
{
    const uint64_t dfx = (uint64_t)(ch->delay_fx + j * ch->delay_fx_step);
    const uint64_t whole = (dfx + 0xFFFFFFFFu) >> 32;
    const uint32_t mu = 0u - (uint32_t)dfx;
    const tap_pos p = {(size_t)((n - whole - (HALF - 1)) & (ch->history_len - 1)),
                       mu >> PHASE_SHIFT, mu & BLEND_MASK, whole};
    return p;
}

/* One output sample, the reference form of the filter: each tap blended as tp + a dp, the
 * products accumulated in tap order. fir8() performs the same operations in vector lanes,
 * so the two give the same bits and the output does not depend on how it was grouped. */
static inline void fir1(float *out, const ntn_iq_channel *ch, tap_pos p, float fr, float fi)
{
    const float *tp = ch->taps[p.row], *dp = ch->dtaps[p.row];
    const float *re = ch->history + p.q, *im = re + ch->history_len + NTN_IQ_TAPS;
    const float a = (float)p.blend * BLEND_SCALE;
    float yr = 0.0f, yi = 0.0f;
    for (int k = 0; k < NTN_IQ_TAPS; k++) {
        const float t = tp[k] + a * dp[k];
        yr += t * re[k];
        yi += t * im[k];
    }
    out[0] = yr * fr - yi * fi;
    out[1] = yr * fi + yi * fr;
}

/* Eight consecutive output samples that share a bank row and a whole delay (their windows
 * are consecutive): blends a8, rotator values fr/fi, interleaved I/Q into out[0..15]. */
static inline void fir8(float *out, const ntn_iq_channel *ch, tap_pos p, const float *a8,
                        const float *fr, const float *fi)
{
    const float *tp = ch->taps[p.row], *dp = ch->dtaps[p.row];
    const float *re = ch->history + p.q, *im = re + ch->history_len + NTN_IQ_TAPS;
    const v8f a = load8(a8), rr = load8(fr), ri = load8(fi);
    v8f yr = {0, 0, 0, 0, 0, 0, 0, 0}, yi = yr;
    for (int k = 0; k < NTN_IQ_TAPS; k++) {
        const v8f t = tp[k] + a * dp[k];
        yr += t * load8(re + k);
        yi += t * load8(im + k);
    }
    const v8f o_re = yr * rr - yi * ri, o_im = yr * ri + yi * rr;
    const v8f lo = SHUFFLE2(o_re, o_im, 0, 8, 1, 9, 2, 10, 3, 11);
    const v8f hi = SHUFFLE2(o_re, o_im, 4, 12, 5, 13, 6, 14, 7, 15);
    store8(out, &lo);
    store8(out + 8, &hi);
}

/* The first position of a group of eight at run offset j, when the eight share a row and a
 * whole delay and their windows do not run past the mirrored head; their blends in a8. */
static inline int group_of_8(tap_pos *p0, float *a8, const ntn_iq_channel *ch, uint64_t n,
                             int64_t j)
{
    *p0 = position(ch, n, j);
    const tap_pos p7 = position(ch, n + 7, j + 7);
    if (p7.whole != p0->whole || p7.row != p0->row || p0->q + 7 >= ch->history_len)
        return 0;
    const uint32_t mu0 = (p0->row << PHASE_SHIFT) | p0->blend;
    const uint32_t step = (uint32_t)ch->delay_fx_step;   /* mu falls as the delay grows */
    for (uint32_t i = 0; i < 8; i++)
        a8[i] = (float)((mu0 - i * step) & BLEND_MASK) * BLEND_SCALE;
    return 1;
}

/* Advance the four rotator lanes by four samples. */
static inline void step_lanes(v4d *rre, v4d *rim, v4d *sre, v4d *sim, double cre, double cim)
{
    const v4d nre = *rre * *sre - *rim * *sim, nim = *rre * *sim + *rim * *sre;
    const v4d tre = *sre * cre - *sim * cim, tim = *sre * cim + *sim * cre;
    *rre = nre;
    *rim = nim;
    *sre = tre;
    *sim = tim;
}

static inline v4d load4d(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Rotator values of the four lanes as floats into re[0..3], im[0..3]. */
static inline void lanes_to_float(float *re, float *im, const v4d *rre, const v4d *rim)
{
    const v4f a = __builtin_convertvector(*rre, v4f), b = __builtin_convertvector(*rim, v4f);
    memcpy(re, &a, sizeof a);
    memcpy(im, &b, sizeof b);
}

/* m samples of delay, Doppler and gain into out, from sample ch->n (run offset ch->run_j).
 * Rotator lane l serves run offsets j = l mod 4; the lanes step after j = 3 mod 4. Groups of
 * eight start at run offsets that are multiples of 8 (fir8), the rest go one by one (fir1);
 * both forms give the same bits. */
static inline __attribute__((always_inline)) void run_samples_on(ntn_iq_channel *ch, float *out,
                                                                  size_t m)
{
    v4d rre = load4d(ch->rot), rim = load4d(ch->rot + LANES);
    v4d sre = load4d(ch->step), sim = load4d(ch->step + LANES);
    const double cre = ch->chirp[0], cim = ch->chirp[1];
    const uint64_t n0 = ch->n;
    size_t k = 0;
    while (k < m) {
        const int64_t j = (int64_t)(ch->run_j + k);
        tap_pos p;
        float a8[8], fr[8], fi[8];
        if ((j & 7) == 0 && k + 8 <= m && group_of_8(&p, a8, ch, n0 + k, j)) {
            lanes_to_float(fr, fi, &rre, &rim);
            step_lanes(&rre, &rim, &sre, &sim, cre, cim);
            lanes_to_float(fr + LANES, fi + LANES, &rre, &rim);
            step_lanes(&rre, &rim, &sre, &sim, cre, cim);
            fir8(out + 2 * k, ch, p, a8, fr, fi);
            k += 8;
            continue;
        }
        const int lane = (int)(j & (LANES - 1));
        lanes_to_float(fr, fi, &rre, &rim);
        fir1(out + 2 * k, ch, position(ch, n0 + k, j), fr[lane], fi[lane]);
        if (lane == LANES - 1)
            step_lanes(&rre, &rim, &sre, &sim, cre, cim);
        k++;
    }
    memcpy(ch->rot, &rre, sizeof rre);
    memcpy(ch->rot + LANES, &rim, sizeof rim);
    memcpy(ch->step, &sre, sizeof sre);
    memcpy(ch->step + LANES, &sim, sizeof sim);
}

/* run_samples_on built twice (ntn_cpu_v4 in ntn_internal.h picks one per call). */
#if NTN_HAVE_V4
static NTN_V4_TARGET void run_samples_v4(ntn_iq_channel *ch, float *out, size_t m)
{
    run_samples_on(ch, out, m);
}
#endif

static void run_samples_base(ntn_iq_channel *ch, float *out, size_t m)
{
    run_samples_on(ch, out, m);
}

/* 1 when no sample is NaN or infinite (x * 0 is 0 exactly for finite x, NaN otherwise);
 * 16-byte vectors with two accumulators, registers on every x86-64. */
static int all_finite(const float *x, size_t count)
{
    v4f b0 = {0, 0, 0, 0}, b1 = b0;
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        v4f u, v;
        memcpy(&u, x + i, sizeof u);
        memcpy(&v, x + i + 4, sizeof v);
        b0 += u * 0.0f;
        b1 += v * 0.0f;
    }
    const v4f b = b0 + b1;
    float sum = (b[0] + b[1]) + (b[2] + b[3]);
    for (; i < count; i++)
        sum += x[i] * 0.0f;
    return sum == 0.0f;
}

/* One chunk (m <= NTN_IQ_CHUNK samples): history, then runs between re-seeds. */
static int process_chunk(ntn_iq_channel *ch, float *out, const float *in, size_t m,
                         const trajectory *tr, int level)
{
    write_history(ch, in, m);
    size_t k = 0;
    while (k < m) {
        if (ch->run_left == 0) {
            const int st = reseed(ch, tr);
            if (st != NTN_OK)
                return st;
        }
        const size_t r = (size_t)(ch->run_left < m - k ? ch->run_left : m - k);
#if NTN_HAVE_V4
        if (level)
            run_samples_v4(ch, out + 2 * k, r);
        else
#endif
            run_samples_base(ch, out + 2 * k, r);
        if (ch->noise_sigma > 0.0)
            ntn_iq_add_noise(ch, out + 2 * k, r, level);
        if (!all_finite(out + 2 * k, 2 * r))
            return NTN_ERR_RANGE;   /* a gain beyond float32: never a silent infinity */
        ch->n += r;
        ch->run_left -= r;
        ch->run_j += r;
        k += r;
    }
    return NTN_OK;
}

static int process(ntn_iq_channel *ch, float *out, const float *in, size_t n,
                   const double *t_s, const double *delay_s, const double *doppler_hz,
                   const double *gain_db, size_t n_traj);

int ntn_iq_channel_process(ntn_iq_channel *ch, float *out, const float *in, size_t n,
                           const double *t_s, const double *delay_s, const double *doppler_hz,
                           const double *gain_db, size_t n_traj)
{
    if (!ch || (n && (!out || !in)) || !t_s || !delay_s || !doppler_hz || !gain_db)
        return NTN_ERR_NULL;
    if (n && !ntn_size_mul(n, 2, sizeof(float)))
        return NTN_ERR_LENGTH;
    const int st = process(ch, out, in, n, t_s, delay_s, doppler_hz, gain_db, n_traj);
    if (st != NTN_OK)
        for (size_t i = 0; i < 2 * n; i++)
            out[i] = NAN;   /* the call-level error policy (ntn_phy.h) */
    return st;
}

/* ntn_iq_channel_process after its pointer and size checks. */
static int process(ntn_iq_channel *ch, float *out, const float *in, size_t n,
                   const double *t_s, const double *delay_s, const double *doppler_hz,
                   const double *gain_db, size_t n_traj)
{
    if (ch->magic != NTN_IQ_MAGIC || !ch->history)
        return NTN_ERR_STATE;
    if (n_traj < 2)
        return NTN_ERR_LENGTH;
    if (n == 0)
        return NTN_OK;
    if (!all_finite(in, 2 * n))
        return NTN_ERR_NAN;
    const trajectory tr = {t_s, delay_s, doppler_hz, gain_db, n_traj};
    if (!(ch->t_reseed_s >= t_s[0]) || !(sample_time(ch, ch->n + n - 1) <= t_s[n_traj - 1]))
        return NTN_ERR_TIME_RANGE;
    const int level = ntn_cpu_v4() ? 1 + ntn_cpu_v5() : 0;   /* the noise's build */
    for (size_t done = 0; done < n; done += NTN_IQ_CHUNK) {
        const size_t m = n - done < NTN_IQ_CHUNK ? n - done : NTN_IQ_CHUNK;
        const int st = process_chunk(ch, out + 2 * done, in + 2 * done, m, &tr, level);
        if (st != NTN_OK) {
            ch->magic = 0;
            return st;
        }
    }
    return NTN_OK;
}

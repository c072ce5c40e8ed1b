/* iq_channel.c - the streaming IQ channel (delay, Doppler, gain, noise on complex samples).
 * Contract and units: csrc/include/ntn_phy.h, section iq_channel.
 *
 * Design (see the header for the model):
 *  - Fractional delay: a 16-tap Kaiser (beta 7.4) windowed-sinc polyphase bank of 64 phases,
 *    linearly interpolated between adjacent phases. Chosen over a Farrow structure because a
 *    Farrow filter of the order needed for 60 dB costs 5-6 sub-filters per sample, while the
 *    bank costs one 16-tap filter plus a 16-tap blend; the whole table (16 KB) stays in L1.
 *    Measured error (tests/phy/test_iq_channel.py): <= -65 dB for |f| <= 0.35 rate.
 *  - Positions in fixed point (2^-32 sample): integer delays hit phase 0 exactly.
 *  - Doppler and gain: one double complex rotator rot *= step, step *= chirp (exact for a
 *    Doppler linear in time and a gain linear in dB), re-seeded from the exact phase.
 *  - Bit-identical for any block split: re-seed points depend only on the sample index and the
 *    trajectory; the state carries every running value in full precision.
 */
#include <string.h>

#include "ntn_internal.h"

#define HALF (NTN_IQ_TAPS / 2)
#define ROW (2 * NTN_IQ_TAPS)
#define KAISER_BETA 7.4
#define FRAC_ONE 4294967296.0              /* 2^32: fixed-point unit of a sample */
#define PHASE_SHIFT 26                     /* 32 - log2(NTN_IQ_PHASES) */
#define BLEND_SCALE (1.0f / 67108864.0f)   /* 2^-26 */
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL
#define MIN_HISTORY 512                    /* > NTN_IQ_CHUNK + NTN_IQ_TAPS + the minimum delay */

_Static_assert(NTN_IQ_PHASES == (1 << (32 - PHASE_SHIFT)), "phase bits");
_Static_assert(sizeof(((ntn_iq_channel *)0)->taps) ==
               sizeof(float) * (NTN_IQ_PHASES + 1) * ROW, "taps table matches NTN_IQ_*");
_Static_assert(sizeof(((ntn_iq_channel *)0)->dtaps) ==
               sizeof(float) * NTN_IQ_PHASES * ROW, "dtaps table matches NTN_IQ_*");

typedef float v4f __attribute__((vector_size(16)));

typedef struct {
    const double *t, *delay, *doppler, *gain;
    size_t n;
} trajectory;

static inline v4f load4(const float *p)
{
    v4f v;
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
        row[2 * k] = row[2 * k + 1] = (float)(h[k] / sum);
}

static void build_bank(ntn_iq_channel *ch)
{
    for (int p = 0; p <= NTN_IQ_PHASES; p++)
        bank_row(ch->taps[p], p);
    for (int p = 0; p < NTN_IQ_PHASES; p++)
        for (int i = 0; i < ROW; i++)
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
    if (rate_hz <= 0.0 || noise_power < 0.0)
        return NTN_ERR_RANGE;
    memset(ch, 0, sizeof *ch);
    build_bank(ch);
    memset(history, 0, 2 * (history_len + NTN_IQ_TAPS) * sizeof(float));
    ch->history = history;
    ch->history_len = history_len;
    ch->rate_hz = rate_hz;
    ch->start_s = start_s;
    ch->noise_sigma = sqrt(0.5 * noise_power);
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

/* Delay polynomial (samples, cubic in samples since now) of segment i at normalised u. */
static void delay_taylor(ntn_iq_channel *ch, const trajectory *tr, size_t i, double u)
{
    const double h = tr->t[i + 1] - tr->t[i], y0 = tr->delay[i], y1 = tr->delay[i + 1];
    const double m0 = h * delay_slope(tr, i), m1 = h * delay_slope(tr, i + 1);
    const double a1 = m0, a2 = 3.0 * (y1 - y0) - 2.0 * m0 - m1, a3 = 2.0 * (y0 - y1) + m0 + m1;
    const double e = 1.0 / (ch->rate_hz * h), fs = ch->rate_hz;
    ch->delay_poly[0] = fs * (y0 + u * (a1 + u * (a2 + u * a3)));
    ch->delay_poly[1] = fs * (a1 + u * (2.0 * a2 + 3.0 * a3 * u)) * e;
    ch->delay_poly[2] = fs * (a2 + 3.0 * a3 * u) * e * e;
    ch->delay_poly[3] = fs * a3 * e * e * e;
}

/* Rotator, step and chirp at time t in segment i (phase_cyc already at t). */
static void rotator_seed(ntn_iq_channel *ch, const trajectory *tr, size_t i, double t)
{
    const double t0 = tr->t[i], h = tr->t[i + 1] - t0, fs = ch->rate_hz;
    const double kf = (tr->doppler[i + 1] - tr->doppler[i]) / h;
    const double kg = (tr->gain[i + 1] - tr->gain[i]) / h;
    const double f = tr->doppler[i] + kf * (t - t0), g = tr->gain[i] + kg * (t - t0);
    const double amp = pow(10.0, g / 20.0), ratio = pow(10.0, kg / (20.0 * fs));
    const double w = 2.0 * NTN_PI * ch->phase_cyc;
    const double dw = 2.0 * NTN_PI * (f / fs + 0.5 * kf / (fs * fs));
    const double cw = 2.0 * NTN_PI * kf / (fs * fs);
    ch->rot[0] = amp * cos(w);
    ch->rot[1] = amp * sin(w);
    ch->step[0] = ratio * cos(dw);
    ch->step[1] = ratio * sin(dw);
    ch->chirp[0] = cos(cw);
    ch->chirp[1] = sin(cw);
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
    delay_taylor(ch, tr, i, (t - tr->t[i]) / (tr->t[i + 1] - tr->t[i]));
    rotator_seed(ch, tr, i, t);
    const double next = ceil((tr->t[i + 1] - ch->start_s) * ch->rate_hz);
    const double ahead = next - (double)ch->n;
    uint64_t left = NTN_IQ_RESEED;
    if (ahead < (double)left)
        left = ahead >= 1.0 ? (uint64_t)ahead : 1;
    ch->run_left = left;
    ch->run_j = 0;
    return NTN_OK;
}

/* Copy m input samples into the ring (and its mirrored head) at index ch->n. */
static void write_history(ntn_iq_channel *ch, const float *in, size_t m)
{
    const uint64_t mask = ch->history_len - 1;
    for (size_t k = 0; k < m; k++) {
        const size_t q = (size_t)((ch->n + k) & mask);
        float *dst = ch->history + 2 * q;
        dst[0] = in[2 * k];
        dst[1] = in[2 * k + 1];
        if (q < NTN_IQ_TAPS) {
            dst[2 * ch->history_len] = in[2 * k];
            dst[2 * ch->history_len + 1] = in[2 * k + 1];
        }
    }
}

/* One output sample: the bank row for fraction mu (2^-32 units) over 16 history samples. */
static inline void fir(float *yr, float *yi, const ntn_iq_channel *ch, const float *x, uint32_t mu)
{
    const float *tp = ch->taps[mu >> PHASE_SHIFT], *dp = ch->dtaps[mu >> PHASE_SHIFT];
    const float a = (float)(mu & ((1u << PHASE_SHIFT) - 1)) * BLEND_SCALE;
    const v4f av = {a, a, a, a};
    v4f acc0 = {0, 0, 0, 0}, acc1 = {0, 0, 0, 0};
    for (int i = 0; i < ROW; i += 8) {
        acc0 += (load4(tp + i) + av * load4(dp + i)) * load4(x + i);
        acc1 += (load4(tp + i + 4) + av * load4(dp + i + 4)) * load4(x + i + 4);
    }
    const v4f acc = acc0 + acc1;
    *yr = acc[0] + acc[2];
    *yi = acc[1] + acc[3];
}

/* m samples of delay, Doppler and gain into out, starting at sample ch->n. */
static int run_samples(ntn_iq_channel *ch, float *out, size_t m)
{
    const uint64_t mask = ch->history_len - 1;
    const uint64_t max_whole = ch->history_len - NTN_IQ_CHUNK - NTN_IQ_TAPS - 1;
    const double min_fixed = NTN_IQ_MIN_DELAY_SAMPLES * FRAC_ONE;
    const double *p = ch->delay_poly;
    double r0 = ch->rot[0], r1 = ch->rot[1], s0 = ch->step[0], s1 = ch->step[1];
    const double c0 = ch->chirp[0], c1 = ch->chirp[1];
    double j = (double)ch->run_j;
    for (size_t k = 0; k < m; k++, j += 1.0) {
        const double fixed = (p[0] + j * (p[1] + j * (p[2] + j * p[3]))) * FRAC_ONE + 0.5;
        if (!(fixed >= min_fixed))
            return NTN_ERR_RANGE;
        const uint64_t dfx = (uint64_t)fixed;
        const uint64_t whole = (dfx + 0xFFFFFFFFu) >> 32;
        if (whole > max_whole)
            return NTN_ERR_RANGE;
        const uint64_t first = ch->n + k - whole - (HALF - 1);
        float yr, yi;
        fir(&yr, &yi, ch, ch->history + 2 * (first & mask), (uint32_t)(0u - (uint32_t)dfx));
        const float fr0 = (float)r0, fr1 = (float)r1;
        out[2 * k] = yr * fr0 - yi * fr1;
        out[2 * k + 1] = yr * fr1 + yi * fr0;
        const double n0 = r0 * s0 - r1 * s1, n1 = r0 * s1 + r1 * s0;
        const double t0 = s0 * c0 - s1 * c1, t1 = s0 * c1 + s1 * c0;
        r0 = n0;
        r1 = n1;
        s0 = t0;
        s1 = t1;
    }
    ch->rot[0] = r0;
    ch->rot[1] = r1;
    ch->step[0] = s0;
    ch->step[1] = s1;
    return NTN_OK;
}

static inline uint64_t splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Add complex Gaussian noise for samples ch->n .. ch->n + m - 1 (Box-Muller). */
static void add_noise(const ntn_iq_channel *ch, float *out, size_t m)
{
    const double sigma = ch->noise_sigma, scale = 1.0 / FRAC_ONE;
    for (size_t k = 0; k < m; k++) {
        const uint64_t z = splitmix64(ch->seed + (ch->n + k + 1) * SPLITMIX_GAMMA);
        const double u1 = ((double)(z >> 32) + 0.5) * scale;
        const double u2 = (double)(z & 0xFFFFFFFFu) * scale;
        const double r = sigma * sqrt(-2.0 * log(u1)), w = 2.0 * NTN_PI * u2;
        out[2 * k] += (float)(r * cos(w));
        out[2 * k + 1] += (float)(r * sin(w));
    }
}

static int all_finite(const float *x, size_t count)
{
    v4f bad = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= count; i += 4)
        bad += load4(x + i) * 0.0f;
    float tail = 0.0f;
    for (; i < count; i++)
        tail += x[i] * 0.0f;
    return (bad[0] + bad[1] + bad[2] + bad[3] + tail) == 0.0f;
}

/* One chunk (m <= NTN_IQ_CHUNK samples): history, then runs between re-seeds. */
static int process_chunk(ntn_iq_channel *ch, float *out, const float *in, size_t m,
                         const trajectory *tr)
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
        const int st = run_samples(ch, out + 2 * k, r);
        if (st != NTN_OK)
            return st;
        if (ch->noise_sigma > 0.0)
            add_noise(ch, out + 2 * k, r);
        ch->n += r;
        ch->run_left -= r;
        ch->run_j += r;
        k += r;
    }
    return NTN_OK;
}

int ntn_iq_channel_process(ntn_iq_channel *ch, float *out, const float *in, size_t n,
                           const double *t_s, const double *delay_s, const double *doppler_hz,
                           const double *gain_db, size_t n_traj)
{
    if (!ch || (n && (!out || !in)) || !t_s || !delay_s || !doppler_hz || !gain_db)
        return NTN_ERR_NULL;
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
    for (size_t done = 0; done < n; done += NTN_IQ_CHUNK) {
        const size_t m = n - done < NTN_IQ_CHUNK ? n - done : NTN_IQ_CHUNK;
        const int st = process_chunk(ch, out + 2 * done, in + 2 * done, m, &tr);
        if (st != NTN_OK) {
            ch->magic = 0;
            return st;
        }
    }
    return NTN_OK;
}

/* iq_noise.c - the IQ channel's complex Gaussian noise (term w of the channel model).
 * Contract: csrc/include/ntn_phy.h, section iq_channel.
 *
 * Design:
 *  - Counter-based: sample n takes output n of splitmix64 seeded with the channel's seed, so
 *    the noise depends only on (seed, n) and never on how the stream was split into blocks.
 *  - Ziggurat (Marsaglia and Tsang, J. Stat. Softw. 5(8), 2000) of 512 layers of equal area
 *    under f(x) = exp(-x^2 / 2): 32 bits per component give the layer (bits 0-8), the sign
 *    (bit 9) and the abscissa (bits 10-31, 2^-22 of the layer width). A draw inside the
 *    layer's inner rectangle (99.2 %) costs one integer compare and one float multiply;
 *    the rest take the wedge test, a fresh candidate or the tail from further draws of a
 *    second splitmix64 stream, indexed by the component, so they stay counter-based too.
 *  - Four samples (eight components) at a time in vector lanes; a lane that misses its inner
 *    rectangle is redone by the scalar form, whose operations are the same, so the grouping
 *    never changes a bit. Built three times: baseline and AVX2 like the channel's filter
 *    (ntn_cpu_v4), and AVX-512 (ntn_cpu_v5), where splitmix64's 64-bit multiplies are one
 *    instruction (the channel with noise measured 9 % faster than on the AVX2 build). 512 layers rather than the paper's 256: 0.8 % misses instead of 1.5 %
 *    (the channel with noise measured 8 % faster; the two tables, 4 KB, stay in L1).
 *  - Table edges are computed once per channel from the recurrence
 *    x_(i+1) = f^-1(f(x_i) + area / x_i), with x_1 = r and the base layer's width
 *    x_0 = area / f(r) (rectangle plus tail).
 *  - The signal power an SNR refers to (ntn_iq_sum_squares) is summed in numpy's order, so
 *    that a recording's noise power is the same whether numpy or the C core measured it.
 */
#include <string.h>

#include "ntn_internal.h"

#define LAYERS NTN_IQ_NOISE_LAYERS
#define LAYER_BITS 9                       /* bits 0-8 of a component pick the layer */
#define LAYER_MASK (LAYERS - 1u)
#define SIGN_BIT (1u << LAYER_BITS)        /* the next bit: the sign */
#define SIGN_TO_FLOAT (31 - LAYER_BITS)    /* shift from SIGN_BIT to a float's sign bit */
#define ABSCISSA_SHIFT (LAYER_BITS + 1)    /* the rest: the abscissa */
#define ABSCISSA_ONE ((double)(1u << (31 - LAYER_BITS)))  /* abscissa units per layer width */
#define UNIT_32 (1.0 / 4294967296.0)       /* 2^-32 */

_Static_assert(LAYERS == 1 << LAYER_BITS, "LAYER_BITS pick the layer");
_Static_assert(sizeof(((ntn_iq_channel *)0)->noise_inner) == sizeof(uint32_t) * LAYERS,
               "noise tables match NTN_IQ_NOISE_LAYERS");
_Static_assert(sizeof(((ntn_iq_channel *)0)->noise_edge) == sizeof(double) * (LAYERS + 1),
               "noise edges match NTN_IQ_NOISE_LAYERS");

void ntn_iq_noise_tables(ntn_iq_channel *ch)
{
    double *x = ch->noise_edge, *f = ch->noise_height;
    const double r = NTN_IQ_NOISE_R, area = NTN_IQ_NOISE_AREA;
    x[0] = area / exp(-0.5 * r * r);
    x[1] = r;
    for (int i = 1; i < LAYERS - 1; i++)
        x[i + 1] = sqrt(-2.0 * log(exp(-0.5 * x[i] * x[i]) + area / x[i]));
    x[LAYERS] = 0.0;
    for (int i = 0; i <= LAYERS; i++)
        f[i] = exp(-0.5 * x[i] * x[i]);
    for (int i = 0; i < LAYERS; i++) {
        ch->noise_inner[i] = (uint32_t)(x[i + 1] / x[i] * ABSCISSA_ONE);
        ch->noise_width[i] = (float)(x[i] / ABSCISSA_ONE);
    }
}

/* A uniform in (0, 1) from 32 bits. */
static inline double unit_open(uint32_t bits)
{
    return ((double)bits + 0.5) * UNIT_32;
}

/* x with its sign bit flipped when the component's SIGN_BIT is set. */
static inline float with_sign(float x, uint32_t c)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    b ^= (c & SIGN_BIT) << SIGN_TO_FLOAT;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Marsaglia's tail beyond r from draw z (draw j of component q), then draws j + 1, ... */
static float tail(uint64_t seed2, uint64_t q, unsigned j, uint64_t z)
{
    const double r = NTN_IQ_NOISE_R;
    for (;;) {
        const double a = -log(unit_open((uint32_t)z)) / r;
        const double b = -log(unit_open((uint32_t)(z >> 32)));
        if (2.0 * b > a * a || ++j == NTN_IQ_NOISE_DRAWS)
            return (float)(r + a);
        z = ntn_splitmix64_at(seed2, q * NTN_IQ_NOISE_DRAWS + j);
    }
}

/* One standard normal variate from the 32 bits c of component q (I of sample n: q = 2n;
 * Q: q = 2n + 1). */
static float zig_component(const ntn_iq_channel *ch, uint32_t c, uint64_t q)
{
    const uint64_t seed2 = ch->seed ^ NTN_IQ_NOISE_RETRY_KEY;
    const double *f = ch->noise_height;
    for (unsigned j = 0;; j++) {
        const unsigned i = c & LAYER_MASK;
        const uint32_t u = c >> ABSCISSA_SHIFT;
        const float x = (float)u * ch->noise_width[i];
        if (u < ch->noise_inner[i] || j == NTN_IQ_NOISE_DRAWS)
            return with_sign(x, c);
        const uint64_t z = ntn_splitmix64_at(seed2, q * NTN_IQ_NOISE_DRAWS + j);
        if (i == 0)
            return with_sign(tail(seed2, q, j, z), c);
        const double y = f[i] + unit_open((uint32_t)z) * (f[i + 1] - f[i]);
        if (y < exp(-0.5 * (double)x * (double)x))
            return with_sign(x, c);
        c = (uint32_t)(z >> 32);
    }
}

/* Noise of sample n added to out[0] (I) and out[1] (Q). */
static void noise_one(const ntn_iq_channel *ch, float *out, uint64_t n, float sigma)
{
    const uint64_t z = ntn_splitmix64_at(ch->seed, n);
    out[0] += sigma * zig_component(ch, (uint32_t)z, 2 * n);
    out[1] += sigma * zig_component(ch, (uint32_t)(z >> 32), 2 * n + 1);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NOISE_VECTOR_LANES 1   /* the low half of a 64-bit lane is the lower 32-bit lane */
#else
#define NOISE_VECTOR_LANES 0
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi" /* vectors only cross static inline functions */
#endif
typedef uint64_t v4u64 __attribute__((vector_size(32)));
typedef uint32_t v8u32 __attribute__((vector_size(32)));
typedef int32_t v8i32 __attribute__((vector_size(32)));
typedef int64_t v4i64 __attribute__((vector_size(32)));
typedef float v8f32 __attribute__((vector_size(32)));

/* Noise of four samples from n added to out (eight components in out's I, Q order): the
 * inner-rectangle form in vector lanes, then zig_component for the lanes that missed (lane l
 * is component q = 2n + l). state: the splitmix64 states seed + (n + 1 + l) * gamma. */
static inline void noise_four(const ntn_iq_channel *ch, float *out, uint64_t n, float sigma,
                              const v4u64 *state)
{
    v4u64 z = *state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    const v8u32 c = (v8u32)z;
    v8f32 width;
    v8i32 inner;
    for (int l = 0; l < 8; l++) {
        width[l] = ch->noise_width[c[l] & LAYER_MASK];
        inner[l] = (int32_t)ch->noise_inner[c[l] & LAYER_MASK];
    }
    const v8i32 u = (v8i32)(c >> ABSCISSA_SHIFT);
    const v8i32 hit = u < inner;
    v8f32 x = (v8f32)((v8u32)(__builtin_convertvector(u, v8f32) * width) ^
                      ((c & SIGN_BIT) << SIGN_TO_FLOAT));
    const v4i64 pairs = (v4i64)hit;
    if ((pairs[0] & pairs[1] & pairs[2] & pairs[3]) != -1)
        for (int l = 0; l < 8; l++)
            if (!hit[l])
                x[l] = zig_component(ch, c[l], 2 * n + (uint64_t)l);
    v8f32 o;
    memcpy(&o, out, sizeof o);
    o += sigma * x;
    memcpy(out, &o, sizeof o);
}

static inline __attribute__((always_inline)) void add_noise_on(const ntn_iq_channel *ch,
                                                                float *out, size_t m)
{
    const float sigma = (float)ch->noise_sigma;
    const uint64_t n = ch->n;
    v4u64 state = {n + 1, n + 2, n + 3, n + 4};
    state = ch->seed + state * NTN_SPLITMIX_GAMMA;
    size_t k = 0;
    for (; NOISE_VECTOR_LANES && k + 4 <= m; k += 4) {
        noise_four(ch, out + 2 * k, n + k, sigma, &state);
        state += 4 * NTN_SPLITMIX_GAMMA;
    }
    for (; k < m; k++)
        noise_one(ch, out + 2 * k, ch->n + k, sigma);
}

#if NTN_HAVE_V4
static NTN_V4_TARGET void add_noise_v4(const ntn_iq_channel *ch, float *out, size_t m)
{
    add_noise_on(ch, out, m);
}

static NTN_V5_TARGET void add_noise_v5(const ntn_iq_channel *ch, float *out, size_t m)
{
    add_noise_on(ch, out, m);
}
#endif

static void add_noise_base(const ntn_iq_channel *ch, float *out, size_t m)
{
    add_noise_on(ch, out, m);
}

void ntn_iq_add_noise(const ntn_iq_channel *ch, float *out, size_t m, int level)
{
#if NTN_HAVE_V4
    if (level >= 2) {
        add_noise_v5(ch, out, m);
        return;
    }
    if (level == 1) {
        add_noise_v4(ch, out, m);
        return;
    }
#endif
    (void)level;
    add_noise_base(ch, out, m);
}

/* numpy's pairwise sum (numpy/_core/src/umath/loops_utils.h.src) of the float64 values of
 * the float32 squares of x[0..n): under 8 values in order; up to PAIRWISE_BLOCK in 8 lanes,
 * combined ((0+1)+(2+3))+((4+5)+(6+7)), then the rest in order; above, two halves split at a
 * multiple of 8. */
#define PAIRWISE_BLOCK 128

static double square(const float *x, size_t i)
{
    const float s = x[i] * x[i];     /* rounded to float32 first, as np.square */
    return (double)s;
}

static double pairwise_squares(const float *x, size_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += square(x, i);
        return res;
    }
    if (n <= PAIRWISE_BLOCK) {
        double r[8];
        size_t i;
        for (unsigned j = 0; j < 8; j++)
            r[j] = square(x, j);
        for (i = 8; i < n - n % 8; i += 8)
            for (unsigned j = 0; j < 8; j++)
                r[j] += square(x, i + j);
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += square(x, i);
        return res;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise_squares(x, half) + pairwise_squares(x + half, n - half);
}

int ntn_iq_sum_squares(double *total, const float *x, size_t n)
{
    if (!total || (!x && n))
        return NTN_ERR_NULL;
    double sum = *total;
    for (size_t i = 0; i < n; i += NTN_IQ_SUM_BUFFER)
        sum += pairwise_squares(x + i, n - i < NTN_IQ_SUM_BUFFER ? n - i : NTN_IQ_SUM_BUFFER);
    *total = sum;
    return NTN_OK;
}

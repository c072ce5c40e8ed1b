/* ntn_internal.h - small inline helpers shared by the C core's sources (not part of the
 * public contract; nothing here allocates or touches globals). */
#ifndef NTN_INTERNAL_H
#define NTN_INTERNAL_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "ntn_phy.h"

#define NTN_PI 3.14159265358979323846
#define NTN_DEG (NTN_PI / 180.0)
/* Lowest accepted terminal altitude: below the deepest ocean floor (about -10 994 m). */
#define NTN_MIN_ALT_M (-11000.0)

static inline double ntn_dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double ntn_norm3(const double *a)
{
    return sqrt(ntn_dot3(a, a));
}

static inline int ntn_finite3(const double *a)
{
    return isfinite(a[0]) && isfinite(a[1]) && isfinite(a[2]);
}

static inline void ntn_nan3(double *a)
{
    a[0] = a[1] = a[2] = NAN;
}

/* WGS-84 geodetic (deg, deg, m) -> ECEF (m). No validation. */
static inline void ntn_geodetic_point(double *ecef_m, double lat_deg, double lon_deg, double alt_m)
{
    const double f = 1.0 / NTN_WGS84_INV_F, e2 = f * (2.0 - f);
    const double lat = lat_deg * NTN_DEG, lon = lon_deg * NTN_DEG;
    const double sl = sin(lat), cl = cos(lat);
    const double n = NTN_WGS84_A_M / sqrt(1.0 - e2 * sl * sl);
    ecef_m[0] = (n + alt_m) * cl * cos(lon);
    ecef_m[1] = (n + alt_m) * cl * sin(lon);
    ecef_m[2] = (n * (1.0 - e2) + alt_m) * sl;
}

/* Local east, north, up unit vectors at geodetic latitude/longitude (rad). */
static inline void ntn_enu_basis(double *east, double *north, double *up, double lat, double lon)
{
    const double sl = sin(lat), cl = cos(lat), so = sin(lon), co = cos(lon);
    east[0] = -so; east[1] = co; east[2] = 0.0;
    north[0] = -sl * co; north[1] = -sl * so; north[2] = cl;
    up[0] = cl * co; up[1] = cl * so; up[2] = sl;
}

/* Geodetic latitude and longitude (rad) of an ECEF point, exact closed form (Zhu 1993).
 * Returns NTN_ERR_BELOW_GROUND for points deep inside the Earth (radius < 6000 km) and
 * NTN_ERR_RANGE beyond 1e10 m, where the closed form loses precision. */
int ntn_geodetic_of(double *lat_rad, double *lon_rad, double *alt_m, const double *ecef_m);

/* a * b (* c) as a size, 0 when the product overflows size_t: every array length the core
 * derives from its arguments goes through this, and a 0 from a nonzero product is
 * NTN_ERR_LENGTH. */
static inline size_t ntn_size_mul(size_t a, size_t b, size_t c)
{
    size_t ab, abc;
    if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc))
        return 0;
    return abc;
}

/* The call-level error policy (ntn_phy.h): NaN in count doubles of out; code in n statuses. */
static inline int ntn_fail_nan(int code, double *out, size_t count)
{
    for (size_t i = 0; i < count; i++)
        out[i] = NAN;
    return code;
}

static inline int ntn_fail_status(int code, int *status, size_t n)
{
    for (size_t i = 0; i < n; i++)
        status[i] = code;
    return code;
}

/* splitmix64 (Steele, Lea, Flood 2014): output k (k >= 0) of the stream seeded with seed,
 * seed + (k + 1) * gamma through the finaliser. The one generator of the core's random draws
 * (path-loss draws, IQ noise). */
#define NTN_SPLITMIX_GAMMA 0x9E3779B97F4A7C15ULL
static inline uint64_t ntn_splitmix64_at(uint64_t seed, uint64_t k)
{
    uint64_t z = seed + (k + 1) * NTN_SPLITMIX_GAMMA;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The one CPU dispatch of the core. Kernels with a wide path are compiled twice: the wide one
 * with NTN_V4_TARGET (AVX2 + FMA, x86-64 with GCC or Clang only), and each call picks it when
 * ntn_cpu_v4() says so. Asked at every call (no cached global, so the core keeps its "no
 * globals" promise; the CPU model is libgcc's, set before main) and overridable: the
 * environment variable NTNPHY_NO_AVX2 set to anything but "" or "0" forces the baseline path,
 * so tests compare both paths on one machine. Chosen over GCC's target_clones (load-time
 * ifunc): that cannot be overridden, needs glibc's ifunc, and is GCC-only. One kernel (the IQ
 * noise, whose counter hash multiplies 64-bit integers) has a third build for AVX-512 (F, DQ,
 * VL: native 64-bit lane multiplies), NTN_V5_TARGET, taken when ntn_cpu_v5() says so;
 * NTNPHY_NO_AVX512 forces the AVX2 path the same way. */
#if defined(__x86_64__) && defined(__GNUC__)
#define NTN_HAVE_V4 1
#define NTN_V4_TARGET __attribute__((target("avx2,fma")))
#define NTN_V5_TARGET __attribute__((target("avx2,fma,avx512f,avx512dq,avx512vl")))
#include <stdlib.h>
#include <string.h>
static inline int ntn_env_off(const char *name)
{
    const char *off = getenv(name);
    return off && *off && strcmp(off, "0") != 0;
}

static inline int ntn_cpu_v4(void)
{
    if (ntn_env_off("NTNPHY_NO_AVX2"))
        return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static inline int ntn_cpu_v5(void)
{
    return ntn_cpu_v4() && !ntn_env_off("NTNPHY_NO_AVX512") &&
           __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}
#else
#define NTN_HAVE_V4 0
#define NTN_V4_TARGET
#define NTN_V5_TARGET
static inline int ntn_cpu_v4(void)
{
    return 0;
}

static inline int ntn_cpu_v5(void)
{
    return 0;
}
#endif

/* The IQ channel's noise (csrc/iq_noise.c): the ziggurat tables of ch (at init), and the
 * noise of samples ch->n .. ch->n + m - 1 added to out (2m floats; level: 0 the baseline
 * build, 1 AVX2 (ntn_cpu_v4), 2 AVX-512 (ntn_cpu_v5)). */
void ntn_iq_noise_tables(ntn_iq_channel *ch);
void ntn_iq_add_noise(const ntn_iq_channel *ch, float *out, size_t m, int level);

#endif /* NTN_INTERNAL_H */

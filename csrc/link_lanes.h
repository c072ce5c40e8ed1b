/* link_lanes.h - the link kernel on W vector lanes, included by link.c once per lane width
 * (two, four, eight) with these macros set: LN(name) the width's prefix, VD / VI its double and
 * 64-bit integer vectors, W its lane count, LANES_ATTR its target attribute (or nothing), and
 * the primitives LN(splat), LN(load), LN(store), LN(stream) (non-temporal, aligned), LN(sqrt),
 * LN(select), LN(madd) (a b + c), LN(nmadd) (c - a b) and LN(bits) (lane k's mask -> bit k).
 * Fused on four and eight lanes, so those two give the same bits, and the two-lane build
 * differs from them by rounding only.
 *
 * atan2(y, x) in [-pi, pi]: z = min/max(|x|, |y|) in [0, 1] is reduced around c = 0
 * (z <= 1/4), 1/2 (z <= 3/4) or 1 by atan(z) = atan(c) + atan(t), t = (z - c) / (1 + z c),
 * |t| <= 1/4, and the odd series of atan(t) to t^15 leaves at most (1/4)^17 / 17 = 3.4e-12 rad
 * (2e-10 deg). Unlike libm, x = -0 counts as +0 and infinite inputs give NaN (the kernel
 * flags those elements). */

static inline __attribute__((always_inline)) LANES_ATTR VD LN(atan2)(VD y, VD x)
{
    const VI sign = (VI)LN(splat)(-0.0);
    const VD ax = (VD)((VI)x & ~sign), ay = (VD)((VI)y & ~sign);
    const VI swapped = ay > ax;
    const VD num = LN(select)(swapped, ax, ay), den = LN(select)(swapped, ay, ax);
    const VD n4 = 4.0 * num;
    const VI above1 = n4 > den, above3 = n4 > 3.0 * den; /* z > 1/4, z > 3/4 */
    const VD c = (VD)((VI)LN(splat)(0.5) & above1) + (VD)((VI)LN(splat)(0.5) & above3);
    const VD base = (VD)((VI)LN(splat)(ATAN_HALF) & above1)
                  + (VD)((VI)LN(splat)(ATAN_THIRD) & above3);
    const VD dd = LN(madd)(c, num, den);
    const VD t = LN(nmadd)(c, den, num) / LN(select)(dd > 0.0, dd, LN(splat)(1.0));
    const VD w = t * t, w2 = w * w, w4 = w2 * w2;
    const VD q0 = LN(madd)(w, LN(splat)(-1.0 / 3), LN(splat)(1.0));
    const VD q1 = LN(madd)(w, LN(splat)(-1.0 / 7), LN(splat)(1.0 / 5));
    const VD q2 = LN(madd)(w, LN(splat)(-1.0 / 11), LN(splat)(1.0 / 9));
    const VD q3 = LN(madd)(w, LN(splat)(-1.0 / 15), LN(splat)(1.0 / 13));
    const VD series = LN(madd)(w4, LN(madd)(w2, q3, q2), LN(madd)(w2, q1, q0));
    VD a = LN(madd)(t, series, base);
    a = LN(select)(swapped, 0.5 * NTN_PI - a, a);
    a = LN(select)(x < 0.0, NTN_PI - a, a);
    return (VD)(((VI)a & ~sign) | ((VI)y & sign));
}

/* (x, y, z) . column col of the rows b[0..2] */
static inline __attribute__((always_inline)) LANES_ATTR VD LN(dot)(VD x, VD y, VD z,
                                                                 const double (*b)[BLOCK],
                                                                 size_t col)
{
    return LN(madd)(z, LN(load)(b[2] + col), LN(madd)(y, LN(load)(b[1] + col),
                                                     x * LN(load)(b[0] + col)));
}

/* Elements j .. j + W - 1 of a block: the selected fields into columns j .. of buf, or with
 * dst (non-NULL) straight into the planes dst[k] at column j with non-temporal stores (range
 * and its rates, delays, Doppler, and the look angles from the look vector in the terminal's
 * frame: east e, north n, up). Returns bit k set when element j + k has r <= 0 or a field
 * that is not finite (x * 0 + probe is NaN for x inf or NaN: one multiply-add per field),
 * every field probed, selected or not, on three chains (one chain of 15 dependent
 * multiply-adds cost about 8 % of the kernel). */
static inline __attribute__((always_inline)) LANES_ATTR unsigned LN(lanes)(
    double buf[][BLOCK], double *const *dst, size_t j, const sat_rows *s, const ue_rows *u,
    const carriers *cr)
{
    const double inv_c = 1.0 / NTN_SPEED_OF_LIGHT_MPS, rad2deg = 1.0 / NTN_DEG;
    const size_t js = j & s->mask, ju = j & u->mask;
    const unsigned fields = cr->fields;
    const VD dx = LN(load)(s->p[0] + js) - LN(load)(u->ue[0] + ju);
    const VD dy = LN(load)(s->p[1] + js) - LN(load)(u->ue[1] + ju);
    const VD dz = LN(load)(s->p[2] + js) - LN(load)(u->ue[2] + ju);
    const VD r = LN(sqrt)(LN(madd)(dz, dz, LN(madd)(dy, dy, dx * dx))), ir = 1.0 / r;
    const VD rdot = LN(dot)(dx, dy, dz, s->v, js) * ir;
    const VD rddot = LN(nmadd)(rdot, rdot, LN(load)(s->vv + js) + LN(dot)(dx, dy, dz, s->a, js))
                   * ir;
    const VD e = LN(dot)(dx, dy, dz, u->east, ju), n = LN(dot)(dx, dy, dz, u->north, ju);
    const VD delay = r * inv_c, feeder = LN(load)(s->feeder + js);
    VD az = LN(splat)(0.0), el = az, probe[3] = {az, az, az};
    if (fields & (1u << NTN_LINK_AZIMUTH_DEG)) { /* atan2(-e, -n) + 180 deg, in [0, 360) */
        az = LN(madd)(LN(atan2)(-e, -n), LN(splat)(rad2deg), LN(splat)(180.0));
        az = LN(select)(az >= 360.0, az - 360.0, az);
    }
    if (fields & (1u << NTN_LINK_ELEVATION_DEG))
        el = LN(atan2)(LN(dot)(dx, dy, dz, u->up, ju), LN(sqrt)(LN(madd)(e, e, n * n)))
           * rad2deg;
#define EMIT(k, value)                                                                      \
    do {                                                                                    \
        const VD v_ = (value);                                                              \
        probe[(k) % 3] = LN(madd)(v_, LN(splat)(0.0), probe[(k) % 3]);                      \
        if ((fields & (1u << (k))) && dst)                                                  \
            LN(stream)(dst[k] + j, v_);                                                     \
        else if (fields & (1u << (k)))                                                      \
            LN(store)(buf[k] + j, v_);                                                      \
    } while (0)
    EMIT(NTN_LINK_ELEVATION_DEG, el);
    EMIT(NTN_LINK_AZIMUTH_DEG, az);
    EMIT(NTN_LINK_RANGE_M, r);
    EMIT(NTN_LINK_RANGE_RATE_MPS, rdot);
    EMIT(NTN_LINK_RANGE_ACCEL_MPS2, rddot);
    EMIT(NTN_LINK_DELAY_S, delay);
    EMIT(NTN_LINK_FEEDER_DELAY_S, feeder);
    EMIT(NTN_LINK_RTT_TRANSPARENT_S, 2.0 * (delay + feeder));
    EMIT(NTN_LINK_RTT_REGENERATIVE_S, 2.0 * delay);
    EMIT(NTN_LINK_DOPPLER_DL_HZ, cr->k_dl * rdot);
    EMIT(NTN_LINK_DOPPLER_UL_HZ, cr->k_ul * rdot);
    EMIT(NTN_LINK_DOPPLER_RATE_DL_HZ_S, cr->k_dl * rddot);
    EMIT(NTN_LINK_DOPPLER_RATE_UL_HZ_S, cr->k_ul * rddot);
    EMIT(NTN_LINK_DELAY_DRIFT_S_PER_S, rdot * inv_c);
    EMIT(NTN_LINK_TA_UE_S, 2.0 * delay);
#undef EMIT
    return LN(bits)(((probe[0] + probe[1]) + probe[2] != 0.0) | ~(r > 0.0));
}

/* nb elements of a block (columns up to the next multiple of W are computed too: the rows
 * pad them); bit j of the result set when element j is bad as LN(lanes) says. */
static LANES_ATTR uint64_t LN(block)(double buf[][BLOCK], size_t nb, const sat_rows *s,
                                     const ue_rows *u, const carriers *cr)
{
    uint64_t bad = 0;
    for (size_t j = 0; j < nb; j += W)
        bad |= (uint64_t)LN(lanes)(buf, NULL, j, s, u, cr) << j;
    return nb < 64 ? bad & (((uint64_t)1 << nb) - 1) : bad;
}

#if W == 8
/* A whole block straight from the lanes into the output planes with non-temporal stores:
 * dst[k] is field k's plane at the block (64-byte aligned; NULL when not selected), each
 * vector one whole cache line. No stack rows and no copy (the stores bypass L1, so planes a
 * power of two apart do not alias there). Bad bits as LN(block); the caller NaNs those. */
static LANES_ATTR uint64_t LN(block_streamed)(double *const *dst, const sat_rows *s,
                                              const ue_rows *u, const carriers *cr)
{
    uint64_t bad = 0;
    for (size_t j = 0; j < BLOCK; j += W)
        bad |= (uint64_t)LN(lanes)(NULL, dst, j, s, u, cr) << j;
    return bad;
}
#endif

/* The selected rows of a block into the next planes of o at base, W doubles per move (a
 * memcpy of this unknown size becomes `rep movsq` with GCC 12, slower than the kernel); with
 * o->stream, the whole cache lines of each row with non-temporal stores. */
static LANES_ATTR void LN(store_block)(const grid_out *o, size_t base, double buf[][BLOCK],
                                       size_t nb)
{
    size_t plane = 0;
    for (int k = 0; k < NTN_LINK_N_FIELDS; k++) {
        if (!(o->fields & (1u << k)))
            continue;
        double *dst = o->out + plane++ * o->stride + base;
        size_t j = 0;
        if (o->stream) { /* whole 64-byte lines only: a partly streamed line is slow */
            for (; j < nb && (uintptr_t)(dst + j) % 64; j++)
                dst[j] = buf[k][j];
            for (; j + 8 <= nb; j += 8)
                for (size_t i = 0; i < 8; i += W)
                    LN(stream)(dst + j + i, LN(load)(buf[k] + j + i));
        }
        for (; j + W <= nb; j += W)
            LN(store)(dst + j, LN(load)(buf[k] + j));
        for (; j < nb; j++)
            dst[j] = buf[k][j];
    }
}

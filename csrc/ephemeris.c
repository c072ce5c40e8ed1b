/* ephemeris.c - satellite state from sampled ECEF tables by cubic Hermite interpolation.
 *
 * On [t0, t1], h = t1 - t0, s = (t - t0) / h, the position is
 *   p(s) = H00(s) p0 + H10(s) h v0 + H01(s) p1 + H11(s) h v1
 * with the cubic Hermite basis H00 = 2s^3 - 3s^2 + 1, H10 = s^3 - 2s^2 + s,
 * H01 = -2s^3 + 3s^2, H11 = s^3 - s^2. Velocity and acceleration are dp/dt = p'(s) / h and
 * d2p/dt2 = p''(s) / h^2. Interpolation error of the position for a smooth trajectory:
 * |e| <= h^4 max|p''''| / 384 (cubic Hermite remainder). */
#include "ntn_internal.h"

/* Weights of p0, h v0, p1, h v1 for the value (w), first (d) and second (dd) s-derivative. */
typedef struct {
    double w[4], d[4], dd[4];
} hermite_weights;

static hermite_weights weights_at(double s)
{
    const double s2 = s * s, s3 = s2 * s;
    hermite_weights hw = {
        {2.0 * s3 - 3.0 * s2 + 1.0, s3 - 2.0 * s2 + s, -2.0 * s3 + 3.0 * s2, s3 - s2},
        {6.0 * s2 - 6.0 * s, 3.0 * s2 - 4.0 * s + 1.0, -6.0 * s2 + 6.0 * s, 3.0 * s2 - 2.0 * s},
        {12.0 * s - 6.0, 6.0 * s - 4.0, -12.0 * s + 6.0, 6.0 * s - 2.0},
    };
    return hw;
}

/* Index k of the interval [tt[k], tt[k+1]] holding t (tt strictly increasing, t in range). */
static size_t interval_of(const double *tt, size_t n, double t)
{
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (tt[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Call-level check of a table: strictly increasing finite times, finite samples. */
static int table_status(const double *tt, const double *pos, const double *vel, size_t n,
                        size_t n_sat)
{
    if (n < 2)
        return NTN_ERR_LENGTH;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(tt[k]) || (k > 0 && !(tt[k] > tt[k - 1])))
            return NTN_ERR_NOT_ORDERED;
    }
    for (size_t k = 0; k < 3 * n * n_sat; k++) {
        if (!isfinite(pos[k]) || !isfinite(vel[k]))
            return NTN_ERR_NAN;
    }
    return NTN_OK;
}

/* Per-time status: the interval index through *k. */
static int time_status(size_t *k, const double *tt, size_t n, double t)
{
    if (!isfinite(t))
        return NTN_ERR_NAN;
    if (t < tt[0] || t > tt[n - 1])
        return NTN_ERR_TIME_RANGE;
    *k = interval_of(tt, n, t);
    return NTN_OK;
}

/* Position, velocity and acceleration on interval k of one satellite's table. */
static void hermite_one(double *pos, double *vel, double *acc, const hermite_weights *hw,
                        double h, const double *tpos, const double *tvel, size_t k)
{
    const double *p0 = tpos + 3 * k, *p1 = p0 + 3, *v0 = tvel + 3 * k, *v1 = v0 + 3;
    const double ih = 1.0 / h, ih2 = ih * ih;
    for (int j = 0; j < 3; j++) {
        const double a = p0[j], b = h * v0[j], c = p1[j], d = h * v1[j];
        pos[j] = hw->w[0] * a + hw->w[1] * b + hw->w[2] * c + hw->w[3] * d;
        vel[j] = (hw->d[0] * a + hw->d[1] * b + hw->d[2] * c + hw->d[3] * d) * ih;
        acc[j] = (hw->dd[0] * a + hw->dd[1] * b + hw->dd[2] * c + hw->dd[3] * d) * ih2;
    }
}

int ntn_hermite_states_multi(double *pos_m, double *vel_mps, double *acc_mps2, int *status,
                             const double *t_s, size_t m, const double *table_t_s,
                             const double *table_pos_m, const double *table_vel_mps,
                             size_t n_table, size_t n_sat)
{
    if (!pos_m || !vel_mps || !acc_mps2 || !status || !t_s || !table_t_s || !table_pos_m
        || !table_vel_mps)
        return NTN_ERR_NULL;
    const size_t rows = ntn_size_mul(n_sat, m, 1), values = ntn_size_mul(rows, 3, sizeof(double));
    if ((n_sat && m && !values) || (n_sat && n_table && !ntn_size_mul(n_sat, n_table, 3 * sizeof(double))))
        return NTN_ERR_LENGTH;
    const int st = table_status(table_t_s, table_pos_m, table_vel_mps, n_table, n_sat);
    if (st != NTN_OK) {
        ntn_fail_nan(st, pos_m, 3 * rows);
        ntn_fail_nan(st, vel_mps, 3 * rows);
        ntn_fail_nan(st, acc_mps2, 3 * rows);
        return ntn_fail_status(st, status, rows);
    }
    for (size_t i = 0; i < m; i++) {
        size_t k = 0;
        const int ts = time_status(&k, table_t_s, n_table, t_s[i]);
        const double h = table_t_s[k + 1] - table_t_s[k];
        const hermite_weights hw = weights_at(ts == NTN_OK ? (t_s[i] - table_t_s[k]) / h : 0.0);
        for (size_t sat = 0; sat < n_sat; sat++) {
            const size_t row = sat * m + i;
            double *p = pos_m + 3 * row, *v = vel_mps + 3 * row, *a = acc_mps2 + 3 * row;
            status[row] = ts;
            if (ts == NTN_OK)
                hermite_one(p, v, a, &hw, h, table_pos_m + 3 * sat * n_table,
                            table_vel_mps + 3 * sat * n_table, k);
            if (ts == NTN_OK && !(ntn_finite3(p) && ntn_finite3(v) && ntn_finite3(a)))
                status[row] = NTN_ERR_RANGE;   /* finite samples whose cubic overflows */
            if (status[row] != NTN_OK) {
                ntn_nan3(p);
                ntn_nan3(v);
                ntn_nan3(a);
            }
        }
    }
    return NTN_OK;
}

int ntn_hermite_states(double *pos_m, double *vel_mps, double *acc_mps2, int *status,
                       const double *t_s, size_t m, const double *table_t_s,
                       const double *table_pos_m, const double *table_vel_mps, size_t n_table)
{
    return ntn_hermite_states_multi(pos_m, vel_mps, acc_mps2, status, t_s, m, table_t_s,
                                    table_pos_m, table_vel_mps, n_table, 1);
}

/* timing.c - 3GPP NTN timing: integer TA counts, the common-TA fit, K_offset and k_mac.
 * Clauses are given with each declaration in ntn_phy.h, section timing. */
#include "ntn_internal.h"

/* Two times (s) closer than this are the same instant (sample at the epoch). */
#define EPOCH_MATCH_S 1e-6
/* A round trip within this of a whole millisecond counts as that millisecond. */
#define MS_SLACK_S 1e-9

static int64_t round_half_up(double x)
{
    return (int64_t)floor(x + 0.5);
}

int ntn_ta_counts(int64_t *n_tc, int64_t *n_ts, int *status, const double *ta_s, size_t n)
{
    if (!n_tc || !n_ts || !status || !ta_s)
        return NTN_ERR_NULL;
    for (size_t i = 0; i < n; i++) {
        const double t = ta_s[i];
        status[i] = !isfinite(t) ? NTN_ERR_NAN
                  : (t < 0.0 || t > NTN_TA_MAX_S) ? NTN_ERR_RANGE : NTN_OK;
        n_tc[i] = status[i] == NTN_OK ? round_half_up(t * NTN_T_C_PER_S) : -1;
        n_ts[i] = status[i] == NTN_OK ? round_half_up(t * NTN_T_S_PER_S) : -1;
    }
    return NTN_OK;
}

/* Sums over the fit window with u = tau / w: S2..S4 of u^k, B1 = sum u y, B2 = sum u^2 y. */
typedef struct {
    double s2, s3, s4, b1, b2, d0, w;
    size_t n_after;
    int have_epoch;
} fit_sums;

static int in_window(double t, double epoch_s, double validity_s)
{
    return t >= epoch_s - EPOCH_MATCH_S && t <= epoch_s + validity_s;
}

/* First pass: d(epoch), the largest tau (the scale w) and the count of later samples. */
static int scan_window(fit_sums *fs, const double *t_s, const double *d, size_t n,
                       double epoch_s, double validity_s)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t_s[i]))
            return NTN_ERR_NAN;
        if (!in_window(t_s[i], epoch_s, validity_s))
            continue;
        if (!isfinite(d[i]))
            return NTN_ERR_NAN;
        const double tau = t_s[i] - epoch_s;
        if (fabs(tau) <= EPOCH_MATCH_S) {
            fs->d0 = d[i];
            fs->have_epoch = 1;
        } else {
            fs->n_after++;
            fs->w = fmax(fs->w, tau);
        }
    }
    if (!fs->have_epoch)
        return NTN_ERR_TIME_RANGE;
    return fs->n_after < 2 ? NTN_ERR_LENGTH : NTN_OK;
}

static void accumulate(fit_sums *fs, const double *t_s, const double *d, size_t n,
                       double epoch_s, double validity_s)
{
    for (size_t i = 0; i < n; i++) {
        const double tau = t_s[i] - epoch_s;
        if (!in_window(t_s[i], epoch_s, validity_s) || fabs(tau) <= EPOCH_MATCH_S)
            continue;
        const double u = tau / fs->w, u2 = u * u, y = d[i] - fs->d0;
        fs->s2 += u2;
        fs->s3 += u2 * u;
        fs->s4 += u2 * u2;
        fs->b1 += u * y;
        fs->b2 += u2 * y;
    }
}

static double max_residual(const double *t_s, const double *d, size_t n, double epoch_s,
                           double validity_s, double d0, double c1, double c2)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!in_window(t_s[i], epoch_s, validity_s))
            continue;
        const double tau = t_s[i] - epoch_s;
        worst = fmax(worst, fabs(d[i] - (d0 + c1 * tau + c2 * tau * tau)));
    }
    return worst;
}

int ntn_common_ta_fit(double *ta_common_s, double *ta_common_drift_s_per_s,
                      double *ta_common_drift_variation_s_per_s2, double *max_residual_s,
                      const double *t_s, const double *rp_delay_s, size_t n, double epoch_s,
                      double validity_s)
{
    if (!ta_common_s || !ta_common_drift_s_per_s || !ta_common_drift_variation_s_per_s2
        || !max_residual_s || !t_s || !rp_delay_s)
        return NTN_ERR_NULL;
    *ta_common_s = *ta_common_drift_s_per_s = *ta_common_drift_variation_s_per_s2 = NAN;
    *max_residual_s = NAN;
    if (!isfinite(epoch_s) || !isfinite(validity_s))
        return NTN_ERR_NAN;
    if (!(validity_s > 0.0))
        return NTN_ERR_TIME_RANGE;
    fit_sums fs = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0};
    const int st = scan_window(&fs, t_s, rp_delay_s, n, epoch_s, validity_s);
    if (st != NTN_OK)
        return st;
    accumulate(&fs, t_s, rp_delay_s, n, epoch_s, validity_s);
    const double det = fs.s2 * fs.s4 - fs.s3 * fs.s3;
    if (!(det > 1e-12 * fs.s2 * fs.s4))
        return NTN_ERR_LENGTH;
    const double c1 = (fs.b1 * fs.s4 - fs.b2 * fs.s3) / det / fs.w;
    const double c2 = (fs.s2 * fs.b2 - fs.s3 * fs.b1) / det / (fs.w * fs.w);
    *ta_common_s = 2.0 * fs.d0;
    *ta_common_drift_s_per_s = 2.0 * c1;
    *ta_common_drift_variation_s_per_s2 = 2.0 * c2;
    *max_residual_s = max_residual(t_s, rp_delay_s, n, epoch_s, validity_s, fs.d0, c1, c2);
    return NTN_OK;
}

/* ceil of a round trip in ms, forgiving MS_SLACK_S above a whole millisecond. */
static int ceil_ms(double rtt_s)
{
    return (int)ceil((rtt_s - MS_SLACK_S) * 1000.0);
}

/* The call-level error policy for integer outputs: -1 counts, the code in every status. */
static int fail_counts(int code, int *counts, int *status, size_t n)
{
    for (size_t i = 0; i < n; i++)
        counts[i] = -1;
    return ntn_fail_status(code, status, n);
}

int ntn_required_k_offset_ms(int *k_offset_ms, int *status, const double *rtt_service_s,
                             const double *ta_common_s, size_t n, int margin_ms)
{
    if (!k_offset_ms || !status || !rtt_service_s || !ta_common_s)
        return NTN_ERR_NULL;
    if (margin_ms < 0 || margin_ms > NTN_K_OFFSET_MAX_MS)
        return fail_counts(NTN_ERR_RANGE, k_offset_ms, status, n);
    for (size_t i = 0; i < n; i++) {
        const double rtt = rtt_service_s[i] + ta_common_s[i];
        int st = !isfinite(rtt) ? NTN_ERR_NAN
               : (rtt_service_s[i] < 0.0 || ta_common_s[i] < 0.0 || rtt > NTN_TA_MAX_S)
                   ? NTN_ERR_RANGE : NTN_OK;
        int k = st == NTN_OK ? ceil_ms(rtt) + margin_ms : -1;
        if (st == NTN_OK && k < 1)
            k = 1;
        if (st == NTN_OK && k > NTN_K_OFFSET_MAX_MS) {
            st = NTN_ERR_RANGE;
            k = -1;
        }
        status[i] = st;
        k_offset_ms[i] = k;
    }
    return NTN_OK;
}

static int k_mac_one(int *k, double feeder_rtt_s, double ta_common_s, int margin_ms)
{
    *k = -1;
    if (!isfinite(feeder_rtt_s) || !isfinite(ta_common_s))
        return NTN_ERR_NAN;
    const double rtt = feeder_rtt_s - ta_common_s;
    if (feeder_rtt_s < 0.0 || ta_common_s < 0.0 || rtt < -MS_SLACK_S
        || feeder_rtt_s > NTN_TA_MAX_S)
        return NTN_ERR_RANGE;
    if (rtt <= MS_SLACK_S) {
        *k = 0;
        return NTN_OK;
    }
    const int v = ceil_ms(rtt) + margin_ms;
    if (v > NTN_K_MAC_MAX_MS)
        return NTN_ERR_RANGE;
    *k = v < 1 ? 1 : v;
    return NTN_OK;
}

int ntn_required_k_mac_ms(int *k_mac_ms, int *status, const double *feeder_rtt_s,
                          const double *ta_common_s, size_t n, int margin_ms)
{
    if (!k_mac_ms || !status || !feeder_rtt_s || !ta_common_s)
        return NTN_ERR_NULL;
    if (margin_ms < 0 || margin_ms > NTN_K_MAC_MAX_MS)
        return fail_counts(NTN_ERR_RANGE, k_mac_ms, status, n);
    for (size_t i = 0; i < n; i++)
        status[i] = k_mac_one(k_mac_ms + i, feeder_rtt_s[i], ta_common_s[i], margin_ms);
    return NTN_OK;
}

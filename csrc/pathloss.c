/* pathloss.c - 3GPP TR 38.811 V15.4.0 clause 6.6: path loss of a satellite-to-ground link
 * (free space, atmospheric gases, scintillation, LOS probability, shadow fading and clutter
 * loss by elevation, environment and band), as a mean and as seeded random draws. */
#include "ntn_internal.h"

#define N_ELEV 9                 /* tabulated elevations 10, 20, ..., 90 deg */
#define N_ZENITH 100             /* zenith attenuation at 1, 2, ..., 100 GHz */
#define GAS_MIN_ELEV_DEG 5.0     /* ITU-R P.676 Annex 2: cosecant law valid from 5 deg */
#define IONO_FLUC_4GHZ_DB 1.1    /* TR 38.811 6.6.6.1.4: peak-to-peak fluctuation at 4 GHz */

/* TR 38.811 Table 6.6.1-1: LOS probability (%) at 10..90 deg; rows dense urban, urban,
 * suburban and rural. */
static const double LOS_PROBABILITY_PCT[3][N_ELEV] = {
    {28.2, 33.1, 39.8, 46.8, 53.7, 61.2, 73.8, 82.0, 98.1},
    {24.6, 38.6, 49.3, 61.3, 72.6, 80.5, 91.9, 96.8, 99.2},
    {78.2, 86.9, 91.9, 92.9, 93.5, 94.0, 94.9, 95.2, 99.8},
};

/* Shadow-fading sigma for LOS and NLOS and the NLOS clutter loss CL (dB) at 10..90 deg. */
struct sfcl {
    double sigma_los_db[N_ELEV];
    double sigma_nlos_db[N_ELEV];
    double clutter_db[N_ELEV];
};

/* [environment class][band]: TR 38.811 Table 6.6.2-1 (dense urban), Table 6.6.2-2 (urban),
 * Table 6.6.2-3 (suburban and rural); band S then Ka. */
static const struct sfcl SFCL[3][2] = {
    {   /* Table 6.6.2-1, dense urban */
        {{3.5, 3.4, 2.9, 3.0, 3.1, 2.7, 2.5, 2.3, 1.2},
         {15.5, 13.9, 12.4, 11.7, 10.6, 10.5, 10.1, 9.2, 9.2},
         {34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5}},
        {{2.9, 2.4, 2.7, 2.4, 2.4, 2.7, 2.6, 2.8, 0.6},
         {17.1, 17.1, 15.6, 14.6, 14.2, 12.6, 12.1, 12.3, 12.3},
         {44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9}},
    },
    {   /* Table 6.6.2-2, urban */
        {{4, 4, 4, 4, 4, 4, 4, 4, 4},
         {6, 6, 6, 6, 6, 6, 6, 6, 6},
         {34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5}},
        {{4, 4, 4, 4, 4, 4, 4, 4, 4},
         {6, 6, 6, 6, 6, 6, 6, 6, 6},
         {44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9}},
    },
    {   /* Table 6.6.2-3, suburban and rural */
        {{1.79, 1.14, 1.14, 0.92, 1.42, 1.56, 0.85, 0.72, 0.72},
         {8.93, 9.08, 8.78, 10.25, 10.56, 10.74, 10.17, 11.52, 11.52},
         {19.52, 18.17, 18.42, 18.28, 18.63, 17.68, 16.50, 16.30, 16.30}},
        {{1.9, 1.6, 1.9, 2.3, 2.7, 3.1, 3.0, 3.6, 0.4},
         {10.7, 10.0, 11.2, 11.6, 11.8, 10.8, 10.8, 10.8, 10.8},
         {29.5, 24.6, 21.9, 20.0, 18.7, 17.8, 17.2, 16.9, 16.8}},
    },
};

/* TR 38.811 Table 6.6.6.2.1-1: tropospheric scintillation fade (dB) at 20 GHz, 99 % of the
 * time (Toulouse), at 10..90 deg. */
static const double TROPO_SCINTILLATION_DB[N_ELEV] = {
    1.08, 0.48, 0.30, 0.22, 0.17, 0.13, 0.12, 0.12, 0.12,
};

/* Zenith attenuation by oxygen and water vapour (dB) at 1..100 GHz, the A_zenith(f) of
 * TR 38.811 eq. (6.6-8). Computed for ntnstack with ITU-R P.676-12 Annex 1 (line-by-line
 * specific attenuation integrated along the zenith path through the ITU-R P.835 mean annual
 * global reference atmosphere, surface water-vapour density 7.5 g/m3, sea level), using the
 * itur 0.4.0 package: gaseous_attenuation_slant_path(f, 90, 7.5, 1013.25, 15, mode="exact"). */
static const double ZENITH_ATTENUATION_DB[N_ZENITH] = {
    0.03139, 0.03547, 0.03696, 0.03821, 0.03961, 0.04126, 0.04322, 0.04553, 0.04827, 0.0515,
    0.05533, 0.05993, 0.06553, 0.07254, 0.0816, 0.09384, 0.1113, 0.1377, 0.1804, 0.2526,
    0.3699, 0.5047, 0.4981, 0.4041, 0.3273, 0.2795, 0.2523, 0.2381, 0.2322, 0.2319,
    0.2357, 0.2427, 0.2525, 0.2648, 0.2796, 0.297, 0.3172, 0.3405, 0.3675, 0.3988,
    0.4354, 0.4784, 0.5296, 0.5911, 0.6665, 0.7603, 0.88, 1.037, 1.252, 1.565,
    2.094, 3.189, 5.871, 12.67, 27.88, 59.65, 112.6, 122.6, 147.7, 155.1,
    157.5, 140.6, 143.7, 49.16, 22.43, 10.25, 5.227, 3.229, 2.35, 1.886,
    1.595, 1.394, 1.247, 1.138, 1.054, 0.9893, 0.9388, 0.8991, 0.8679, 0.8435,
    0.8247, 0.8103, 0.7998, 0.7925, 0.7879, 0.7856, 0.7854, 0.7871, 0.7904, 0.7952,
    0.8014, 0.8088, 0.8175, 0.8274, 0.8384, 0.8506, 0.8639, 0.8785, 0.8945, 0.9119,
};

/* Row of the nearest tabulated elevation (10..90 deg; below 10 deg the 10 deg row). */
static int elevation_row(double elevation_deg)
{
    const double k = floor((elevation_deg + 5.0) / 10.0) - 1.0;
    return k < 0.0 ? 0 : (k > N_ELEV - 1 ? N_ELEV - 1 : (int)k);
}

static int environment_class(int environment)
{
    return environment == NTN_ENV_RURAL ? NTN_ENV_SUBURBAN : environment;
}

static int valid_environment(int environment)
{
    return environment >= NTN_ENV_DENSE_URBAN && environment <= NTN_ENV_RURAL;
}

/* TR 38.811 eq. (6.6-2); one log10 of the product f_GHz * d_m. */
static double fspl_of(double distance_m, double freq_hz)
{
    return 32.45 + 20.0 * log10(freq_hz * 1e-9 * distance_m);
}

int ntn_fspl_db(double *fspl_db, int *status, const double *distance_m, const double *freq_hz,
                size_t n)
{
    if (!fspl_db || !status || !distance_m || !freq_hz)
        return NTN_ERR_NULL;
    for (size_t i = 0; i < n; i++) {
        const double d = distance_m[i], f = freq_hz[i];
        if (!isfinite(d) || !isfinite(f))
            status[i] = NTN_ERR_NAN;
        else
            status[i] = d > 0.0 && f > 0.0 ? NTN_OK : NTN_ERR_RANGE;
        const double loss = status[i] == NTN_OK ? fspl_of(d, f) : NAN;
        if (status[i] == NTN_OK && !isfinite(loss))
            status[i] = NTN_ERR_RANGE;   /* f * d overflows or underflows a double */
        fspl_db[i] = status[i] == NTN_OK ? loss : NAN;
    }
    return NTN_OK;
}

/* Linear interpolation in the 1 GHz zenith table; f_ghz in [1, 100]. */
static double zenith_of(double f_ghz)
{
    double j = floor(f_ghz) - 1.0;
    j = j < 0.0 ? 0.0 : (j > N_ZENITH - 2 ? N_ZENITH - 2 : j);
    const int k = (int)j;
    const double w = f_ghz - (j + 1.0);
    return ZENITH_ATTENUATION_DB[k] + w * (ZENITH_ATTENUATION_DB[k + 1] - ZENITH_ATTENUATION_DB[k]);
}

int ntn_gas_zenith_attenuation_db(double *zenith_db, int *status, const double *freq_hz,
                                  size_t n)
{
    if (!zenith_db || !status || !freq_hz)
        return NTN_ERR_NULL;
    for (size_t i = 0; i < n; i++) {
        const double f_ghz = freq_hz[i] * 1e-9;
        if (!isfinite(f_ghz))
            status[i] = NTN_ERR_NAN;
        else
            status[i] = f_ghz >= 1.0 && f_ghz <= 100.0 ? NTN_OK : NTN_ERR_RANGE;
        zenith_db[i] = status[i] == NTN_OK ? zenith_of(f_ghz) : NAN;
    }
    return NTN_OK;
}

/* TR 38.811 6.6.4: gas loss, or 0 where the TR calls it negligible. */
static double gas_of(double f_ghz, double elevation_deg)
{
    if (!(f_ghz >= 10.0 || (elevation_deg < 10.0 && f_ghz > 1.0)))
        return 0.0;
    const double el = elevation_deg < GAS_MIN_ELEV_DEG ? GAS_MIN_ELEV_DEG : elevation_deg;
    return zenith_of(f_ghz) / sin(el * NTN_DEG);
}

/* TR 38.811 6.6.6.1.4 (ionospheric, below the band split) or 6.6.6.2.1 (tropospheric). */
static double scintillation_of(double freq_hz, int row)
{
    if (freq_hz >= NTN_PATHLOSS_BAND_SPLIT_HZ)
        return TROPO_SCINTILLATION_DB[row];
    const double x = freq_hz / 4.0e9;   /* (f / 4 GHz)^-1.5 without pow() */
    return IONO_FLUC_4GHZ_DB / (x * sqrt(x) * sqrt(2.0));
}

int ntn_pathloss_table(double *los_probability, double *sigma_sf_los_db,
                       double *sigma_sf_nlos_db, double *clutter_loss_db,
                       double *tropo_scintillation_db, int *status, const double *elevation_deg,
                       size_t n, int environment, int band)
{
    if (!los_probability || !sigma_sf_los_db || !sigma_sf_nlos_db || !clutter_loss_db
        || !tropo_scintillation_db || !status || !elevation_deg)
        return NTN_ERR_NULL;
    if (!valid_environment(environment) || (band != NTN_BAND_S && band != NTN_BAND_KA)) {
        double *cols[] = {los_probability, sigma_sf_los_db, sigma_sf_nlos_db, clutter_loss_db,
                          tropo_scintillation_db};
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
            ntn_fail_nan(NTN_ERR_RANGE, cols[c], n);
        return ntn_fail_status(NTN_ERR_RANGE, status, n);
    }
    const int env = environment_class(environment);
    const struct sfcl *t = &SFCL[env][band];
    for (size_t i = 0; i < n; i++) {
        const double el = elevation_deg[i];
        status[i] = !isfinite(el) ? NTN_ERR_NAN : (el < 0.0 || el > 90.0 ? NTN_ERR_RANGE : NTN_OK);
        const int r = status[i] == NTN_OK ? elevation_row(el) : 0;
        const int ok = status[i] == NTN_OK;
        los_probability[i] = ok ? LOS_PROBABILITY_PCT[env][r] / 100.0 : NAN;
        sigma_sf_los_db[i] = ok ? t->sigma_los_db[r] : NAN;
        sigma_sf_nlos_db[i] = ok ? t->sigma_nlos_db[r] : NAN;
        clutter_loss_db[i] = ok ? t->clutter_db[r] : NAN;
        tropo_scintillation_db[i] = ok ? TROPO_SCINTILLATION_DB[r] : NAN;
    }
    return NTN_OK;
}

/* The deterministic terms of one element. */
struct terms {
    double fspl_db, gas_db, scintillation_db, p_los, sigma_los_db, sigma_nlos_db, clutter_db;
};

static int terms_of(struct terms *t, double distance_m, double elevation_deg, double freq_hz,
                    int environment)
{
    if (!isfinite(distance_m) || !isfinite(elevation_deg) || !isfinite(freq_hz))
        return NTN_ERR_NAN;
    if (distance_m <= 0.0 || elevation_deg < 0.0 || elevation_deg > 90.0
        || freq_hz < NTN_PATHLOSS_MIN_FREQ_HZ || freq_hz > NTN_PATHLOSS_MAX_FREQ_HZ)
        return NTN_ERR_RANGE;
    const int row = elevation_row(elevation_deg), env = environment_class(environment);
    const int band = freq_hz < NTN_PATHLOSS_BAND_SPLIT_HZ ? NTN_BAND_S : NTN_BAND_KA;
    const struct sfcl *table = &SFCL[env][band];
    t->fspl_db = fspl_of(distance_m, freq_hz);
    if (!isfinite(t->fspl_db))
        return NTN_ERR_RANGE;   /* f * d overflows a double: no finite loss */
    t->gas_db = gas_of(freq_hz * 1e-9, elevation_deg);
    t->scintillation_db = scintillation_of(freq_hz, row);
    t->p_los = LOS_PROBABILITY_PCT[env][row] / 100.0;
    t->sigma_los_db = table->sigma_los_db[row];
    t->sigma_nlos_db = table->sigma_nlos_db[row];
    t->clutter_db = table->clutter_db[row];
    return NTN_OK;
}

/* Output arrays of the mean and draw calls. */
struct outputs {
    double *total_db, *fspl_db, *gas_db, *scintillation_db, *shadow_fading_db, *clutter_db,
        *los_probability;
    int *los;
};

static void put(const struct outputs *o, size_t i, const struct terms *t, double shadow_db,
                double clutter_db, int los)
{
    o->fspl_db[i] = t->fspl_db;
    o->gas_db[i] = t->gas_db;
    o->scintillation_db[i] = t->scintillation_db;
    o->shadow_fading_db[i] = shadow_db;
    o->clutter_db[i] = clutter_db;
    o->los_probability[i] = t->p_los;
    o->los[i] = los;
    o->total_db[i] = t->fspl_db + t->gas_db + t->scintillation_db + shadow_db + clutter_db;
}

static void put_bad(const struct outputs *o, size_t i)
{
    o->total_db[i] = o->fspl_db[i] = o->gas_db[i] = o->scintillation_db[i] = NAN;
    o->shadow_fading_db[i] = o->clutter_db[i] = o->los_probability[i] = NAN;
    o->los[i] = 0;
}

static int outputs_ok(const struct outputs *o)
{
    return o->total_db && o->fspl_db && o->gas_db && o->scintillation_db && o->shadow_fading_db
        && o->clutter_db && o->los_probability && o->los;
}

/* Call-level checks shared by the mean and the draw: NULL pointers, unknown environment. */
static int call_status(const struct outputs *o, const int *status, const double *distance_m,
                       const double *elevation_deg, const double *freq_hz, int environment)
{
    if (!outputs_ok(o) || !status || !distance_m || !elevation_deg || !freq_hz)
        return NTN_ERR_NULL;
    return valid_environment(environment) ? NTN_OK : NTN_ERR_RANGE;
}

/* A uniform double in [0, 1) from the top 53 bits. */
static double unit_uniform(uint64_t x)
{
    return (double)(x >> 11) * 0x1.0p-53;
}

/* One seeded draw of element i (ntn_phy.h: outputs 3i, 3i+1, 3i+2 of the stream). */
static void put_draw(const struct outputs *o, size_t i, const struct terms *t, uint64_t seed)
{
    const uint64_t k = 3 * (uint64_t)i;
    const int is_los = unit_uniform(ntn_splitmix64_at(seed, k)) < t->p_los;
    const double u1 = 1.0 - unit_uniform(ntn_splitmix64_at(seed, k + 1));
    const double u2 = unit_uniform(ntn_splitmix64_at(seed, k + 2));
    const double z = sqrt(-2.0 * log(u1)) * cos(2.0 * NTN_PI * u2);
    const double sigma = is_los ? t->sigma_los_db : t->sigma_nlos_db;
    put(o, i, t, sigma * z, is_los ? 0.0 : t->clutter_db, is_los);
}

/* The loop of ntn_pathloss_mean (draw = 0) and ntn_pathloss_draw (draw = 1). */
static int pathloss_run(const struct outputs *o, int *status, const double *distance_m,
                        const double *elevation_deg, const double *freq_hz, size_t n,
                        int environment, int draw, uint64_t seed)
{
    const int st = call_status(o, status, distance_m, elevation_deg, freq_hz, environment);
    if (st == NTN_ERR_NULL)
        return st;
    if (st != NTN_OK) {
        for (size_t i = 0; i < n; i++)
            put_bad(o, i);
        return ntn_fail_status(st, status, n);
    }
    for (size_t i = 0; i < n; i++) {
        struct terms t;
        status[i] = terms_of(&t, distance_m[i], elevation_deg[i], freq_hz[i], environment);
        if (status[i] != NTN_OK)
            put_bad(o, i);
        else if (draw)
            put_draw(o, i, &t, seed);
        else
            put(o, i, &t, 0.0, (1.0 - t.p_los) * t.clutter_db, t.p_los >= 0.5);
    }
    return NTN_OK;
}

int ntn_pathloss_mean(double *total_db, double *fspl_db, double *gas_db,
                      double *scintillation_db, double *shadow_fading_db, double *clutter_db,
                      double *los_probability, int *los, int *status, const double *distance_m,
                      const double *elevation_deg, const double *freq_hz, size_t n,
                      int environment)
{
    const struct outputs o = {total_db, fspl_db, gas_db, scintillation_db, shadow_fading_db,
                              clutter_db, los_probability, los};
    return pathloss_run(&o, status, distance_m, elevation_deg, freq_hz, n, environment, 0, 0);
}

int ntn_pathloss_draw(double *total_db, double *fspl_db, double *gas_db,
                      double *scintillation_db, double *shadow_fading_db, double *clutter_db,
                      double *los_probability, int *los, int *status, const double *distance_m,
                      const double *elevation_deg, const double *freq_hz, size_t n,
                      int environment, uint64_t seed)
{
    const struct outputs o = {total_db, fspl_db, gas_db, scintillation_db, shadow_fading_db,
                              clutter_db, los_probability, los};
    return pathloss_run(&o, status, distance_m, elevation_deg, freq_hz, n, environment, 1,
                        seed);
}

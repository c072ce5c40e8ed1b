/* status.c - the one table from status code to message (STYLE rule 4). */
#include "ntn_phy.h"

static const char *const MESSAGES[NTN_ERR_COUNT] = {
    [NTN_OK] = "ok",
    [NTN_ERR_NULL] = "a required array is missing (NULL pointer)",
    [NTN_ERR_LENGTH] = "array lengths are zero or inconsistent",
    [NTN_ERR_NAN] = "input is NaN or infinite",
    [NTN_ERR_RANGE] = "input is outside its physical range",
    [NTN_ERR_BELOW_GROUND] = "altitude is below the Earth's surface",
    [6] = "unknown status",   /* retired code (was "not visible": nothing returned it) */
    [NTN_ERR_TIME_RANGE] = "time lies outside the sampled ephemeris table",
    [NTN_ERR_NOT_ORDERED] = "sample times are not strictly increasing",
    [NTN_ERR_NO_CONVERGE] = "iteration did not converge",
    [NTN_ERR_STATE] = "streaming state is uninitialised or corrupt",
};

const char *ntn_strerror(int status)
{
    if (status < 0 || status >= NTN_ERR_COUNT)
        return "unknown status";
    return MESSAGES[status];
}

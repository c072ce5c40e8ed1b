/* ue_ephemeris.c - see ntn_phy.h, section ue_ephemeris. */
#include "ntn_phy.h"

/* ephemeris.c - see ntn_phy.h, section ephemeris. */
#include "ntn_phy.h"

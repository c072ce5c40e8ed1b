/* timing.c - see ntn_phy.h, section timing. */
#include "ntn_phy.h"

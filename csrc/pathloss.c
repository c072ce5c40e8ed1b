/* pathloss.c - see ntn_phy.h, section pathloss. */
#include "ntn_phy.h"

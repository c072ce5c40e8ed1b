/* link.c - see ntn_phy.h, section link. */
#include "ntn_phy.h"

/* iq_channel.c - see ntn_phy.h, section iq_channel. */
#include "ntn_phy.h"

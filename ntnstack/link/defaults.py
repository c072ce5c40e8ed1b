"""Default carriers, elevation mask and payload names of the link layer (no numpy here: the
CLI's option parsers read them, and ``ntnstack --help`` must not load the numerics)."""

DEFAULT_MIN_ELEVATION_DEG = 10.0   # TR 38.821 reference scenarios, service and feeder link
DEFAULT_FREQ_DL_HZ = 2.185e9       # n256 DL centre (2170-2200 MHz, TS 38.101-5)
DEFAULT_FREQ_UL_HZ = 1.995e9       # n256 UL centre (1980-2010 MHz)
PAYLOADS = ("transparent", "regenerative")

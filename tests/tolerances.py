"""Named physical tolerances for the tests (STYLE rule 7): never a bare 1e-6."""
ONE_MILLIMETRE = 1e-3
ONE_CENTIMETRE = 1e-2
ONE_METRE = 1.0
ONE_KILOMETRE = 1e3
ONE_MICRODEGREE = 1e-6
ONE_NANOSECOND = 1e-9
TEN_NANOSECONDS = 1e-8
ONE_MICROSECOND = 1e-6
TEN_MICROSECONDS = 1e-5
ONE_MILLIHERTZ = 1e-3
ONE_HERTZ = 1.0
ONE_NANO_DB = 1e-9  # C libm vs numpy ulp-level differences after dB sums
ONE_HUNDREDTH_DB = 0.01
TENTH_DB = 0.1
# ephemeris / link / timing (tests/phy/test_ephemeris.py, test_link.py, test_timing.py)
ONE_MILLIMETRE_PER_SECOND = 1e-3
ONE_CENTIMETRE_PER_SECOND = 1e-2
ONE_MILLIMETRE_PER_SECOND2 = 1e-3
ONE_MICROHERTZ_PER_SECOND = 1e-6
ONE_PICOSECOND = 1e-12
ONE_FEMTOSECOND_PER_SECOND = 1e-15  # delay drift: 1e-15 s/s = 0.3 um/s of range rate
ONE_T_S = 1.0 / (15000 * 2048)  # TS 36.211 4: nta-Common step of SIB31 (TS 36.331)
ONE_TENTH_MILLISECOND = 1e-4
# orbit / passes / clock (tests/orbit, tests/link)
TENTH_SECOND = 0.1
ONE_SECOND = 1.0
ONE_MILLIDEGREE = 1e-3
TENTH_DEGREE = 0.1
FIVE_MICROSECONDS = 5e-6    # half the last digit of a value the TR rounds to 0.01 ms
FIFTY_MICROSECONDS = 5e-5   # half the last digit of a value the TR rounds to 0.1 ms
FIVE_KILOMETRES = 5e3       # TR 38.821 GEO distance uses R = 6378 km, TR 38.811 R = 6371 km
TWO_BODY_DOPPLER_FRACTION = 0.08  # plain two-body vs the TR's Earth-rotation assumptions
TE_UL_TIMING_15KHZ = 12 * 64 / (480000 * 4096)  # TS 38.133 7.1.2 Te, 15 kHz SCS: 390.6 ns

# NTN SIB quantisation (TS 36.331 / TS 38.331 V17.4.0 EphemerisInfo field descriptions)
HALF_VELOCITY_STEP_MPS = 0.03         # half of the 0.06 m/s velocity state-vector step

# Streaming IQ channel (issue 7 acceptance figures)
IQ_TWIN_AGREEMENT_DB = -80.0       # C core vs numpy twin: difference power below signal power
IQ_DELAY_ERROR_DB = -60.0          # fractional-delay error + image power below a tone in band
IQ_DELAY_TRACKING_SAMPLES = 0.01   # correlation peak vs the true delay along a LEO pass
IQ_PHASE_ERROR_RAD = 1e-6          # Doppler rotator phase error after one hour of samples
# export (tests/export): half the SIB19 steps of TS 38.331 V17.4.0, the target formats' grain
HALF_POSITION_STEP_M = 0.65                # PositionStateVector-r17: 1.3 m
HALF_TA_COMMON_STEP_S = 0.5 * 4.072e-9     # ta-Common-r17: 4.072e-3 us
HALF_TA_DRIFT_STEP_S_PER_S = 0.5 * 0.2e-9  # ta-CommonDrift-r17: 0.2e-3 us/s
K_OFFSET_POLICY_MS = 2                     # CellConfig margin 1 ms + rounding up to whole ms
# review of the finished layers (tests/phy geometry/pathloss, orbit, link, rrc, position)
ONE_NANODEGREE = 1e-9                 # 0.1 mm of arc on the Earth's surface
ONE_CENTIMETRE_OF_ARC_DEG = 1e-2 / 111_195.0  # 1 cm along a great circle of R = 6371 km
NMEA_HALF_MINUTE_DIGIT_DEG = 0.5e-6 / 60.0    # NMEA 0183 lat/lon carry 6 decimals of minutes
RELATIVE_ROUNDING = 1e-12             # a few double roundings (2^-52 = 2.2e-16 each)
QUANTISATION_SLACK = 1e-9             # relative: rounding of n * step at the field's largest n
SSO_INCLINATION_FRACTION = 0.01       # 98.6 deg rounded to 0.1 deg: cos(i) moves 0.6 %
ONE_HUNDREDTH_PPM = 0.01              # a tenth of the UE's +-0.1 ppm UL frequency error budget
RELATIVE_FIT_ERROR = 1e-6             # least-squares fit of 21 samples: conditioning of tau^2
ONE_MILLISECOND = 1e-3                # the ISO times of the CLI carry milliseconds

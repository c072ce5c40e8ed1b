"""IQ sample streams through the emulated channel: cf32 / SigMF files, the ZeroMQ relay of
the srsRAN ZMQ radio convention, and the channel trajectory from the link layer.

The channel itself is phy_ffi.IQChannel (C core); this package feeds it samples and builds
its delay / Doppler / gain trajectory from ntnstack.link.
"""

DEFAULT_STEP_S = 0.1      # trajectory knot spacing (s): cubic delay error < 1e-5 sample at
                          # 30.72 Msps on LEO (ntnstack.iq.trajectory); here so that the
                          # CLI's parser reads it without loading the numerics

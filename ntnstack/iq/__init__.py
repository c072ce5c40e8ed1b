"""IQ sample streams through the emulated channel: cf32 / SigMF files, the ZeroMQ relay of
the srsRAN ZMQ radio convention, and the channel trajectory from the link layer.

The channel itself is phy_ffi.IQChannel (C core); this package feeds it samples and builds
its delay / Doppler / gain trajectory from ntnstack.link.
"""

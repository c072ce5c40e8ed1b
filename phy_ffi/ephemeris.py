"""phy_ffi.ephemeris - see csrc/include/ntn_phy.h, section ephemeris."""
__all__: list[str] = []

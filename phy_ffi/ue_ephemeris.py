"""phy_ffi.ue_ephemeris - see csrc/include/ntn_phy.h, section ue_ephemeris."""
__all__: list[str] = []

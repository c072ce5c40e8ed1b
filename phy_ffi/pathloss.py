"""phy_ffi.pathloss - see csrc/include/ntn_phy.h, section pathloss."""
__all__: list[str] = []

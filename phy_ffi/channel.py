"""phy_ffi.channel - see csrc/include/ntn_phy.h, section channel."""
__all__: list[str] = []

"""phy_ffi.timing - see csrc/include/ntn_phy.h, section timing."""
__all__: list[str] = []

"""phy_ffi.link - see csrc/include/ntn_phy.h, section link."""
__all__: list[str] = []

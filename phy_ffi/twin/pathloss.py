"""numpy twin of phy_ffi.pathloss."""
__all__: list[str] = []

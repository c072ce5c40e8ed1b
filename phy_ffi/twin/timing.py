"""numpy twin of phy_ffi.timing."""
__all__: list[str] = []

"""numpy twin of phy_ffi.channel."""
__all__: list[str] = []

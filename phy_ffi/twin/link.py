"""numpy twin of phy_ffi.link."""
__all__: list[str] = []

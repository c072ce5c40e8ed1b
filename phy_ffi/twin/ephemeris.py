"""numpy twin of phy_ffi.ephemeris."""
__all__: list[str] = []

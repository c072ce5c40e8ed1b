"""numpy twin of phy_ffi.ue_ephemeris."""
__all__: list[str] = []

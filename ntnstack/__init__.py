"""ntnstack - an emulator of satellite networks (3GPP NTN, Tiantong, BeiDou) with a bridge
to real terminal hardware. See docs/design.md for the layers."""
__version__ = "0.1.0"

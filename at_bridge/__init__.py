"""at_bridge - talks to satellite terminal modules (real or virtual) over serial links.

Imports nothing from ntnstack: usable alone.
"""

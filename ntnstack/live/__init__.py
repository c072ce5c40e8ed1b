"""ntnstack.live - the NTN state of a scenario's cells, served live over WebSocket + JSON
(``ntnstack live``; schema in docs/live.md)."""
from ntnstack.live.state import SCHEMA_VERSION, LiveCells

__all__ = ["SCHEMA_VERSION", "LiveCells"]

"""ntnstack.terminals - see DESIGN.md."""

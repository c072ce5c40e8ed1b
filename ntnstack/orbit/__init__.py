"""ntnstack.orbit - see DESIGN.md."""

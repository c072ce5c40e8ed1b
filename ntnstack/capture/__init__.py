"""ntnstack.capture - see DESIGN.md."""

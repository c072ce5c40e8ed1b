"""ntnstack.stack - see DESIGN.md."""

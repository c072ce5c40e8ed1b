"""ntnstack.link - see DESIGN.md."""

"""ntnstack.runner - see DESIGN.md."""

"""ntnstack.rrc - see DESIGN.md."""

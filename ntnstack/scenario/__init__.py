"""ntnstack.scenario - see DESIGN.md."""

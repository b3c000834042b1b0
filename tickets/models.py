"""Work orders and their workflow: filled by the work-order issue."""

"""Houses, households and residents: filled by the register issue."""

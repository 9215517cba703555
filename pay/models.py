"""Models of the pay app."""

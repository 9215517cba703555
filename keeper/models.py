"""Models of the keeper app."""

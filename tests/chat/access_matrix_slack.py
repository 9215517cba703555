"""Authorization matrix cases for chat (slack)."""

CASES: dict = {}

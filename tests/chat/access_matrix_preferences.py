"""Authorization matrix cases for chat (preferences)."""

CASES: dict = {}
